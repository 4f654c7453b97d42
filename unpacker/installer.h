// Places a verified bundle's files into RD's cache and kuberlr's directory (format-spec 9).
//
// Life cycle, driven by commands.cc (RunInstall):
//   Prepare(preamble)   plan each file (write / unchanged / other platform; refuse to replace
//                       installed bytes with different ones unless --force), check free space,
//                       resolve and create the destination roots (roots.h), lock them, clean
//                       leftovers of interrupted runs, read and validate k3s-versions.json,
//                       create the staging directories; for a Rancher Desktop installer
//                       (format 2) resolve the installers directory and check what is there
//   handler()           given to BundleReader::ReadPayloads: stages files as they stream
//   Commit(...)         only after the whole bundle verified (installer_commit.cc): first
//                       everything that can fail (each k3s version directory staged whole,
//                       kuberlr directories created, k3s-versions.json and the install record
//                       written to temporary files), then the renames: each version directory
//                       replaced as a unit (RENAME_EXCHANGE), kubectls and RD installers
//                       one by one, k3s-versions.json, the record
//                       (a file a rename replaces is kept first: a hard link, else a copy);
//                       a rename that fails undoes the ones before it (UndoLog), so the
//                       destination is as it was
//   Rollback()          any failure: staging and directories this run created are removed
// A run killed at any point leaves every k3s version directory entirely old or entirely new
// and at most complete, verified files under real names; the next run removes its staging
// directories (or finishes the journal of a filesystem without RENAME_EXCHANGE).
//
// Below the destination roots every operation goes through Dir handles and never follows a
// symlink (issue 13 item 1); see roots.h for the roots and for ownership.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/format/manifest.h"
#include "common/format/version.h"
#include "common/os/fs.h"
#include "common/rd/layout.h"
#include "unpacker/bundle_reader.h"
#include "unpacker/roots.h"
#include "unpacker/state.h"

namespace rdbundle::unpacker {

inline constexpr std::string_view kStagingPrefix = ".rdbundle-staging-";
inline constexpr std::string_view kTempPrefix = ".rdbundle-tmp-";
// In a staging directory of CACHE/k3s on a filesystem without RENAME_EXCHANGE: the old version
// directory moved aside for the new one; the next run moves it back if the new one is missing.
inline constexpr std::string_view kOldPrefix = "old-";

struct PlannedFile;

// "<random hex>" for the names of staging directories and kept files.
std::string RandomSuffix();

// The renames of a commit, undone newest first when a later one fails (non-negotiable: the
// destination is unchanged on any failure): a placed directory or file goes back into staging
// or away, a replaced one comes back from the copy kept before the renames.
class UndoLog {
 public:
  void Add(std::function<Status()> undo) { steps_.push_back(std::move(undo)); }
  // Runs every step, newest first, even after one failed; returns the first failure.
  Status Run();
  void Clear() { steps_.clear(); }

