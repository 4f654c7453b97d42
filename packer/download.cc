#include "packer/download.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include <sodium.h>

#include "common/base/hex.h"
#include "common/cli/console.h"
#include "common/cli/progress.h"
#include "common/format/hash.h"
#include "common/format/limits.h"
#include "common/os/platform.h"

namespace rdbundle::packer {
namespace {

constexpr std::size_t kReadChunk = 1u << 20;
constexpr std::size_t kMaxListedMissing = 6;

// What the downloads of one DownloadAll share: the progress line and the counters.
struct Shared {
  Progress& progress;
  std::atomic<std::uint64_t> total{0};
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::size_t> resumed{0};
  std::atomic<bool> cancel{false};

  void AddTotal(std::uint64_t n) { progress.SetTotal(total += n); }
};

// The size the progress total counts for `job` before its transfer starts.
std::uint64_t ExpectedSize(const DownloadJob& job) {
  return job.size.value_or(job.expected_size.value_or(0));
}

std::size_t WorkerCount(std::size_t n, int threads) {
  return std::clamp<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), 1,
                                 std::max<std::size_t>(n, 1));
}

// Runs fn(i, worker) for i in [0, n) on WorkerCount(n, threads) threads; `worker` is the
// index of the thread. Returns the first failure in index order, preferring a real failure
// over the kInterrupted of work stopped because of it.
Status ParallelFor(std::size_t n, int threads, std::atomic<bool>& cancel,
                   const std::function<Status(std::size_t, std::size_t)>& fn) {
  std::vector<Status> results(n);
  std::atomic<std::size_t> next{0};
  auto worker = [&](std::size_t w) {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) {
      if (cancel.load() || InterruptSignal() != 0) {
        results[i] = Status::Interrupted("interrupted");
        continue;
      }
      results[i] = fn(i, w);
      if (!results[i].ok()) cancel.store(true);
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < WorkerCount(n, threads); ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& t : pool) t.join();
  const Status* interrupted = nullptr;
  for (const Status& s : results) {
    if (s.ok()) continue;
    if (s.code() != ErrorCode::kInterrupted) return s;
    if (interrupted == nullptr) interrupted = &s;
  }
  return interrupted != nullptr ? *interrupted : Status::Ok();
}

// The digest a job is checked against: SHA-256, or SHA-512 for a job with `sha512` (libsodium).
class JobDigest {
 public:
  explicit JobDigest(const DownloadJob& job) : sha512_(job.sha512.has_value()) { Reset(); }
  void Reset() {
    sha256_ = Sha256();
    if (sha512_) crypto_hash_sha512_init(&st_);
  }
  void Update(const char* data, std::size_t n) {
    if (sha512_) {
      crypto_hash_sha512_update(&st_, reinterpret_cast<const unsigned char*>(data), n);
    } else {
      sha256_.Update(data, n);
    }
  }
  std::string FinishHex() {
    if (!sha512_) return sha256_.FinishHex();
    std::uint8_t out[crypto_hash_sha512_BYTES];
    crypto_hash_sha512_final(&st_, out);
    return HexEncode(out);
  }

 private:
  bool sha512_;
  Sha256 sha256_;
  crypto_hash_sha512_state st_{};
};

const std::string& Expected(const DownloadJob& job) { return job.sha512 ? *job.sha512 : job.sha256; }
const char* DigestName(const DownloadJob& job) { return job.sha512 ? "sha512" : "sha256"; }

// Hashes the file at `path` into `sha`, adding the bytes read to `bytes`.
template <typename Hasher>
Status HashInto(Fs& fs, const std::string& path, Hasher& sha, std::uint64_t& bytes) {
  RDB_ASSIGN_OR_RETURN(auto in, fs.OpenForRead(path));
  std::vector<char> buf(kReadChunk);
  for (;;) {
    RDB_ASSIGN_OR_RETURN(std::size_t n, in->Read(buf.data(), buf.size()));
    if (n == 0) return Status::Ok();
    if (InterruptSignal() != 0) return Status::Interrupted(path + ": interrupted");
    sha.Update(buf.data(), n);
    bytes += n;
  }
}

