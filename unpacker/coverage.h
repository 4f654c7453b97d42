// "Does every cached k3s version have a kubectl within one minor?"
// (docs/rancher-desktop.md#version-skew): the check `install` runs at its end and `doctor` runs
// on demand.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/format/version.h"
#include "common/os/fs.h"
#include "common/rd/layout.h"
#include "common/rd/skew.h"

namespace rdbundle::unpacker {

struct CoverageEntry {
  std::string k3s_version;                   // directory name, e.g. "v1.30.4+k3s1"
  std::optional<KubectlVersion> served_by;   // the newest kubectl within ±1 minor
};

// One kubectl to add to close a gap. `exact` is set when a release of that minor is known
// offline: Kubernetes publishes kubectl X.Y.Z for every k3s vX.Y.Z+k3sN, so the cached k3s
// versions name real kubectls. Otherwise only the minor is known (the connected side picks
// its newest patch).
struct KubectlSuggestion {
  Minor minor;
  std::optional<KubectlVersion> exact;

  std::string ToString() const;  // "1.19.16", or "1.20.x" when the patch is unknown
  bool Serves(Minor server) const;
};

struct CoverageReport {
  std::vector<CoverageEntry> entries;    // one per cached k3s version, in version order
  std::vector<KubectlVersion> kubectls;  // what kuberlr can choose from
  std::vector<Minor> uncovered;          // server minors without a kubectl
  // Fewest kubectls that close every gap (MinimalKubectlCover): exact releases when that many
  // suffice, else the minimal set with minors where no release is known offline.
  std::vector<KubectlSuggestion> suggested;
  bool ok() const { return uncovered.empty(); }
};

// k3s versions with a directory CACHE/k3s/<version>/ whose name parses (others are skipped;
// doctor reports them). A missing CACHE/k3s is an empty list.
Result<std::vector<K3sVersion>> ListCachedK3sVersions(Fs& fs, const std::string& cache_dir);

// The entries of <kuberlr_dir>/<os>-<arch>/ kuberlr counts, by name (KuberlrVersionOfName:
// kubectl<X.Y.Z>, kubectl<X.Y>, any name starting kubectl<X.Y.Z>). A missing directory is an
// empty list.
Result<std::vector<KubectlVersion>> ListKuberlrKubectls(Fs& fs, const Destinations& dest);

// `kubectls` is what kuberlr can choose from (its directory, plus the versioned kubectls in
// /usr/bin when the caller counts them); sorted ascending. Suggestions come from the cached
// k3s versions' own Kubernetes versions where that keeps the set smallest.
CoverageReport CheckKubectlCoverage(const std::vector<K3sVersion>& k3s,
                                    const std::vector<KubectlVersion>& kubectls);

// The suggestion that serves `server`, or nullptr (when `server` is covered already).
const KubectlSuggestion* SuggestionFor(const CoverageReport& report, Minor server);

// "1.18-1.20": the kubectl minors that serve `server` (docs/rancher-desktop.md#version-skew).
std::string KubectlWindow(Minor server);

// The connected-side command that brings `suggested` for one platform, e.g.
//   "rdbundle-pack build --kubectl 1.19.16/linux/amd64 ..."
//   "rdbundle-pack plan --minors 1.20 ..."  (patch unknown offline)
// Exact versions and minors together give both commands joined by " and ". Empty for none.
std::string KubectlFixCommand(const std::vector<KubectlSuggestion>& suggested, TargetOs os,
                              Arch arch);

// Inverse of KuberlrPlatformDir: "darwin-arm64" -> {darwin, arm64}; nullopt for anything else
// (including "darwin-aarch64", which kuberlr never reads).
std::optional<std::pair<TargetOs, Arch>> ParseKuberlrPlatformDir(std::string_view name);

// Human-readable lines ("  v1.19.16+k3s1  MISSING: no kubectl 1.18-1.20 in ..."), and a
// final hint naming the kubectls to add and the command that brings them. `kuberlr_platform_dir` is shown in messages.
std::vector<std::string> FormatCoverage(const CoverageReport& report,
                                        const std::string& kuberlr_platform_dir);


// ---- kuberlr's system directory ----------------------------------------------------------------

// kuberlr's SystemPath default on Linux and macOS.
inline constexpr std::string_view kKuberlrSystemDir = "/usr/bin";

// kuberlr's system kubectls are this machine's: they count only when the destinations are
// this machine's own setup (Destinations::is_host), and not on Windows, where kuberlr's
// default "/usr/bin" names no directory a kubectl is installed in
// (flavio/kuberlr internal/common/filesystem.go, SystemPath).
bool CountsSystemKubectls(const Destinations& d);

// kuberlr reads a system kubectl's version from its file name, never by running it, exactly as
// in its own directory (KuberlrVersionOfName). A plain "kubectl" is not counted.
std::optional<KubectlVersion> SystemKubectlVersion(std::string_view name);

struct SystemKubectl {
  KubectlVersion version;
  std::string path;
};
// The versioned kubectls in `dir` (a missing dir: none), in name order.
Result<std::vector<SystemKubectl>> ListSystemKubectls(Fs& fs, const std::string& dir);

}  // namespace rdbundle::unpacker
