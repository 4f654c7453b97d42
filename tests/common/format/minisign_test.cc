#include "common/format/minisign.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/base/hex.h"
#include "common/format/limits.h"

namespace rdbundle {
namespace {

// Made by minisign 0.11: `minisign -G -W`, then `minisign -S -m f` and `minisign -S -l -m f
// -t "legacy test" -c "legacy sig"`, where f holds "hello\n".
constexpr std::string_view kGoldenPub =
    "untrusted comment: minisign public key 12029219052F7B26\n"
    "RWQmey8FGZICEn4nOO7YxqGIH0aAuoAw1Gjm35T2eCPuWrzNRuKz6FB0\n";
constexpr std::string_view kGoldenSig =
    "untrusted comment: signature from minisign secret key\n"
    "RUQmey8FGZICEksSo+YfR9aG9nDrm2gI1IoLr++ndsYqsBImoxKEGPSj+vYt+Qd0y44zu900DCXzc3+kOgnWKAs6HDLti"
    "d/0GQA=\n"
    "trusted comment: timestamp:1795614562\tfile:f\thashed\n"
    "YKvyVLR+qdaK4KjTeRVZJ9RuwHROhBUwyN7Gvh0AGSEg/kNPq6u4VrtKLi2i7/R9p+INXiZ4OpphDgSLLss0Bg==\n";
constexpr std::string_view kGoldenLegacySig =
    "untrusted comment: legacy sig\n"
    "RWQmey8FGZICEiH2P40LPsaPSgpfShYAFmlDwpR7xe1KeA/JcjPBHIcQm2e3L+uLIbBSirpnc+FqQi/ZUYLAhZk12X/OD/"
    "13zQc=\n"
    "trusted comment: legacy test\n"
    "Xv6TtVKF6jwyFTFDw+6XoajAY1/AFIFzlfPGf8uHymugISZkvNNXIOsFEEjKIYrG8K5Tok3RNJx+wbDPhMldCA==\n";
constexpr std::string_view kGoldenMessage = "hello\n";
constexpr std::string_view kGoldenPubLine =
    "RWQmey8FGZICEn4nOO7YxqGIH0aAuoAw1Gjm35T2eCPuWrzNRuKz6FB0";

std::vector<std::uint8_t> Unhex(std::string_view hex) { return HexDecode(hex).value(); }

// A test key pair from a fixed seed, signing with libsodium directly (no rdb_signing code).
struct TestKey {
  PublicKey pub;
  std::array<std::uint8_t, 64> sk{};

  static TestKey FromSeed(std::uint8_t seed_byte, std::uint8_t id_byte) {
    EXPECT_GE(sodium_init(), 0);
    TestKey k;
    std::array<std::uint8_t, 32> seed;
    seed.fill(seed_byte);
    crypto_sign_seed_keypair(k.pub.pk.data(), k.sk.data(), seed.data());
    k.pub.key_id.fill(id_byte);
    return k;
  }

  Signature SignMessage(std::string_view msg, bool prehashed,
                        std::string trusted = "trusted") const {
    Signature s;
    s.alg = {'E', static_cast<std::uint8_t>(prehashed ? 'D' : 'd')};
    s.key_id = pub.key_id;
    s.untrusted_comment = "untrusted";
    s.trusted_comment = std::move(trusted);
    const Blake2b512Digest digest = Blake2b512::Of(msg);
    const auto* m = prehashed ? digest.data() : reinterpret_cast<const unsigned char*>(msg.data());
    crypto_sign_detached(s.sig.data(), nullptr, m, prehashed ? digest.size() : msg.size(),
                         sk.data());
    std::string global(reinterpret_cast<const char*>(s.sig.data()), s.sig.size());
    global += s.trusted_comment;
    crypto_sign_detached(s.global_sig.data(), nullptr,
                         reinterpret_cast<const unsigned char*>(global.data()), global.size(),
                         sk.data());
    return s;
  }
};

// ---- Ed25519 known answers (RFC 8032 section 7.1) ------------------------------------------

struct Rfc8032Case {
  const char* seed;
  const char* pk;
  const char* msg;
  const char* sig;
};

constexpr Rfc8032Case kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
};

TEST(MinisignTest, Ed25519Rfc8032KnownAnswers) {
  ASSERT_GE(sodium_init(), 0);
  for (const Rfc8032Case& c : kRfc8032) {
    const auto seed = Unhex(c.seed);
    const auto msg = Unhex(c.msg);
    std::array<std::uint8_t, 32> pk;
    std::array<std::uint8_t, 64> sk, sig;
    ASSERT_EQ(crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data()), 0);
    EXPECT_EQ(HexEncode(pk), c.pk);
    ASSERT_EQ(crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), sk.data()), 0);
    EXPECT_EQ(HexEncode(sig), c.sig);

    // The RFC signature is a legacy ("Ed") minisign signature of the raw message.
    TestKey k;
    k.pub.pk = pk;
    k.pub.key_id = {1, 2, 3, 4, 5, 6, 7, 8};
    k.sk = sk;
    const std::string m(msg.begin(), msg.end());
    Signature s = k.SignMessage(m, /*prehashed=*/false);
    EXPECT_EQ(HexEncode(s.sig), c.sig);
    EXPECT_TRUE(VerifySignature(k.pub, s, m).ok());
  }
}

