// What RD does with k3s-versions.json, matched here, from rancher-sandbox/rancher-desktop
// pkg/rancher-desktop/backend/k3sHelper.ts:
//  - readCache: JSON.parse, then `cacheData.cacheVersion !== CURRENT_CACHE_VERSION (2)` ignores
//    the file; `for (... of cacheData.versions)` and `Object.entries(cacheData.channels)` throw
//    when either is missing, and the catch discards everything read. Versions are keyed by
//    semver `version.version` (X.Y.Z[-pre], no build), the last build listed wins; a channel
//    whose value is not such a key is ignored ("Ignoring invalid version cache").
//  - writeCache: {cacheVersion, versions, channels} in that order, versions sorted,
//    `JSON.stringify(cacheData, undefined, 2)` + "\n" (utils/stringify.ts
//    jsonStringifyWithWhiteSpace).
//  - processVersion (one GitHub release): skip tags semver.parse rejects, prereleases
//    (`version.prerelease.length > 0`), versions below minimumVersion, tags not matching
//    /^v?[0-9.]+(?:-rc\d+)?\+k3s\d+$/, builds lower than one already kept for the same X.Y.Z,
//    and releases without the assets of `filenames` (exe, checksum, one of images).
//  - updateCache: channelMapping[data[].name] = semver.parse(data[].latest), skipping values
//    semver cannot parse; a channel is applied only when `this.versions[version.version]`
//    exists, i.e. its X.Y.Z (build ignored) is among the kept versions.
#include "common/k3s_versions.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include "common/json_strict.h"
#include "common/limits.h"

