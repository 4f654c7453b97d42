// Rules read from rancher-sandbox/rancher-desktop; each function quotes its source in
// rd_rules.h. Nothing here touches the filesystem.
#include "common/rd/rd_rules.h"

#include <algorithm>
#include <tuple>

#include "common/format/json_strict.h"
#include "common/format/limits.h"

namespace rdbundle {
namespace {

// node-semver's MAX_SAFE_COMPONENT_LENGTH guard: numbers above Number.MAX_SAFE_INTEGER throw.
constexpr std::uint64_t kMaxSafeInteger = (1ull << 53) - 1;
// node-semver's MAX_LENGTH.
constexpr std::size_t kSemverMaxLength = 256;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

// NUMERICIDENTIFIER: '0' | [1-9]\d*
std::optional<std::uint64_t> Numeric(std::string_view s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), IsDigit)) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  if (s.size() > 16) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : s) n = n * 10 + static_cast<std::uint64_t>(c - '0');
  if (n > kMaxSafeInteger) return std::nullopt;
  return n;
}

// Dot-separated identifiers; in a prerelease a numeric identifier has no leading zero.
bool Identifiers(std::string_view s, bool prerelease) {
  if (s.empty()) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = s.find('.', start);
    std::string_view id = s.substr(start, dot == s.npos ? s.npos : dot - start);
    if (id.empty() || !std::all_of(id.begin(), id.end(), IsIdentChar)) return false;
    if (prerelease && std::all_of(id.begin(), id.end(), IsDigit) && id.size() > 1 && id[0] == '0')
      return false;
    if (dot == s.npos) return true;
    start = dot + 1;
  }
}

// JavaScript's String(value) for the values of cacheData.channels, as far as it can ever equal a
// version key: strings as they are, arrays joined with "," (["1.30.4"] -> "1.30.4"); nullopt for
// the rest (numbers, booleans, null, objects), which never look like "X.Y.Z".
std::optional<std::string> JsString(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_array()) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ",";
    if (v[i].is_null()) continue;  // [null] -> ""
    auto s = JsString(v[i]);
    if (!s) return std::nullopt;
    out += *s;
  }
  return out;
}

bool IsJsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

std::optional<NodeSemver> NodeSemverParse(std::string_view s) {
  if (s.size() > kSemverMaxLength) return std::nullopt;
  // `version.trim().match(re[t.FULL])` (ASCII whitespace; RD's files never hold other kinds).
  while (!s.empty() && IsJsWhitespace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsJsWhitespace(s.back())) s.remove_suffix(1);
  if (s.starts_with('v')) s.remove_prefix(1);
  std::string_view build;
  if (auto plus = s.find('+'); plus != s.npos) {
    build = s.substr(plus + 1);
    s = s.substr(0, plus);
    if (!Identifiers(build, /*prerelease=*/false)) return std::nullopt;
  }
  NodeSemver v;
  if (auto dash = s.find('-'); dash != s.npos) {
    v.prerelease = std::string(s.substr(dash + 1));
    s = s.substr(0, dash);
    if (!Identifiers(v.prerelease, /*prerelease=*/true)) return std::nullopt;
  }
  std::uint64_t n[3];
  for (int i = 0; i < 3; ++i) {
    const std::size_t dot = s.find('.');
    if ((i < 2) != (dot != s.npos)) return std::nullopt;
    auto num = Numeric(s.substr(0, dot));
    if (!num) return std::nullopt;
    n[i] = *num;
    s = i < 2 ? s.substr(dot + 1) : std::string_view();
  }
  v.major = n[0];
  v.minor = n[1];
  v.patch = n[2];
  v.key = std::to_string(n[0]) + "." + std::to_string(n[1]) + "." + std::to_string(n[2]);
  if (!v.prerelease.empty()) v.key += "-" + v.prerelease;
  return v;
}

