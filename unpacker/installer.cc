#include "unpacker/installer.h"

#include <sodium.h>

#include <algorithm>
#include <set>

#include "common/base/hex.h"
#include "common/cli/progress.h"
#include "common/format/limits.h"
#include "common/format/version.h"
#include "common/os/platform.h"
#include "common/rd/k3s_versions.h"

namespace rdbundle::unpacker {

inline constexpr std::string_view kStagingPrefix = ".rdbundle-staging-";
inline constexpr std::string_view kTempPrefix = ".rdbundle-tmp-";
// Room for k3s-versions.json, the install record and filesystem overhead.
inline constexpr std::uint64_t kFreeSpaceSlack = 4u << 20;

struct Installer::Root {
  std::string dir;
  std::string staging;                    // empty until created
  std::vector<std::string> created_dirs;  // made by this run, outermost first
  std::unique_ptr<FileLock> lock;
};

namespace {

// Writes one payload file into its staging path; made durable and given its final mode only
// once the reader says it verified. Writeback starts as it streams (WritebackPacer), so the
// fdatasync in Commit only waits for the tail.
class StagingSink final : public PayloadSink {
 public:
  StagingSink(Fs& fs, std::unique_ptr<WritableFile> file, std::uint32_t mode)
      : fs_(fs), file_(std::move(file)), path_(file_->path()), mode_(mode) {}
  ~StagingSink() override {
    if (file_) Abort();
  }

  Status Write(std::span<const std::uint8_t> data) override {
    RDB_RETURN_IF_ERROR(file_->Append(data.data(), data.size()));
    writeback_.Appended(*file_, data.size());
    return Status::Ok();
  }
  Status Commit() override {
    RDB_RETURN_IF_ERROR(file_->SetMode(mode_));
    RDB_RETURN_IF_ERROR(file_->Sync());
    Status s = file_->Close();
    file_.reset();
    return s;
  }
  void Abort() override {
    file_.reset();
    (void)fs_.RemoveFile(path_);
  }

 private:
  Fs& fs_;
  std::unique_ptr<WritableFile> file_;
  const std::string path_;
  const std::uint32_t mode_;
  WritebackPacer writeback_;
};

std::string RandomSuffix() {
  std::uint8_t rnd[6];
  randombytes_buf(rnd, sizeof rnd);
  return HexEncode(rnd);
}

// The directory a group of files is committed as: "k3s/<version>" or "<os>-<arch>".
std::string GroupOf(const PayloadPath& p) {
  return DirName(p.relative);
}

}  // namespace

class Installer::Handler final : public PayloadHandler {
 public:
  explicit Handler(Installer& in) : in_(in) {}
  Result<std::unique_ptr<PayloadSink>> Begin(const ManifestFile& f, std::size_t index) override {
    const PlannedFile& p = in_.report_.plan.at(index);
    if (p.action != FileAction::kWrite || in_.opts_.dry_run) return std::unique_ptr<PayloadSink>();
    const std::string staged = in_.StagedPath(p);
    RDB_RETURN_IF_ERROR(MakeDirs(in_.fs_, DirName(staged), nullptr));
    RDB_ASSIGN_OR_RETURN(auto file, in_.fs_.CreateNew(staged, 0600));
    return std::unique_ptr<PayloadSink>(new StagingSink(in_.fs_, std::move(file), f.mode));
  }