std::string Mismatch(const DownloadJob& job, const std::string& actual, const std::string& what) {
  return job.url + ": " + DigestName(job) + " mismatch (expected " + Expected(job) + ", got " +
         actual + "); " + what;
}

// One download into "<path>.part": resume, retries, digest check, rename. Also the BodySink
// that receives the bytes.
class PartDownload final : public BodySink {
 public:
  PartDownload(Fs& fs, const DownloadJob& job, Shared& shared, const NoteFn& note)
      : fs_(fs), job_(job), shared_(shared), note_(note), part_(job.path + ".part"), sha_(job),
        accounted_(ExpectedSize(job)) {}

  Status Run(HttpSession& session);

  Status Begin(const HttpResponse& head) override;
  Status Write(const char* data, std::size_t n) override;

 private:
  Status LoadLeftover();
  Status Restart();
  Status Finish();
  Status Attempts(HttpSession& session);
  std::uint64_t Cap() const { return job_.size.value_or(kMaxFileBytes); }
  Status TooLarge(std::uint64_t bytes) const {
    return Status::Limit(job_.url + ": " + std::to_string(bytes) + " bytes or more, expected " +
                         std::to_string(Cap()) + (job_.size ? " (the release list's size)" : ""));
  }
  // The progress total includes this file's expected size.
  void Account(std::uint64_t size) {
    if (size > accounted_) shared_.AddTotal(size - accounted_);
    accounted_ = std::max(accounted_, size);
  }

  Fs& fs_;
  const DownloadJob& job_;
  Shared& shared_;
  const NoteFn& note_;
  const std::string part_;
  JobDigest sha_;
  std::uint64_t have_ = 0;          // bytes in the .part, all hashed into sha_
  std::uint64_t requested_from_ = 0;
  std::uint64_t accounted_ = 0;
  bool part_exists_ = false;
  bool from_leftover_ = false;      // the .part came from an earlier run
  bool bad_range_ = false;          // the last 206 was not the range asked for
  std::unique_ptr<WritableFile> out_;
};

// A .part of an earlier run: re-hash it so the download can continue after its last byte.
Status PartDownload::LoadLeftover() {
  auto info = fs_.Stat(part_);
  if (!info.has_value()) {
    return info.error().code() == ErrorCode::kNotFound ? Status::Ok() : info.error();
  }
  if (info->type != FileInfo::Type::kRegular) return Status::Io(part_ + ": not a regular file");
  part_exists_ = true;
  if (info->size > Cap()) return Restart();
  RDB_RETURN_IF_ERROR(HashInto(fs_, part_, sha_, have_));
  if (have_ > Cap()) {  // grew while we read it
    sha_.Reset();
    have_ = 0;
    return Restart();
  }
  from_leftover_ = have_ > 0;
  shared_.progress.Add(have_);
  return Status::Ok();
}

// Drops the .part: the next bytes start the file again.
Status PartDownload::Restart() {
  out_.reset();
  if (part_exists_) {
    Status s = fs_.RemoveFile(part_);
    if (!s.ok() && s.code() != ErrorCode::kNotFound) return s;
  }
  part_exists_ = false;
  if (have_ > 0) shared_.AddTotal(have_);  // those bytes already count as done
  sha_.Reset();
  have_ = 0;
  return Status::Ok();
}

Status PartDownload::Begin(const HttpResponse& head) {
  if (head.status == 206) {
    if (requested_from_ == 0 || head.range_start != std::optional<std::uint64_t>(have_)) {
      bad_range_ = true;
      return Status::Network(job_.url + ": the server answered a request for bytes " +
                             std::to_string(requested_from_) + "- with another range");
    }
    shared_.resumed++;
    if (!out_) {
      RDB_ASSIGN_OR_RETURN(out_, fs_.OpenForAppend(part_));
    }
  } else {
    // The whole file (a 200, also in answer to a Range request): start over.
    if (part_exists_) RDB_RETURN_IF_ERROR(Restart());
    RDB_ASSIGN_OR_RETURN(out_, fs_.CreateNew(part_, 0644));
    part_exists_ = true;
  }
  if (head.content_length) {
    const std::uint64_t end = have_ + *head.content_length;
    if (end > Cap()) return TooLarge(end);
    Account(end);
  }
  return Status::Ok();
}