RdVersion RdMinimumK3s(std::optional<RdVersion> rd) {
  if (!rd || *rd >= RdVersion{1, 19, 0}) return {1, 25, 3};
  if (*rd >= RdVersion{1, 15, 0}) return {1, 21, 0};
  return {1, 15, 0};
}

bool BelowRdMinimumFor(const NodeSemver& v, std::optional<RdVersion> rd) {
  const RdVersion min = RdMinimumK3s(rd);
  const auto core = std::make_tuple(v.major, v.minor, v.patch);
  const auto m = std::make_tuple(static_cast<std::uint64_t>(min.major),
                                 static_cast<std::uint64_t>(min.minor),
                                 static_cast<std::uint64_t>(min.patch));
  // semver.gte: a prerelease of the minimum is below it.
  return core < m || (core == m && !v.prerelease.empty());
}

bool BelowRdMinimumFor(const K3sVersion& v, std::optional<RdVersion> rd) {
  auto parsed = NodeSemverParse(v.text);
  return !parsed || BelowRdMinimumFor(*parsed, rd);
}

bool RdHasBuiltinVersionList(std::optional<RdVersion> rd) {
  return !rd || *rd >= kOldestRdFollowed;
}

Result<Arch> RdArchFor(TargetOs os, std::optional<Arch> requested, Arch host) {
  if (os != TargetOs::kWindows) return requested.value_or(host);
  if (requested == Arch::kArm64) {
    return Status::Usage(
        "--target-arch arm64 with --target-os windows: Rancher Desktop on Windows is x64 only "
        "(kube/wsl.ts: new K3sHelper('x86_64')) and reads the amd64 k3s files and "
        "~/.kuberlr/windows-amd64, also on ARM hardware; use --target-arch amd64 or leave it out");
  }
  return Arch::kAmd64;
}

RdCacheView RdReadCache(std::string_view text, std::optional<RdVersion> rd) {
  RdCacheView view;
  auto json = ParseJsonLikeJavaScript(text, "k3s-versions.json", kMaxVersionsJsonBytes);
  if (!json.has_value()) {
    view.verdict = RdCacheVerdict::kFallsBack;
    view.reason = "invalid JSON";
    return view;
  }
  const Json& root = *json;
  // `cacheData.cacheVersion !== 2`: null.cacheVersion throws (caught the same way); a number,
  // string or array has no cacheVersion.
  auto cv = root.is_object() ? root.find("cacheVersion") : root.end();
  if (!root.is_object() || cv == root.end() || !cv->is_number() || cv->get<double>() != 2.0) {
    view.verdict = RdCacheVerdict::kFallsBack;
    view.reason = "cacheVersion is not 2";
    return view;
  }
  // for...of: arrays iterate their elements, strings their characters (none parses); anything
  // else (missing, null, number, object) throws.
  auto versions = root.find("versions");
  if (versions == root.end() || !(versions->is_array() || versions->is_string())) {
    view.verdict = RdCacheVerdict::kDiscarded;
    view.reason = versions == root.end() ? "missing \"versions\"" : "\"versions\" is not a list";
    return view;
  }
  std::set<std::string> all_keys;
  if (versions->is_array()) {
    for (const Json& entry : *versions) {
      std::optional<NodeSemver> v;
      if (entry.is_string()) v = NodeSemverParse(entry.get_ref<const std::string&>());
      if (!v) {
        ++view.unparsable;
        continue;
      }
      view.parsed.push_back(entry.get<std::string>());
      all_keys.insert(v->key);
      if (BelowRdMinimumFor(*v, rd)) continue;
      view.versions[v->key] = entry.get<std::string>();  // the last listed wins
    }
  } else {
    view.unparsable = versions->get_ref<const std::string&>().size();
  }
  // Object.entries(undefined | null) throws; of a number or boolean it is empty; of a string its
  // characters (never a version key).
  auto channels = root.find("channels");
  if (channels == root.end() || channels->is_null()) {
    view.verdict = RdCacheVerdict::kDiscarded;
    view.reason = channels == root.end() ? "missing \"channels\"" : "\"channels\" is null";
    view.versions.clear();
    view.parsed.clear();
    view.unparsable = 0;
    return view;
  }
  if (channels->is_object() || channels->is_array()) {
    std::size_t i = 0;
    for (auto it = channels->begin(); it != channels->end(); ++it, ++i) {
      const std::string name = channels->is_object() ? it.key() : std::to_string(i);
      auto value = JsString(it.value());
      if (value && view.versions.count(*value) != 0) view.channels[name] = *value;
      if (value && all_keys.count(*value) != 0) view.parsed_channels[name] = *value;
    }
  }
  return view;
}

