#include "common/rd/layout.h"

#include <cstdlib>

#include "common/os/fs.h"
#include "common/rd/rd_rules.h"

namespace rdbundle {

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
  if (opts.home) {
    d.home = *opts.home;
  } else if (auto home = getenv("HOME")) {
    d.home = *home;
  } else if (!opts.cache_dir || !opts.kuberlr_dir) {
    return Status::Usage("HOME is not set: pass --home, or --cache-dir and --kuberlr-dir");
  }
  const bool host_layout = d.os == HostOs() && !opts.home;
  switch (d.os) {
    case TargetOs::kLinux:
      if (auto xdg = getenv("XDG_CACHE_HOME"); xdg && host_layout) {
        d.cache_dir = JoinPath(*xdg, "rancher-desktop");
      } else {
        d.cache_dir = JoinPath(d.home, ".cache/rancher-desktop");
      }
      break;
    case TargetOs::kDarwin:
      d.cache_dir = JoinPath(d.home, "Library/Caches/rancher-desktop");
      break;
    case TargetOs::kWindows:
      d.cache_dir = JoinPath(d.home, "AppData/Local/rancher-desktop/cache");
      break;
  }
  d.kuberlr_dir = JoinPath(d.home, ".kuberlr");
  if (opts.cache_dir) d.cache_dir = *opts.cache_dir;
  if (opts.kuberlr_dir) d.kuberlr_dir = *opts.kuberlr_dir;
  return d;
}

}  // namespace rdbundle
