// CACHE/k3s-versions.json: the list Rancher Desktop's Kubernetes version menu is built from.
// The upstream inputs the packer builds it from are in packer/upstream_json.h.
// Facts: docs/rancher-desktop.md#k3s-versionsjson and #upstream-sources; behaviour matched from
// rancher-sandbox/rancher-desktop pkg/rancher-desktop/backend/k3sHelper.ts (K3sHelper.readCache,
// writeCache, processVersion, updateCache, filenames) as cited in k3s_versions.cc.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/format/paths.h"
#include "common/format/version.h"

namespace rdbundle {

// RD's CURRENT_CACHE_VERSION. Any other value makes RD ignore the whole file.
inline constexpr int kK3sVersionsCacheVersion = 2;
// Channel names ("stable", "latest", "testing", "v1.30"): bounded, [A-Za-z0-9._-].
inline constexpr std::size_t kMaxChannelNameBytes = 64;

struct K3sVersionsFile {
  int cache_version = kK3sVersionsCacheVersion;
  // Exact k3s versions ("v1.30.4+k3s1"); each names a CACHE/k3s/<version>/ directory.
  std::vector<std::string> versions;
  // Channel name -> channel value ("stable" -> "1.30.4": no "v", no build suffix).
  std::map<std::string, std::string> channels;

  bool operator==(const K3sVersionsFile&) const = default;
};

// How much ParseK3sVersionsFile demands beyond what RD itself needs to read the file.
enum class K3sVersionsParseMode {
  // Bundle contents (signed, written by our packer): also no unknown top-level fields, every
  // version a valid k3s version (ParseK3sVersion), no duplicate and no second build of one
  // version, cacheVersion the integer 2, every channel value naming one of the versions.
  kStrict,
  // A file on the user's machine that RD or another bundle wrote and that we merge into.
  // Unknown top-level fields are accepted and NOT preserved: RD's writeCache rewrites the file
  // with exactly cacheVersion/versions/channels on its next online start, so dropping them is
  // what RD does too. Version strings and channel values are kept verbatim (RD's readCache
  // skips entries node-semver cannot parse; refusing them would block merging a file RD reads).
  kUserCache,
};

// Parses k3s-versions.json. Both modes require what RD's readCache needs, and fail with kCorrupt
// "<what>: <reason>" where RD would silently ignore or discard the file, e.g.
//   "<what>: missing \"channels\" (Rancher Desktop ignores the file without it)".
// Always: strict JSON (ParseJsonStrict: duplicate keys rejected, at most kMaxVersionsJsonBytes
// else kLimitExceeded), a top-level object, cacheVersion the number 2, versions an array of
// strings, channels an object of strings. See K3sVersionsParseMode for the rest.
Result<K3sVersionsFile> ParseK3sVersionsFile(
    std::string_view text, std::string_view what,
    K3sVersionsParseMode mode = K3sVersionsParseMode::kStrict);

// Deterministic bytes in RD's own layout (writeCache: JSON.stringify(data, undefined, 2) plus
// "\n"): keys cacheVersion, versions, channels in that order; versions sorted (valid k3s
// versions in K3sVersion order, then any other strings bytewise) and deduplicated; channels
// sorted by name; 2-space indent; trailing newline. `cache_version` is written as given.
std::string SerializeK3sVersionsFile(const K3sVersionsFile& file);

// Merge contract (installing a bundle into a cache another RD or bundle already populated):
//  - versions: the union of both, sorted as in SerializeK3sVersionsFile. A version is never
//    dropped (its files may have come from another bundle), not even a second build of a
//    version already present: RD's readCache keys versions by X.Y.Z and keeps the one listed
//    last, which in our order is the highest build.
//  - channels: every existing channel is kept unchanged (the user's RD may have fresher channel
//    data than the bundle); an incoming channel is added only if its name is not present yet.
//  - cache_version: always kK3sVersionsCacheVersion.
K3sVersionsFile MergeK3sVersions(const K3sVersionsFile& existing, const K3sVersionsFile& incoming);

// "v1.30": the name of the channel that follows one minor line.
std::string MinorChannelName(Minor m);

// The channels a channel server would give if `versions` were all upstream had:
// "v<major>.<minor>" -> the highest release of that minor; "stable" and "latest" -> the
// highest release overall. For test fixtures that imitate upstream: rdbundle never writes
// these into a bundle or a cache (no channel is invented; packer/kit.h BuildVersionsFile).
// Values are channel values (ChannelValue). Prereleases never become channel values. Empty
// when `versions` holds no release.
std::map<std::string, std::string> DeriveChannels(const std::vector<K3sVersion>& versions);

// True when RD does not list `v` at all: k3s older than v1.25.3 (RD >= 1.19, PR #8545).
bool BelowRdMinimum(const K3sVersion& v);

// Channel names ("stable", "latest", "testing", "v1.30"): 1..kMaxChannelNameBytes of
// [A-Za-z0-9._-].
bool IsValidChannelName(std::string_view name);

// Version strings sorted as SerializeK3sVersionsFile writes them (valid k3s versions in
// K3sVersion order, then any other strings bytewise), duplicates removed.
std::vector<std::string> SortedVersionStrings(const std::vector<std::string>& versions);

}  // namespace rdbundle
