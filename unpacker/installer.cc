#include "unpacker/installer.h"

#include <sodium.h>

#include <algorithm>
#include <set>

#include "common/base/hex.h"
#include "common/base/quote.h"
#include "common/cli/progress.h"
#include "common/format/limits.h"
#include "common/format/paths.h"
#include "common/format/version.h"
#include "common/os/platform.h"
#include "common/rd/k3s_versions.h"

namespace rdbundle::unpacker {

// Room for k3s-versions.json, the install record and filesystem overhead.
inline constexpr std::uint64_t kFreeSpaceSlack = 4u << 20;

namespace {

// Writes one payload file into its staging directory; made durable and given its final mode
// only once the reader says it verified. Writeback starts as it streams (WritebackPacer), so
// the fdatasync in Commit only waits for the tail.
class StagingSink final : public PayloadSink {
 public:
  StagingSink(Dir& dir, std::string name, std::unique_ptr<WritableFile> file, std::uint32_t mode)
      : dir_(dir), name_(std::move(name)), file_(std::move(file)), mode_(mode) {}
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
    (void)dir_.Unlink(name_);
  }

 private:
  Dir& dir_;
  const std::string name_;
  std::unique_ptr<WritableFile> file_;
  const std::uint32_t mode_;
  WritebackPacer writeback_;
};

// Removes the staging directories and temporary files an interrupted run left in `dir`
// (nothing there is in use: ours hold the lock). In CACHE/k3s a staging directory may hold
// "old-<version>": an old version directory moved aside on a filesystem without
// RENAME_EXCHANGE; when the new one never arrived, the old one goes back first.
Status CleanLeftovers(Dir& dir, bool k3s) {
  RDB_ASSIGN_OR_RETURN(auto names, dir.List());
  for (const auto& name : names) {
    if (name.starts_with(kStagingPrefix)) {
      if (k3s) RDB_RETURN_IF_ERROR(RestoreOldVersionDirs(dir, name));
      RDB_RETURN_IF_ERROR(RemoveTreeAt(dir, name));
    } else if (name.starts_with(kTempPrefix)) {
      RDB_RETURN_IF_ERROR(RemoveTreeAt(dir, name));
    }
  }
  return Status::Ok();
}

}  // namespace

std::string RandomSuffix() {
  std::uint8_t rnd[6];
  randombytes_buf(rnd, sizeof rnd);
  return HexEncode(rnd);
}

Status RestoreOldVersionDirs(Dir& k3s, const std::string& staging_name) {
  auto info = k3s.Stat(staging_name);
  if (!info.has_value() || info->type != FileInfo::Type::kDirectory) return Status::Ok();
  RDB_ASSIGN_OR_RETURN(auto staging, k3s.OpenDir(staging_name));
  RDB_ASSIGN_OR_RETURN(auto names, staging->List());
  for (const auto& name : names) {
    if (!name.starts_with(kOldPrefix)) continue;
    const std::string version = name.substr(kOldPrefix.size());
    if (!ParseK3sVersion(version).has_value()) continue;
    auto final = k3s.Stat(version);
    if (final.has_value() || final.error().code() != ErrorCode::kNotFound) continue;
    RDB_RETURN_IF_ERROR(staging->RenameNoReplace(name, k3s, version));
    RDB_RETURN_IF_ERROR(k3s.Sync());
  }
  return Status::Ok();
}

class Installer::Handler final : public PayloadHandler {
 public:
  explicit Handler(Installer& in) : in_(in) {}
  Result<std::unique_ptr<PayloadSink>> Begin(const ManifestFile& f, std::size_t index) override {
    const PlannedFile& p = in_.report_.plan.at(index);
    if (p.action != FileAction::kWrite || in_.opts_.dry_run) return std::unique_ptr<PayloadSink>();
    if (p.dest == Destination::kInstallers) {
      // A temporary file in the installers directory itself, renamed in by the commit.
      RDB_ASSIGN_OR_RETURN(auto file, in_.installers_->CreateTemp(kTempPrefix));
      const std::string name = BaseName(file->path());
      in_.installer_temps_[p.name] = name;
      RDB_RETURN_IF_ERROR(Owned(*in_.installers_, name, file));
      return std::unique_ptr<PayloadSink>(
          new StagingSink(*in_.installers_, name, std::move(file), f.mode));
    }
    RDB_ASSIGN_OR_RETURN(Dir * dir, in_.StagingGroup(p));
    RDB_ASSIGN_OR_RETURN(auto file, dir->CreateNew(p.name, 0600));
    RDB_RETURN_IF_ERROR(Owned(*dir, p.name, file));
    return std::unique_ptr<PayloadSink>(new StagingSink(*dir, p.name, std::move(file), f.mode));
  }