 private:
  std::vector<std::function<Status()>> steps_;
};

struct InstallOptions {
  Destinations dest;
  bool dry_run = false;
  // Also install k3s files of other arches and kubectls of other platforms (default: only
  // what RD and kuberlr on the target use).
  bool all_platforms = false;
  // Rewrite files even when the install record says they are identical, and replace files
  // the record says were installed with different bytes.
  bool force = false;
  // The installed Rancher Desktop's version, whose rules the k3s-versions.json merge follows
  // (rd_rules.h); set only when the target is this machine (DetectInstalledRd), else nullopt:
  // the current rules.
  std::optional<RdVersion> rd;
  // Where carried Rancher Desktop installers go (--installers-dir; default
  // <home>/rancher-desktop-installers, rd_installer.h). Its parent is a root like the cache
  // (resolved once, created when missing); the directory itself is opened through the parent's
  // handle and never followed when it is a symlink. Empty: no place (no home); a bundle with an
  // installer for the target then fails before anything is written.
  std::string installers_dir;
  // Called by Prepare with the plan, before anything is created or written (e.g. the
  // --require-kubectl-cover decision); an error stops the install there.
  std::function<Status(const std::vector<PlannedFile>&)> check_plan = {};
};

// Installers (dest kInstallers) are kWrite, kUnchanged or kOtherPlatform like other files: the
// target's platform only (RdPlatformFor), unless all_platforms.
enum class FileAction { kWrite, kUnchanged, kOtherPlatform, kMerge };

struct PlannedFile {
  const ManifestFile* file = nullptr;
  FileAction action = FileAction::kWrite;
  std::string final_path;  // absolute destination (empty for kOtherPlatform)
  Destination dest = Destination::kCache;
  std::string group;  // the directory committed as a unit: "<k3s version>" or "<os>-<arch>"
  std::string name;   // the file name in it
};

struct InstallReport {
  std::vector<PlannedFile> plan;
  std::uint64_t bytes_written = 0;
  std::size_t files_written = 0;
  std::size_t files_unchanged = 0;
  std::size_t files_other_platform = 0;
  std::vector<std::string> versions_added;  // to k3s-versions.json
  bool versions_json_changed = false;
  std::vector<std::string> warnings;
};

// The k3s-versions.json step, kept apart from the commit: MergeVersionsForRd (issue 14 items 1,
// 3, 4, 5) on what the cache will hold. `existing`: the cache's file (nullopt when absent),
// `incoming`: the bundle's, `complete_cached`: the CACHE/k3s/<version> directories complete for
// `arch` (the arch RD reads) once this install's renames are done. Returns the bytes to write,
// or nullopt when the file stays as it is; fills report.versions_added and report.warnings.
Result<std::optional<std::string>> MergeVersionsJson(const std::optional<std::string>& existing,
                                                     const std::string& existing_path,
                                                     std::string_view incoming,
                                                     const std::set<std::string>& complete_cached,
                                                     std::optional<RdVersion> rd, Arch arch,
                                                     InstallReport& report);

// True when `dir` (a CACHE/k3s/<version> directory) is complete in doctor's sense (doctor
// without --deep; doctor_k3s.cc CheckK3sVersionDir), so install never lists in
// k3s-versions.json a version doctor then fails: everything RD reads for `arch` is there as a
// regular file (a symlink is not followed), the k3s binary, sha256sum-<arch>.txt and the
// images archive RD picks (the first of .tar.zst, .tar that exists); the sums file parses and
// has a line for the binary and the images; the binary's SHA-256 matches its line (the images
// are not hashed: doctor hashes them only with --deep). k3sHelper.ts ensureK3sImages checks
// these on every start and downloads the version again when one fails.
bool K3sVersionDirComplete(Dir& dir, Arch arch);

// SHA-256 (hex) of the regular file `name` of `dir`, never following a symlink.
Result<std::string> HashDirFile(Dir& dir, const std::string& name);

// In CACHE/k3s's staging directory `staging_name`: moves each "old-<version>" back to
// "<version>" when that is missing (the journal of a filesystem without RENAME_EXCHANGE, where
// a run died between moving the old directory aside and the new one in).
Status RestoreOldVersionDirs(Dir& k3s, const std::string& staging_name);

class Installer {
 public:
  Installer(Fs& fs, InstallOptions opts);
  ~Installer();  // rolls back unless committed
  Installer(const Installer&) = delete;
  Installer& operator=(const Installer&) = delete;

  Status Prepare(const Preamble& preamble);
  PayloadHandler& handler();
  // REQUIRES: Prepare succeeded and BundleReader::ReadPayloads succeeded.
  Result<InstallReport> Commit(const std::map<std::string, std::string>& small_files);
  void Rollback();

  const InstallReport& report() const { return report_; }
  // Bytes that will be written (for the progress display and the free-space check).
  std::uint64_t bytes_to_write() const;

