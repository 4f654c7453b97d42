#include "common/rd/layout.h"

#include <cstdlib>
#include <string_view>

#include "common/os/fs.h"
#include "common/os/platform.h"
#include "common/rd/rd_rules.h"

namespace rdbundle {
namespace {

// The same directory as written: equal up to trailing separators ("/home/u/" is "/home/u").
bool SameDir(std::string_view a, std::string_view b) {
  while (a.size() > 1 && (a.back() == '/' || a.back() == '\\')) a.remove_suffix(1);
  while (b.size() > 1 && (b.back() == '/' || b.back() == '\\')) b.remove_suffix(1);
  return a == b;
}

}  // namespace

std::optional<std::string> GetEnvReal(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

Result<Destinations> ResolveDestinations(const DestinationOptions& opts, const GetEnvFn& getenv) {
  Destinations d;
  d.os = opts.os.value_or(HostOs());
  // RD on Windows reads only the amd64 files (RdArchFor, kube/wsl.ts).
  RDB_ASSIGN_OR_RETURN(d.arch, RdArchFor(d.os, opts.arch, HostArch()));
  // The user's home as kuberlr computes it: $HOME, on Windows else %USERPROFILE%.
  std::optional<std::string> env_home = getenv("HOME");
  if (!env_home && HostOs() == TargetOs::kWindows) env_home = getenv("USERPROFILE");
  if (opts.home) {
    d.home = *opts.home;
  } else if (env_home) {
    d.home = *env_home;
  } else if (!opts.cache_dir || !opts.kuberlr_dir) {
    return Status::Usage(HostOs() == TargetOs::kWindows
                             ? "neither HOME nor USERPROFILE is set: pass --home, or --cache-dir "
                               "and --kuberlr-dir"
                             : "HOME is not set: pass --home, or --cache-dir and --kuberlr-dir");
  }
  const bool own_home = !opts.home || (env_home && SameDir(*opts.home, *env_home));
  // $XDG_CACHE_HOME is this user's setting on this machine: another OS, arch or home is the
  // layout of another machine's RD, whose setting is unknown.
  const bool host = d.os == HostOs() && d.arch == HostArch() && own_home;
  switch (d.os) {
    case TargetOs::kLinux:
      if (auto xdg = getenv("XDG_CACHE_HOME"); xdg && host) {
        d.cache_dir = JoinPath(*xdg, "rancher-desktop");
      } else {
        d.cache_dir = JoinPath(d.home, ".cache/rancher-desktop");
      }
      break;
    case TargetOs::kDarwin:
      d.cache_dir = JoinPath(d.home, "Library/Caches/rancher-desktop");
      break;
    case TargetOs::kWindows:
      // On Windows itself RD asks the OS for the local application data folder, which a user
      // or an administrator may have moved away from the home.
      if (auto local = host ? LocalAppDataDir() : std::nullopt) {
        d.cache_dir = JoinPath(*local, "rancher-desktop/cache");
      } else {
        d.cache_dir = JoinPath(d.home, "AppData/Local/rancher-desktop/cache");
      }
      break;
  }
  d.kuberlr_dir = JoinPath(d.home, ".kuberlr");
  d.is_host = host && (!opts.cache_dir || SameDir(*opts.cache_dir, d.cache_dir)) &&
              (!opts.kuberlr_dir || SameDir(*opts.kuberlr_dir, d.kuberlr_dir));
  if (opts.cache_dir) d.cache_dir = *opts.cache_dir;
  if (opts.kuberlr_dir) d.kuberlr_dir = *opts.kuberlr_dir;
  return d;
}

}  // namespace rdbundle