 private:
  // Gives the new file `name` to the home's owner when the plan says so; on failure removes it.
  Status Owned(Dir& dir, const std::string& name, std::unique_ptr<WritableFile>& file) {
    const Owner* o = in_.owner_.get();
    if (o == nullptr) return Status::Ok();
    Status s = dir.SetOwner(name, *o);
    if (!s.ok()) {
      file.reset();
      (void)dir.Unlink(name);
    }
    return s;
  }

  Installer& in_;
};

Installer::Installer(Fs& fs, InstallOptions opts)
    : fs_(fs), opts_(std::move(opts)), cache_(opts_.dest.cache_dir),
      kuberlr_(opts_.dest.kuberlr_dir), installers_parent_(DirName(opts_.installers_dir)),
      handler_(std::make_unique<Handler>(*this)) {}

Installer::~Installer() {
  if (!committed_) Rollback();
}

PayloadHandler& Installer::handler() { return *handler_; }

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
  // Only a hint for planning (lstat by path); the commit never acts on it by path.
  auto info = fs_.Stat(final_path);
  if (!info.has_value() || info->type != FileInfo::Type::kRegular) return false;
  // Windows mounts do not keep POSIX modes, and Win32 shows none; elsewhere a lost +x needs a
  // rewrite.
  const bool mode_ok = opts_.dest.os == TargetOs::kWindows || HostOs() == TargetOs::kWindows ||
                       (info->mode & 0777) == f.mode;
  return mode_ok && info->size == f.size && info->size == it->second.size &&
         info->mtime_ns == it->second.mtime_ns && info->inode == it->second.inode;
}

// Upstream release files never change under the same version name (k3s and kubectl are
// published once per version), so different bytes at a path the record says this tool
// installed mean a mix-up of bundles or an attack (issue 13 item 10).
Status Installer::CheckNotReplacingInstalled(const PlannedFile& p) const {
  if (opts_.force || p.action != FileAction::kWrite) return Status::Ok();
  auto it = state_.files.find(p.final_path);
  if (it == state_.files.end() || it->second.sha256 == p.file->sha256) return Status::Ok();
  std::string old_created = "unknown";
  for (const auto& r : state_.installs) {
    if (r.bundle_id == it->second.bundle_id) old_created = r.created;
  }
  const Manifest& m = preamble_->manifest;
  return Status::CheckFailed(
      p.final_path + ": installed earlier with different bytes (sha256 " + it->second.sha256 +
      ", bundle " + QuoteForMessage(it->second.bundle_id) + " created " +
      QuoteForMessage(old_created) + "); this bundle (" + QuoteForMessage(m.bundle_id) +
      " created " + QuoteForMessage(m.created) + ") has sha256 " + p.file->sha256 +
      ". Upstream files never change under the same version, so one of the bundles is wrong; "
      "refusing to replace it (--force replaces it anyway)");
}

