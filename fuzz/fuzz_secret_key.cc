// ParseSecretKeyFile: parse only. scrypt never runs here (an encrypted key is never decrypted:
// its cost comes from the file, bounded by the parser, but seconds per input would stall the
// fuzzer). Unencrypted keys are also checked by DecryptSecretKey (no KDF) and, when they are
// consistent, must survive SerializeSecretKeyFile -> parse -> decrypt unchanged.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/format/limits.h"
#include "common/signing/signing.h"
#include "fuzz/fuzz_util.h"

namespace {
constexpr std::size_t kMaxInputBytes = 8192;  // the parser caps key files at 4096 bytes
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  if (size > kMaxInputBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseSecretKeyFile(text, "key.key");
  if (!parsed.has_value()) {
    fuzz::CheckRejection(parsed.error(), {ErrorCode::kBadKey}, "key.key: ");
    return 0;
  }
  FUZZ_CHECK(size <= kMaxKeyFileBytes, "accepted a key file over the size limit");
  FUZZ_CHECK(parsed->keynum_sk.size() == 104, "keynum_sk is not 104 bytes");
  if (parsed->encrypted) {
    FUZZ_CHECK(parsed->kdf.opslimit <= kMaxKdfOpslimit && parsed->kdf.memlimit <= kMaxKdfMemlimit,
               "accepted KDF limits above the maximum");
    return 0;  // decrypting would run scrypt
  }
  auto key = DecryptSecretKey(*parsed, std::nullopt, "key.key");
  if (!key.has_value()) {
    FUZZ_CHECK(key.error().code() == ErrorCode::kBadKey, key.error().message());
    return 0;
  }
  FUZZ_CHECK(std::memcmp(key->key_id().data(), parsed->keynum_sk.data(), 8) == 0, "key id");
  auto file = SerializeSecretKeyFile(*key, std::nullopt);
  FUZZ_CHECK(file.has_value(), "serializing an unencrypted key failed");
  auto again = ParseSecretKeyFile(*file, "again");
  FUZZ_CHECK(again.has_value() && !again->encrypted, "serialized key does not parse");
  auto key2 = DecryptSecretKey(*again, std::nullopt, "again");
  FUZZ_CHECK(key2.has_value() && key2->key_id() == key->key_id() &&
                 std::memcmp(key2->secret_bytes().data(), key->secret_bytes().data(), 64) == 0,
             "secret key does not round-trip");
  return 0;
}
