// CACHE/k3s-versions.json: the list Rancher Desktop's Kubernetes version menu is built from, and
// the upstream inputs (k3s channel server, GitHub release list) the packer builds it from.
// Facts: ../shared/docs/rancher-desktop-offline.md sections 2.2 and 3; behaviour matched from
// rancher-sandbox/rancher-desktop pkg/rancher-desktop/backend/k3sHelper.ts (K3sHelper.readCache,
// writeCache, processVersion, updateCache, filenames) as cited in k3s_versions.cc.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/layout.h"
#include "common/status.h"
#include "common/version.h"

namespace rdbundle {

// RD's CURRENT_CACHE_VERSION. Any other value makes RD ignore the whole file.
inline constexpr int kK3sVersionsCacheVersion = 2;
// One page of GitHub's release list (per_page=100) is several MiB: every asset carries an
// uploader object and every release its notes. Larger than kMaxVersionsJsonBytes on purpose.
inline constexpr std::size_t kMaxReleasesJsonBytes = 16u << 20;
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

// Channels for a version list when no channel server data is available: "v<major>.<minor>" ->
// the highest release of that minor; "stable" and "latest" -> the highest release overall.
// Values are channel values (ChannelValue). Prereleases never become channel values. Empty
// when `versions` holds no release.
std::map<std::string, std::string> DeriveChannels(const std::vector<K3sVersion>& versions);

// ---- upstream inputs (packer `versions-json`) ------------------------------------------------

// Parses the channel server's response (https://update.k3s.io/v1-release/channels, a Rancher API
// collection): returns data[].name -> data[].latest in channel-value form. Other fields are
// ignored. kCorrupt for a non-object, a missing or non-array "data", an entry without string
// "name"/"latest", a name that is not 1..kMaxChannelNameBytes of [A-Za-z0-9._-], or a name given
// twice. Like RD's updateCache, a channel whose "latest" node-semver cannot parse is skipped.
Result<std::map<std::string, std::string>> ParseChannelsJson(std::string_view text,
                                                             std::string_view what);

struct ReleaseAsset {
  std::string name;  // "k3s-airgap-images-amd64.tar.zst"
  std::string url;   // browser_download_url
  std::uint64_t size = 0;

  bool operator==(const ReleaseAsset&) const = default;
};

struct ReleaseInfo {
  std::string tag_name;     // not validated here: BuildK3sVersionsFile skips malformed tags
  bool prerelease = false;  // GitHub's flag; informational (RD goes by the tag, see .cc)
  bool draft = false;
  std::vector<ReleaseAsset> assets;

  bool operator==(const ReleaseInfo&) const = default;
};

// Parses one page of GitHub's release list (GET /repos/k3s-io/k3s/releases): a JSON array of
// objects, each with string tag_name, bool prerelease and draft, and an assets array whose
// objects have string name and browser_download_url and an integer size (at most
// kMaxFileBytes, else kLimitExceeded). The many other fields GitHub sends are ignored. Text
// larger than kMaxReleasesJsonBytes is kLimitExceeded; anything else malformed is kCorrupt
// "<what>[i]: ..." or "<what>[i].assets[j]: ...".
Result<std::vector<ReleaseInfo>> ParseReleasesJson(std::string_view text, std::string_view what);

// The assets a release must have for one arch, as RD's K3sHelper.filenames lists them: the
// binary, the checksum file, and at least one of the image archives.
struct K3sAssetRequirement {
  std::string binary;
  std::string sums;
  std::vector<std::string> images_any_of;
};

// RD's requirement for `arch` ("k3s", "sha256sum-amd64.txt", .tar.zst or .tar images).
K3sAssetRequirement RdAssetRequirement(Arch arch);

// True when RD does not list `v` at all: k3s older than v1.25.3 (RD >= 1.19, PR #8545).
bool BelowRdMinimum(const K3sVersion& v);

// Builds k3s-versions.json the way RD's updateCache does from the same inputs, over the full
// release list (all pages, any order). A release is skipped when it is a draft, its tag is not
// a valid k3s version, it is a prerelease (by its tag), it is below RD's minimum (v1.25.3), or
// it lacks an asset of any requirement in `required` (one per arch the bundle carries; empty
// means no asset check). Of the remaining builds of one version the highest +k3sN is kept.
// Channels from `channels` (as ParseChannelsJson returns them) are kept only if their value is
// one of the kept versions. cache_version is 2; versions are sorted.
K3sVersionsFile BuildK3sVersionsFile(const std::map<std::string, std::string>& channels,
                                     const std::vector<ReleaseInfo>& releases,
                                     const std::vector<K3sAssetRequirement>& required);

}  // namespace rdbundle
