// CheckKit: the one read of every input file (hash, header, sha256sum lines), and the
// generated k3s-versions.json.
#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "common/base/strings.h"
#include "common/cli/console.h"
#include "common/cli/progress.h"
#include "common/format/hash.h"
#include "common/format/limits.h"
#include "common/format/sha256sums.h"
#include "common/os/platform.h"
#include "packer/exe_check.h"
#include "packer/kit.h"

namespace rdbundle::packer {
namespace {

constexpr std::size_t kReadChunk = 1u << 20;

// What one read of an input file yields.
struct Hashed {
  Status status;
  std::string sha256;
  std::vector<std::uint8_t> head;  // first kExeHeaderBytes bytes (executables only)
  std::optional<std::string> content;  // whole file (sha256sum files only)
};

// Streams `f` once: SHA-256, the header of executables, the bytes of small text files. The
// number of bytes read must be the size seen by DiscoverKit.
Hashed ReadOnce(Fs& fs, const KitFile& f, Progress* progress, const std::atomic<bool>& stop) {
  Hashed h;
  const bool keep = f.role == FileRole::kK3sSums;
  const bool exe = f.role == FileRole::kK3sBinary || f.role == FileRole::kKubectl;
  if (keep && f.identity.size > kMaxSumsFileBytes) {
    h.status = Status::Limit(f.input_path + ": larger than " + std::to_string(kMaxSumsFileBytes) +
                             " bytes (not a sha256sum file)");
    return h;
  }
  auto in = fs.OpenForRead(f.input_path);
  if (!in.has_value()) {
    h.status = in.error();
    return h;
  }
  if (keep) h.content.emplace();
  Sha256 sha;
  std::vector<char> buf(kReadChunk);
  std::uint64_t total = 0;
  for (;;) {
    if (stop.load(std::memory_order_relaxed) || InterruptSignal() != 0) {
      h.status = Status::Interrupted("interrupted");
      return h;
    }
    auto n = (*in)->Read(buf.data(), buf.size());
    if (!n.has_value()) {
      h.status = n.error();
      return h;
    }
    if (*n == 0) break;
    sha.Update(buf.data(), *n);
    if (exe && h.head.size() < kExeHeaderBytes) {
      const std::size_t take = std::min(*n, kExeHeaderBytes - h.head.size());
      h.head.insert(h.head.end(), buf.data(), buf.data() + take);
    }
    if (keep && total + *n <= kMaxSumsFileBytes) h.content->append(buf.data(), *n);
    total += *n;
    if (progress != nullptr) progress->Add(*n);
  }
  if (total != f.identity.size) {
    h.status = Status::Corrupt(f.input_path + ": changed while packing (size was " +
                               std::to_string(f.identity.size) + " bytes, read " +
                               std::to_string(total) + ")");
    return h;
  }
  h.sha256 = sha.FinishHex();
  if (progress != nullptr) progress->FileDone();
  return h;
}

// Reads every input file with up to `threads` threads. Returns the first failure in file
// order (an interruption or a later file's failure stops the others early).
Result<std::vector<Hashed>> ReadAll(Fs& fs, const std::vector<KitFile>& files,
                                    const KitCheckOptions& opts) {
  std::vector<Hashed> out(files.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < files.size();) {
      if (files[i].input_path.empty()) continue;
      out[i] = ReadOnce(fs, files[i], opts.progress, stop);
      if (!out[i].status.ok()) stop.store(true);
    }
  };
  const std::size_t n = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(opts.threads, 1)),
                                                1, std::max<std::size_t>(files.size(), 1));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < n; ++t) {
    pool.emplace_back([&] {
      NameThisThread("rdb-sha256");
      worker();
    });
  }
  worker();
  for (auto& t : pool) t.join();
  // Prefer a real failure over the "interrupted" of files stopped because of it.
  const Hashed* first_stop = nullptr;
  for (const Hashed& h : out) {
    if (h.status.ok()) continue;
    if (h.status.code() != ErrorCode::kInterrupted) return h.status;
    if (first_stop == nullptr) first_stop = &h;
  }
  if (first_stop != nullptr) return first_stop->status;
  return out;
}

