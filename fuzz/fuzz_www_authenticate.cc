// ParseWwwAuthenticate: the challenge of a registry's 401 (or of anything between us and it).
// Accepted challenges have a scheme of token characters and lowercase parameter names, and
// nothing is longer than the header itself.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "packer/oci_auth.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  using namespace rdbundle::packer;
  if (size > 8192) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = ParseWwwAuthenticate(text);
  if (!c.has_value()) {
    fuzz::CheckRejection(c.error(), {ErrorCode::kCorrupt}, "WWW-Authenticate: ");
    return 0;
  }
  FUZZ_CHECK(!c->empty() && c->size() <= 17, "challenge count");
  for (const Challenge& ch : *c) {
    FUZZ_CHECK(!ch.scheme.empty() && ch.scheme.size() <= size, "scheme");
    for (char x : ch.scheme) FUZZ_CHECK(!(x >= 'A' && x <= 'Z'), "scheme not lowercase");
    for (const auto& [k, v] : ch.params) {
      FUZZ_CHECK(!k.empty() && k.size() + v.size() <= size, "param size");
      for (char x : v) FUZZ_CHECK(static_cast<unsigned char>(x) >= 0x20 && x != 0x7f, "control in value");
    }
  }
  return 0;
}
