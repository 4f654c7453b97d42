// Places a verified bundle's files into RD's cache and kuberlr's directory (format-spec 9).
//
// Life cycle, driven by install_command.cc:
//   Prepare(preamble)   plan each file (write / unchanged / other platform), check free space,
//                       lock the destinations, remove leftovers of interrupted runs, create
//                       staging directories (.rdbundle-staging-*) in each destination root
//   handler()           given to BundleReader::ReadPayloads: stages files as they stream
//   Commit(...)         only after the whole bundle verified: fsync'd staging files are renamed
//                       into place (a new version directory in one rename), directories
//                       fsync'd, k3s-versions.json merged last, the install state recorded
//   Rollback()          any failure before Commit: staging and directories this run created
//                       are removed; the destinations are as they were
// A run killed at any point leaves at most complete, verified files under real names; its
// staging directory is removed by the next run.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/format/manifest.h"
#include "common/os/fs.h"
#include "common/rd/layout.h"
#include "unpacker/bundle_reader.h"
#include "unpacker/state.h"

namespace rdbundle::unpacker {

struct InstallOptions {
  Destinations dest;
  bool dry_run = false;
  // Also install k3s files of other arches and kubectls of other platforms (default: only
  // what RD and kuberlr on the target use).
  bool all_platforms = false;
  // Rewrite files even when the install record says they are identical.
  bool force = false;
};

// kNotPlaced: a Rancher Desktop installer (format 2, installers/): verified in the stream like
// every entry, but not written anywhere yet (placing it is issue 14 step 4, on top of the
// installer rewrite).
enum class FileAction { kWrite, kUnchanged, kOtherPlatform, kMerge, kNotPlaced };

struct PlannedFile {
  const ManifestFile* file = nullptr;
  FileAction action = FileAction::kWrite;
  std::string final_path;  // absolute destination (empty for kOtherPlatform)
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
  struct Root;

  Status PlanFiles();
  bool IsUnchanged(const ManifestFile& f, const std::string& final_path);
  Status CheckFreeSpace();
  Status PrepareRoot(Root& root, bool stage);
  Status CommitFiles();
  Status CommitGroup(Root& root, const std::string& group_rel, std::vector<const PlannedFile*>& files);
  Status MergeVersionsJson(const std::map<std::string, std::string>& small_files);
  Status RecordState();
  Root& RootFor(Destination d);
  std::string StagedPath(const PlannedFile& p);

  Fs& fs_;
  const InstallOptions opts_;
  const Preamble* preamble_ = nullptr;
  std::unique_ptr<Root> cache_;
  std::unique_ptr<Root> kuberlr_;
  std::unique_ptr<Handler> handler_;
  InstallState state_;
  InstallReport report_;
  bool committed_ = false;
};

}  // namespace rdbundle::unpacker