 private:
  Installer& in_;
};

Installer::Installer(Fs& fs, InstallOptions opts)
    : fs_(fs), opts_(std::move(opts)), cache_(std::make_unique<Root>()),
      kuberlr_(std::make_unique<Root>()), handler_(std::make_unique<Handler>(*this)) {
  cache_->dir = opts_.dest.cache_dir;
  kuberlr_->dir = opts_.dest.kuberlr_dir;
}

Installer::~Installer() {
  if (!committed_) Rollback();
}

PayloadHandler& Installer::handler() { return *handler_; }

Installer::Root& Installer::RootFor(Destination d) {
  return d == Destination::kCache ? *cache_ : *kuberlr_;
}

std::string Installer::StagedPath(const PlannedFile& p) {
  auto where = ClassifyPayloadPath(p.file->path);
  return JoinPath(RootFor(where->dest).staging, where->relative);
}

std::uint64_t Installer::bytes_to_write() const {
  std::uint64_t n = 0;
  for (const auto& p : report_.plan) {
    if (p.action == FileAction::kWrite) n += p.file->size;
  }
  return n;
}

bool Installer::IsUnchanged(const ManifestFile& f, const std::string& final_path) {
  if (opts_.force) return false;
  auto it = state_.files.find(final_path);
  if (it == state_.files.end() || it->second.sha256 != f.sha256) return false;
  auto info = fs_.Stat(final_path);
  if (!info.has_value() || info->type != FileInfo::Type::kRegular) return false;
  // Windows mounts do not keep POSIX modes; elsewhere a lost +x needs a rewrite.
  const bool mode_ok = opts_.dest.os == TargetOs::kWindows || (info->mode & 0777) == f.mode;
  return mode_ok && info->size == f.size && info->size == it->second.size &&
         info->mtime_ns == it->second.mtime_ns && info->inode == it->second.inode;
}

Status Installer::PlanFiles() {
  const Destinations& d = opts_.dest;
  for (const ManifestFile& f : preamble_->manifest.files) {
    auto where = ClassifyPayloadPath(f.path);
    if (!where.has_value()) return where.error();
    PlannedFile p{&f, FileAction::kWrite, ""};
    const bool other_arch = where->arch && *where->arch != d.arch;
    const bool other_os = where->os && *where->os != d.os;
    if (f.role == FileRole::kRdInstaller) {
      p.action = FileAction::kNotPlaced;
      report_.warnings.push_back(f.path + ": verified, not placed (this rdbundle-unpack does not "
                                 "install Rancher Desktop installers yet)");
      report_.plan.push_back(p);
      continue;
    }
    if (f.role == FileRole::kK3sVersions) {
      p.action = FileAction::kMerge;
    } else if (!opts_.all_platforms && (other_arch || other_os)) {
      p.action = FileAction::kOtherPlatform;
    }
    if (p.action != FileAction::kOtherPlatform) {
      p.final_path = JoinPath(RootFor(where->dest).dir, where->relative);
    }
    if (p.action == FileAction::kWrite && IsUnchanged(f, p.final_path)) {
      p.action = FileAction::kUnchanged;
    }
    switch (p.action) {
      case FileAction::kUnchanged: ++report_.files_unchanged; break;
      case FileAction::kOtherPlatform: ++report_.files_other_platform; break;
      default: break;
    }
    report_.plan.push_back(p);
  }
  return Status::Ok();
}

Status Installer::CheckFreeSpace() {
  std::uint64_t bytes[2] = {kFreeSpaceSlack, 0};  // cache, kuberlr
  for (const auto& p : report_.plan) {
    if (p.action != FileAction::kWrite) continue;
    bytes[ClassifyPayloadPath(p.file->path)->dest == Destination::kCache ? 0 : 1] += p.file->size;
  }
  // Bytes per filesystem: the two roots may share one.
  std::map<std::uint64_t, std::pair<std::string, std::uint64_t>> need;
  for (int i = 0; i < 2; ++i) {
    if (bytes[i] == 0) continue;
    RDB_ASSIGN_OR_RETURN(std::string existing,
                         NearestExistingDir(fs_, i == 0 ? cache_->dir : kuberlr_->dir));
    RDB_ASSIGN_OR_RETURN(FileInfo info, fs_.Stat(existing));
    auto& slot = need[info.device];
    if (slot.first.empty()) slot.first = existing;
    slot.second += bytes[i];
  }
  for (const auto& [device, entry] : need) {
    RDB_ASSIGN_OR_RETURN(std::uint64_t free, fs_.FreeBytes(entry.first));
    if (entry.second > free) {
      return Status::NoSpace(entry.first + ": not enough free space: need " +
                             FormatBytes(entry.second) + ", available " + FormatBytes(free));
    }
  }
  return Status::Ok();
}

// Locks a destination root and removes leftovers of interrupted runs (ours hold the lock, so
// nothing there is in use). With `stage`, creates the root if needed and a staging directory.
Status Installer::PrepareRoot(Root& root, bool stage) {
  if (!stage && !fs_.Stat(root.dir).has_value()) return Status::Ok();
  if (stage) RDB_RETURN_IF_ERROR(MakeDirs(fs_, root.dir, &root.created_dirs));
  RDB_ASSIGN_OR_RETURN(root.lock, fs_.TryLock(root.dir));
  if (!root.lock) {
    return Status::Io(root.dir + ": another rdbundle-unpack is installing here; try again later");
  }
  RDB_ASSIGN_OR_RETURN(auto names, fs_.ListDir(root.dir));
  for (const auto& name : names) {
    if (name.starts_with(kStagingPrefix)) {
      RDB_RETURN_IF_ERROR(RemoveTree(fs_, JoinPath(root.dir, name)));
    } else if (name.starts_with(kTempPrefix)) {
      RDB_RETURN_IF_ERROR(fs_.RemoveFile(JoinPath(root.dir, name)));
    }
  }
  if (!stage) return Status::Ok();
  const std::string staging = JoinPath(root.dir, std::string(kStagingPrefix) + RandomSuffix());
  RDB_RETURN_IF_ERROR(fs_.MakeDir(staging, 0755));
  root.staging = staging;
  return Status::Ok();
}

Status Installer::Prepare(const Preamble& preamble) {
  preamble_ = &preamble;
  std::string warning;
  state_ = LoadInstallState(fs_, opts_.dest.cache_dir, &warning);
  if (!warning.empty()) report_.warnings.push_back(warning);
  RDB_RETURN_IF_ERROR(PlanFiles());
  RDB_RETURN_IF_ERROR(CheckFreeSpace());
  if (opts_.dry_run) return Status::Ok();
  RDB_RETURN_IF_ERROR(PrepareRoot(*cache_, /*stage=*/true));
  const bool kuberlr_needed =
      std::any_of(report_.plan.begin(), report_.plan.end(), [&](const PlannedFile& p) {
        return p.action == FileAction::kWrite && p.file->role == FileRole::kKubectl;
      });
  return PrepareRoot(*kuberlr_, kuberlr_needed);
}

// Renames one group (a k3s version directory or a kuberlr platform directory). A group that
// does not exist yet moves in one rename, so RD never sees a half-filled version directory;
// otherwise files move one by one, the sha256sum file last.
Status Installer::CommitGroup(Root& root, const std::string& group_rel,
                              std::vector<const PlannedFile*>& files) {
  const std::string final_dir = JoinPath(root.dir, group_rel);
  const std::string staged_dir = JoinPath(root.staging, group_rel);
  RDB_RETURN_IF_ERROR(fs_.SyncDir(staged_dir));
  auto existing = fs_.Stat(final_dir);
  if (!existing.has_value() && existing.error().code() == ErrorCode::kNotFound) {
    RDB_RETURN_IF_ERROR(MakeDirs(fs_, DirName(final_dir), &root.created_dirs));
    Status s = fs_.RenameNoReplace(staged_dir, final_dir);
    if (s.ok()) return fs_.SyncDir(DirName(final_dir));
    // Only "someone created it meanwhile" falls through to file-by-file.
    if (!fs_.Stat(final_dir).has_value()) return s;
  }
  std::stable_sort(files.begin(), files.end(), [](const PlannedFile* a, const PlannedFile* b) {
    return (a->file->role == FileRole::kK3sSums) < (b->file->role == FileRole::kK3sSums);
  });
  for (const PlannedFile* p : files) {
    RDB_RETURN_IF_ERROR(fs_.Rename(StagedPath(*p), p->final_path));
  }
  return fs_.SyncDir(final_dir);
}

Status Installer::CommitFiles() {
  std::map<std::pair<Root*, std::string>, std::vector<const PlannedFile*>> groups;
  for (const auto& p : report_.plan) {
    if (p.action != FileAction::kWrite) continue;
    auto where = ClassifyPayloadPath(p.file->path);
    groups[{&RootFor(where->dest), GroupOf(*where)}].push_back(&p);
    report_.bytes_written += p.file->size;
    ++report_.files_written;
  }
  for (auto& [key, files] : groups) {
    RDB_RETURN_IF_ERROR(CommitGroup(*key.first, key.second, files));
  }
  return Status::Ok();
}

Status Installer::MergeVersionsJson(const std::map<std::string, std::string>& small_files) {
  auto it = small_files.find(std::string(kK3sVersionsBundlePath));
  if (it == small_files.end()) return Status::Ok();
  RDB_ASSIGN_OR_RETURN(K3sVersionsFile incoming,
                       ParseK3sVersionsFile(it->second, kK3sVersionsBundlePath));
  // Only versions whose files for the target arch are now in the cache: RD would list the
  // others and then fail to start them offline.
  std::set<std::string> usable;
  for (const auto& p : report_.plan) {
    if (p.file->role == FileRole::kK3sBinary &&
        (p.action == FileAction::kWrite || p.action == FileAction::kUnchanged)) {
      usable.insert(ClassifyPayloadPath(p.file->path)->k3s_version);
    }
  }
  K3sVersionsFile filtered;
  for (const auto& v : incoming.versions) {
    if (usable.count(v)) {
      filtered.versions.push_back(v);
    } else {
      report_.warnings.push_back(v + ": the bundle has no " +
                                 std::string(ArchName(opts_.dest.arch)) +
                                 " files for it; not added to k3s-versions.json");
    }
  }
  std::set<std::string> values;
  for (const auto& v : filtered.versions) values.insert(ChannelValue(*ParseK3sVersion(v)));
  for (const auto& [name, value] : incoming.channels) {
    if (values.count(value)) filtered.channels[name] = value;
  }
  const std::string path = JoinPath(opts_.dest.cache_dir, "k3s-versions.json");
  K3sVersionsFile existing;
  std::string existing_text;
  if (auto text = ReadFileToString(fs_, path, kMaxVersionsJsonBytes); text.has_value()) {
    existing_text = *text;
    auto parsed = ParseK3sVersionsFile(existing_text, path, K3sVersionsParseMode::kUserCache);
    if (parsed.has_value()) {
      existing = *parsed;
    } else {
      report_.warnings.push_back(parsed.error().message() +
                                 "; Rancher Desktop ignores it, so it is replaced");
    }
  } else if (text.error().code() != ErrorCode::kNotFound) {
    return text.error();
  }
  K3sVersionsFile merged = MergeK3sVersions(existing, filtered);
  std::set<std::string> before(existing.versions.begin(), existing.versions.end());
  for (const auto& v : merged.versions) {
    if (!before.count(v)) report_.versions_added.push_back(v);
  }
  const std::string bytes = SerializeK3sVersionsFile(merged);
  if (bytes == existing_text) return Status::Ok();
  report_.versions_json_changed = true;
  return WriteFileAtomic(fs_, path, bytes, 0644);
}

Status Installer::RecordState() {
  const Manifest& m = preamble_->manifest;
  const bool known = std::any_of(state_.installs.begin(), state_.installs.end(),
                                 [&](const InstallRecord& r) { return r.bundle_id == m.bundle_id; });
  if (known && report_.files_written == 0 && !report_.versions_json_changed) return Status::Ok();
  for (const auto& p : report_.plan) {
    if (p.action != FileAction::kWrite) continue;
    RDB_ASSIGN_OR_RETURN(FileInfo info, fs_.Stat(p.final_path));
    state_.files[p.final_path] = {p.file->sha256, p.file->size, info.mtime_ns, info.inode,
                                  m.bundle_id};
  }
  state_.installs.push_back({m.bundle_id, m.key_id, m.created, FormatRfc3339Utc(UnixNow()),
                             m.generator, KuberlrPlatformDir(opts_.dest.os, opts_.dest.arch),
                             report_.files_written, report_.bytes_written});
  if (state_.installs.size() > kMaxInstallRecords) {
    state_.installs.erase(state_.installs.begin(),
                          state_.installs.end() - static_cast<long>(kMaxInstallRecords));
  }
  return SaveInstallState(fs_, opts_.dest.cache_dir, state_);
}

Result<InstallReport> Installer::Commit(const std::map<std::string, std::string>& small_files) {
  if (opts_.dry_run) {
    committed_ = true;
    return report_;
  }
  RDB_RETURN_IF_ERROR(CommitFiles());
  RDB_RETURN_IF_ERROR(MergeVersionsJson(small_files));
  RDB_RETURN_IF_ERROR(RecordState());
  for (Root* root : {cache_.get(), kuberlr_.get()}) {
    if (root->staging.empty()) continue;
    RDB_RETURN_IF_ERROR(RemoveTree(fs_, root->staging));
    root->staging.clear();
    RDB_RETURN_IF_ERROR(fs_.SyncDir(root->dir));
    root->lock.reset();
  }
  committed_ = true;
  return report_;
}

void Installer::Rollback() {
  std::vector<std::string> created;
  for (Root* root : {cache_.get(), kuberlr_.get()}) {
    if (!root->staging.empty()) {
      (void)RemoveTree(fs_, root->staging);
      root->staging.clear();
    }
    created.insert(created.end(), root->created_dirs.begin(), root->created_dirs.end());
    root->created_dirs.clear();
  }
  // Innermost first across both roots: the cache root's MakeDirs may have created a parent of
  // the kuberlr root (a new home), which is empty only once the kuberlr root is gone. A path
  // sorts after its parent, so reverse order removes children first. A directory that now
  // holds committed files stays.
  std::sort(created.rbegin(), created.rend());
  for (const std::string& dir : created) (void)fs_.RemoveDir(dir);
  for (Root* root : {cache_.get(), kuberlr_.get()}) root->lock.reset();
}

}  // namespace rdbundle::unpacker
