// Rancher Desktop's own rules, as pure functions: what RD does with CACHE/k3s-versions.json and
// the CACHE/k3s/<version>/ directories, per RD version, so install and doctor can leave a cache
// RD really uses offline. Each rule quotes the RD source it follows (rancher-sandbox/
// rancher-desktop, pkg/rancher-desktop/backend/k3sHelper.ts and kube/wsl.ts, checked at v1.24.0
// and HEAD d0484373f, and the tags named). Facts: docs/rancher-desktop.md#k3s-versionsjson and
// #rd-rules-by-version.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/format/paths.h"
#include "common/format/version.h"

namespace rdbundle {

// The oldest RD whose rules install and doctor follow: 1.17.0, the first with a k3s-versions.json
// built into its installer (resources/k3s-versions.json), which readCache falls back to.
inline constexpr RdVersion kOldestRdFollowed{1, 17, 0};

// ---- node-semver, as RD calls it --------------------------------------------------------------

// What `semver.parse(s)` (node-semver 7, not loose) makes of a k3s-versions.json entry, or
// nullopt where it returns null: non-strings are never passed here (they are null too).
// Accepts the trimmed text ^v?N.N.N(-pre)?(+build)?$, numbers without leading zeros and at most
// 2^53-1, at most 256 characters.
struct NodeSemver {
  std::uint64_t major = 0, minor = 0, patch = 0;
  std::string prerelease;  // "rc1" or empty
  std::string key;         // `version.version`: "1.30.4" or "1.31.0-rc1", no "v", no build
};
std::optional<NodeSemver> NodeSemverParse(std::string_view s);

// ---- per RD version -----------------------------------------------------------------------------

// k3sHelper.ts `minimumVersion`: readCache keeps only versions `semver.gte(version, minimum)`.
//   '1.15.0' up to v1.14.x, '1.21.0' from v1.15.0 (caa81b9c2 "Bump miminum k3s version from
//   1.15.0 → 1.21.0"), '1.25.3' from v1.19.0 (c871a4f3b "Bump minimum supported Kubernetes
//   version to 1.25.3"). Unknown RD (none found): the current rule, 1.25.3.
// (The offline doc says 1.21.0 started with RD 1.16; the v1.15.0 tag already has it.)
RdVersion RdMinimumK3s(std::optional<RdVersion> rd);
// True when RD `rd` does not list `v` (a prerelease of the minimum is below it, as in semver).
bool BelowRdMinimumFor(const NodeSemver& v, std::optional<RdVersion> rd);
bool BelowRdMinimumFor(const K3sVersion& v, std::optional<RdVersion> rd);

// k3sHelper.ts readCache since v1.17.0: `catch (ex) { ... falling back to bundled versions list
// ... cacheData = JSON.parse(readFile(this.resourcesPath)) }`. Before 1.17 an unusable file left
// the menu empty offline. Unknown RD: true (the current rule).
bool RdHasBuiltinVersionList(std::optional<RdVersion> rd);

// ---- arch ---------------------------------------------------------------------------------------

// The k3s arch RD reads on `os`. kube/wsl.ts: `readonly k3sHelper = new K3sHelper('x86_64');`:
// RD on Windows always uses the amd64 files (k3s, sha256sum-amd64.txt, ...) and runs an amd64
// kuberlr (windows-amd64); RD publishes no Windows arm64 build. On Linux and macOS RD uses the
// host's arch (kube/lima.ts `new K3sHelper(arch)`).
// `requested` is --target-arch when given; `host` the default otherwise. An explicit arm64 for
// Windows is a usage error saying why; the host default (WSL on ARM hardware) becomes amd64.
Result<Arch> RdArchFor(TargetOs os, std::optional<Arch> requested, Arch host);

// ---- readCache ----------------------------------------------------------------------------------

// What RD makes of a CACHE/k3s-versions.json, following k3sHelper.ts readCache line by line:
//   cacheData = JSON.parse(...); if (cacheData.cacheVersion !== CURRENT_CACHE_VERSION) throw
//     -> caught: "falling back to bundled versions list" (kFallsBack: the file is not used)
//   for (const versionString of cacheData.versions) { const version = semver.parse(versionString);
//     if (version && semver.gte(version, this.minimumVersion))
//       this.versions[version.version] = new SemanticVersionEntry(version); }
//     -> a non-iterable or missing `versions` throws: "Error reading cached version data,
//        discarding" and `this.versions = {}` (kDiscarded); entries that do not parse (null, numbers,
//        "garbage") are skipped; per X.Y.Z the entry listed LAST wins
//   for (const [channel, version] of Object.entries(cacheData.channels)) {
//     if (!this.versions[version]) { "Ignoring invalid version cache" ; continue; } ... }
//     -> a missing or null `channels` throws: kDiscarded (after the versions were read)
enum class RdCacheVerdict { kUsed, kFallsBack, kDiscarded };
struct RdCacheView {
  RdCacheVerdict verdict = RdCacheVerdict::kUsed;
  std::string reason;  // why it falls back or is discarded, for messages
  // key (NodeSemver::key) -> the listed string that wins, exactly as listed: RD's
  // ensureK3sImages looks in CACHE/k3s/<that string> (`path.join(cacheDir, version.raw)`).
  std::map<std::string, std::string> versions;
  std::map<std::string, std::string> channels;  // the channels RD keeps (value is a key)
  std::size_t unparsable = 0;  // entries of `versions` semver.parse rejects (null, 7, "junk")
  // Every entry of `versions` that semver.parse accepts, in file order, whatever its version,
  // and the channels naming one of them: what a merge keeps (an older RD with a lower minimum
  // still lists the old ones).
  std::vector<std::string> parsed;
  std::map<std::string, std::string> parsed_channels;
};
RdCacheView RdReadCache(std::string_view text, std::optional<RdVersion> rd);

// filterVersionsAgainstCache: offline, RD lists a key when a directory of CACHE/k3s matches
// /^v\d+\.\d+\.\d+\+k3s\d+$/ and has that key (`semver.parse(filename)?.version`). The key of
// such a directory name, or nullopt when RD ignores the directory.
std::optional<std::string> RdCachedDirKey(std::string_view dir_name);

// ---- the shadowed build (issue 14 item 1) -------------------------------------------------------

// A key whose winning build (last listed) has no complete directory while another build of the
// same X.Y.Z does: RD lists the key offline (filterVersionsAgainstCache finds the complete
// directory), then ensureK3sImages looks in the winner's directory, fails and tries to download.
struct ShadowedBuild {
  std::string key;       // "1.30.2"
  std::string winner;    // "v1.30.2+k3s2": listed last, not complete
  std::string complete;  // "v1.30.2+k3s1": the newest complete build of the key
};
// `listed` in file order; `complete` the directory names that are complete for RD's arch.
std::vector<ShadowedBuild> FindShadowedBuilds(const std::vector<std::string>& listed,
                                              const std::set<std::string>& complete,
                                              std::optional<RdVersion> rd);

// The fix: `listed` (in the order it will be written) without every entry that would shadow a
// complete build, i.e. per key with a complete build, the entries after the last complete one
// that are not complete themselves. RD then picks the newest complete build. Versions of a key
// without any complete build are kept (RD downloads them online; nothing better exists).
std::vector<std::string> DropShadowingBuilds(const std::vector<std::string>& listed,
                                             const std::set<std::string>& complete);

}  // namespace rdbundle
