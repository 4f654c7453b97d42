// "Does every cached k3s version have a kubectl within one minor?" (offline doc sections 1, 5):
// the check `install` runs at its end and `doctor` runs on demand.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/fs.h"
#include "common/layout.h"
#include "common/status.h"
#include "common/version.h"

namespace rdbundle::unpacker {

struct CoverageEntry {
  std::string k3s_version;                   // directory name, e.g. "v1.30.4+k3s1"
  std::optional<KubectlVersion> served_by;   // the newest kubectl within ±1 minor
};

struct CoverageReport {
  std::vector<CoverageEntry> entries;         // one per cached k3s version, in version order
  std::vector<KubectlVersion> kubectls;       // what kuberlr can choose from
  std::vector<Minor> uncovered;               // server minors without a kubectl
  std::vector<Minor> suggested_minors;        // fewest kubectl minors that close every gap
  bool ok() const { return uncovered.empty(); }
};

// k3s versions with a directory CACHE/k3s/<version>/ whose name parses (others are skipped;
// doctor reports them). A missing CACHE/k3s is an empty list.
Result<std::vector<K3sVersion>> ListCachedK3sVersions(Fs& fs, const std::string& cache_dir);

// kubectl<X.Y.Z>[.exe] files in <kuberlr_dir>/<os>-<arch>/ (names must match the target OS:
// ".exe" exactly on windows). A missing directory is an empty list.
Result<std::vector<KubectlVersion>> ListKuberlrKubectls(Fs& fs, const Destinations& dest);

CoverageReport CheckKubectlCoverage(const std::vector<K3sVersion>& k3s,
                                    const std::vector<KubectlVersion>& kubectls);

// Human-readable lines ("  v1.19.16+k3s1  MISSING: no kubectl 1.18-1.20 in ..."), and a
// final hint naming the kubectl minors to add. `kuberlr_platform_dir` is shown in messages.
std::vector<std::string> FormatCoverage(const CoverageReport& report,
                                        const std::string& kuberlr_platform_dir);

}  // namespace rdbundle::unpacker