namespace rdbundle {
namespace {

// RD's minimumVersion since PR #8545 (RD 1.19): "Bump minimum supported Kubernetes version to
// 1.25.3". Compared numerically as semver does.
constexpr int kRdMinimum[3] = {1, 25, 3};

std::string Str(std::string_view s) { return std::string(s); }

Status Corrupt(std::string_view what, std::string_view reason) {
  return Status::Corrupt(Str(what) + ": " + Str(reason));
}

// A JSON value for a message, short and on one line.
std::string ShortJson(const Json& j) {
  std::string s = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  return s.size() > 32 ? s.substr(0, 32) + "..." : s;
}

bool ValidChannelName(std::string_view name) {
  if (name.empty() || name.size() > kMaxChannelNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// ---- k3s-versions.json ------------------------------------------------------------------------

bool IsTwo(const Json& v, K3sVersionsParseMode mode) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>() == 2;
  if (v.is_number_integer()) return v.get<std::int64_t>() == 2;
  // JSON 2.0 is the JS number 2, which RD accepts; our own writer never produces it.
  return mode == K3sVersionsParseMode::kUserCache && v.is_number_float() && v.get<double>() == 2.0;
}

Status CheckCacheVersion(const Json& root, std::string_view what, K3sVersionsParseMode mode) {
  auto it = root.find("cacheVersion");
  if (it == root.end()) {
    return Corrupt(what, "missing \"cacheVersion\" (Rancher Desktop ignores the file without it)");
  }
  if (!IsTwo(*it, mode)) {
    return Corrupt(what, "\"cacheVersion\" is " + ShortJson(*it) +
                             ", not 2 (Rancher Desktop ignores the file)");
  }
  return Status::Ok();
}

// The member `key` of `root`, which RD's readCache needs to exist (else it throws).
Result<const Json*> RequiredMember(const Json& root, std::string_view key, std::string_view what) {
  auto it = root.find(key);
  if (it == root.end()) {
    return Corrupt(what,
                   "missing \"" + Str(key) + "\" (Rancher Desktop ignores the file without it)");
  }
  return &*it;
}

Result<std::vector<std::string>> ReadVersions(const Json& root, std::string_view what) {
  RDB_ASSIGN_OR_RETURN(const Json* versions, RequiredMember(root, "versions", what));
  if (!versions->is_array()) {
    return Corrupt(what, "\"versions\" is not an array (Rancher Desktop cannot use the file)");
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < versions->size(); ++i) {
    const Json& v = (*versions)[i];
    if (!v.is_string()) {
      return Corrupt(what, "versions[" + std::to_string(i) + "]: expected a string");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<std::map<std::string, std::string>> ReadChannels(const Json& root, std::string_view what) {
  RDB_ASSIGN_OR_RETURN(const Json* channels, RequiredMember(root, "channels", what));
  if (!channels->is_object()) {
    return Corrupt(what, "\"channels\" is not an object (Rancher Desktop cannot use the file)");
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : channels->items()) {
    if (!value.is_string()) {
      return Corrupt(what, "channels[" + QuoteForMessage(name) + "]: expected a string");
    }
    out.emplace(name, value.get<std::string>());
  }
  return out;
}

// kStrict: every version valid, listed once, one build per X.Y.Z.
Status CheckStrictVersions(const std::vector<std::string>& versions, std::string_view what) {
  std::set<std::string> seen;  // channel values
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const std::string at = Str(what) + ": versions[" + std::to_string(i) + "]";
    auto v = ParseK3sVersion(versions[i]);
    if (!v.has_value()) return v.error().WithContext(at);
    if (!seen.insert(ChannelValue(*v)).second) {
      bool same = std::count(versions.begin(), versions.begin() + i, versions[i]) > 0;
      return Corrupt(at,
                     QuoteForMessage(versions[i]) +
                         (same ? " is listed twice" : " is a second build of " + ChannelValue(*v)));
    }
  }
  return Status::Ok();
}

// kStrict: channel names well-formed, each value one of the versions' channel values.
// REQUIRES: file.versions passed CheckStrictVersions (each parses).
Status CheckStrictChannels(const K3sVersionsFile& file, std::string_view what) {
  std::set<std::string> values;
  for (const std::string& s : file.versions) values.insert(ChannelValue(*ParseK3sVersion(s)));
  for (const auto& [name, value] : file.channels) {
    const std::string at = Str(what) + ": channel " + QuoteForMessage(name);
    if (!ValidChannelName(name)) return Corrupt(at, "invalid channel name");
    if (values.count(value) == 0) {
      return Corrupt(at, QuoteForMessage(value) +
                             " is not one of the versions (Rancher Desktop ignores the channel)");
    }
  }
  return Status::Ok();
}

// Sort key: valid k3s versions in K3sVersion order, then other strings bytewise.
struct VersionKey {
  std::optional<K3sVersion> parsed;
  std::string text;

  bool operator<(const VersionKey& o) const {
    if (parsed.has_value() != o.parsed.has_value()) return parsed.has_value();
    if (parsed.has_value()) {
      if (auto c = *parsed <=> *o.parsed; c != 0) return c < 0;
    }
    return text < o.text;
  }
};

std::vector<std::string> SortedVersions(const std::vector<std::string>& versions) {
  std::vector<VersionKey> keys;
  keys.reserve(versions.size());
  for (const std::string& s : versions) {
    auto v = ParseK3sVersion(s);
    keys.push_back({v.has_value() ? std::optional<K3sVersion>(*v) : std::nullopt, s});
  }
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> out;
  for (VersionKey& k : keys) {
    if (out.empty() || out.back() != k.text) out.push_back(std::move(k.text));
  }
  return out;
}

// ---- upstream inputs ----------------------------------------------------------------------------

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

Result<K3sVersionsFile> ParseK3sVersionsFile(std::string_view text, std::string_view what,
                                             K3sVersionsParseMode mode) {
  RDB_ASSIGN_OR_RETURN(Json root, ParseJsonStrict(text, what, kMaxVersionsJsonBytes));
  if (!root.is_object()) {
    return Corrupt(what, "expected a JSON object (Rancher Desktop ignores the file)");
  }
  RDB_RETURN_IF_ERROR(CheckCacheVersion(root, what, mode));
  K3sVersionsFile file;
  RDB_ASSIGN_OR_RETURN(file.versions, ReadVersions(root, what));
  RDB_ASSIGN_OR_RETURN(file.channels, ReadChannels(root, what));
  if (mode == K3sVersionsParseMode::kStrict) {
    RDB_RETURN_IF_ERROR(CheckOnlyKeys(root, {"cacheVersion", "versions", "channels"}, what));
    RDB_RETURN_IF_ERROR(CheckStrictVersions(file.versions, what));
    RDB_RETURN_IF_ERROR(CheckStrictChannels(file, what));
  }
  return file;
}

std::string SerializeK3sVersionsFile(const K3sVersionsFile& file) {
  OrderedJson j = OrderedJson::object();
  j["cacheVersion"] = file.cache_version;
  j["versions"] = OrderedJson::array();
  for (std::string& v : SortedVersions(file.versions)) j["versions"].push_back(std::move(v));
  j["channels"] = OrderedJson::object();
  for (const auto& [name, value] : file.channels) j["channels"][name] = value;
  // `replace`: never throws, even for invalid UTF-8 a caller put into the struct.
  return j.dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

K3sVersionsFile MergeK3sVersions(const K3sVersionsFile& existing, const K3sVersionsFile& incoming) {
  K3sVersionsFile out;
  std::vector<std::string> all = existing.versions;
  all.insert(all.end(), incoming.versions.begin(), incoming.versions.end());
  out.versions = SortedVersions(all);
  out.channels = existing.channels;
  for (const auto& [name, value] : incoming.channels) out.channels.emplace(name, value);
  return out;
}

std::string MinorChannelName(Minor m) { return "v" + m.ToString(); }

std::map<std::string, std::string> DeriveChannels(const std::vector<K3sVersion>& versions) {
  std::map<Minor, const K3sVersion*> per_minor;
  const K3sVersion* highest = nullptr;
  for (const K3sVersion& v : versions) {
    if (!v.prerelease.empty()) continue;
    const K3sVersion*& slot = per_minor[MinorOf(v)];
    if (slot == nullptr || *slot < v) slot = &v;
    if (highest == nullptr || *highest < v) highest = &v;
  }
  std::map<std::string, std::string> channels;
  for (const auto& [minor, v] : per_minor) channels[MinorChannelName(minor)] = ChannelValue(*v);
  if (highest != nullptr) {
    channels["stable"] = ChannelValue(*highest);
    channels["latest"] = ChannelValue(*highest);
  }
  return channels;
}

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
    if (!ValidChannelName(name))
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

bool BelowRdMinimum(const K3sVersion& v) {
  auto core = std::tie(v.major, v.minor, v.patch);
  auto min = std::tie(kRdMinimum[0], kRdMinimum[1], kRdMinimum[2]);
  return core < min || (core == min && !v.prerelease.empty());
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
  file.versions = SortedVersions(file.versions);
  for (const auto& [name, value] : channels) {
    if (kept.count(value) > 0) file.channels.emplace(name, value);
  }
  return file;
}

}  // namespace rdbundle
