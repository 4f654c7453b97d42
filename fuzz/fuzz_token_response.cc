// ParseTokenResponse: the JSON a token realm returns. An accepted token can go into an
// Authorization header as it is (printable ASCII, no spaces, bounded); expires_in is positive.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "packer/oci_auth.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  using namespace rdbundle::packer;
  if (size > 128 * 1024) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto t = ParseTokenResponse(text, "token");
  if (!t.has_value()) {
    fuzz::CheckRejection(t.error(), {ErrorCode::kCorrupt, ErrorCode::kLimitExceeded}, "token: ");
    return 0;
  }
  FUZZ_CHECK(!t->token.empty() && t->token.size() <= kMaxTokenBytes, "token size");
  for (char c : t->token) FUZZ_CHECK(c > 0x20 && c < 0x7f, "token character");
  FUZZ_CHECK(t->expires_in >= 1, "expires_in");
  return 0;
}
