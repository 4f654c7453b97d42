// The upstream inputs `rdbundle-pack` builds k3s-versions.json from: the k3s channel server and
// GitHub's release list, read the way Rancher Desktop's K3sHelper.updateCache reads them
// (docs/rancher-desktop.md#k3s-versionsjson and #upstream-sources). Packer only: the offline
// side never parses upstream documents.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/format/paths.h"
#include "common/rd/k3s_versions.h"

namespace rdbundle::packer {

// One page of GitHub's release list (per_page=100) is several MiB: every asset carries an
// uploader object and every release its notes. Larger than kMaxVersionsJsonBytes on purpose.
inline constexpr std::size_t kMaxReleasesJsonBytes = 16u << 20;

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

}  // namespace rdbundle::packer
