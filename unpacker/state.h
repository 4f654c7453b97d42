// The install record: CACHE/rdbundle-installed.json lists the bundles installed into this
// cache and, per installed file, what was written (so a re-install can skip identical files
// without re-reading them, and `list --installed` can show what came from where).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/os/fs.h"

namespace rdbundle::unpacker {

inline constexpr std::string_view kStateFileName = "rdbundle-installed.json";
inline constexpr int kStateVersion = 1;
inline constexpr std::size_t kMaxStateBytes = 8u << 20;
inline constexpr std::size_t kMaxInstallRecords = 200;

struct InstallRecord {
  std::string bundle_id;
  std::string key_id;
  std::string created;       // the bundle's
  std::string installed_at;  // RFC 3339 UTC
  std::string generator;
  std::string target;        // e.g. "linux-amd64"
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  bool operator==(const InstallRecord&) const = default;
};

struct InstalledFile {
  std::string sha256;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
  std::string bundle_id;
  bool operator==(const InstalledFile&) const = default;
};

struct InstallState {
  std::vector<InstallRecord> installs;          // oldest first, at most kMaxInstallRecords
  std::map<std::string, InstalledFile> files;   // by absolute destination path
  bool operator==(const InstallState&) const = default;
};

Result<InstallState> ParseInstallState(std::string_view text, std::string_view what);
std::string SerializeInstallState(const InstallState& state);

// Reads CACHE/rdbundle-installed.json. A missing file is an empty state; an unreadable or
// invalid one is reported through `warning` and treated as empty (it is only an optimization
// and a record, never a reason to refuse an install).
// The file is opened as a regular file only (a FIFO there never blocks, issue 13 item 8).
InstallState LoadInstallState(Fs& fs, const std::string& cache_dir, std::string* warning);
// The same below an open cache root (never following a symlink at the record).
InstallState LoadInstallState(Dir& cache, std::string* warning);

}  // namespace rdbundle::unpacker