 private:
  class Handler;
  // A staging directory ".rdbundle-staging-<random>" in `parent` (CACHE/k3s or KUBERLR), with
  // one subdirectory per group.
  struct Staging {
    Dir* parent = nullptr;
    std::string name;
    std::unique_ptr<Dir> dir;
    std::map<std::string, std::unique_ptr<Dir>> groups;
  };
  // A group directory the commit prepared: the final directory (kuberlr) or what to do.
  struct GroupCommit;

  Status PlanFiles();
  bool IsUnchanged(const ManifestFile& f, const std::string& final_path);
  Status CheckNotReplacingInstalled(const PlannedFile& p) const;
  Status CheckFreeSpace();
  Status PrepareRoots();
  // installer_rd.cc: the installers directory (format-spec/rdbundle-v2.md section 5).
  Status PlanInstaller(PlannedFile& p, const PayloadPath& where);
  Status PrepareInstallers();
  Status CheckExistingInstaller(PlannedFile& p);
  Result<std::pair<Dir*, std::string>> StageInstaller(const PlannedFile& p);
  Status PublishInstallers(UndoLog& undo);
  void RollbackInstallers();
  Status MakeStaging(Dir& parent, Staging& st);
  Result<Dir*> StagingGroup(const PlannedFile& p);

  // installer_commit.cc
  Status Preflight(const std::map<std::string, std::string>& small_files,
                   std::vector<GroupCommit>& groups);
  Status StageVersionDir(GroupCommit& g);
  Result<std::set<std::string>> CompleteCachedVersions(const std::vector<GroupCommit>& groups);
  Status StageRecord();
  Status KeepReplaced(std::vector<GroupCommit>& groups);
  Result<std::string> KeepInRoot(Dir& dir, const std::string& name, bool copy);
  Status PlaceRootFile(Dir& dir, std::string& tmp, const std::string& name, const std::string& kept,
                       UndoLog& undo);
  Status Publish(std::vector<GroupCommit>& groups, UndoLog& undo);
  Status RemoveStaging();

  Fs& fs_;
  const InstallOptions opts_;
  const Preamble* preamble_ = nullptr;
  OwnerPlan owner_;
  Root cache_;
  Root kuberlr_;
  Root installers_parent_;  // DirName(opts_.installers_dir)
  std::unique_ptr<Dir> installers_;
  bool installers_created_ = false;
  std::unique_ptr<FileLock> installers_lock_;
  std::map<std::string, std::string> installer_temps_;  // asset name -> its temporary file
  std::set<std::string> installer_replaces_;           // asset names replaced (--force)
  std::map<std::string, std::string> installer_kept_;  // asset name -> the replaced file kept
  std::unique_ptr<Dir> k3s_;  // CACHE/k3s
  bool k3s_created_ = false;
  std::unique_ptr<FileLock> cache_lock_;
  std::unique_ptr<FileLock> kuberlr_lock_;
  Staging k3s_staging_;
  Staging kuberlr_staging_;
  std::vector<std::pair<Dir*, std::string>> created_dirs_;  // below the roots, in creation order
  std::vector<std::string> temp_files_;                     // in the cache root
  std::optional<std::string> existing_versions_json_;
  std::string versions_json_tmp_;  // staged k3s-versions.json (empty: unchanged)
  std::string record_tmp_;         // staged install record (empty: unchanged)
  std::string versions_json_kept_;  // the k3s-versions.json it replaces, kept (empty: none)
  std::string record_kept_;         // the install record it replaces, kept (empty: none)
  // Files kept for the undo outside the staging directories (cache root, installers
  // directory): removed once committed, and by Rollback unless an undo step could not put
  // one back (then it stays, and the error names it).
  std::vector<std::pair<Dir*, std::string>> kept_;
  std::unique_ptr<Handler> handler_;
  InstallState state_;
  InstallReport report_;
  bool committed_ = false;
};

}  // namespace rdbundle::unpacker