// ---- golden files from minisign ------------------------------------------------------------

TEST(MinisignTest, GoldenFilesParseVerifyAndRoundTrip) {
  auto pub = ParsePublicKeyFile(kGoldenPub, "k.pub");
  ASSERT_TRUE(pub.has_value()) << pub.error().message();
  EXPECT_EQ(KeyIdString(pub->key_id), "12029219052F7B26");
  EXPECT_EQ(SerializePublicKeyFile(*pub), kGoldenPub);
  EXPECT_EQ(PublicKeyBase64(*pub), kGoldenPubLine);

  auto sig = ParseSignatureFile(kGoldenSig, "f.minisig");
  ASSERT_TRUE(sig.has_value()) << sig.error().message();
  EXPECT_TRUE(sig->prehashed());
  EXPECT_EQ(sig->untrusted_comment, "signature from minisign secret key");
  EXPECT_EQ(sig->trusted_comment, "timestamp:1795614562\tfile:f\thashed");
  EXPECT_EQ(SerializeSignatureFile(*sig), kGoldenSig);
  EXPECT_TRUE(VerifySignature(*pub, *sig, kGoldenMessage).ok());
  EXPECT_TRUE(VerifyPrehashed(*pub, *sig, Blake2b512::Of(kGoldenMessage)).ok());
}

TEST(MinisignTest, GoldenLegacySignatureVerifies) {
  auto pub = ParsePublicKeyFile(kGoldenPub, "k.pub");
  auto sig = ParseSignatureFile(kGoldenLegacySig, "f.minisig");
  ASSERT_TRUE(pub.has_value() && sig.has_value());
  EXPECT_FALSE(sig->prehashed());
  EXPECT_EQ(SerializeSignatureFile(*sig), kGoldenLegacySig);
  EXPECT_TRUE(VerifySignature(*pub, *sig, kGoldenMessage).ok());
  Status s = VerifySignature(*pub, *sig, "hello!");
  EXPECT_EQ(s.code(), ErrorCode::kBadSignature);
  EXPECT_EQ(s.message(), "signature verification failed");
  s = VerifyPrehashed(*pub, *sig, Blake2b512::Of(kGoldenMessage));
  EXPECT_EQ(s.code(), ErrorCode::kBadSignature);
  EXPECT_EQ(s.message(),
            "legacy \"Ed\" signature: the whole file is needed to verify it; re-sign with a "
            "prehashed (\"ED\") signature");
}

TEST(MinisignTest, BarePublicKeyLineAccepted) {
  auto full = ParsePublicKeyFile(kGoldenPub, "k.pub");
  auto bare = ParsePublicKeyFile(kGoldenPubLine, "-P");
  auto bare_nl = ParsePublicKeyFile(std::string(kGoldenPubLine) + "\n", "k.pub");
  ASSERT_TRUE(full.has_value() && bare.has_value() && bare_nl.has_value());
  EXPECT_EQ(*full, *bare);
  EXPECT_EQ(*full, *bare_nl);
}

