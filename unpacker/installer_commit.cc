// Installer::Commit: everything that can fail first, then the renames (issue 13 item 3).
#include <algorithm>

#include "common/base/strings.h"
#include "common/cli/progress.h"
#include "common/format/limits.h"
#include "common/format/sha256sums.h"
#include "common/format/version.h"
#include "common/os/platform.h"
#include "common/rd/k3s_versions.h"
#include "common/rd/versions_merge.h"
#include "unpacker/installer.h"

namespace rdbundle::unpacker {

struct Installer::GroupCommit {
  Destination dest = Destination::kCache;
  std::string group;
  Dir* staged = nullptr;  // the staging group directory
  std::vector<const PlannedFile*> files;
  // k3s: whether a version directory is replaced (swapped) or added.
  bool replace = false;
  // kuberlr: the final platform directory, and the names of its files the renames replace
  // (kept in `staged` as "old-<name>" for the undo).
  std::unique_ptr<Dir> final_dir;
  std::set<std::string> kept;
};

namespace {

// Copies regular file `name` of `from` to `to_name` in `to` (a filesystem without hard links).
Status CopyFile(Dir& from, const std::string& name, Dir& to, const std::string& to_name,
                std::uint32_t mode, const Owner* owner) {
  RDB_ASSIGN_OR_RETURN(auto in, from.OpenFile(name));
  RDB_ASSIGN_OR_RETURN(auto out, to.CreateNew(to_name, 0600));
  std::vector<char> buf(1 << 20);
  for (;;) {
    RDB_ASSIGN_OR_RETURN(std::size_t n, in->Read(buf.data(), buf.size()));
    if (n == 0) break;
    RDB_RETURN_IF_ERROR(out->Append(buf.data(), n));
  }
  RDB_RETURN_IF_ERROR(out->SetMode(mode));
  if (owner != nullptr) RDB_RETURN_IF_ERROR(to.SetOwner(to_name, *owner));
  RDB_RETURN_IF_ERROR(out->Sync());
  return out->Close();
}

// Writes `content` to a new temporary file of `dir`, complete and durable; returns its name.
Result<std::string> StageTemp(Dir& dir, std::string_view content, const Owner* owner,
                              std::vector<std::string>& temps) {
  RDB_ASSIGN_OR_RETURN(auto tmp, dir.CreateTemp(kTempPrefix));
  const std::string name = BaseName(tmp->path());
  temps.push_back(name);
  RDB_RETURN_IF_ERROR(tmp->Append(content.data(), content.size()));
  RDB_RETURN_IF_ERROR(tmp->SetMode(0644));
  if (owner != nullptr) RDB_RETURN_IF_ERROR(dir.SetOwner(name, *owner));
  RDB_RETURN_IF_ERROR(tmp->Sync());
  RDB_RETURN_IF_ERROR(tmp->Close());
  return name;
}

// How Keep keeps a file: a hard link first (for the big ones: the same file, whose inode and
// mtime the install record compares), or always a copy (for small files Rancher Desktop may
// hold open: on Windows the link of a file open without FILE_SHARE_DELETE could not be
// removed again).
enum class KeepAs { kLink, kCopy };

// Keeps file `name` of `dir` as `to_name` of `to` before a rename replaces it, for the undo.
Status Keep(Dir& dir, const std::string& name, Dir& to, const std::string& to_name,
            const Owner* owner, KeepAs how) {
  RDB_ASSIGN_OR_RETURN(FileInfo info, dir.Stat(name));
  std::string why = "not a regular file";
  if (how == KeepAs::kLink) {
    Status s = dir.Link(name, to, to_name);
    if (s.ok() || s.code() == ErrorCode::kNoSpace) return s;
    why = s.message();
  }
  if (info.type != FileInfo::Type::kRegular) {
    const std::string what = JoinPath(dir.path(), name);
    return Status::Io(what + ": cannot keep it to put it back if the install fails (" + why +
                      "); move it away and run the install again");
  }
  return CopyFile(dir, name, to, to_name, info.mode, owner);
}

}  // namespace

Status UndoLog::Run() {
  Status first;
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
    Status s = (*it)();
    if (first.ok() && !s.ok()) first = std::move(s);
  }
  steps_.clear();
  return first;
}