Status PartDownload::Write(const char* data, std::size_t n) {
  if (n > Cap() - have_) return TooLarge(have_ + n);
  sha_.Update(data, n);
  RDB_RETURN_IF_ERROR(out_->Append(data, n));
  have_ += n;
  shared_.received += n;
  shared_.progress.Add(n);
  return Status::Ok();
}

// The digest decides: rename into place, or delete.
Status PartDownload::Finish() {
  if (out_) {
    RDB_RETURN_IF_ERROR(out_->SetMode(job_.mode));
    RDB_RETURN_IF_ERROR(out_->Sync());
    RDB_RETURN_IF_ERROR(out_->Close());
    out_.reset();
  } else {
    RDB_RETURN_IF_ERROR(fs_.Chmod(part_, job_.mode));
  }
  const std::string actual = sha_.FinishHex();
  if (actual != Expected(job_)) {
    (void)fs_.RemoveFile(part_);
    part_exists_ = false;
    shared_.AddTotal(have_);  // in case it is downloaded again
    have_ = 0;
    return Status::HashMismatch(Mismatch(job_, actual, "the download was deleted"));
  }
  RDB_RETURN_IF_ERROR(fs_.Rename(part_, job_.path));
  shared_.progress.FileDone();
  SayVerbose("downloaded " + job_.url + " (" + FormatBytes(have_) + ", " + DigestName(job_) +
             " verified) to " + job_.path);
  return fs_.SyncDir(DirName(job_.path));
}

Status PartDownload::Attempts(HttpSession& session) {
  const int max = std::max(1, session.options().attempts);
  for (int attempt = 1;; ++attempt) {
    requested_from_ = have_;
    auto r = session.Perform({job_.url, false, requested_from_, false}, this);
    if (!r.has_value() && bad_range_ && attempt < max) {
      bad_range_ = false;
      RDB_RETURN_IF_ERROR(Restart());  // and ask for the whole file
      continue;
    }
    if (!r.has_value()) {
      if (r.error().code() == ErrorCode::kLimitExceeded) (void)Restart();
      out_.reset();
      return r.error();
    }
    if (r->ok()) return Finish();
    if (r->curl_code == 0 && r->status == 416 && requested_from_ > 0) {
      // Nothing after our last byte: the .part may be the whole file.
      if (Status s = Finish(); s.ok() || s.code() != ErrorCode::kHashMismatch) return s;
      continue;
    }
    if (!r->transient() || attempt >= max) return NetworkError(job_.url, *r, attempt);
    RDB_RETURN_IF_ERROR(
        WaitToRetry(session.options(), job_.url, *r, attempt + 1, max, &shared_.cancel));
  }
}

Status PartDownload::Run(HttpSession& session) {
  RDB_RETURN_IF_ERROR(MakeDirs(fs_, DirName(job_.path), nullptr));
  if (job_.size) Account(*job_.size);
  RDB_RETURN_IF_ERROR(LoadLeftover());
  if (job_.size && part_exists_ && have_ == *job_.size) {
    if (Status s = Finish(); s.ok() || s.code() != ErrorCode::kHashMismatch) return s;
    from_leftover_ = false;
  }
  Status s = Attempts(session);
  if (s.code() == ErrorCode::kHashMismatch && from_leftover_) {
    note_(job_.path + ".part (an earlier, partial download) did not complete to the expected "
          "digest; downloading it again from the start");
    from_leftover_ = false;
    RDB_RETURN_IF_ERROR(Restart());
    s = Attempts(session);
  }
  return s;
}

// Is the file at job.path (if any) the expected one? Removes a wrong one unless offline.
Result<bool> CachedAndValid(Fs& fs, const DownloadJob& job, bool offline, const NoteFn& note) {
  auto info = fs.Stat(job.path);
  if (!info.has_value()) {
    if (info.error().code() == ErrorCode::kNotFound) return false;
    return info.error();
  }
  if (info->type != FileInfo::Type::kRegular) {
    return Status::Corrupt(job.path + ": not a regular file (rdbundle-pack keeps only verified "
                           "regular files in its download dir)");
  }
  JobDigest digest(job);
  std::uint64_t bytes = 0;
  RDB_RETURN_IF_ERROR(HashInto(fs, job.path, digest, bytes));
  const std::string actual = digest.FinishHex();
  if (actual == Expected(job)) return true;
  if (offline) {
    return Status::HashMismatch(job.path + ": " + DigestName(job) + " mismatch with " + job.url +
                                " (expected " + Expected(job) + ", got " + actual +
                                "); run without --offline to download it again");
  }
  note(job.path + ": does not match the upstream digest; downloading it again");
  RDB_RETURN_IF_ERROR(fs.RemoveFile(job.path));
  return false;
}