TEST(MinisignTest, KeyIdStringKeepsLeadingZerosButFileCommentMatchesMinisign) {
  PublicKey key;
  key.key_id = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x00};
  EXPECT_EQ(KeyIdString(key.key_id), "0007060504030201");
  // minisign writes the id with "%lX".
  const std::string text = SerializePublicKeyFile(key);
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "untrusted comment: minisign public key 7060504030201");
  auto back = ParsePublicKeyFile(text, "k.pub");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, key);
}

// ---- malformed public keys: whole messages ---------------------------------------------------

std::string PubBlob(std::string_view alg, std::size_t total) {
  std::vector<std::uint8_t> blob(total, 0x41);
  std::copy(alg.begin(), alg.end(), blob.begin());
  return Base64Encode(blob);
}

TEST(MinisignTest, MalformedPublicKeyMessages) {
  const std::string line(kGoldenPubLine);
  const std::string uc = "untrusted comment: c\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "k.pub: empty file, not a minisign public key"},
      {std::string(4097, 'A'), "k.pub: larger than 4096 bytes, not a minisign public key"},
      {uc + line + "\r\n",
       "k.pub: contains a carriage return (CRLF line endings are not accepted)"},
      {uc + line + std::string(1, '\0') + "\n", "k.pub: contains a NUL byte"},
      {"comment: c\n" + line + "\n",
       "k.pub: untrusted comment should start with \"untrusted comment: \""},
      {uc + line, "k.pub: last line does not end with a newline"},
      {uc, "k.pub: expected 2 lines (untrusted comment and base64 key), got 1"},
      {uc + line + "\n\n", "k.pub: expected 2 lines (untrusted comment and base64 key), got 3"},
      {uc + "AAAAAAAAAAAAAAAA\n",
       "k.pub: not a minisign public key (base64 decodes to 12 bytes, expected 42)"},
      {"AAAAAAAAAAAAAAAA\n",
       "k.pub: not a minisign public key (base64 decodes to 12 bytes, expected 42)"},
      {uc + "not base64!\n", "k.pub: not a minisign public key (invalid base64)"},
      {uc + line + "=\n", "k.pub: not a minisign public key (invalid base64)"},
      {uc + " " + line + "\n", "k.pub: not a minisign public key (invalid base64)"},
      {uc + PubBlob("Xd", 42) + "\n", "k.pub: unsupported public key algorithm (expected \"Ed\")"},
      {uc + PubBlob("ED", 42) + "\n", "k.pub: unsupported public key algorithm (expected \"Ed\")"},
      {"untrusted comment: \x1b[31mred\n" + line + "\n",
       "k.pub: untrusted comment contains control characters or invalid UTF-8"},
      {"untrusted comment: " + std::string(1004, 'c') + "\n" + line + "\n",
       "k.pub: untrusted comment longer than 1003 bytes"},
  };
  for (const auto& [text, message] : cases) {
    auto r = ParsePublicKeyFile(text, "k.pub");
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code(), ErrorCode::kBadKey) << text;
    EXPECT_EQ(r.error().message(), message) << text;
  }
  EXPECT_TRUE(ParsePublicKeyFile(
                  "untrusted comment: " + std::string(1003, 'c') + "\n" + line + "\n", "k.pub")
                  .has_value());
}

// ---- malformed signatures ------------------------------------------------------------------

