// From rancher-sandbox/rancher-desktop pkg/rancher-desktop/backend/k3sHelper.ts:
//  - processVersion (one GitHub release): skip tags semver.parse rejects, prereleases
//    (`version.prerelease.length > 0`), versions below minimumVersion, tags not matching
//    /^v?[0-9.]+(?:-rc\d+)?\+k3s\d+$/, builds lower than one already kept for the same X.Y.Z,
//    and releases without the assets of `filenames` (exe, checksum, one of images).
//  - updateCache: channelMapping[data[].name] = semver.parse(data[].latest), skipping values
//    semver cannot parse; a channel is applied only when `this.versions[version.version]`
//    exists, i.e. its X.Y.Z (build ignored) is among the kept versions.
#include "packer/upstream_json.h"

#include <algorithm>
#include <optional>
#include <set>

#include "common/base/quote.h"
#include "common/format/json_strict.h"
#include "common/format/limits.h"
#include "common/format/version.h"

namespace rdbundle::packer {
namespace {

std::string Str(std::string_view s) { return std::string(s); }

Status Corrupt(std::string_view what, std::string_view reason) {
  return Status::Corrupt(Str(what) + ": " + Str(reason));
}

// Semver build metadata: dot-separated non-empty identifiers of [0-9A-Za-z-].
bool ValidBuildMetadata(std::string_view build) {
  if (build.empty() || build.size() > 64 || build.front() == '.' || build.back() == '.' ||
      build.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(build.begin(), build.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
  });
}

// node-semver's parse() as updateCache applies it to a channel's "latest": optional "v",
// X.Y.Z, optional -prerelease, optional +build of any identifiers (so "v1.30.4" works too).
// Returns the channel-value form, or nullopt where RD skips the channel. Differences, all
// absent from real channel data: node-semver also trims whitespace and allows numbers up to
// 2^53; we reject both.
std::optional<std::string> ChannelValueOfLatest(std::string_view latest) {
  std::string_view s = latest;
  if (s.starts_with('v')) s.remove_prefix(1);
  if (std::size_t plus = s.find('+'); plus != std::string_view::npos) {
    if (!ValidBuildMetadata(s.substr(plus + 1))) return std::nullopt;
    s = s.substr(0, plus);
  }
  // Reuse the strict grammar for X.Y.Z[-pre] by giving it a neutral build suffix.
  auto v = ParseK3sVersion("v" + Str(s) + "+k3s0");
  if (!v.has_value()) return std::nullopt;
  return ChannelValue(*v);
}

Result<bool> GetBool(const Json& obj, std::string_view key, std::string_view what) {
  auto it = obj.find(key);
  if (it == obj.end()) return Corrupt(what, "missing field " + Str(key));
  if (!it->is_boolean()) return Corrupt(what, Str(key) + ": expected a boolean");
  return it->get<bool>();
}

Result<ReleaseAsset> ParseAsset(const Json& j, const std::string& what) {
  if (!j.is_object()) return Corrupt(what, "expected an object");
  ReleaseAsset a;
  RDB_ASSIGN_OR_RETURN(a.name, GetString(j, "name", what));
  RDB_ASSIGN_OR_RETURN(a.url, GetString(j, "browser_download_url", what));
  RDB_ASSIGN_OR_RETURN(a.size, GetUnsigned(j, "size", what));
  if (a.size > kMaxFileBytes) {
    return Status::Limit(what + ": size " + std::to_string(a.size) + " exceeds the limit of " +
                         std::to_string(kMaxFileBytes));
  }
  return a;
}

Result<ReleaseInfo> ParseRelease(const Json& j, const std::string& what) {
  if (!j.is_object()) return Corrupt(what, "expected an object");
  ReleaseInfo r;
  RDB_ASSIGN_OR_RETURN(r.tag_name, GetString(j, "tag_name", what));
  RDB_ASSIGN_OR_RETURN(r.prerelease, GetBool(j, "prerelease", what));
  RDB_ASSIGN_OR_RETURN(r.draft, GetBool(j, "draft", what));
  RDB_ASSIGN_OR_RETURN(const Json* assets, GetArray(j, "assets", what));
  for (std::size_t i = 0; i < assets->size(); ++i) {
    RDB_ASSIGN_OR_RETURN(ReleaseAsset a,
                         ParseAsset((*assets)[i], what + ".assets[" + std::to_string(i) + "]"));
    r.assets.push_back(std::move(a));
  }
  return r;
}

bool HasAssets(const ReleaseInfo& r, const std::vector<K3sAssetRequirement>& required) {
  std::set<std::string_view> names;
  for (const ReleaseAsset& a : r.assets) names.insert(a.name);
  return std::all_of(required.begin(), required.end(), [&](const K3sAssetRequirement& req) {
    return names.count(req.binary) > 0 && names.count(req.sums) > 0 &&
           std::any_of(req.images_any_of.begin(), req.images_any_of.end(),
                       [&](const std::string& n) { return names.count(n) > 0; });
  });
}

// processVersion's filters except the asset check; nullopt when RD would skip the release.
// GitHub's own `prerelease` flag is not consulted: RD decides by the tag alone. Drafts never
// reach RD (GitHub lists them only to users with push access); we skip them in case the
// packer's token has that access.
std::optional<K3sVersion> ListableRelease(const ReleaseInfo& r) {
  if (r.draft) return std::nullopt;
  auto v = ParseK3sVersion(r.tag_name);
  if (!v.has_value() || !v->prerelease.empty() || BelowRdMinimum(*v)) return std::nullopt;
  return *v;
}

}  // namespace

Result<std::map<std::string, std::string>> ParseChannelsJson(std::string_view text,
                                                             std::string_view what) {
  RDB_ASSIGN_OR_RETURN(Json root, ParseJsonStrict(text, what, kMaxVersionsJsonBytes));
  if (!root.is_object()) return Corrupt(what, "expected a JSON object");
  RDB_ASSIGN_OR_RETURN(const Json* data, GetArray(root, "data", what));
  std::map<std::string, std::string> channels;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < data->size(); ++i) {
    const std::string at = Str(what) + ": data[" + std::to_string(i) + "]";
    const Json& entry = (*data)[i];
    if (!entry.is_object()) return Corrupt(at, "expected an object");
    RDB_ASSIGN_OR_RETURN(std::string name, GetString(entry, "name", at));
    RDB_ASSIGN_OR_RETURN(std::string latest, GetString(entry, "latest", at));
    if (!IsValidChannelName(name))
      return Corrupt(at, "invalid channel name " + QuoteForMessage(name));
    if (!seen.insert(name).second)
      return Corrupt(at, "channel " + QuoteForMessage(name) + " listed twice");
    if (auto value = ChannelValueOfLatest(latest)) channels.emplace(name, std::move(*value));
  }
  return channels;
}

