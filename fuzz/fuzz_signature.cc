// ParseSignatureFile, then verification against fixed trusted keys: the fuzz key and a key made
// by the real minisign (fuzz/fixed_keys.h), over a fixed message. The seeds are signatures of
// that message by both (fuzz/make_seeds.sh), so mutations reach every verification step.
// Checks: parse errors are kBadKey; an accepted file round-trips through SerializeSignatureFile;
// verification fails only with kUntrustedKey/kBadSignature; the streamed (prehashed) check
// agrees with the whole-message one; a verified signature never verifies another message.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/format/hash.h"
#include "common/format/limits.h"
#include "common/format/minisign.h"
#include "fuzz/fixed_keys.h"
#include "fuzz/fuzz_util.h"

namespace {
constexpr std::size_t kMaxInputBytes = 32 * 1024;  // the parser caps signature files at 16 KiB
// What the seed signatures sign (make_seeds writes it to fuzz/keys/signed-message.txt).
constexpr std::string_view kMessage = "rdbundle fuzz: the message the signature seeds sign\n";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  using namespace rdbundle::fuzz;
  if (size > kMaxInputBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sig = ParseSignatureFile(text, "x.minisig");
  if (!sig.has_value()) {
    fuzz::CheckRejection(sig.error(), {ErrorCode::kBadKey}, "x.minisig: ");
    return 0;
  }
  FUZZ_CHECK(size <= kMaxSignatureFileBytes, "accepted a signature file over the size limit");
  FUZZ_CHECK(CheckTrustedComment(sig->trusted_comment).ok(), "trusted comment rule broken");
  FUZZ_CHECK(CheckUntrustedComment(sig->untrusted_comment).ok(), "untrusted comment rule broken");
  const std::string file = SerializeSignatureFile(*sig);
  auto again = ParseSignatureFile(file, "again");
  FUZZ_CHECK(again.has_value() && *again == *sig, "signature file does not round-trip");

  static const TrustedKeys* keys = [] {
    auto* k = new TrustedKeys();
    if (!k->Add(FuzzKey().pub, "fuzz.pub").ok() ||
        !k->Add(MinisignFuzzKey(), "minisign-test.pub").ok()) {
      std::abort();
    }
    return k;
  }();
  auto key = keys->Verify(*sig, kMessage);
  auto streamed = keys->VerifyPrehashed(*sig, Blake2b512::Of(kMessage));
  if (!key.has_value()) {
    const ErrorCode c = key.error().code();
    FUZZ_CHECK(c == ErrorCode::kUntrustedKey || c == ErrorCode::kBadSignature, key.error().message());
    FUZZ_CHECK(!streamed.has_value(), "prehashed check accepts what the whole-message one rejects");
    if (c == ErrorCode::kUntrustedKey) {
      FUZZ_CHECK(keys->Find(sig->key_id) == nullptr, "untrusted, yet the key id is trusted");
    }
    return 0;
  }
  FUZZ_CHECK(*key == keys->Find(sig->key_id), "verified with a key of another id");
  FUZZ_CHECK(streamed.has_value() == sig->prehashed(),
             "prehashed check disagrees with the whole-message one");
  FUZZ_CHECK(!VerifySignature(**key, *sig, "another message").ok(), "verifies another message");
  if (sig->prehashed()) {
    Signature other = *sig;
    other.trusted_comment += "x";
    FUZZ_CHECK(!VerifySignature(**key, other, kMessage).ok(), "trusted comment not authenticated");
  }
  return 0;
}