// The golden signature with line `index` (0-3) replaced.
std::string GoldenWithLine(std::size_t index, std::string_view replacement) {
  std::vector<std::string> lines;
  std::string_view text = kGoldenSig;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    lines.emplace_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  lines[index] = std::string(replacement);
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string SigLine(std::string_view alg) { return PubBlob(alg, 74); }

std::string GoldenLine(std::size_t index) {
  std::string_view text = kGoldenSig;
  for (std::size_t i = 0; i < index; ++i) text.remove_prefix(text.find('\n') + 1);
  return std::string(text.substr(0, text.find('\n')));
}

// The first '/' with its high bit set.
std::string HighBitAlias(std::string line) {
  line[line.find('/')] = static_cast<char>(0xaf);
  return line;
}

TEST(MinisignTest, MalformedSignatureMessages) {
  const std::string g(kGoldenSig);
  const std::string kLines =
      "f.minisig: expected 4 lines (untrusted comment, signature, trusted comment, global "
      "signature), got ";
  const std::string kCtrl =
      "f.minisig: trusted comment contains control characters or invalid UTF-8";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "f.minisig: empty file, not a minisign signature"},
      {std::string(16385, 'a'), "f.minisig: larger than 16384 bytes, not a minisign signature"},
      {g.substr(0, g.size() - 1), "f.minisig: last line does not end with a newline"},
      {g.substr(0, g.rfind('\n', g.size() - 2) + 1), kLines + "3"},
      {g + "extra\n", kLines + "5"},
      {g + "\n", kLines + "5"},
      {"\n", kLines + "1"},
      {GoldenWithLine(0, "untrusted comment signature"),
       "f.minisig: untrusted comment should start with \"untrusted comment: \""},
      {GoldenWithLine(1, kGoldenPubLine),
       "f.minisig: not a minisign signature (signature line: base64 decodes to 42 bytes, "
       "expected 74)"},
      {GoldenWithLine(1, "RUQ*"),
       "f.minisig: not a minisign signature (signature line: invalid base64)"},
      // libsodium 1.0.18 decodes 0xAF like '/': the parser must not accept such aliases.
      {GoldenWithLine(1, HighBitAlias(GoldenLine(1))),
       "f.minisig: not a minisign signature (signature line: invalid base64)"},
      {GoldenWithLine(3, HighBitAlias(GoldenLine(3))),
       "f.minisig: not a minisign signature (global signature line: invalid base64)"},
      {GoldenWithLine(1, SigLine("EX")),
       "f.minisig: unsupported signature algorithm (expected \"ED\" or \"Ed\")"},
      {GoldenWithLine(1, SigLine("ed")),
       "f.minisig: unsupported signature algorithm (expected \"ED\" or \"Ed\")"},
      {GoldenWithLine(2, "trusted-comment: x"),
       "f.minisig: trusted comment should start with \"trusted comment: \""},
      {GoldenWithLine(2, "Trusted comment: x"),
       "f.minisig: trusted comment should start with \"trusted comment: \""},
      {GoldenWithLine(2, "trusted comment: a\x01z"), kCtrl},
      {GoldenWithLine(2, "trusted comment: a\x7fz"), kCtrl},
      {GoldenWithLine(2, "trusted comment: \xff"), kCtrl},              // not UTF-8
      {GoldenWithLine(2, "trusted comment: \xc0\xaf"), kCtrl},          // overlong '/'
      {GoldenWithLine(2, "trusted comment: \xed\xa0\x80"), kCtrl},      // surrogate
      {GoldenWithLine(2, "trusted comment: \xf4\x90\x80\x80"), kCtrl},  // above U+10FFFF
      {GoldenWithLine(2, "trusted comment: \xc2\x85"), kCtrl},          // C1 control (NEL)
      {GoldenWithLine(2, "trusted comment: \xe2\x82"), kCtrl},          // truncated sequence
      {GoldenWithLine(2, "trusted comment: " + std::string(8174, 't')),
       "f.minisig: trusted comment longer than 8173 bytes"},
      {GoldenWithLine(0, "untrusted comment: " + std::string(1004, 'u')),
       "f.minisig: untrusted comment longer than 1003 bytes"},
      {GoldenWithLine(0, "untrusted comment: \x1b]0;x\x07"),
       "f.minisig: untrusted comment contains control characters or invalid UTF-8"},
      {GoldenWithLine(3, SigLine("ED")),
       "f.minisig: not a minisign signature (global signature line: base64 decodes to 74 bytes, "
       "expected 64)"},
      {GoldenWithLine(3, ""),
       "f.minisig: not a minisign signature (global signature line: base64 decodes to 0 bytes, "
       "expected 64)"},
      {GoldenWithLine(3, "YKvy VLR+"),
       "f.minisig: not a minisign signature (global signature line: invalid base64)"},
  };
  for (const auto& [text, message] : cases) {
    auto r = ParseSignatureFile(text, "f.minisig");
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code(), ErrorCode::kBadKey) << text;
    EXPECT_EQ(r.error().message(), message) << text;
  }
}

