// ParseInstallState: CACHE/rdbundle-installed.json, which anything able to write the user's
// cache can change; a broken one must only produce a warning. Accepted states must survive
// SerializeInstallState -> parse unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "unpacker/state.h"

namespace {
constexpr std::size_t kMaxInputBytes = 256 * 1024;  // the reader allows 8 MiB
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  using namespace rdbundle::unpacker;
  if (size > kMaxInputBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto state = ParseInstallState(text, "rdbundle-installed.json");
  if (!state.has_value()) {
    fuzz::CheckRejection(state.error(), {}, "rdbundle-installed.json: ");
    return 0;
  }
  const std::string bytes = SerializeInstallState(*state);
  auto again = ParseInstallState(bytes, "again");
  FUZZ_CHECK(again.has_value(), "serialized state does not parse: " + again.error().message());
  FUZZ_CHECK(*again == *state, "install state does not round-trip");
  FUZZ_CHECK(SerializeInstallState(*again) == bytes, "serialization is not stable");
  return 0;
}