bool K3sVersionDirComplete(Dir& dir, Arch arch) {
  auto regular = [&dir](const std::string& name) {
    auto st = dir.Stat(name);  // never follows a symlink
    return st.has_value() && st->type == FileInfo::Type::kRegular;
  };
  // k3sHelper.ts ensureK3sImages: the images archive is the first of .tar.zst, .tar that
  // exists (doctor_k3s.cc FindImages); a non-file there is not skipped for the next name.
  std::string images;
  for (const auto& name : K3sImagesNames(arch)) {
    if (dir.Stat(name).has_value()) {
      images = name;
      break;
    }
  }
  const std::string binary = K3sBinaryName(arch), sums = K3sSumsName(arch);
  if (images.empty() || !regular(images) || !regular(binary) || !regular(sums)) return false;
  // As doctor (CheckK3sSums): the sums file parses and has a line for the binary and the
  // images, and the binary matches its line. RD checks the same on every start and downloads
  // the version again (offline: fails) when they disagree.
  auto text = ReadFileToString(dir, sums, kMaxSumsFileBytes);
  if (!text.has_value()) return false;
  auto lines = ParseSha256Sums(*text, JoinPath(dir.path(), sums));
  if (!lines.has_value()) return false;
  const Sha256SumLine* line = FindSum(*lines, binary);
  if (line == nullptr || FindSum(*lines, images) == nullptr) return false;
  auto got = HashDirFile(dir, binary);
  return got.has_value() && *got == line->hex;
}

Result<std::optional<std::string>> MergeVersionsJson(const std::optional<std::string>& existing_text,
                                                     const std::string& path,
                                                     std::string_view incoming_text,
                                                     const std::set<std::string>& complete_cached,
                                                     std::optional<RdVersion> rd, Arch arch,
                                                     InstallReport& report) {
  VersionsMergeInput in;
  in.existing_text = existing_text;
  RDB_ASSIGN_OR_RETURN(in.incoming, ParseK3sVersionsFile(incoming_text, kK3sVersionsBundlePath));
  // Only versions whose files for the arch RD reads are now complete in the cache: RD would
  // list the others and then fail to start them offline (item 5).
  for (const auto& v : in.incoming.versions) {
    if (complete_cached.count(v) != 0) in.usable_incoming.insert(v);
  }
  in.complete_cached = complete_cached;
  in.rd = rd;
  const VersionsMergeResult r = MergeVersionsForRd(in);
  const std::string arch_name(ArchName(arch));
  for (const auto& v : r.not_usable) {
    report.warnings.push_back(v + ": the bundle has no complete " + arch_name +
                              " files for it (k3s binary, sums, images); not added to " + path);
  }
  if (r.base == VersionsMergeBase::kReplaced) {
    report.warnings.push_back(path + ": " + r.replaced_reason +
                              "; Rancher Desktop does not use it, so it is replaced");
  }
  if (!r.added_cached.empty()) {
    report.warnings.push_back(path + ": also lists the complete cached " +
                              (r.added_cached.size() == 1 ? "version " : "versions ") +
                              Join(r.added_cached, ", ") +
                              ", as doctor --fix does (without a usable file Rancher Desktop "
                              "offered them from its built-in list)");
  }
  for (const auto& v : r.dropped_shadowing) {
    report.warnings.push_back(path + ": dropped " + v +
                              ": not complete, it would shadow a complete build of the same "
                              "version (Rancher Desktop keeps the last build listed and looks "
                              "only in its directory)");
  }
  report.versions_added = r.added;
  std::string bytes = SerializeK3sVersionsFile(r.file);
  if (existing_text && bytes == *existing_text) return std::optional<std::string>();
  report.versions_json_changed = true;
  return std::optional<std::string>(std::move(bytes));
}

// The CACHE/k3s/<version> directories complete for the arch RD reads once the renames are done:
// for a version this install writes, its staged directory (which holds the old directory's
// other files too); otherwise the existing directory, opened through the k3s handle (a symlink
// is skipped, never followed: RD's offline listing wants a directory).
Result<std::set<std::string>> Installer::CompleteCachedVersions(
    const std::vector<GroupCommit>& groups) {
  std::set<std::string> complete;
  if (!k3s_) return complete;
  std::set<std::string> staged;
  for (const GroupCommit& g : groups) {
    if (g.dest != Destination::kCache) continue;
    staged.insert(g.group);
    if (K3sVersionDirComplete(*g.staged, opts_.dest.arch)) complete.insert(g.group);
  }
  RDB_ASSIGN_OR_RETURN(auto names, k3s_->List());
  for (const auto& name : names) {
    if (staged.count(name) != 0 || name.starts_with(".")) continue;
    auto info = k3s_->Stat(name);
    if (!info.has_value() || info->type != FileInfo::Type::kDirectory) continue;
    auto dir = k3s_->OpenDir(name);
    if (dir.has_value() && K3sVersionDirComplete(**dir, opts_.dest.arch)) complete.insert(name);
  }
  return complete;
}