TEST(MinisignTest, SignatureCommentLimitsAndUtf8Accepted) {
  for (const std::string& trusted : {std::string(8173, 't'),
                                     std::string("Gr\xc3\xbc\xc3\x9f"
                                                 "e \xe2\x9c\x93 \xf0\x9d\x84\x9e"),
                                     std::string(""), std::string("a\tb")}) {
    auto r = ParseSignatureFile(GoldenWithLine(2, "trusted comment: " + trusted), "f.minisig");
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->trusted_comment, trusted);
  }
  auto r = ParseSignatureFile(GoldenWithLine(0, "untrusted comment: " + std::string(1003, 'u')),
                              "f.minisig");
  EXPECT_TRUE(r.has_value());
}

// ---- verification failures -------------------------------------------------------------------

void ExpectFailure(const Status& s, ErrorCode code, const std::string& message) {
  EXPECT_EQ(s.code(), code);
  EXPECT_EQ(s.message(), message);
}

TEST(MinisignTest, WrongKeyIsUntrusted) {
  const TestKey a = TestKey::FromSeed(1, 0x11), b = TestKey::FromSeed(2, 0x22);
  const Signature s = a.SignMessage("msg", true);
  ExpectFailure(VerifySignature(b.pub, s, "msg"), ErrorCode::kUntrustedKey,
                "signature key id 1111111111111111 does not match public key 2222222222222222");
  ExpectFailure(VerifyPrehashed(b.pub, s, Blake2b512::Of("msg")), ErrorCode::kUntrustedKey,
                "signature key id 1111111111111111 does not match public key 2222222222222222");
  // A different key that claims the signer's key id only gets as far as the signature check.
  PublicKey impostor = b.pub;
  impostor.key_id = a.pub.key_id;
  ExpectFailure(VerifySignature(impostor, s, "msg"), ErrorCode::kBadSignature,
                "signature verification failed");
}

TEST(MinisignTest, EveryTamperingIsABadSignature) {
  const TestKey k = TestKey::FromSeed(3, 0x33);
  for (bool prehashed : {true, false}) {
    const std::string msg = "the manifest bytes";
    const Signature good = k.SignMessage(msg, prehashed, "rdbundle-format:1 bundle-id:00");
    ASSERT_TRUE(VerifySignature(k.pub, good, msg).ok());

    std::string bad_msg = msg;
    bad_msg[5] ^= 0x01;
    ExpectFailure(VerifySignature(k.pub, good, bad_msg), ErrorCode::kBadSignature,
                  "signature verification failed");

    Signature s = good;
    s.sig[17] ^= 0x80;
    ExpectFailure(VerifySignature(k.pub, s, msg), ErrorCode::kBadSignature,
                  "signature verification failed");

    s = good;
    s.alg[1] = prehashed ? 'd' : 'D';  // switching algorithm changes what was signed
    ExpectFailure(VerifySignature(k.pub, s, msg), ErrorCode::kBadSignature,
                  "signature verification failed");

    s = good;
    s.trusted_comment = "rdbundle-format:1 bundle-id:01";
    ExpectFailure(VerifySignature(k.pub, s, msg), ErrorCode::kBadSignature,
                  "trusted comment signature verification failed");

    s = good;
    s.global_sig[63] ^= 0x01;
    ExpectFailure(VerifySignature(k.pub, s, msg), ErrorCode::kBadSignature,
                  "trusted comment signature verification failed");

    s = good;
    s.untrusted_comment = "changed";  // not authenticated, by design
    EXPECT_TRUE(VerifySignature(k.pub, s, msg).ok());
  }
}

// Every single-bit flip after the untrusted comment. Most flips of a base64 character give
// another base64 character, and of the trusted comment another printable one: those parse
// and must fail verification itself. The floors keep the loop from passing by rejecting
// everything in the parser (a parser that got stricter, or a test file that no longer parses).
TEST(MinisignTest, TamperedSignatureFileBitFlipsNeverVerify) {
  auto pub = ParsePublicKeyFile(kGoldenPub, "k.pub");
  ASSERT_TRUE(pub.has_value());
  const std::string g(kGoldenSig);
  ASSERT_TRUE(VerifySignature(*pub, *ParseSignatureFile(g, "f.minisig"), kGoldenMessage).ok());
  const std::size_t untrusted_end = g.find('\n');
  std::size_t line = 0;
  std::map<std::size_t, int> verified;  // per line after the untrusted comment: flips verified
  for (std::size_t i = untrusted_end + 1; i < g.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string t = g;
      t[i] = static_cast<char>(t[i] ^ (1 << bit));
      auto sig = ParseSignatureFile(t, "f.minisig");
      if (!sig.has_value()) continue;  // base64 padding bits etc. are rejected earlier
      ++verified[line];
      Status s = VerifySignature(*pub, *sig, kGoldenMessage);
      EXPECT_FALSE(s.ok()) << "byte " << i << " bit " << bit;
    }
    if (g[i] == '\n') ++line;
  }
  // Line 0: the signature (base64, 100 characters; 483 of its 808 flips parse); 1: the trusted
  // comment (216 of 416); 2: the global signature (88 characters; 436 of 712).
  EXPECT_GE(verified[0], 400);
  EXPECT_GE(verified[1], 180);
  EXPECT_GE(verified[2], 360);
}

