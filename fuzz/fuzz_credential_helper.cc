// ParseCredentialHelperOutput: what `docker-credential-<name> get` prints.
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
  auto c = ParseCredentialHelperOutput(text, "helper");
  if (!c.has_value()) {
    fuzz::CheckRejection(c.error(), {ErrorCode::kCorrupt, ErrorCode::kLimitExceeded}, "helper: ");
    return 0;
  }
  FUZZ_CHECK(!c->secret.empty() && c->secret.size() <= kMaxSecretBytes, "secret");
  FUZZ_CHECK(c->username.size() <= kMaxSecretBytes, "username");
  return 0;
}