Status CheckHeader(const KitFile& f, const std::vector<std::uint8_t>& head) {
  auto p = ClassifyPayloadPath(f.bundle_path);
  if (!p.has_value()) return Status::Internal(p.error().message());
  const TargetOs os = p->os.value_or(TargetOs::kLinux);  // k3s binaries run on Linux
  return CheckExecutable(head, f.identity.size, os, *p->arch).WithContext(f.input_path);
}

// The k3s binary and images of each (version, arch) against that sha256sum-<arch>.txt, as RD
// checks them on every start (an unmatched file makes RD re-download, which fails offline).
Status CheckSumLines(const std::vector<KitFile>& files) {
  std::map<std::string, const KitFile*> sums_by_dir;  // "cache/k3s/<v>/sha256sum-<arch>.txt"
  for (const KitFile& f : files) {
    if (f.role == FileRole::kK3sSums) sums_by_dir[f.bundle_path] = &f;
  }
  for (const KitFile& f : files) {
    if (f.role != FileRole::kK3sBinary && f.role != FileRole::kK3sImages) continue;
    auto p = ClassifyPayloadPath(f.bundle_path);
    if (!p.has_value()) return Status::Internal(p.error().message());
    const std::string sums_name = K3sSumsName(*p->arch);
    const KitFile* sums = sums_by_dir[K3sBundlePath(p->k3s_version, sums_name)];
    if (sums == nullptr || !sums->content) return Status::Internal("no sums file for " + f.bundle_path);
    RDB_ASSIGN_OR_RETURN(auto lines, ParseSha256Sums(*sums->content, sums->input_path));
    const std::string name = BaseName(f.bundle_path);
    const Sha256SumLine* line = FindSum(lines, name);
    if (line == nullptr) {
      return Status::Corrupt(f.input_path + ": " + sums_name + " has no line for " + name +
                             " (Rancher Desktop would reject the file)");
    }
    if (line->hex != f.sha256) {
      return Status::HashMismatch(f.input_path + ": sha256 does not match its line in " +
                                  sums_name + " (expected " + ShortHex(line->hex) + ", got " +
                                  ShortHex(f.sha256) + ")");
    }
  }
  return Status::Ok();
}

// Channel names the strict parser accepts (common/k3s_versions.h: [A-Za-z0-9._-], bounded).
bool ValidChannelName(const std::string& name) {
  return !name.empty() && name.size() <= kMaxChannelNameBytes &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
         });
}

// The kit's own k3s-versions.json, or nullopt (with a warning) when RD would not use it either.
Result<std::optional<K3sVersionsFile>> ReadInputVersions(Fs& fs, const Kit& kit, const NoteFn& note) {
  if (!kit.versions_json_path) return std::optional<K3sVersionsFile>();
  const std::string& path = *kit.versions_json_path;
  RDB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(fs, path, kMaxVersionsJsonBytes));
  auto parsed = ParseK3sVersionsFile(text, path, K3sVersionsParseMode::kUserCache);
  if (!parsed.has_value()) {
    note("warning: " + parsed.error().message() + "; the bundle names no k3s channels");
    return std::optional<K3sVersionsFile>();
  }
  return std::optional<K3sVersionsFile>(std::move(*parsed));
}

Status AddVersionsFile(Fs& fs, Kit& kit, const NoteFn& note) {
  if (kit.k3s_versions.empty()) return Status::Ok();
  RDB_ASSIGN_OR_RETURN(auto input, ReadInputVersions(fs, kit, note));
  if (!kit.versions_json_path) {
    note("note: no k3s-versions.json in the kit, so no channel information: the bundle names no "
         "k3s channels (Rancher Desktop then selects the highest version by default)");
  }
  RDB_ASSIGN_OR_RETURN(K3sVersionsFile file, BuildVersionsFile(kit.k3s_versions, input));
  KitFile f;
  f.bundle_path = std::string(kK3sVersionsBundlePath);
  f.role = FileRole::kK3sVersions;
  f.content = SerializeK3sVersionsFile(file);
  f.sha256 = Sha256::HexOf(*f.content);
  kit.files.push_back(std::move(f));
  return Status::Ok();
}

}  // namespace