// ---- TrustedKeys ---------------------------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/rdb-minisign-test-XXXXXX";
    path_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
  }
  ~TempDir() {
    if (!path_.empty()) (void)RemoveTree(DefaultFs(), path_);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, std::string_view content) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  std::string path_;
};

TEST(TrustedKeysTest, EmptySetMessages) {
  TrustedKeys keys;
  const Signature s = TestKey::FromSeed(4, 0x44).SignMessage("m", true);
  auto r = keys.Verify(s, "m");
  ASSERT_FALSE(r.has_value());
  ExpectFailure(r.error(), ErrorCode::kUntrustedKey, "no trusted public keys (use -p KEY.pub)");

  TempDir dir;
  ASSERT_TRUE(keys.LoadDir(DefaultFs(), dir.path() + "/keys", /*missing_ok=*/true).ok());
  r = keys.Verify(s, "m");
  ASSERT_FALSE(r.has_value());
  ExpectFailure(r.error(), ErrorCode::kUntrustedKey,
                "no trusted public keys (use -p KEY.pub or put keys in " + dir.path() + "/keys)");
  EXPECT_EQ(keys.LoadDir(DefaultFs(), dir.path() + "/keys", /*missing_ok=*/false).code(),
            ErrorCode::kNotFound);
}

TEST(TrustedKeysTest, PicksTheSignersKeyAmongSeveral) {
  const TestKey a = TestKey::FromSeed(5, 0x55), b = TestKey::FromSeed(6, 0x66),
                c = TestKey::FromSeed(7, 0x77);
  TrustedKeys keys;
  ASSERT_TRUE(keys.Add(a.pub, "a.pub").ok());
  ASSERT_TRUE(keys.Add(b.pub, "b.pub").ok());
  ASSERT_TRUE(keys.Add(b.pub, "again.pub").ok());  // same key twice: no-op
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys.SourceOf(b.pub.key_id), "b.pub");

  auto used = keys.Verify(b.SignMessage("m", true), "m");
  ASSERT_TRUE(used.has_value()) << used.error().message();
  EXPECT_EQ(**used, b.pub);
  used = keys.VerifyPrehashed(a.SignMessage("m", true), Blake2b512::Of("m"));
  ASSERT_TRUE(used.has_value());
  EXPECT_EQ(**used, a.pub);
  EXPECT_EQ(keys.Find(c.pub.key_id), nullptr);

  auto r = keys.Verify(c.SignMessage("m", true), "m");
  ASSERT_FALSE(r.has_value());
  ExpectFailure(r.error(), ErrorCode::kUntrustedKey,
                "signed by key 7777777777777777, which is not among the 2 trusted key(s)");
  r = keys.Verify(b.SignMessage("m", true), "n");
  ASSERT_FALSE(r.has_value());
  ExpectFailure(r.error(), ErrorCode::kBadSignature, "signature verification failed");

  PublicKey clash = c.pub;
  clash.key_id = a.pub.key_id;
  ExpectFailure(keys.Add(clash, "clash.pub"), ErrorCode::kBadKey,
                "clash.pub: key id 5555555555555555 is already used by a different key from a.pub");
}

