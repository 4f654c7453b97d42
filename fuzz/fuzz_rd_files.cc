// The parsers of files Rancher Desktop and kuberlr own, read from the user's machine (untrusted):
// RdReadCache (CACHE/k3s-versions.json as RD's readCache reads it), NodeSemverParse,
// RdCachedDirKey, KuberlrVersionOfName (kuberlr's Sscanf), ParseInfoPlistVersion (macOS
// Info.plist), ParseDpkgStatusVersion (dpkg's status file), ReadAsarPackageVersion (an installed
// RD's resources/app.asar, first byte 0xA5) and the packer's ParseSha512Sum (an RD installer's
// "<asset>.sha512sum", from upstream). The first input byte picks the parser. Checks:
//  - RdReadCache: the kept versions are keyed by their own NodeSemver key, are at or above the
//    RD minimum, and every kept channel names a kept version; a used file's `parsed` holds
//    every kept version; a rejected file keeps nothing;
//  - DropShadowingBuilds leaves no shadowed build and drops only incomplete entries;
//  - the name and version parsers never return a version outside their grammar.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "common/rd/installed_rd.h"
#include "common/rd/kuberlr.h"
#include "common/rd/rd_rules.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/mem_fs.h"
#include "packer/rd_release.h"

namespace {

constexpr std::size_t kMaxInputBytes = 256 * 1024;

void CheckReadCache(std::string_view text, std::optional<rdbundle::RdVersion> rd) {
  using namespace rdbundle;
  const RdCacheView view = RdReadCache(text, rd);
  if (view.verdict != RdCacheVerdict::kUsed) {
    FUZZ_CHECK(view.versions.empty() && view.channels.empty() && view.parsed.empty(),
               "a file RD does not use kept something");
    FUZZ_CHECK(!view.reason.empty(), "no reason given");
    return;
  }
  const std::set<std::string> parsed(view.parsed.begin(), view.parsed.end());
  for (const auto& [key, listed] : view.versions) {
    auto v = NodeSemverParse(listed);
    FUZZ_CHECK(v.has_value() && v->key == key, "kept version not under its own key");
    FUZZ_CHECK(!BelowRdMinimumFor(*v, rd), "kept a version below RD's minimum");
    FUZZ_CHECK(parsed.count(listed) == 1, "kept version missing from parsed");
  }
  for (const auto& [name, value] : view.channels) {
    FUZZ_CHECK(view.versions.count(value) == 1, "kept channel names no kept version");
    FUZZ_CHECK(view.parsed_channels.count(name) == 1, "kept channel missing from parsed_channels");
  }
  // The shadowing fix on this list, with every other parsed entry "complete".
  std::set<std::string> complete;
  for (std::size_t i = 0; i < view.parsed.size(); i += 2) complete.insert(view.parsed[i]);
  const auto fixed = DropShadowingBuilds(view.parsed, complete);
  std::set<std::string> kept(fixed.begin(), fixed.end());
  for (const auto& s : view.parsed) {
    FUZZ_CHECK(kept.count(s) == 1 || complete.count(s) == 0, "dropped a complete build");
  }
  FUZZ_CHECK(FindShadowedBuilds(fixed, complete, rd).empty(), "a build still shadows another");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  if (size == 0 || size > kMaxInputBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 0xA5) {  // an asar archive (installed_rd.h); other first bytes keep their parser
    fuzz::MemFs fs;
    fs.PutFile("/app.asar", text);
    if (auto v = ReadAsarPackageVersion(fs, "/app.asar")) {
      FUZZ_CHECK(ParseRdVersion(v->ToString()).has_value(), "asar version does not round-trip");
    }
    return 0;
  }
  switch (data[0] % 7) {
    case 0:
      CheckReadCache(text, std::nullopt);
      CheckReadCache(text, RdVersion{1, 18, 0});
      break;
    case 1:
      if (auto v = NodeSemverParse(text)) {
        FUZZ_CHECK(NodeSemverParse(v->key).has_value(), "a key does not parse again");
        FUZZ_CHECK(NodeSemverParse(v->key)->key == v->key, "a key is not stable");
      }
      break;
    case 2:
      if (auto k = RdCachedDirKey(text)) {
        FUZZ_CHECK(text.starts_with('v') && NodeSemverParse(text)->key == *k,
                   "dir key is not semver.parse(name).version");
      }
      break;
    case 3:
      for (TargetOs os : {TargetOs::kLinux, TargetOs::kWindows}) {
        if (auto v = KuberlrVersionOfName(text, os)) {
          FUZZ_CHECK(text.starts_with("kubectl"), "counted a name without the kubectl prefix");
          FUZZ_CHECK(v->major >= 0 && v->minor >= 0 && v->patch >= 0 &&
                         v->major <= kMaxVersionNumber && v->minor <= kMaxVersionNumber &&
                         v->patch <= kMaxVersionNumber,
                     "version out of range");
        }
      }
      break;
    case 4:
      if (auto v = ParseInfoPlistVersion(text)) {
        FUZZ_CHECK(ParseRdVersion(v->ToString()).has_value(), "plist version does not round-trip");
      }
      break;
    case 6: {
      const std::string_view asset = "Rancher.Desktop.Setup.1.19.3.msi";
      auto hex = packer::ParseSha512Sum(text, asset, "x.sha512sum");
      if (hex.has_value()) {
        FUZZ_CHECK(hex->size() == 128 && text.find(asset) != text.npos, "digest without its line");
        FUZZ_CHECK(std::all_of(hex->begin(), hex->end(),
                               [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }),
                   "digest is not lowercase hex");
      } else {
        fuzz::CheckRejection(hex.error(), {ErrorCode::kCorrupt, ErrorCode::kLimitExceeded},
                             "x.sha512sum: ");
      }
      break;
    }
    default:
      if (auto v = ParseDpkgStatusVersion(text)) {
        FUZZ_CHECK(text.find("rancher-desktop") != text.npos, "found RD without its package");
        FUZZ_CHECK(ParseRdVersion(v->ToString()).has_value(), "dpkg version does not round-trip");
      }
      break;
  }
  return 0;
}