Status Installer::PlanFiles() {
  const Destinations& d = opts_.dest;
  for (const ManifestFile& f : preamble_->manifest.files) {
    auto where = ClassifyPayloadPath(f.path);
    if (!where.has_value()) return where.error();
    PlannedFile p{&f, FileAction::kWrite, "", where->dest, "", ""};
    const bool other_arch = where->arch && *where->arch != d.arch;
    const bool other_os = where->os && *where->os != d.os;
    if (f.role == FileRole::kRdInstaller) {
      RDB_RETURN_IF_ERROR(PlanInstaller(p, *where));
      continue;
    }
    if (f.role == FileRole::kK3sVersions) {
      p.action = FileAction::kMerge;
    } else if (!opts_.all_platforms && (other_arch || other_os)) {
      p.action = FileAction::kOtherPlatform;
    }
    // "k3s/<version>/<file>" below the cache, "<os>-<arch>/<file>" below kuberlr's directory.
    const std::string group_path = DirName(where->relative);
    p.group = where->dest == Destination::kCache && f.role != FileRole::kK3sVersions
                  ? BaseName(group_path)
                  : group_path;
    p.name = BaseName(where->relative);
    if (p.action != FileAction::kOtherPlatform) {
      p.final_path = JoinPath(where->dest == Destination::kCache ? d.cache_dir : d.kuberlr_dir,
                              where->relative);
    }
    if (p.action == FileAction::kWrite && IsUnchanged(f, p.final_path)) {
      p.action = FileAction::kUnchanged;
    }
    RDB_RETURN_IF_ERROR(CheckNotReplacingInstalled(p));
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
  std::uint64_t bytes[3] = {kFreeSpaceSlack, 0, 0};  // cache, kuberlr, installers
  for (const auto& p : report_.plan) {
    if (p.action != FileAction::kWrite) continue;
    bytes[p.dest == Destination::kCache ? 0 : p.dest == Destination::kKuberlr ? 1 : 2] +=
        p.file->size;
  }
  // Bytes per filesystem: the roots may share one.
  std::map<std::uint64_t, std::pair<Dir*, std::uint64_t>> need;
  Root* roots[3] = {&cache_, &kuberlr_, &installers_parent_};
  for (int i = 0; i < 3; ++i) {
    if (bytes[i] == 0) continue;
    Dir& existing = roots[i]->existing();
    RDB_ASSIGN_OR_RETURN(FileInfo info, existing.Info());
    auto& slot = need[info.device];
    if (slot.first == nullptr) slot.first = &existing;
    slot.second += bytes[i];
  }
  for (const auto& [device, entry] : need) {
    RDB_ASSIGN_OR_RETURN(std::uint64_t free, entry.first->FreeBytes());
    if (entry.second > free) {
      return Status::NoSpace(entry.first->path() + ": not enough free space: need " +
                             FormatBytes(entry.second) + ", available " + FormatBytes(free));
    }
  }
  return Status::Ok();
}

Status Installer::MakeStaging(Dir& parent, Staging& st) {
  const std::string name = std::string(kStagingPrefix) + RandomSuffix();
  RDB_RETURN_IF_ERROR(parent.MakeDir(name, 0755));
  st.parent = &parent;
  st.name = name;
  if (const Owner* o = owner_.get()) RDB_RETURN_IF_ERROR(parent.SetOwner(name, *o));
  RDB_ASSIGN_OR_RETURN(st.dir, parent.OpenDir(name));
  return Status::Ok();
}

Result<Dir*> Installer::StagingGroup(const PlannedFile& p) {
  Staging& st = p.dest == Destination::kCache ? k3s_staging_ : kuberlr_staging_;
  if (!st.dir) return Status::Internal(p.final_path + ": no staging directory");
  auto it = st.groups.find(p.group);
  if (it != st.groups.end()) return it->second.get();
  RDB_ASSIGN_OR_RETURN(auto dir, OpenOrMakeDir(*st.dir, p.group, owner_.get()));
  Dir* raw = dir.get();
  st.groups.emplace(p.group, std::move(dir));
  return raw;
}

// Locks the roots (creating the cache root and, when kubectls are written, kuberlr's), removes
// leftovers of interrupted runs, reads k3s-versions.json, creates the staging directories.
Status Installer::PrepareRoots() {
  RDB_ASSIGN_OR_RETURN(owner_, DecideOwnerFor(fs_, opts_.dest));
  RDB_RETURN_IF_ERROR(cache_.CheckSymlinks(fs_, opts_.dest.home, owner_));
  RDB_RETURN_IF_ERROR(cache_.Create(owner_));
  RDB_ASSIGN_OR_RETURN(cache_lock_, cache_.dir().TryLock());
  if (!cache_lock_) {
    return Status::Io(cache_.path() + ": another rdbundle-unpack is installing here; try again later");
  }
  RDB_RETURN_IF_ERROR(CleanLeftovers(cache_.dir(), /*k3s=*/false));
  // CACHE/k3s: created only when k3s files are written; cleaned whenever it exists.
  const bool k3s_needed =
      std::any_of(report_.plan.begin(), report_.plan.end(), [&](const PlannedFile& p) {
        return p.action == FileAction::kWrite && p.dest == Destination::kCache;
      });
  if (k3s_needed || cache_.dir().Stat("k3s").has_value()) {
    RDB_ASSIGN_OR_RETURN(k3s_, OpenK3sDir(fs_, cache_.dir(), owner_, &k3s_created_));
    RDB_RETURN_IF_ERROR(CleanLeftovers(*k3s_, /*k3s=*/true));
  }
  // Read and validated now, before anything is written (issue 13 item 3): a directory, a
  // FIFO or an unreadable file there fails here, not after the payload is in place.
  auto text = ReadFileToString(cache_.dir(), "k3s-versions.json", kMaxVersionsJsonBytes);
  if (text.has_value()) {
    existing_versions_json_ = std::move(text).value();
  } else if (text.error().code() != ErrorCode::kNotFound) {
    return text.error();
  }
  if (auto st = cache_.dir().Stat(kStateFileName);
      st.has_value() && st->type != FileInfo::Type::kRegular) {
    return Status::Io(JoinPath(cache_.path(), kStateFileName) +
                      ": not a regular file; remove it (it is only a record of installs)");
  }
  if (k3s_needed) RDB_RETURN_IF_ERROR(MakeStaging(*k3s_, k3s_staging_));

  const bool kuberlr_needed =
      std::any_of(report_.plan.begin(), report_.plan.end(), [&](const PlannedFile& p) {
        return p.action == FileAction::kWrite && p.dest == Destination::kKuberlr;
      });
  if (!kuberlr_needed && !kuberlr_.exists()) return Status::Ok();
  RDB_RETURN_IF_ERROR(kuberlr_.CheckSymlinks(fs_, opts_.dest.home, owner_));
  if (kuberlr_needed) RDB_RETURN_IF_ERROR(kuberlr_.Create(owner_));
  RDB_ASSIGN_OR_RETURN(kuberlr_lock_, kuberlr_.dir().TryLock());
  if (!kuberlr_lock_) {
    return Status::Io(kuberlr_.path() +
                      ": another rdbundle-unpack is installing here; try again later");
  }
  RDB_RETURN_IF_ERROR(CleanLeftovers(kuberlr_.dir(), /*k3s=*/false));
  if (kuberlr_needed) RDB_RETURN_IF_ERROR(MakeStaging(kuberlr_.dir(), kuberlr_staging_));
  return Status::Ok();
}

Status Installer::Prepare(const Preamble& preamble) {
  preamble_ = &preamble;
  RDB_RETURN_IF_ERROR(cache_.Resolve(fs_));
  RDB_RETURN_IF_ERROR(kuberlr_.Resolve(fs_));
  if (cache_.exists()) {
    std::string warning;
    state_ = LoadInstallState(cache_.dir(), &warning);
    if (!warning.empty()) report_.warnings.push_back(warning);
  }
  RDB_RETURN_IF_ERROR(PlanFiles());
  if (opts_.check_plan) RDB_RETURN_IF_ERROR(opts_.check_plan(report_.plan));
  if (std::any_of(report_.plan.begin(), report_.plan.end(), [](const PlannedFile& p) {
        return p.action == FileAction::kWrite && p.dest == Destination::kInstallers;
      })) {
    RDB_RETURN_IF_ERROR(installers_parent_.Resolve(fs_));
  }
  RDB_RETURN_IF_ERROR(CheckFreeSpace());
  if (opts_.dry_run) return Status::Ok();
  RDB_RETURN_IF_ERROR(PrepareRoots());
  return PrepareInstallers();
}

void Installer::Rollback() {
  if (k3s_ && !k3s_staging_.name.empty()) {
    // A version directory moved aside (no RENAME_EXCHANGE) goes back before anything else.
    (void)RestoreOldVersionDirs(*k3s_, k3s_staging_.name);
  }
  for (Staging* st : {&k3s_staging_, &kuberlr_staging_}) {
    st->groups.clear();
    st->dir.reset();
    if (st->parent != nullptr) (void)RemoveTreeAt(*st->parent, st->name);
    st->parent = nullptr;
    st->name.clear();
  }
  for (const auto& [dir, name] : kept_) (void)dir->Unlink(name);  // before installers_ goes
  kept_.clear();
  RollbackInstallers();
  for (const auto& name : temp_files_) (void)cache_.dir().Unlink(name);
  temp_files_.clear();
  for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) {
    (void)it->first->RemoveDir(it->second);
  }
  created_dirs_.clear();
  if (k3s_created_) {
    k3s_.reset();
    (void)cache_.dir().RemoveDir("k3s");
    k3s_created_ = false;
  }
  k3s_.reset();
  kuberlr_lock_.reset();
  cache_lock_.reset();
  // kuberlr's root first: the cache root's creation may have made a parent of it (a new home).
  kuberlr_.RemoveCreated();
  installers_parent_.RemoveCreated();
  cache_.RemoveCreated();
}

}  // namespace rdbundle::unpacker
