#include "unpacker/bundle_reader.h"

#include "common/base/quote.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/base/hex.h"
#include "common/base/quote.h"
#include "common/base/strings.h"
#include "common/cli/console.h"
#include "common/cli/progress.h"
#include "common/format/limits.h"
#include "common/format/sha256sums.h"
#include "common/format/version.h"
#include "common/os/platform.h"
#include "common/rd/k3s_versions.h"

namespace rdbundle::unpacker {
namespace {

constexpr std::string_view kManifestName = "manifest.json";
constexpr std::string_view kSignatureName = "manifest.json.minisig";

// Discards bytes (verify-only files): the reader still hashes them.
class NullSink final : public PayloadSink {
 public:
  Status Write(std::span<const std::uint8_t>) override { return Status::Ok(); }
  Status Commit() override { return Status::Ok(); }
  void Abort() override {}
};

}  // namespace

// SHA-256 of one entry at a time. Threaded: Update queues the span (pinned in the source's
// ring, or copied when it cannot be pinned) for the "rdb-sha256" thread, so hashing runs in
// parallel with decompression and with the caller's parsing and writing; FinishHex waits for
// every queued byte. The queue is bounded (pins by the ring's depth, copies by kMaxCopied).
class HashPipe {
 public:
  HashPipe(ChunkSource& src, bool threaded) : src_(src) {
    if (threaded) worker_ = std::thread([this] { Run(); });
  }
  ~HashPipe() {
    if (!worker_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    worker_.join();
    for (const Item& it : queue_) {
      if (it.pin >= 0) src_.Unpin(it.pin);
    }
  }
  HashPipe(const HashPipe&) = delete;
  HashPipe& operator=(const HashPipe&) = delete;

  void Update(std::span<const std::uint8_t> data) {
    if (data.empty()) return;
    if (!worker_.joinable()) {
      sha_.Update(data.data(), data.size());
      return;
    }
    Item it{data.data(), data.size(), src_.Pin(data.data(), data.size()), {}};
    if (it.pin < 0) {
      it.copy.assign(data.begin(), data.end());
      it.p = it.copy.data();
    }
    std::unique_lock<std::mutex> lock(mu_);
    room_cv_.wait(lock, [&] { return queue_.size() < kMaxItems && copied_ <= kMaxCopied; });
    copied_ += it.copy.size();
    queue_.push_back(std::move(it));
    work_cv_.notify_one();
  }

  // The digest of everything since the last FinishHex/Discard; resets.
  std::string FinishHex() {
    Drain();
    return sha_.FinishHex();
  }
  void Discard() { (void)FinishHex(); }

 private:
  static constexpr std::size_t kMaxItems = 64;
  static constexpr std::size_t kMaxCopied = 4u << 20;
  struct Item {
    const std::uint8_t* p;
    std::size_t n;
    int pin;
    std::vector<std::uint8_t> copy;  // when not pinned (p points into it)
  };

  void Drain() {
    if (!worker_.joinable()) return;
    std::unique_lock<std::mutex> lock(mu_);
    room_cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
  }

  void Run() {
    NameThisThread("rdb-sha256");
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      work_cv_.wait(lock, [&] { return !queue_.empty() || stop_; });
      if (stop_) return;
      Item it = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      lock.unlock();
      sha_.Update(it.p, it.n);
      if (it.pin >= 0) src_.Unpin(it.pin);
      lock.lock();
      busy_ = false;
      copied_ -= it.copy.size();
      room_cv_.notify_one();
    }
  }

