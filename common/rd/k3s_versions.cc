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
// The upstream side (processVersion, updateCache) is in packer/upstream_json.cc.
#include "common/rd/k3s_versions.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include "common/base/quote.h"
#include "common/format/json_strict.h"
#include "common/format/limits.h"

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
    if (!IsValidChannelName(name)) return Corrupt(at, "invalid channel name");
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
  for (std::string& v : SortedVersionStrings(file.versions)) j["versions"].push_back(std::move(v));
  j["channels"] = OrderedJson::object();
  for (const auto& [name, value] : file.channels) j["channels"][name] = value;
  // `replace`: never throws, even for invalid UTF-8 a caller put into the struct.
  return j.dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

K3sVersionsFile MergeK3sVersions(const K3sVersionsFile& existing, const K3sVersionsFile& incoming) {
  K3sVersionsFile out;
  std::vector<std::string> all = existing.versions;
  all.insert(all.end(), incoming.versions.begin(), incoming.versions.end());
  out.versions = SortedVersionStrings(all);
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

bool BelowRdMinimum(const K3sVersion& v) {
  auto core = std::tie(v.major, v.minor, v.patch);
  auto min = std::tie(kRdMinimum[0], kRdMinimum[1], kRdMinimum[2]);
  return core < min || (core == min && !v.prerelease.empty());
}

bool IsValidChannelName(std::string_view name) {
  if (name.empty() || name.size() > kMaxChannelNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::vector<std::string> SortedVersionStrings(const std::vector<std::string>& versions) {
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

}  // namespace rdbundle
