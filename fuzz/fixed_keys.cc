#include "fuzz/fixed_keys.h"

#include <sodium.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace rdbundle::fuzz {
namespace {

testsupport::TestKey KeyFromSeed(std::string_view seed_text, const KeyId& key_id) {
  if (sodium_init() < 0) std::abort();
  std::array<std::uint8_t, crypto_sign_SEEDBYTES> seed{};
  std::memcpy(seed.data(), seed_text.data(), std::min(seed.size(), seed_text.size()));
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  auto secret = SecretKey::FromBytes(key_id, std::span<const std::uint8_t, 64>(sk.data(), 64));
  if (!secret.has_value()) std::abort();
  PublicKey pub = secret->public_key();
  std::string pub_file = SerializePublicKeyFile(pub);
  return testsupport::TestKey{std::move(secret).value(), pub, std::move(pub_file)};
}

// `minisign -G -W` output, fuzz/keys/minisign-test.pub.
constexpr std::string_view kMinisignPub = "RWTqMcn4XVr2LYE6f1YzTziQRQbeaIeZ1aAfI4yHW7xFRFqoHhKSraN5";

}  // namespace

const testsupport::TestKey& FuzzKey() {
  static const testsupport::TestKey* key = new testsupport::TestKey(
      KeyFromSeed("rdbundle fuzz key: public, only for fuzz inputs", {'R', 'D', 'B', 'F', 'U', 'Z', 'Z', '1'}));
  return *key;
}

const testsupport::TestKey& OtherFuzzKey() {
  static const testsupport::TestKey* key = new testsupport::TestKey(
      KeyFromSeed("rdbundle fuzz key 2: untrusted", {'R', 'D', 'B', 'F', 'U', 'Z', 'Z', '2'}));
  return *key;
}

const PublicKey& MinisignFuzzKey() {
  static const PublicKey* key = [] {
    auto k = ParsePublicKeyFile(kMinisignPub, "minisign-test.pub");
    if (!k.has_value()) std::abort();
    return new PublicKey(*k);
  }();
  return *key;
}

const TrustedKeys& FuzzTrustedKeys() {
  static const TrustedKeys* keys = [] {
    auto* k = new TrustedKeys();
    if (!k->Add(FuzzKey().pub, "fuzz.pub").ok()) std::abort();
    return k;
  }();
  return *keys;
}

}  // namespace rdbundle::fuzz
