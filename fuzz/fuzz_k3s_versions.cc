// ParseK3sVersionsFile in both modes: kStrict (the file inside a signed bundle) and kUserCache
// (the user's CACHE/k3s-versions.json, which an install merges into). Checks:
//  - strict acceptance implies user-cache acceptance;
//  - a strictly accepted file, serialized, parses strictly again to the same versions (sorted,
//    in K3sVersion order) and channels, and serializing that is byte-identical (round trip);
//  - a user-cache file serializes to something the user-cache parser accepts;
//  - MergeK3sVersions keeps every version of both sides and every existing channel.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>

#include "common/format/limits.h"
#include "common/format/version.h"
#include "common/rd/k3s_versions.h"
#include "fuzz/fuzz_util.h"

namespace {

constexpr std::size_t kMaxInputBytes = 256 * 1024;  // the format allows 4 MiB

using rdbundle::K3sVersionsFile;

void CheckMerge(const K3sVersionsFile& existing, const K3sVersionsFile& incoming) {
  using namespace rdbundle;
  const K3sVersionsFile merged = MergeK3sVersions(existing, incoming);
  std::set<std::string> want(existing.versions.begin(), existing.versions.end());
  want.insert(incoming.versions.begin(), incoming.versions.end());
  const std::set<std::string> got(merged.versions.begin(), merged.versions.end());
  FUZZ_CHECK(got == want && got.size() == merged.versions.size(), "merge lost or repeated a version");
  for (const auto& [name, value] : existing.channels) {
    FUZZ_CHECK(merged.channels.at(name) == value, "merge changed an existing channel");
  }
  for (const auto& [name, value] : merged.channels) {
    FUZZ_CHECK(existing.channels.count(name) || incoming.channels.at(name) == value,
               "merge invented a channel");
  }
  auto reparsed = ParseK3sVersionsFile(SerializeK3sVersionsFile(merged), "merged",
                                       K3sVersionsParseMode::kUserCache);
  FUZZ_CHECK(reparsed.has_value(), "merged file does not parse: " + reparsed.error().message());
}

const K3sVersionsFile& FixedFile() {
  static const K3sVersionsFile* f = new K3sVersionsFile{
      2, {"v1.30.4+k3s1", "v1.31.0-rc1+k3s1"}, {{"stable", "1.30.4"}, {"v1.30", "1.30.4"}}};
  return *f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  if (size > kMaxInputBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto strict = ParseK3sVersionsFile(text, "k3s-versions.json", K3sVersionsParseMode::kStrict);
  auto user = ParseK3sVersionsFile(text, "k3s-versions.json", K3sVersionsParseMode::kUserCache);
  for (const auto* r : {&strict, &user}) {
    if (!r->has_value()) {
      fuzz::CheckRejection(r->error(), {ErrorCode::kCorrupt, ErrorCode::kLimitExceeded},
                           "k3s-versions.json: ");
    }
  }
  if (strict.has_value()) {
    FUZZ_CHECK(user.has_value(), "strict accepts what user-cache mode rejects");
    const std::string bytes = SerializeK3sVersionsFile(*strict);
    auto again = ParseK3sVersionsFile(bytes, "again", K3sVersionsParseMode::kStrict);
    FUZZ_CHECK(again.has_value(), "serialized strict file does not parse: " + again.error().message());
    FUZZ_CHECK(again->channels == strict->channels, "channels do not round-trip");
    std::vector<std::string> sorted = strict->versions;
    std::sort(sorted.begin(), sorted.end(), [](const std::string& a, const std::string& b) {
      return *ParseK3sVersion(a) < *ParseK3sVersion(b);
    });
    FUZZ_CHECK(again->versions == sorted, "versions do not round-trip in version order");
    FUZZ_CHECK(SerializeK3sVersionsFile(*again) == bytes, "serialization is not stable");
    CheckMerge(FixedFile(), *strict);
  }
  if (user.has_value()) {
    auto again = ParseK3sVersionsFile(SerializeK3sVersionsFile(*user), "again",
                                      K3sVersionsParseMode::kUserCache);
    FUZZ_CHECK(again.has_value(), "serialized user-cache file does not parse: " + again.error().message());
    FUZZ_CHECK(again->channels == user->channels, "channels do not round-trip");
    CheckMerge(*user, FixedFile());
  }
  return 0;
}
