// ParseChannelsJson: the k3s channel server's response (update.k3s.io, or a mirror of it: the
// packer reads it from wherever --channels-url points). Every accepted channel must have a
// valid name and a value in channel-value form (what BuildK3sVersionsFile compares with).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/format/version.h"
#include "common/rd/k3s_versions.h"
#include "fuzz/fuzz_util.h"
#include "packer/upstream_json.h"

namespace {
constexpr std::size_t kMaxInputBytes = 256 * 1024;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  using namespace rdbundle::packer;
  if (size > kMaxInputBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto channels = ParseChannelsJson(text, "channels.json");
  if (!channels.has_value()) {
    fuzz::CheckRejection(channels.error(), {ErrorCode::kCorrupt, ErrorCode::kLimitExceeded},
                         "channels.json: ");
    return 0;
  }
  for (const auto& [name, value] : *channels) {
    FUZZ_CHECK(!name.empty() && name.size() <= kMaxChannelNameBytes, "channel name length");
    auto v = ParseK3sVersion("v" + value + "+k3s1");
    FUZZ_CHECK(v.has_value() && ChannelValue(*v) == value, "channel value not in canonical form: " + value);
  }
  // The channels are usable as they are: a file built from them passes the strict parser.
  std::vector<ReleaseInfo> releases;
  for (const auto& [name, value] : *channels) {
    releases.push_back({"v" + value + "+k3s1", false, false, {}});
  }
  const K3sVersionsFile built = BuildK3sVersionsFile(*channels, releases, {});
  auto parsed = ParseK3sVersionsFile(SerializeK3sVersionsFile(built), "built");
  FUZZ_CHECK(parsed.has_value(), "built file does not parse: " + parsed.error().message());
  return 0;
}