// A k3s version directory that exists is replaced as a unit: its other files (other arches,
// unchanged ones) are hard-linked (copied where links are not possible) into the staged
// directory, which then replaces it in one exchange. Only regular files are expected there.
Status Installer::StageVersionDir(GroupCommit& g) {
  auto info = k3s_->Stat(g.group);
  if (!info.has_value()) {
    if (info.error().code() != ErrorCode::kNotFound) return info.error();
    g.replace = false;
    return Status::Ok();
  }
  RDB_ASSIGN_OR_RETURN(auto old, k3s_->OpenDir(g.group));  // refuses a symlink
  g.replace = true;
  std::set<std::string> written;
  for (const PlannedFile* p : g.files) written.insert(p->name);
  RDB_ASSIGN_OR_RETURN(auto names, old->List());
  for (const auto& name : names) {
    if (written.count(name)) continue;
    RDB_ASSIGN_OR_RETURN(FileInfo f, old->Stat(name));
    if (f.type != FileInfo::Type::kRegular) {
      return Status::Io(JoinPath(old->path(), name) +
                        ": not a regular file; a k3s version directory holds only files (move "
                        "it away and run the install again)");
    }
    Status s = old->Link(name, *g.staged, name);
    if (!s.ok()) {
      if (s.code() == ErrorCode::kNoSpace) return s;
      RDB_RETURN_IF_ERROR(CopyFile(*old, name, *g.staged, name, f.mode, owner_.get()));
    }
  }
  return Status::Ok();
}