Result<std::vector<ReleaseInfo>> ParseReleasesJson(std::string_view text, std::string_view what) {
  RDB_ASSIGN_OR_RETURN(Json root, ParseJsonStrict(text, what, kMaxReleasesJsonBytes));
  if (!root.is_array()) return Corrupt(what, "expected a JSON array of releases");
  std::vector<ReleaseInfo> releases;
  releases.reserve(root.size());
  for (std::size_t i = 0; i < root.size(); ++i) {
    RDB_ASSIGN_OR_RETURN(ReleaseInfo r,
                         ParseRelease(root[i], Str(what) + "[" + std::to_string(i) + "]"));
    releases.push_back(std::move(r));
  }
  return releases;
}

K3sAssetRequirement RdAssetRequirement(Arch arch) {
  std::array<std::string, 2> images = K3sImagesNames(arch);
  return {K3sBinaryName(arch), K3sSumsName(arch), {images.begin(), images.end()}};
}

K3sVersionsFile BuildK3sVersionsFile(const std::map<std::string, std::string>& channels,
                                     const std::vector<ReleaseInfo>& releases,
                                     const std::vector<K3sAssetRequirement>& required) {
  // Keyed like RD's this.versions: by X.Y.Z, keeping the highest build that passes every
  // filter (RD checks assets after comparing builds, so a newer build without assets does not
  // hide an older one that has them).
  std::map<std::string, K3sVersion> kept;
  for (const ReleaseInfo& r : releases) {
    std::optional<K3sVersion> v = ListableRelease(r);
    if (!v || !HasAssets(r, required)) continue;
    auto [it, inserted] = kept.emplace(ChannelValue(*v), *v);
    if (!inserted && it->second.build < v->build) it->second = *v;
  }
  K3sVersionsFile file;
  for (const auto& [value, v] : kept) file.versions.push_back(v.text);
  file.versions = SortedVersionStrings(file.versions);
  for (const auto& [name, value] : channels) {
    if (kept.count(value) > 0) file.channels.emplace(name, value);
  }
  return file;
}

}  // namespace rdbundle::packer