std::optional<std::string> RdCachedDirKey(std::string_view name) {
  // /^v\d+\.\d+\.\d+\+k3s\d+$/ (JavaScript's \d is ASCII digits only).
  if (!name.starts_with('v')) return std::nullopt;
  std::string_view rest = name.substr(1);
  for (int i = 0; i < 3; ++i) {
    std::size_t n = 0;
    while (n < rest.size() && IsDigit(rest[n])) ++n;
    if (n == 0) return std::nullopt;
    rest.remove_prefix(n);
    const std::string_view sep = i < 2 ? "." : "+k3s";
    if (!rest.starts_with(sep)) return std::nullopt;
    rest.remove_prefix(sep.size());
  }
  if (rest.empty() || !std::all_of(rest.begin(), rest.end(), IsDigit)) return std::nullopt;
  // The regex allows leading zeros, which semver.parse rejects: `?.version` is then undefined.
  auto v = NodeSemverParse(name);
  if (!v) return std::nullopt;
  return v->key;
}

std::vector<ShadowedBuild> FindShadowedBuilds(const std::vector<std::string>& listed,
                                              const std::set<std::string>& complete,
                                              std::optional<RdVersion> rd) {
  std::map<std::string, std::string> winner;  // key -> last listed
  std::map<std::string, std::pair<NodeSemver, std::string>> best;  // key -> newest complete
  for (const std::string& s : listed) {
    auto v = NodeSemverParse(s);
    if (!v || BelowRdMinimumFor(*v, rd)) continue;
    winner[v->key] = s;
  }
  for (const std::string& dir : complete) {
    auto key = RdCachedDirKey(dir);
    if (!key) continue;
    auto k3s = ParseK3sVersion(dir);
    auto it = best.find(*key);
    if (it == best.end()) {
      best.emplace(*key, std::make_pair(*NodeSemverParse(dir), dir));
    } else if (k3s.has_value()) {
      auto other = ParseK3sVersion(it->second.second);
      if (!other.has_value() || *other < *k3s) it->second = {*NodeSemverParse(dir), dir};
    }
  }
  std::vector<ShadowedBuild> out;
  for (const auto& [key, w] : winner) {
    if (complete.count(w) != 0) continue;
    auto b = best.find(key);
    if (b != best.end()) out.push_back({key, w, b->second.second});
  }
  return out;
}

std::vector<std::string> DropShadowingBuilds(const std::vector<std::string>& listed,
                                             const std::set<std::string>& complete) {
  // Per key, the position of its last complete entry.
  std::map<std::string, std::size_t> last_complete;
  for (std::size_t i = 0; i < listed.size(); ++i) {
    auto v = NodeSemverParse(listed[i]);
    if (v && complete.count(listed[i]) != 0) last_complete[v->key] = i;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < listed.size(); ++i) {
    auto v = NodeSemverParse(listed[i]);
    if (v && complete.count(listed[i]) == 0) {
      auto it = last_complete.find(v->key);
      if (it != last_complete.end() && i > it->second) continue;  // would win over it
    }
    out.push_back(listed[i]);
  }
  return out;
}

}  // namespace rdbundle
