// ParseReleasesJson (a page of GitHub's release list, from api.github.com or a mirror), then
// BuildK3sVersionsFile over the result, with asset requirements chosen by the first byte.
// The file built must pass the strict parser (it goes into a signed bundle) and list only
// listable releases that have the required assets, one build per X.Y.Z, the highest.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string_view>

#include "common/format/limits.h"
#include "common/format/version.h"
#include "common/rd/k3s_versions.h"
#include "fuzz/fuzz_util.h"
#include "packer/upstream_json.h"

namespace {
constexpr std::size_t kMaxInputBytes = 512 * 1024;  // the format allows 16 MiB
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  using namespace rdbundle::packer;
  if (size > kMaxInputBytes || size == 0) return 0;
  std::vector<K3sAssetRequirement> required;
  if (data[0] & 1) required.push_back(RdAssetRequirement(Arch::kAmd64));
  if (data[0] & 2) required.push_back(RdAssetRequirement(Arch::kArm64));
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto releases = ParseReleasesJson(text, "releases.json");
  if (!releases.has_value()) {
    fuzz::CheckRejection(releases.error(), {ErrorCode::kCorrupt, ErrorCode::kLimitExceeded},
                         "releases.json");
    return 0;
  }
  for (const auto& r : *releases) {
    for (const auto& a : r.assets) FUZZ_CHECK(a.size <= kMaxFileBytes, "asset size over the limit");
  }
  const std::map<std::string, std::string> channels = {
      {"stable", "1.30.4"}, {"latest", "1.31.1"}, {"v1.30", "1.30.4"}, {"testing", "1.31.0-rc1"}};
  const K3sVersionsFile file = BuildK3sVersionsFile(channels, *releases, required);
  FUZZ_CHECK(file.cache_version == 2, "cacheVersion");
  std::set<std::string> values;
  for (const auto& s : file.versions) {
    auto v = ParseK3sVersion(s);
    FUZZ_CHECK(v.has_value() && v->prerelease.empty() && !BelowRdMinimum(*v), "unlistable " + s);
    FUZZ_CHECK(values.insert(ChannelValue(*v)).second, "two builds of " + ChannelValue(*v));
    bool found = false;
    for (const auto& r : *releases) {
      if (r.tag_name != s || r.draft) continue;
      std::set<std::string> names;
      for (const auto& a : r.assets) names.insert(a.name);
      bool ok = true;
      for (const auto& req : required) {
        ok = ok && names.count(req.binary) && names.count(req.sums) &&
             (names.count(req.images_any_of[0]) || names.count(req.images_any_of[1]));
      }
      found = found || ok;
    }
    FUZZ_CHECK(found, s + " has no release with the required assets");
  }
  for (const auto& r : *releases) {  // the highest qualifying build is the one kept
    auto v = ParseK3sVersion(r.tag_name);
    if (!v.has_value() || r.draft || !v->prerelease.empty() || BelowRdMinimum(*v)) continue;
    if (!values.count(ChannelValue(*v))) continue;
    for (const auto& s : file.versions) {
      auto kept = ParseK3sVersion(s);
      if (ChannelValue(*kept) == ChannelValue(*v) && kept->build < v->build) {
        bool has = true;
        std::set<std::string> names;
        for (const auto& a : r.assets) names.insert(a.name);
        for (const auto& req : required) {
          has = has && names.count(req.binary) && names.count(req.sums) &&
                (names.count(req.images_any_of[0]) || names.count(req.images_any_of[1]));
        }
        FUZZ_CHECK(!has, "kept " + s + " over the higher build " + r.tag_name);
      }
    }
  }
  auto parsed = ParseK3sVersionsFile(SerializeK3sVersionsFile(file), "built");
  FUZZ_CHECK(parsed.has_value(), "built file fails the strict parser: " + parsed.error().message());
  return 0;
}