TEST(TrustedKeysTest, LoadDirReadsEveryPubFile) {
  const TestKey a = TestKey::FromSeed(8, 0x88), b = TestKey::FromSeed(9, 0x99);
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  dir.Write("a.pub", SerializePublicKeyFile(a.pub));
  dir.Write("b.pub", PublicKeyBase64(b.pub) + "\n");
  dir.Write(".hidden.pub", "garbage");  // editor and temp files are skipped
  dir.Write("notes.txt", "garbage");
  ASSERT_EQ(mkdir((dir.path() + "/sub.pub").c_str(), 0755), 0);
  TrustedKeys keys;
  Status s = keys.LoadDir(DefaultFs(), dir.path(), /*missing_ok=*/false);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_NE(keys.Find(a.pub.key_id), nullptr);
  EXPECT_EQ(keys.SourceOf(b.pub.key_id), dir.path() + "/b.pub");

  // Issue 13 item 7: one malformed key is skipped with a warning, not a failure of every verify.
  const std::string bad = dir.Write("c.pub", "untrusted comment: x\nAAAA\n");
  TrustedKeys again;
  s = again.LoadDir(DefaultFs(), dir.path(), false);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(again.size(), 2u);
  EXPECT_EQ(again.warnings(),
            std::vector<std::string>{
                bad + ": not a minisign public key (base64 decodes to 3 bytes, expected 42); skipped"});
  const std::string big = dir.Write("big.key", std::string(100000, 'A'));
  ExpectFailure(keys.LoadFile(DefaultFs(), big), ErrorCode::kBadKey,
                big + ": larger than 4096 bytes, not a minisign public key");
}

// Issue 13 items 7 and 8: unsafe permissions are refused as ssh and gpg do; only regular files
// are read, and a FIFO named *.pub never blocks.
TEST(TrustedKeysTest, LoadDirRefusesUnsafePermissions) {
  const TestKey a = TestKey::FromSeed(8, 0x88);
  TempDir dir;
  const std::string key = dir.Write("a.pub", SerializePublicKeyFile(a.pub));
  ASSERT_EQ(::chmod(key.c_str(), 0664), 0);
  TrustedKeys keys;
  ExpectFailure(keys.LoadDir(DefaultFs(), dir.path(), false), ErrorCode::kBadKey,
                key + ": trusted key is group- or world-writable (mode 0664): anyone who can "
                      "write there could add a key; refusing to trust it (fix: chmod go-w \"" +
                    key + "\")");
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0777), 0);
  ExpectFailure(keys.LoadDir(DefaultFs(), dir.path(), false), ErrorCode::kBadKey,
                dir.path() + ": trusted-key directory is group- or world-writable (mode 0777): "
                             "anyone who can write there could add a key; refusing to trust it "
                             "(fix: chmod go-w \"" + dir.path() + "\")");
  ASSERT_EQ(::chmod(dir.path().c_str(), 0700), 0);
  if (::geteuid() == 0) {  // root can give the key away to emulate another user's file
    ASSERT_EQ(::chown(key.c_str(), 54321, 54321), 0);
    ExpectFailure(keys.LoadDir(DefaultFs(), dir.path(), false), ErrorCode::kBadKey,
                  key + ": trusted key owned by uid 54321, not by you (uid 0) or root: refusing "
                        "to trust it (fix: chown 0 \"" + key + "\")");
    ASSERT_EQ(::chown(key.c_str(), 0, 0), 0);
  }
  ASSERT_TRUE(keys.LoadDir(DefaultFs(), dir.path(), false).ok());
  EXPECT_EQ(keys.size(), 1u);
}

TEST(TrustedKeysTest, LoadDirReadsOnlyRegularFiles) {
  const TestKey a = TestKey::FromSeed(8, 0x88);
  TempDir dir;
  dir.Write("a.pub", SerializePublicKeyFile(a.pub));
  ASSERT_EQ(::mkfifo((dir.path() + "/fifo.pub").c_str(), 0644), 0);
  ASSERT_EQ(::symlink("/etc/passwd", (dir.path() + "/link.pub").c_str()), 0);
  TrustedKeys keys;
  Status s = keys.LoadDir(DefaultFs(), dir.path(), false);  // returns: the FIFO is not opened
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys.warnings(), (std::vector<std::string>{
                                 dir.path() + "/fifo.pub: not a regular file; skipped",
                                 dir.path() + "/link.pub: not a regular file; skipped"}));
  // -p FIFO: an error, not a hang.
  EXPECT_EQ(keys.LoadFile(DefaultFs(), dir.path() + "/fifo.pub").message(),
            dir.path() + "/fifo.pub: not a regular file");
}

}  // namespace
}  // namespace rdbundle