  ChunkSource& src_;
  Sha256 sha_;  // the worker's while it is busy; the caller's after Drain
  std::mutex mu_;
  std::condition_variable work_cv_, room_cv_;
  std::deque<Item> queue_;
  std::size_t copied_ = 0;
  bool busy_ = false;
  bool stop_ = false;
  std::thread worker_;  // last: starts after every other member is constructed
};

BundleReader::BundleReader(std::unique_ptr<ReadableFile> in, std::string what,
                           const BundleReaderOptions& opts)
    : what_(std::move(what)), opts_(opts) {
  auto zstd = std::make_unique<ZstdSource>(std::move(in), opts.max_window_log, what_);
  if (opts.prefetch_depth > ChunkSource::kRetainedChunks) {
    src_ = MakePrefetchSource(std::move(zstd), opts.prefetch_depth);
  } else {
    src_ = std::move(zstd);
  }
  tar_ = std::make_unique<TarReader>(*src_, what_);
  hasher_ = std::make_unique<HashPipe>(*src_, opts.prefetch_depth > ChunkSource::kRetainedChunks);
}

BundleReader::~BundleReader() {
  hasher_.reset();  // unpins what it still holds
  tar_.reset();     // before the source it reads from
}

Status BundleReader::Fail(const Status& s) const {
  if (s.message().starts_with(what_ + ":")) return s;
  return s.WithContext(what_);
}

Result<std::string> BundleReader::ReadSmallEntry(std::string_view expected_name,
                                                 std::size_t max_bytes,
                                                 std::string_view description) {
  RDB_ASSIGN_OR_RETURN(auto entry, tar_->Next());
  if (!entry) {
    return Status::Corrupt(std::string(expected_name) + ": missing (bundle ends before the " +
                           std::string(description) + ")");
  }
  if (entry->path != expected_name) {
    return Status::Corrupt("entry " + QuoteForMessage(entry->path) + " where " +
                           std::string(expected_name) + " must be (not an rdbundle, or damaged)");
  }
  if (entry->size > max_bytes) {
    return Status::Limit(std::string(expected_name) + ": " + std::to_string(entry->size) +
                         " bytes exceeds the limit of " + std::to_string(max_bytes));
  }
  std::string out;
  out.reserve(static_cast<std::size_t>(entry->size));
  for (;;) {
    RDB_ASSIGN_OR_RETURN(auto block, tar_->ReadData());
    if (block.empty()) break;
    if (out.size() + block.size() > entry->size) break;
    out.append(reinterpret_cast<const char*>(block.data()), block.size());
  }
  if (out.size() != entry->size) {
    return Status::Corrupt(std::string(expected_name) + ": truncated entry");
  }
  return out;
}

Result<const Preamble*> BundleReader::ReadPreamble(const TrustedKeys& keys) {
  auto run = [&]() -> Status {
    Preamble p;
    RDB_ASSIGN_OR_RETURN(p.manifest_bytes,
                         ReadSmallEntry(kManifestName, kMaxManifestBytes, "manifest"));
    RDB_ASSIGN_OR_RETURN(std::string sig_bytes,
                         ReadSmallEntry(kSignatureName, kMaxSignatureFileBytes, "signature"));
    RDB_ASSIGN_OR_RETURN(p.signature, ParseSignatureFile(sig_bytes, kSignatureName));
    // Signature first: not one field of the manifest is looked at before this succeeds.
    auto key = keys.Verify(p.signature, p.manifest_bytes);
    if (!key.has_value()) return key.error().WithContext(kSignatureName);
    p.key = **key;
    p.key_source = keys.SourceOf(p.key.key_id);
    RDB_ASSIGN_OR_RETURN(p.manifest, ParseManifest(p.manifest_bytes));
    RDB_RETURN_IF_ERROR(CheckManifestTrustedComment(p.signature.trusted_comment, p.manifest));
    if (p.manifest.key_id != KeyIdString(p.signature.key_id)) {
      return Status::BadSignature("manifest.json: keyId " + p.manifest.key_id +
                                  " is not the signing key " + KeyIdString(p.signature.key_id));
    }
    preamble_ = std::move(p);
    return Status::Ok();
  };
  Status s = run();
  if (!s.ok()) return Fail(s);
  return &*preamble_;
}

Status BundleReader::StreamEntry(const ManifestFile& f, PayloadSink* sink, std::string* keep) {
  std::uint64_t got = 0;
  auto fail = [&](Status s) {
    hasher_->Discard();
    return s;
  };
  for (;;) {
    if (int sig = InterruptSignal()) {
      return fail(Status::Interrupted("interrupted by signal " + std::to_string(sig)));
    }
    auto block = tar_->ReadData();
    if (!block.has_value()) return fail(block.error());
    if (block->empty()) break;
    got += block->size();
    if (got > f.size) break;  // cannot happen: the tar size equals f.size
    hasher_->Update(*block);
    if (keep != nullptr) keep->append(reinterpret_cast<const char*>(block->data()), block->size());
    if (Status s = sink->Write(*block); !s.ok()) return fail(s);
    if (opts_.progress != nullptr) opts_.progress->Add(block->size());
  }
  if (got != f.size) {
    return fail(Status::Corrupt(f.path + ": truncated (" + std::to_string(got) + " of " +
                                std::to_string(f.size) + " bytes)"));
  }
  const std::string actual = hasher_->FinishHex();
  if (actual != f.sha256) {
    return Status::HashMismatch(f.path + ": sha256 mismatch (expected " + ShortHex(f.sha256) +
                                ", got " + ShortHex(actual) + ")");
  }
  return Status::Ok();
}

Status BundleReader::ReadOneFile(const ManifestFile& f, std::size_t index,
                                 PayloadHandler& handler) {
  current_ = &f;
  RDB_ASSIGN_OR_RETURN(auto entry, tar_->Next());
  if (!entry) return Status::Corrupt("missing entry: " + f.path + " (bundle ends early)");
  if (entry->path != f.path) {
    return Status::Corrupt("unexpected entry " + QuoteForMessage(entry->path) +
                           " (expected " + f.path + ")");
  }
  if (entry->size != f.size) {
    return Status::Corrupt(f.path + ": size mismatch (manifest " + std::to_string(f.size) +
                           ", tar header " + std::to_string(entry->size) + ")");
  }
  RDB_ASSIGN_OR_RETURN(std::unique_ptr<PayloadSink> sink, handler.Begin(f, index));
  if (!sink) sink = std::make_unique<NullSink>();
  const bool small = f.role == FileRole::kK3sSums || f.role == FileRole::kK3sVersions;
  std::string content;
  Status s = StreamEntry(f, sink.get(), small ? &content : nullptr);
  if (s.ok() && small) s = CheckSmallFile(f, content);
  if (s.ok()) s = sink->Commit();
  if (!s.ok()) {
    sink->Abort();
    return s;
  }
  if (small) small_files_[f.path] = std::move(content);
  if (opts_.progress != nullptr) opts_.progress->FileDone();
  SayVerbose("verified " + f.path + " (" + FormatBytes(f.size) + ", sha256 " + ShortHex(f.sha256) +
             ")");
  return Status::Ok();
}

// RD re-hashes the binary and images against sha256sum-<arch>.txt on every start and
// re-downloads (fails offline) on a mismatch; k3s-versions.json decides what RD lists. A
// bundle whose small files disagree with its own manifest would install a broken cache.
Status BundleReader::CheckSmallFile(const ManifestFile& f, const std::string& content) {
  const Manifest& m = preamble_->manifest;
  if (f.role == FileRole::kK3sVersions) {
    RDB_ASSIGN_OR_RETURN(auto file, ParseK3sVersionsFile(content, f.path));
    std::set<std::string> listed(file.versions.begin(), file.versions.end());
    std::set<std::string> bundled(m.k3s_versions.begin(), m.k3s_versions.end());
    if (listed != bundled) {
      return Status::Corrupt(f.path + ": versions differ from the k3s versions in the manifest");
    }
    // Format 2 repeats the channels in the manifest (format-spec/rdbundle-v2.md section 4).
    if (m.format_version >= 2 && file.channels != m.k3s_channels) {
      return Status::Corrupt(f.path + ": channels differ from k3s.channels in the manifest");
    }
    return Status::Ok();
  }
  RDB_ASSIGN_OR_RETURN(auto sums, ParseSha256Sums(content, f.path));
  auto p = ClassifyPayloadPath(f.path);
  for (const ManifestFile& other : m.files) {
    auto q = ClassifyPayloadPath(other.path);
    if (!q.has_value() || q->k3s_version != p->k3s_version || q->arch != p->arch) continue;
    if (q->role != FileRole::kK3sBinary && q->role != FileRole::kK3sImages) continue;
    const std::string name = BaseName(other.path);
    const Sha256SumLine* line = FindSum(sums, name);
    if (line == nullptr) return Status::Corrupt(f.path + ": no line for " + name);
    if (line->hex != other.sha256) {
      return Status::HashMismatch(f.path + ": line for " + name + " (" + ShortHex(line->hex) +
                                  ") does not match the bundled file (" + ShortHex(other.sha256) +
                                  "); Rancher Desktop would reject it");
    }
  }
  return Status::Ok();
}

Status BundleReader::ReadPayloads(PayloadHandler& handler) {
  if (!preamble_) return Status::Internal("ReadPayloads before ReadPreamble");
  auto run = [&]() -> Status {
    const auto& files = preamble_->manifest.files;
    for (std::size_t i = 0; i < files.size(); ++i) {
      RDB_RETURN_IF_ERROR(ReadOneFile(files[i], i, handler));
    }
    RDB_ASSIGN_OR_RETURN(auto extra, tar_->Next());
    if (extra) {
      return Status::Corrupt("unexpected entry " + QuoteForMessage(extra->path) +
                             " after the last manifest file");
    }
    current_ = nullptr;
    return tar_->CheckEnd();
  };
  Status s = run();
  if (s.ok()) return s;
  s = Fail(s);
  if (s.code() != ErrorCode::kCorrupt && s.code() != ErrorCode::kHashMismatch) return s;
  return Status(s.code(), s.message() + DamagedBundleHint(s.message(),
                                                          current_ ? current_->path : "",
                                                          src_->input_bytes()));
}

std::string DamagedBundleHint(std::string_view message, std::string_view entry,
                              std::uint64_t compressed_bytes) {
  std::string hint = "; ";
  if (!entry.empty() && message.find(entry) == std::string_view::npos) {
    hint += "in " + std::string(entry) + " ";
  }
  // The reader reads ahead: the damage is somewhere in what it had read.
  hint += "(at or before byte " + std::to_string(compressed_bytes) +
          " of the bundle): the file is damaged, copy it again";
  return hint;
}

}  // namespace rdbundle::unpacker
