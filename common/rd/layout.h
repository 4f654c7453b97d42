// Where Rancher Desktop and kuberlr keep their files on a machine: the destination roots an
// install writes below (docs/rancher-desktop.md#cache-directory and #kuberlr).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/base/status.h"
#include "common/format/paths.h"

namespace rdbundle {

struct Destinations {
  TargetOs os;
  Arch arch;
  std::string home;
  std::string cache_dir;    // RD cache dir (CACHE)
  std::string kuberlr_dir;  // <home>/.kuberlr (platform subdirectories below it)
  // This machine's own setup: the host's OS and arch, the user's own home (no --home, or
  // --home naming $HOME) and the directories RD and kuberlr use there (no --cache-dir or
  // --kuberlr-dir naming others). Decided here only: it selects $XDG_CACHE_HOME for the
  // cache, and whether kuberlr's system kubectls (/usr/bin) on this machine count.
  bool is_host = false;
};

struct DestinationOptions {
  std::optional<TargetOs> os;  // default: host
  std::optional<Arch> arch;    // default: host
  std::optional<std::string> home;
  std::optional<std::string> cache_dir;
  std::optional<std::string> kuberlr_dir;
};

using GetEnvFn = std::function<std::optional<std::string>(const char*)>;
std::optional<std::string> GetEnvReal(const char* name);

// RD's cache dir per target OS (docs/rancher-desktop.md#cache-directory):
//   linux:   $XDG_CACHE_HOME/rancher-desktop (only for this machine: host OS, arch and home),
//            else <home>/.cache/rancher-desktop
//   darwin:  <home>/Library/Caches/rancher-desktop
//   windows: on Windows for this machine, the local application data folder
//            (LocalAppDataDir, %LOCALAPPDATA%) + rancher-desktop/cache, else
//            <home>/AppData/Local/rancher-desktop/cache (from WSL pass --home /mnt/c/Users/<u>)
// kuberlr: <home>/.kuberlr. Explicit cache_dir/kuberlr_dir win. home defaults to $HOME (on
// Windows, else %USERPROFILE%: kuberlr's home there).
// arch: RdArchFor (windows: always amd64; an explicit arm64 for windows is kUsage).
Result<Destinations> ResolveDestinations(const DestinationOptions& opts, const GetEnvFn& getenv);

}  // namespace rdbundle
