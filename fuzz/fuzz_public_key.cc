// ParsePublicKeyFile (minisign public key files: trusted keys given with -p or in the trusted
// directory; a key file may come from anywhere). For accepted inputs, both serialized forms
// (`minisign -G` file, bare base64 line) parse back to the same key.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/format/limits.h"
#include "common/format/minisign.h"
#include "fuzz/fuzz_util.h"

namespace {
constexpr std::size_t kMaxInputBytes = 8192;  // the parser caps key files at 4096 bytes
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  if (size > kMaxInputBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto key = ParsePublicKeyFile(text, "key.pub");
  if (!key.has_value()) {
    fuzz::CheckRejection(key.error(), {ErrorCode::kBadKey}, "key.pub: ");
    return 0;
  }
  FUZZ_CHECK(size <= kMaxKeyFileBytes, "accepted a key file over the size limit");
  const std::string file = SerializePublicKeyFile(*key);
  auto again = ParsePublicKeyFile(file, "again");
  FUZZ_CHECK(again.has_value() && *again == *key, "serialized key file does not round-trip");
  auto bare = ParsePublicKeyFile(PublicKeyBase64(*key), "bare");
  FUZZ_CHECK(bare.has_value() && *bare == *key, "base64 form does not round-trip");
  FUZZ_CHECK(KeyIdString(key->key_id).size() == 16, "key id is not 16 hex digits");
  TrustedKeys keys;
  FUZZ_CHECK(keys.Add(*key, "a").ok() && keys.Add(*key, "b").ok() && keys.size() == 1,
             "adding the same key twice");
  return 0;
}
