// Rancher Desktop's own releases, for carrying RD itself (issue 14, format-spec/rdbundle-v2.md):
// the pure parts (no network). Facts: docs/rancher-desktop.md#rd-installer.
//   - every GitHub release of rancher-sandbox/rancher-desktop has, per platform, one installer
//     asset (RdInstallerAssetName) and "<asset>.sha512sum" next to it, in `sha512sum --check`
//     format; RD's own updater refuses an asset without one
//     (pkg/rancher-desktop/main/update/LonghornProvider.ts), and so does rdbundle-pack.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/format/version.h"
#include "packer/upstream_json.h"

namespace rdbundle::packer {

// An "<asset>.sha512sum" file is one line; anything larger is not one.
inline constexpr std::size_t kMaxSha512SumBytes = 4096;

// The digest of `asset` in a sha512sum file: lines "<128 hex><space><space or *><name>",
// optional final newline, "\r\n" accepted. Hex is case-insensitive and returned lowercase.
// kCorrupt "<what>: ..." for a malformed line, no line for `asset`, or two lines for it; a
// file larger than kMaxSha512SumBytes is kLimitExceeded.
Result<std::string> ParseSha512Sum(std::string_view text, std::string_view asset,
                                   std::string_view what);

// `--rd-installer latest`: the highest release of the list that is neither a draft nor a
// prerelease and whose tag is "v<X.Y.Z>" (RD tags releases that way; tags with a suffix are
// previews). nullopt when there is none.
std::optional<RdVersion> LatestRdRelease(const std::vector<ReleaseInfo>& releases);

// The release list entry of `version`, or nullptr.
const ReleaseInfo* FindRdRelease(const std::vector<ReleaseInfo>& releases, const RdVersion& version);

}  // namespace rdbundle::packer