Status MissingOffline(const std::vector<DownloadJob>& jobs, const std::vector<std::size_t>& todo) {
  std::string list;
  for (std::size_t i = 0; i < todo.size() && i < kMaxListedMissing; ++i) {
    list += (i > 0 ? ", " : "") + jobs[todo[i]].path;
  }
  if (todo.size() > kMaxListedMissing) {
    list += " and " + std::to_string(todo.size() - kMaxListedMissing) + " more";
  }
  return Status::NotFound("not in the download cache (--offline): " + list +
                          "; run the same build without --offline first");
}

}  // namespace

Result<std::string> HashFile(Fs& fs, const std::string& path) {
  RDB_ASSIGN_OR_RETURN(auto in, fs.OpenForRead(path));
  return Sha256HexOfFile(*in, OnInterrupt::kStop);
}

Result<DownloadReport> DownloadAll(Fs& fs, const std::vector<DownloadJob>& jobs,
                                   const DownloadOptions& o, const NoteFn& note) {
  DownloadReport report;
  std::mutex note_mu;
  const NoteFn locked_note = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(note_mu);
    note(line);
  };
  std::vector<char> valid(jobs.size(), 0);
  std::atomic<bool> stop{false};
  RDB_RETURN_IF_ERROR(ParallelFor(jobs.size(), o.parallel, stop, [&](std::size_t i, std::size_t) -> Status {
    RDB_ASSIGN_OR_RETURN(bool ok, CachedAndValid(fs, jobs[i], o.offline, locked_note));
    valid[i] = ok ? 1 : 0;
    if (ok) SayVerbose(jobs[i].path + ": in the download cache, " + DigestName(jobs[i]) + " verified");
    return Status::Ok();
  }));
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (valid[i] == 0) todo.push_back(i);
  }
  report.cached = jobs.size() - todo.size();
  if (todo.empty()) return report;
  if (o.offline) return MissingOffline(jobs, todo);
  // Largest first: the long transfers start early and the small ones fill in.
  std::stable_sort(todo.begin(), todo.end(), [&](std::size_t a, std::size_t b) {
    return jobs[a].size.value_or(0) > jobs[b].size.value_or(0);
  });
  // The total is known before the first byte: the release list's sizes and, for kubectls, what
  // the plan's HEAD requests said; a file whose size is unknown adds it when it starts.
  std::uint64_t total = 0;
  for (std::size_t k : todo) total += ExpectedSize(jobs[k]);
  Progress progress("downloading", total, o.progress);
  progress.SetFileCount(todo.size());
  Shared shared{progress};
  shared.total = total;
  // One session (and so one kept-alive connection) per worker thread.
  std::vector<std::unique_ptr<HttpSession>> sessions(WorkerCount(todo.size(), o.parallel));
  auto download = [&](std::size_t k, std::size_t worker) -> Status {
    if (!sessions[worker]) sessions[worker] = std::make_unique<HttpSession>(o.http, &shared.cancel);
    PartDownload d(fs, jobs[todo[k]], shared, locked_note);
    return d.Run(*sessions[worker]);
  };
  Status s = ParallelFor(todo.size(), o.parallel, shared.cancel, download);
  progress.Finish();
  report.downloaded = todo.size();
  report.resumed = shared.resumed.load();
  report.bytes = shared.received.load();
  report.seconds = progress.ElapsedSeconds();
  if (s.code() == ErrorCode::kInterrupted) {
    return Status::Interrupted("interrupted; partial downloads stay as .part files and the "
                               "next build resumes them");
  }
  RDB_RETURN_IF_ERROR(s);
  return report;
}

}  // namespace rdbundle::packer
