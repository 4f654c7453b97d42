// Installer: placing a carried Rancher Desktop installer (issue 14, "Carry Rancher Desktop
// itself"; format-spec/rdbundle-v2.md section 5). The installer streams into a temporary file
// of the installers directory, is verified with the rest of the bundle, and only then renamed
// to its asset name; it is never run.
#include <algorithm>

#include "common/format/hash.h"
#include "common/rd/rd_installer.h"
#include "unpacker/installer.h"

namespace rdbundle::unpacker {
namespace {

// The same directory as written, up to trailing separators.
std::string_view TrimSlashes(std::string_view s) {
  while (s.size() > 1 && s.back() == '/') s.remove_suffix(1);
  return s;
}

// `dir` is `root` or below it.
bool Within(std::string_view dir, std::string_view root) {
  dir = TrimSlashes(dir);
  root = TrimSlashes(root);
  return dir == root || (dir.size() > root.size() && dir.starts_with(root) && dir[root.size()] == '/');
}

}  // namespace

Result<std::string> HashDirFile(Dir& dir, const std::string& name) {
  RDB_ASSIGN_OR_RETURN(auto in, dir.OpenFile(name));  // never follows a symlink
  return Sha256HexOfFile(*in, OnInterrupt::kIgnore);  // also used by the commit
}

// RD publishes one installer per platform (docs/rancher-desktop.md#rd-installer); the one for
// the target is placed, the others only with --all-platforms, like k3s files of other arches.
Status Installer::PlanInstaller(PlannedFile& p, const PayloadPath& where) {
  const Destinations& d = opts_.dest;
  p.dest = Destination::kInstallers;
  p.name = BaseName(where.relative);
  const auto platform = RdPlatformFor(d.os, d.arch);
  if (!opts_.all_platforms && (!platform || *platform != *where.rd_platform)) {
    p.action = FileAction::kOtherPlatform;
    ++report_.files_other_platform;
    report_.plan.push_back(p);
    return Status::Ok();
  }
  const std::string_view dir = TrimSlashes(opts_.installers_dir);
  if (dir.empty()) {
    return Status::Usage(p.file->path + ": no directory for Rancher Desktop installers (there "
                         "is no home): pass --installers-dir DIR");
  }
  const std::string base = BaseName(dir);
  if (base.empty() || base == "." || base == ".." || base == "/") {
    return Status::Usage(std::string(dir) + ": --installers-dir must name a directory (not \"" +
                         base + "\")");
  }
  // Never where RD or kuberlr read (format-spec/rdbundle-v2.md section 3).
  if (Within(dir, d.cache_dir) || Within(dir, d.kuberlr_dir)) {
    return Status::Usage(std::string(dir) + ": --installers-dir must not be inside the Rancher "
                         "Desktop cache (" + d.cache_dir + ") or kuberlr's directory (" +
                         d.kuberlr_dir + ")");
  }
  p.final_path = JoinPath(dir, p.name);
  if (IsUnchanged(*p.file, p.final_path)) {
    p.action = FileAction::kUnchanged;
    ++report_.files_unchanged;
  }
  RDB_RETURN_IF_ERROR(CheckNotReplacingInstalled(p));
  report_.plan.push_back(p);
  return Status::Ok();
}

// The installers directory: its parent resolved like a root (a symlink on the way, e.g. a
// Downloads folder on another disk, is followed once), the directory itself opened or created
// through the parent's handle. A symlink there is refused: root installing into another
// user's home would otherwise write an installer, which the user then runs with administrator
// rights, wherever that user's link points.
Status Installer::PrepareInstallers() {
  std::vector<PlannedFile*> writes;
  for (auto& p : report_.plan) {
    if (p.action == FileAction::kWrite && p.dest == Destination::kInstallers) writes.push_back(&p);
  }
  if (writes.empty()) return Status::Ok();
  RDB_RETURN_IF_ERROR(installers_parent_.CheckSymlinks(fs_, opts_.dest.home, owner_));
  RDB_RETURN_IF_ERROR(installers_parent_.Create(owner_));
  const std::string name = BaseName(TrimSlashes(opts_.installers_dir));
  auto dir = OpenOrMakeDir(installers_parent_.dir(), name, owner_.get(), &installers_created_);
  if (!dir.has_value()) {
    auto st = installers_parent_.dir().Stat(name);
    if (st.has_value() && st->type == FileInfo::Type::kSymlink) {
      return Status::Io(JoinPath(installers_parent_.path(), name) +
                        ": the installers directory is a symbolic link; refusing to follow it "
                        "(name the directory it points to with --installers-dir)");
    }
    return dir.error();
  }
  installers_ = std::move(dir).value();
  RDB_ASSIGN_OR_RETURN(installers_lock_, installers_->TryLock());
  if (!installers_lock_) {
    return Status::Io(installers_->path() +
                      ": another rdbundle-unpack is installing here; try again later");
  }
  // Only our own temporary files (kTempPrefix) of an interrupted run are removed.
  RDB_ASSIGN_OR_RETURN(auto names, installers_->List());
  for (const auto& n : names) {
    if (n.starts_with(kTempPrefix)) RDB_RETURN_IF_ERROR(installers_->Unlink(n));
  }
  for (PlannedFile* p : writes) RDB_RETURN_IF_ERROR(CheckExistingInstaller(*p));
  return Status::Ok();
}

// A file of the same name may be the user's own download of the same release: identical bytes
// are left as they are; different bytes are not replaced without --force (RD never publishes
// different bytes under one asset name, so one of the two is not RD's).
Status Installer::CheckExistingInstaller(PlannedFile& p) {
  auto st = installers_->Stat(p.name);
  if (!st.has_value()) {
    return st.error().code() == ErrorCode::kNotFound ? Status::Ok() : st.error();
  }
  if (st->type != FileInfo::Type::kRegular) {
    return Status::Io(p.final_path + ": exists and is not a regular file; move it away and run "
                      "the install again");
  }
  RDB_ASSIGN_OR_RETURN(std::string sha, HashDirFile(*installers_, p.name));
  if (sha == p.file->sha256) {
    p.action = FileAction::kUnchanged;
    ++report_.files_unchanged;
    return Status::Ok();
  }
  if (!opts_.force) {
    return Status::CheckFailed(p.final_path + ": exists with other bytes (sha256 " + sha +
                               ") than the bundle's " + p.file->path + " (sha256 " +
                               p.file->sha256 + "); refusing to replace it (move it away, or "
                               "--force replaces it)");
  }
  installer_replaces_.insert(p.name);
  return Status::Ok();
}

Result<std::pair<Dir*, std::string>> Installer::StageInstaller(const PlannedFile& p) {
  auto it = installer_temps_.find(p.name);
  if (!installers_ || it == installer_temps_.end()) {
    return Status::Internal(p.final_path + ": not staged");
  }
  return std::make_pair(installers_.get(), it->second);
}

Status Installer::PublishInstallers(UndoLog& undo) {
  if (!installers_) return Status::Ok();
  Dir& dir = *installers_;
  for (const auto& p : report_.plan) {
    if (p.action != FileAction::kWrite || p.dest != Destination::kInstallers) continue;
    RDB_ASSIGN_OR_RETURN(auto staged, StageInstaller(p));
    const std::string name = p.name;
    if (auto kept = installer_kept_.find(name); kept != installer_kept_.end()) {
      RDB_RETURN_IF_ERROR(dir.Rename(staged.second, dir, name));
      undo.Add([&dir, name, old = kept->second] { return dir.Rename(old, dir, name); });
    } else {
      RDB_RETURN_IF_ERROR(dir.RenameNoReplace(staged.second, dir, name));
      undo.Add([&dir, name] { return dir.Unlink(name); });
    }
    installer_temps_.erase(p.name);
  }
  return dir.Sync();
}

void Installer::RollbackInstallers() {
  if (installers_) {
    for (const auto& [asset, temp] : installer_temps_) (void)installers_->Unlink(temp);
  }
  installer_temps_.clear();
  installers_lock_.reset();
  installers_.reset();
  if (installers_created_ && installers_parent_.exists()) {
    (void)installers_parent_.dir().RemoveDir(BaseName(TrimSlashes(opts_.installers_dir)));
  }
  installers_created_ = false;
}

}  // namespace rdbundle::unpacker