// The install record as it will be once the renames are done: the inode and mtime of each
// staged file are those it keeps under its final name.
Status Installer::StageRecord() {
  const Manifest& m = preamble_->manifest;
  const bool known = std::any_of(state_.installs.begin(), state_.installs.end(),
                                 [&](const InstallRecord& r) { return r.bundle_id == m.bundle_id; });
  if (known && report_.files_written == 0 && !report_.versions_json_changed) return Status::Ok();
  for (const auto& p : report_.plan) {
    if (p.action != FileAction::kWrite) continue;
    Result<FileInfo> staged = Status::Internal("unreachable");
    if (p.dest == Destination::kInstallers) {
      RDB_ASSIGN_OR_RETURN(auto where, StageInstaller(p));
      staged = where.first->Stat(where.second);
    } else {
      RDB_ASSIGN_OR_RETURN(Dir * dir, StagingGroup(p));
      staged = dir->Stat(p.name);
    }
    RDB_ASSIGN_OR_RETURN(FileInfo info, std::move(staged));
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
  RDB_ASSIGN_OR_RETURN(record_tmp_, StageTemp(cache_.dir(), SerializeInstallState(state_),
                                              owner_.get(), temp_files_));
  return Status::Ok();
}

// Everything that can fail before the first rename: version directories staged whole,
// kuberlr's platform directories created and checked, k3s-versions.json and the record
// written to temporary files.
Status Installer::Preflight(const std::map<std::string, std::string>& small_files,
                            std::vector<GroupCommit>& groups) {
  std::map<std::pair<Destination, std::string>, std::size_t> index;
  for (const auto& p : report_.plan) {
    if (p.action != FileAction::kWrite) continue;
    report_.bytes_written += p.file->size;
    ++report_.files_written;
    if (p.dest == Destination::kInstallers) {  // staged in place; PublishInstallers
      RDB_ASSIGN_OR_RETURN(auto staged, StageInstaller(p));
      (void)staged;
      continue;
    }
    auto [it, added] = index.emplace(std::make_pair(p.dest, p.group), groups.size());
    if (added) {
      groups.emplace_back();
      groups.back().dest = p.dest;
      groups.back().group = p.group;
      RDB_ASSIGN_OR_RETURN(groups.back().staged, StagingGroup(p));
    }
    groups[it->second].files.push_back(&p);
  }
  for (GroupCommit& g : groups) {
    if (g.dest == Destination::kCache) {
      RDB_RETURN_IF_ERROR(StageVersionDir(g));
    } else {
      bool made = false;
      RDB_ASSIGN_OR_RETURN(g.final_dir, OpenOrMakeDir(kuberlr_.dir(), g.group, owner_.get(), &made));
      if (made) created_dirs_.emplace_back(&kuberlr_.dir(), g.group);
      for (const PlannedFile* p : g.files) {
        auto st = g.final_dir->Stat(p->name);
        if (st.has_value() && st->type == FileInfo::Type::kDirectory) {
          return Status::Io(JoinPath(g.final_dir->path(), p->name) +
                            ": is a directory; move it away and run the install again");
        }
      }
    }
    RDB_RETURN_IF_ERROR(g.staged->Sync());
  }
  if (k3s_staging_.dir) RDB_RETURN_IF_ERROR(k3s_staging_.dir->Sync());
  if (kuberlr_staging_.dir) RDB_RETURN_IF_ERROR(kuberlr_staging_.dir->Sync());
  if (installers_) RDB_RETURN_IF_ERROR(installers_->Sync());

  if (auto it = small_files.find(std::string(kK3sVersionsBundlePath)); it != small_files.end()) {
    RDB_ASSIGN_OR_RETURN(auto complete, CompleteCachedVersions(groups));
    RDB_ASSIGN_OR_RETURN(auto bytes,
                         MergeVersionsJson(existing_versions_json_,
                                           JoinPath(cache_.path(), "k3s-versions.json"),
                                           it->second, complete, opts_.rd, opts_.dest.arch,
                                           report_));
    if (bytes) {
      RDB_ASSIGN_OR_RETURN(versions_json_tmp_,
                           StageTemp(cache_.dir(), *bytes, owner_.get(), temp_files_));
    }
  }
  RDB_RETURN_IF_ERROR(StageRecord());
  return KeepReplaced(groups);
}

// `name` of root directory `dir` (the cache, the installers directory) kept as a temporary file
// beside it; listed in kept_. Returns its name.
Result<std::string> Installer::KeepInRoot(Dir& dir, const std::string& name, bool copy) {
  const std::string kept = std::string(kTempPrefix) + RandomSuffix();
  RDB_RETURN_IF_ERROR(
      Keep(dir, name, dir, kept, owner_.get(), copy ? KeepAs::kCopy : KeepAs::kLink));
  kept_.emplace_back(&dir, kept);
  return kept;
}

// The last of the preflight: every file a rename will replace is kept, so that a rename that
// fails can undo the ones before it (Publish). Version directories need nothing: the old one
// stays in staging until the end.
Status Installer::KeepReplaced(std::vector<GroupCommit>& groups) {
  for (GroupCommit& g : groups) {
    if (g.dest != Destination::kKuberlr) continue;
    for (const PlannedFile* p : g.files) {
      auto st = g.final_dir->Stat(p->name);
      if (!st.has_value()) {
        if (st.error().code() == ErrorCode::kNotFound) continue;
        return st.error();
      }
      RDB_RETURN_IF_ERROR(Keep(*g.final_dir, p->name, *g.staged, std::string(kOldPrefix) + p->name,
                               owner_.get(), KeepAs::kLink));
      g.kept.insert(p->name);
    }
  }
  for (const auto& asset : installer_replaces_) {
    RDB_ASSIGN_OR_RETURN(installer_kept_[asset], KeepInRoot(*installers_, asset, false));
  }
  if (!versions_json_tmp_.empty() && existing_versions_json_) {
    RDB_ASSIGN_OR_RETURN(versions_json_kept_, KeepInRoot(cache_.dir(), "k3s-versions.json", true));
  }
  if (!record_tmp_.empty() && cache_.dir().Stat(kStateFileName).has_value()) {
    RDB_ASSIGN_OR_RETURN(record_kept_, KeepInRoot(cache_.dir(), std::string(kStateFileName), true));
  }
  return Status::Ok();
}

// Renames temporary file `tmp` of root directory `dir` over `name`; the undo puts back `kept`
// (empty: there was no such file, the undo removes it). When the undo cannot, the kept file
// stays where it is and the error names it.
Status Installer::PlaceRootFile(Dir& dir, std::string& tmp, const std::string& name,
                                const std::string& kept, UndoLog& undo) {
  RDB_RETURN_IF_ERROR(dir.Rename(tmp, dir, name));
  std::erase(temp_files_, tmp);
  tmp.clear();
  if (kept.empty()) {
    undo.Add([&dir, name] { return dir.Unlink(name); });
    return Status::Ok();
  }
  undo.Add([this, &dir, name, kept]() -> Status {
    Status s = dir.Rename(kept, dir, name);
    if (s.ok()) return s;
    std::erase(kept_, std::make_pair(&dir, kept));
    return Status(s.code(), s.message() + " (the previous " + JoinPath(dir.path(), name) +
                                " is kept as " + JoinPath(dir.path(), kept) + ")");
  });
  return Status::Ok();
}

// The renames. A new version directory moves in with one rename; an existing one is swapped
// with its staged replacement in one exchange (renameat2 RENAME_EXCHANGE, macOS RENAME_SWAP),
// so RD (which hashes the binary and images against the sums file on every start) never sees a
// mix. Without exchange: the old directory is moved into the staging directory ("old-<v>"),
// the new one moved in; a run killed in between is rolled back by the next (CleanLeftovers).
Status Installer::Publish(std::vector<GroupCommit>& groups, UndoLog& undo) {
  for (GroupCommit& g : groups) {
    const std::string& name = g.group;
    if (g.dest == Destination::kCache) {
      Dir& staging = *k3s_staging_.dir;
      Dir& k3s = *k3s_;
      auto move_back = [&k3s, &staging, name] { return k3s.RenameNoReplace(name, staging, name); };
      if (!g.replace) {
        RDB_RETURN_IF_ERROR(staging.RenameNoReplace(name, k3s, name));
        undo.Add(move_back);
        continue;
      }
      RDB_ASSIGN_OR_RETURN(bool swapped, staging.Exchange(name, k3s, name));
      if (swapped) {
        undo.Add([&k3s, &staging, name]() -> Status {
          RDB_ASSIGN_OR_RETURN(bool back, staging.Exchange(name, k3s, name));
          if (back) return Status::Ok();
          return Status::Io(JoinPath(k3s.path(), name) + ": cannot swap the old directory back");
        });
        continue;
      }
      const std::string old = std::string(kOldPrefix) + name;
      RDB_RETURN_IF_ERROR(k3s.Rename(name, staging, old));
      undo.Add([&k3s, &staging, name, old] { return staging.RenameNoReplace(old, k3s, name); });
      RDB_RETURN_IF_ERROR(staging.Sync());
      RDB_RETURN_IF_ERROR(staging.RenameNoReplace(name, k3s, name));
      undo.Add(move_back);
    } else {
      Dir& staged = *g.staged;
      Dir& final_dir = *g.final_dir;
      for (const PlannedFile* p : g.files) {
        const std::string& file = p->name;
        RDB_RETURN_IF_ERROR(staged.Rename(file, final_dir, file));
        if (g.kept.count(file) != 0) {
          undo.Add([&staged, &final_dir, file] {
            return staged.Rename(std::string(kOldPrefix) + file, final_dir, file);
          });
        } else {
          undo.Add([&staged, &final_dir, file] {
            return final_dir.RenameNoReplace(file, staged, file);
          });
        }
      }
      RDB_RETURN_IF_ERROR(final_dir.Sync());
    }
  }
  if (k3s_) RDB_RETURN_IF_ERROR(k3s_->Sync());
  RDB_RETURN_IF_ERROR(PublishInstallers(undo));
  if (!versions_json_tmp_.empty()) {
    RDB_RETURN_IF_ERROR(PlaceRootFile(cache_.dir(), versions_json_tmp_, "k3s-versions.json",
                                      versions_json_kept_, undo));
  }
  if (!record_tmp_.empty()) {
    RDB_RETURN_IF_ERROR(
        PlaceRootFile(cache_.dir(), record_tmp_, std::string(kStateFileName), record_kept_, undo));
  }
  return cache_.dir().Sync();
}

Status Installer::RemoveStaging() {
  for (Staging* st : {&k3s_staging_, &kuberlr_staging_}) {
    if (st->parent == nullptr) continue;
    st->groups.clear();
    st->dir.reset();
    RDB_RETURN_IF_ERROR(RemoveTreeAt(*st->parent, st->name));
    RDB_RETURN_IF_ERROR(st->parent->Sync());
    st->parent = nullptr;
    st->name.clear();
  }
  return Status::Ok();
}

Result<InstallReport> Installer::Commit(const std::map<std::string, std::string>& small_files) {
  if (opts_.dry_run) {
    committed_ = true;
    return report_;
  }
  std::vector<GroupCommit> groups;
  RDB_RETURN_IF_ERROR(Preflight(small_files, groups));
  UndoLog undo;
  if (Status s = Publish(groups, undo); !s.ok()) {
    // Before the groups (their directory handles) go; Rollback removes the rest.
    if (Status u = undo.Run(); !u.ok()) {
      return Status(s.code(),
                    s.message() + "; undoing the install's renames failed: " + u.message());
    }
    return s;
  }
  groups.clear();
  created_dirs_.clear();  // they hold committed files now
  k3s_created_ = false;
  installers_created_ = false;
  for (const auto& [dir, name] : kept_) (void)dir->Unlink(name);
  kept_.clear();
  RDB_RETURN_IF_ERROR(RemoveStaging());
  kuberlr_lock_.reset();
  installers_lock_.reset();
  cache_lock_.reset();
  committed_ = true;
  return report_;
}

}  // namespace rdbundle::unpacker