Result<K3sVersionsFile> BuildVersionsFile(const std::vector<K3sVersion>& versions,
                                          const std::optional<K3sVersionsFile>& input) {
  K3sVersionsFile out;
  std::set<std::string> values;
  for (const K3sVersion& v : versions) {
    out.versions.push_back(v.text);
    values.insert(ChannelValue(v));
  }
  if (input) {
    for (const auto& [name, value] : input->channels) {
      if (values.count(value) != 0 && ValidChannelName(name)) out.channels[name] = value;
    }
  }
  // Without channel data no channel is invented: "stable" = "latest" = the highest bundled
  // version would label versions in RD's menu as upstream never did (upstream's stable lags
  // its latest). RD needs none: pkg/rancher-desktop/utils/kubeVersions.ts highestStableVersion
  // "returns the highest stable version, or highest version if no stable version is found"
  // (`highestFirst.find(v => (v.channels ?? []).includes('stable')) ?? highestFirst[0]`), and
  // readCache only needs the `channels` key (k3sHelper.ts `if (!cacheData.versions ||
  // !cacheData.channels)`), which an empty object satisfies.
  // What the unpacker will demand of it; a failure here is a bug in this function.
  auto check = ParseK3sVersionsFile(SerializeK3sVersionsFile(out), kK3sVersionsBundlePath);
  if (!check.has_value()) return Status::Internal(check.error().message());
  return out;
}

Status CheckKit(Fs& fs, Kit& kit, const KitCheckOptions& options) {
  RDB_ASSIGN_OR_RETURN(std::vector<Hashed> hashed, ReadAll(fs, kit.files, options));
  for (std::size_t i = 0; i < kit.files.size(); ++i) {
    KitFile& f = kit.files[i];
    if (f.input_path.empty()) continue;
    f.sha256 = std::move(hashed[i].sha256);
    if (hashed[i].content) f.content = std::move(hashed[i].content);
    if (f.role == FileRole::kK3sBinary || f.role == FileRole::kKubectl) {
      RDB_RETURN_IF_ERROR(CheckHeader(f, hashed[i].head));
    }
    SayVerbose("checked " + f.input_path + " (" + FormatBytes(f.size()) + ", sha256 " +
               f.sha256.substr(0, 12) + "…)");
  }
  RDB_RETURN_IF_ERROR(CheckSumLines(kit.files));
  RDB_RETURN_IF_ERROR(AddVersionsFile(fs, kit, options.note ? options.note : [](const std::string&) {}));
  std::sort(kit.files.begin(), kit.files.end(),
            [](const KitFile& a, const KitFile& b) { return a.bundle_path < b.bundle_path; });
  return Status::Ok();
}

Status CheckUnchanged(Fs& fs, const KitFile& file) {
  if (file.input_path.empty()) return Status::Ok();
  RDB_ASSIGN_OR_RETURN(FileInfo info, fs.Stat(file.input_path));
  const FileIdentity now{info.size, info.mtime_ns, info.inode, info.device};
  if (info.type != FileInfo::Type::kRegular || now != file.identity) {
    std::string what = now.size != file.identity.size ? "size" :
                       now.mtime_ns != file.identity.mtime_ns ? "modification time" : "inode";
    if (info.type != FileInfo::Type::kRegular) what = "type";
    return Status::Corrupt(file.input_path + ": changed while packing (" + what +
                           " differs from when it was hashed); run the build again");
  }
  return Status::Ok();
}

}  // namespace rdbundle::packer
