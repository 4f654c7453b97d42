// Secret keys and signing (common/signing.h), plus the packer's keygen and password reading
// (packer/keygen.h, packer/password.h), which build on it.
#include "common/signing/signing.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sodium.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/base/hex.h"
#include "common/format/minisign.h"
#include "packer/keygen.h"
#include "packer/password.h"

namespace rdbundle {
namespace {

// `minisign -G -W` (0.11) output: an unencrypted key with zero salt, limits and checksum.
constexpr std::string_view kMinisignUnencryptedKey =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAJnsvBRmSAhJrM7SD88+"
    "FKGR"
    "jUl7TZulcPQWT7I2Q5HnxrLzY2WZl9X4nOO7YxqGIH0aAuoAw1Gjm35T2eCPuWrzNRuKz6FB0AAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAA=\n";
constexpr std::string_view kMinisignPub =
    "untrusted comment: minisign public key 12029219052F7B26\n"
    "RWQmey8FGZICEn4nOO7YxqGIH0aAuoAw1Gjm35T2eCPuWrzNRuKz6FB0\n";

// Cheap scrypt so that the tests stay fast (libsodium's minimum opslimit; 1 MiB).
constexpr KdfParams kCheapKdf{32768, 16u << 20};

SecretKey NewKey() {
  auto key = GenerateKey();
  EXPECT_TRUE(key.has_value());
  return std::move(key).value();
}

std::vector<std::uint8_t> DecodeKeyBlob(const std::string& file) {
  const std::size_t a = file.find('\n') + 1;
  return Base64Decode(std::string_view(file).substr(a, file.size() - a - 1)).value();
}

std::string EncodeKeyBlob(const std::vector<std::uint8_t>& blob) {
  return "untrusted comment: minisign encrypted secret key\n" + Base64Encode(blob) + "\n";
}

Result<SecretKey> ParseAndDecrypt(std::string_view text, std::optional<std::string_view> pw) {
  RDB_ASSIGN_OR_RETURN(ParsedSecretKeyFile parsed, ParseSecretKeyFile(text, "k.key"));
  return DecryptSecretKey(parsed, pw, "k.key");
}

bool SameSecret(const SecretKey& a, const SecretKey& b) {
  return a.key_id() == b.key_id() &&
         std::equal(a.secret_bytes().begin(), a.secret_bytes().end(), b.secret_bytes().begin());
}

void ExpectError(const Status& s, ErrorCode code, const std::string& message) {
  EXPECT_EQ(s.code(), code) << s.message();
  EXPECT_EQ(s.message(), message);
}

// ---- keys and signatures ---------------------------------------------------------------------

TEST(SigningTest, GeneratedKeySignsAndVerifies) {
  SecretKey key = NewKey();
  const PublicKey pub = key.public_key();
  EXPECT_EQ(pub.key_id, key.key_id());
  auto sig = Sign(key, "manifest", "rdbundle-format:1 bundle-id:ab", "rdbundle signature");
  ASSERT_TRUE(sig.has_value()) << sig.error().message();
  EXPECT_TRUE(sig->prehashed());
  EXPECT_TRUE(VerifySignature(pub, *sig, "manifest").ok());
  EXPECT_EQ(VerifySignature(pub, *sig, "manifesto").code(), ErrorCode::kBadSignature);

  // Streaming form gives the same signature (Ed25519 is deterministic).
  auto streamed = SignPrehashed(key, Blake2b512::Of("manifest"), "rdbundle-format:1 bundle-id:ab",
                                "rdbundle signature");
  ASSERT_TRUE(streamed.has_value());
  EXPECT_EQ(*streamed, *sig);
  // And it survives a trip through the file format.
  auto parsed = ParseSignatureFile(SerializeSignatureFile(*sig), "m.minisig");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, *sig);

  SecretKey moved = std::move(key);
  EXPECT_EQ(moved.public_key(), pub);
}

TEST(SigningTest, SignRejectsBadComments) {
  SecretKey key = NewKey();
  ExpectError(Sign(key, "m", std::string(8174, 't'), "u").error(), ErrorCode::kUsage,
              "trusted comment longer than 8173 bytes");
  ExpectError(Sign(key, "m", "line1\nline2", "u").error(), ErrorCode::kUsage,
              "trusted comment contains control characters or invalid UTF-8");
  ExpectError(Sign(key, "m", "t", std::string(1004, 'u')).error(), ErrorCode::kUsage,
              "untrusted comment longer than 1003 bytes");
  ExpectError(Sign(key, "m", "t", "a\rb").error(), ErrorCode::kUsage,
              "untrusted comment contains control characters or invalid UTF-8");
  EXPECT_TRUE(Sign(key, "m", std::string(8173, 't'), std::string(1003, 'u')).has_value());
}

// ---- secret key files ------------------------------------------------------------------------

TEST(SigningTest, MinisignUnencryptedKeyLoadsSignsAndReserializesByteForByte) {
  auto key = ParseAndDecrypt(kMinisignUnencryptedKey, std::nullopt);
  ASSERT_TRUE(key.has_value()) << key.error().message();
  auto pub = ParsePublicKeyFile(kMinisignPub, "k.pub");
  ASSERT_TRUE(pub.has_value());
  EXPECT_EQ(key->public_key(), *pub);
  auto sig = Sign(*key, "hello\n", "t", "u");
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(VerifySignature(*pub, *sig, "hello\n").ok());

  auto text = SerializeSecretKeyFile(*key, std::nullopt);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, kMinisignUnencryptedKey);
  EXPECT_EQ(SerializePublicKeyFile(key->public_key()), kMinisignPub);
}

// Issue 18 item 5: a key in the wrong place is named as what it is (exit 3), not as a
// base64 length mismatch: the public key given as -s, the secret key as -p, a .minisig as either.
TEST(SigningTest, KeyOfTheOtherKindIsNamed) {
  auto sig = Sign(NewKey(), "m", "t", "u");
  ASSERT_TRUE(sig.has_value());
  const std::string minisig = SerializeSignatureFile(*sig);

  // The status of parsing `text` as `kind` ("public" or "secret").
  auto parse = [](bool as_public, std::string_view text, const char* what) {
    return as_public ? ParsePublicKeyFile(text, what).status()
                     : ParseSecretKeyFile(text, what).status();
  };
  ExpectError(parse(false, kMinisignPub, "rdbundle.pub"), ErrorCode::kBadKey,
              "rdbundle.pub: a minisign public key, not a secret key: -s takes the secret key "
              "(rdbundle.key from rdbundle-pack keygen -s)");
  ExpectError(parse(true, kMinisignUnencryptedKey, "rdbundle.key"), ErrorCode::kBadKey,
              "rdbundle.key: a minisign secret key, not a public key: pass the public key "
              "(rdbundle.pub from rdbundle-pack keygen -p); the secret key stays on the packing "
              "machine");
  ExpectError(parse(true, minisig, "k.minisig"), ErrorCode::kBadKey,
              "k.minisig: a minisign signature (.minisig), not a public key: pass the public key "
              "(.pub)");
  ExpectError(parse(false, minisig, "k.minisig"), ErrorCode::kBadKey,
              "k.minisig: a minisign signature (.minisig), not a secret key: pass the secret key "
              "(-s rdbundle.key)");
  // Each kind still parses where it belongs.
  EXPECT_TRUE(ParsePublicKeyFile(kMinisignPub, "k.pub").has_value());
  EXPECT_TRUE(ParseAndDecrypt(kMinisignUnencryptedKey, std::nullopt).has_value());
}

TEST(SigningTest, UnencryptedRoundTripAndChecksumRules) {
  SecretKey key = NewKey();
  auto text = SerializeSecretKeyFile(key, std::nullopt);
  ASSERT_TRUE(text.has_value());
  auto blob = DecodeKeyBlob(*text);
  ASSERT_EQ(blob.size(), 158u);
  EXPECT_EQ(std::string(blob.begin(), blob.begin() + 6), std::string("Ed\0\0B2", 6));
  auto parsed = ParseSecretKeyFile(*text, "k.key");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(parsed->encrypted);
  auto back = DecryptSecretKey(*parsed, "ignored for an unencrypted key", "k.key");
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(SameSecret(key, *back));

  // A correct checksum (as newer minisign versions write) is accepted, a wrong one is not.
  std::array<std::uint8_t, 32> chk;
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  crypto_generichash_update(&st, blob.data(), 2);
  crypto_generichash_update(&st, blob.data() + 54, 72);
  crypto_generichash_final(&st, chk.data(), 32);
  std::copy(chk.begin(), chk.end(), blob.begin() + 126);
  EXPECT_TRUE(ParseAndDecrypt(EncodeKeyBlob(blob), std::nullopt).has_value());
  blob[140] ^= 1;
  ExpectError(ParseAndDecrypt(EncodeKeyBlob(blob), std::nullopt).error(), ErrorCode::kBadKey,
              "k.key: corrupt secret key (checksum mismatch)");
}

TEST(SigningTest, CorruptUnencryptedKeyDetectedWithoutChecksum) {
  auto blob = DecodeKeyBlob(std::string(kMinisignUnencryptedKey));
  blob[62 + 40] ^= 0x10;  // the public half of the secret key
  ExpectError(ParseAndDecrypt(EncodeKeyBlob(blob), std::nullopt).error(), ErrorCode::kBadKey,
              "k.key: corrupt secret key (public key does not match the seed)");
  blob = DecodeKeyBlob(std::string(kMinisignUnencryptedKey));
  blob[62 + 3] ^= 0x10;  // the seed
  ExpectError(ParseAndDecrypt(EncodeKeyBlob(blob), std::nullopt).error(), ErrorCode::kBadKey,
              "k.key: corrupt secret key (public key does not match the seed)");
}

TEST(SigningTest, EncryptedRoundTripWrongAndMissingPassword) {
  SecretKey key = NewKey();
  auto text = SerializeSecretKeyFile(key, std::string_view("correct horse"), kCheapKdf);
  ASSERT_TRUE(text.has_value()) << text.error().message();
  EXPECT_EQ(text->substr(0, text->find('\n')), "untrusted comment: minisign encrypted secret key");
  auto blob = DecodeKeyBlob(*text);
  EXPECT_EQ(std::string(blob.begin(), blob.begin() + 6), "EdScB2");
  auto parsed = ParseSecretKeyFile(*text, "k.key");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->encrypted);
  EXPECT_EQ(parsed->kdf.opslimit, kCheapKdf.opslimit);
  EXPECT_EQ(parsed->kdf.memlimit, kCheapKdf.memlimit);
  // The key id is encrypted too: the plaintext must not appear.
  EXPECT_EQ(std::search(blob.begin(), blob.end(), key.key_id().begin(), key.key_id().end()),
            blob.end());

  auto back = DecryptSecretKey(*parsed, "correct horse", "k.key");
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_TRUE(SameSecret(key, *back));
  ExpectError(DecryptSecretKey(*parsed, "correct horse!", "k.key").error(), ErrorCode::kBadKey,
              "k.key: wrong password (checksum mismatch)");
  ExpectError(DecryptSecretKey(*parsed, "", "k.key").error(), ErrorCode::kBadKey,
              "k.key: wrong password (checksum mismatch)");
  ExpectError(DecryptSecretKey(*parsed, std::nullopt, "k.key").error(), ErrorCode::kBadKey,
              "k.key: the secret key is encrypted and no password was given");

  // Two encryptions of the same key use fresh salts.
  auto again = SerializeSecretKeyFile(key, std::string_view("correct horse"), kCheapKdf);
  ASSERT_TRUE(again.has_value());
  EXPECT_NE(*again, *text);
  // An empty password is a password (minisign accepts one too).
  auto empty = SerializeSecretKeyFile(key, std::string_view(""), kCheapKdf);
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(ParseAndDecrypt(*empty, "").has_value());
}

TEST(SigningTest, TruncatedAndGarbledKeyFiles) {
  const std::string good(kMinisignUnencryptedKey);
  auto blob = DecodeKeyBlob(good);
  auto with = [&](std::size_t off, std::string_view bytes) {
    auto b = blob;
    std::copy(bytes.begin(), bytes.end(), b.begin() + off);
    return EncodeKeyBlob(b);
  };
  const std::string kLines = "k.key: expected 2 lines (untrusted comment and base64 key), got ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "k.key: empty file, not a minisign secret key"},
      {std::string(4097, 'A'), "k.key: larger than 4096 bytes, not a minisign secret key"},
      {good.substr(0, good.find('\n') + 1), kLines + "1"},
      {good.substr(0, good.size() - 1), "k.key: last line does not end with a newline"},
      {good.substr(0, good.size() - 10) + "\n",
       "k.key: not a minisign secret key (invalid base64)"},
      {good.substr(0, good.size() - 9) + "\n",
       "k.key: not a minisign secret key (base64 decodes to 153 bytes, expected 158)"},
      {good + "\n", kLines + "3"},
      {"secret key\n" + good.substr(good.find('\n') + 1),
       "k.key: untrusted comment should start with \"untrusted comment: \""},
      {good.substr(0, good.size() - 1) + "\r\n",
       "k.key: contains a carriage return (CRLF line endings are not accepted)"},
      {with(0, "Xd"), "k.key: unsupported signature algorithm (expected \"Ed\")"},
      {with(2, "Zz"), "k.key: unsupported key derivation function (expected \"Sc\" or none)"},
      {with(4, "B3"), "k.key: unsupported checksum function (expected \"B2\")"},
  };
  for (const auto& [text, message] : cases) {
    auto r = ParseSecretKeyFile(text, "k.key");
    ASSERT_FALSE(r.has_value()) << text;
    ExpectError(r.error(), ErrorCode::kBadKey, message);
  }
}

std::string EncryptedWithLimits(std::uint64_t opslimit, std::uint64_t memlimit) {
  auto blob = DecodeKeyBlob(std::string(kMinisignUnencryptedKey));
  blob[2] = 'S';
  blob[3] = 'c';
  for (int i = 0; i < 8; ++i) {
    blob[38 + i] = static_cast<std::uint8_t>(opslimit >> (8 * i));
    blob[46 + i] = static_cast<std::uint8_t>(memlimit >> (8 * i));
  }
  return EncodeKeyBlob(blob);
}

// A hostile key file must be refused by the parser, before any scrypt work or allocation.
TEST(SigningTest, HostileKdfParametersRejected) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {EncryptedWithLimits((1ull << 34) + 1, 1u << 30),
       "k.key: scrypt opslimit 17179869185 exceeds the maximum 17179869184 (corrupt or hostile "
       "key file)"},
      {EncryptedWithLimits(~0ull, ~0ull),
       "k.key: scrypt opslimit 18446744073709551615 exceeds the maximum 17179869184 (corrupt or "
       "hostile key file)"},
      {EncryptedWithLimits(33554432, (2ull << 30) + 1),
       "k.key: scrypt memlimit 2147483649 exceeds the maximum 2147483648 (corrupt or hostile key "
       "file)"},
      // Both below their caps, but a tiny memlimit with a huge opslimit makes scrypt's p (and
      // its B buffer, 1 KiB per unit of p) enormous.
      {EncryptedWithLimits(1ull << 34, 0),
       "k.key: scrypt parameters (opslimit 17179869184, memlimit 0) need 137438956608 bytes, "
       "more than the maximum 2214592512 (corrupt or hostile key file)"},
  };
  for (const auto& [text, message] : cases) {
    auto r = ParseSecretKeyFile(text, "k.key");
    ASSERT_FALSE(r.has_value());
    ExpectError(r.error(), ErrorCode::kBadKey, message);
  }
  // minisign's own parameters and the limits themselves are fine.
  EXPECT_TRUE(ParseSecretKeyFile(EncryptedWithLimits(33554432, 1u << 30), "k.key").has_value());
  EXPECT_TRUE(ParseSecretKeyFile(EncryptedWithLimits(1ull << 34, 2ull << 30), "k.key").has_value());
  // Unencrypted keys carry no KDF work, whatever the fields say.
  EXPECT_TRUE(ParseSecretKeyFile(kMinisignUnencryptedKey, "k.key").has_value());

  SecretKey key = NewKey();
  ExpectError(SerializeSecretKeyFile(key, std::string_view("pw"), {1ull << 35, 1u << 20}).error(),
              ErrorCode::kUsage, "scrypt opslimit 34359738368 exceeds the maximum 17179869184");
}

// ---- LoadSecretKey ---------------------------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/rdb-signing-test-XXXXXX";
    path_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
  }
  ~TempDir() {
    if (!path_.empty()) (void)RemoveTree(DefaultFs(), path_);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  std::string Write(const std::string& name, std::string_view content) const {
    std::ofstream(File(name), std::ios::binary) << content;
    return File(name);
  }

 private:
  std::string path_;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SigningTest, LoadSecretKeyAsksForAPasswordOnlyWhenEncrypted) {
  TempDir dir;
  int calls = 0;
  PasswordProvider provider = [&]() -> Result<std::string> {
    ++calls;
    return std::string("pw");
  };
  const std::string plain = dir.Write("plain.key", kMinisignUnencryptedKey);
  ASSERT_TRUE(LoadSecretKey(DefaultFs(), plain, provider).has_value());
  EXPECT_EQ(calls, 0);

  SecretKey key = NewKey();
  const std::string enc =
      dir.Write("enc.key", SerializeSecretKeyFile(key, std::string_view("pw"), kCheapKdf).value());
  auto loaded = LoadSecretKey(DefaultFs(), enc, provider);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(SameSecret(key, *loaded));

  PasswordProvider failing = []() -> Result<std::string> { return Status::Usage("no tty"); };
  ExpectError(LoadSecretKey(DefaultFs(), enc, failing).error(), ErrorCode::kUsage, "no tty");
  ExpectError(LoadSecretKey(DefaultFs(), enc, nullptr).error(), ErrorCode::kBadKey,
              enc + ": the secret key is encrypted and no password was given");
  const std::string big = dir.Write("big.key", std::string(5000, 'A'));
  ExpectError(LoadSecretKey(DefaultFs(), big, provider).error(), ErrorCode::kBadKey,
              big + ": larger than 4096 bytes, not a minisign secret key");
  EXPECT_EQ(LoadSecretKey(DefaultFs(), dir.File("missing.key"), provider).error().code(),
            ErrorCode::kNotFound);
}

// A secret key others can read loads with a warning that says who and how to fix it (on
// Windows from its DACL: signing_win32_test.cc); keygen's 0600 key has none.
TEST(SigningTest, LoadSecretKeyWarnsWhenOthersCanRead) {
  TempDir dir;
  const std::string path = dir.Write("k.key", kMinisignUnencryptedKey);
  std::string warning = "stale";
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  ASSERT_TRUE(LoadSecretKey(DefaultFs(), path, nullptr, &warning).has_value());
  EXPECT_EQ(warning, "");
  const std::string tail =
      "; anyone who reads it can sign bundles as you (an encrypted one after guessing its "
      "password)";
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_TRUE(LoadSecretKey(DefaultFs(), path, nullptr, &warning).has_value());
  auto expected = [&](const std::string& who, const std::string& mode) {
    return path + ": secret key: " + who + " can read it (mode " + mode + "; fix: chmod 600 \"" +
           path + "\")" + tail;
  };
  EXPECT_EQ(warning, expected("its group and others", "0644"));
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  ASSERT_TRUE(LoadSecretKey(DefaultFs(), path, nullptr, &warning).has_value());
  EXPECT_EQ(warning, expected("its group", "0640"));
  ASSERT_EQ(::chmod(path.c_str(), 0604), 0);
  ASSERT_TRUE(LoadSecretKey(DefaultFs(), path, nullptr, &warning).has_value());
  EXPECT_EQ(warning, expected("others", "0604"));
}

// ---- packer: keygen and password reading ---------------------------------------------------
// (They live here because they are thin layers over the signing code above.)

class KeygenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    unsetenv("RDBUNDLE_PASSWORD");
    options_.public_key_path = dir_.File("k.pub");
    options_.secret_key_path = dir_.File("k.key");
    options_.kdf = kCheapKdf;
    options_.tty_path = dir_.File("no-such-tty");  // never touch the developer's terminal
  }
  void TearDown() override { unsetenv("RDBUNDLE_PASSWORD"); }

  // Runs keygen; returns its status and leaves its output in out_.
  Status Run() {
    char* buf = nullptr;
    std::size_t len = 0;
    std::FILE* f = open_memstream(&buf, &len);
    Status s = packer::RunKeygen(DefaultFs(), options_, f);
    std::fclose(f);
    out_.assign(buf, len);
    std::free(buf);
    return s;
  }

  static std::uint32_t Mode(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
  }

  TempDir dir_;
  packer::KeygenOptions options_;
  std::string out_;
};

TEST_F(KeygenTest, UnencryptedKeyPair) {
  options_.unencrypted = true;
  Status s = Run();
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Mode(options_.secret_key_path), 0600u);
  EXPECT_EQ(Mode(options_.public_key_path), 0644u);
  auto pub = ParsePublicKeyFile(ReadAll(options_.public_key_path), "k.pub");
  ASSERT_TRUE(pub.has_value());
  auto key = LoadSecretKey(DefaultFs(), options_.secret_key_path, nullptr);
  ASSERT_TRUE(key.has_value()) << key.error().message();
  EXPECT_EQ(key->public_key(), *pub);
  EXPECT_EQ(out_, "Key id: " + KeyIdString(pub->key_id) +
                      "\nSecret key: " + options_.secret_key_path +
                      " (unencrypted; keep it secret)\nPublic key: " + options_.public_key_path +
                      "\nFiles signed with this key can be verified with:\nminisign -Vm <file> "
                      "-P " +
                      PublicKeyBase64(*pub) + "\n");
  // No temporary files left behind.
  auto names = DefaultFs().ListDir(dir_.path());
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(*names, (std::vector<std::string>{"k.key", "k.pub"}));
}

TEST_F(KeygenTest, RefusesToOverwriteWithoutForce) {
  options_.unencrypted = true;
  ASSERT_TRUE(Run().ok());
  const std::string before = ReadAll(options_.secret_key_path);
  ExpectError(Run(), ErrorCode::kUsage,
              options_.secret_key_path + ": already exists (use --force to overwrite)");
  ASSERT_EQ(std::remove(options_.secret_key_path.c_str()), 0);
  ExpectError(Run(), ErrorCode::kUsage,
              options_.public_key_path + ": already exists (use --force to overwrite)");
  EXPECT_FALSE(DefaultFs().Stat(options_.secret_key_path).has_value());  // nothing half-made

  dir_.Write("k.key", before);
  options_.force = true;
  ASSERT_TRUE(Run().ok());
  EXPECT_NE(ReadAll(options_.secret_key_path), before);
  EXPECT_EQ(Mode(options_.secret_key_path), 0600u);
}

TEST_F(KeygenTest, EncryptedWithPasswordFileOrEnvironment) {
  options_.password_file = dir_.Write("pw.txt", "s3cret pass\nsecond line ignored\n");
  ASSERT_TRUE(Run().ok());
  auto wrong = LoadSecretKey(DefaultFs(), options_.secret_key_path,
                             [] { return Result<std::string>(std::string("s3cret pass\n")); });
  ExpectError(wrong.error(), ErrorCode::kBadKey,
              options_.secret_key_path + ": wrong password (checksum mismatch)");
  auto key = LoadSecretKey(DefaultFs(), options_.secret_key_path,
                           [] { return Result<std::string>(std::string("s3cret pass")); });
  ASSERT_TRUE(key.has_value()) << key.error().message();
  EXPECT_NE(out_.find("(encrypted; keep it secret)"), std::string::npos);

  options_.password_file.reset();
  options_.force = true;
  setenv("RDBUNDLE_PASSWORD", "from env", 1);
  ASSERT_TRUE(Run().ok());
  EXPECT_TRUE(LoadSecretKey(DefaultFs(), options_.secret_key_path, [] {
                return Result<std::string>(std::string("from env"));
              }).has_value());
}

TEST_F(KeygenTest, PasswordErrors) {
  ExpectError(Run(), ErrorCode::kUsage,
              "cannot read a password: no terminal (" + options_.tty_path +
                  ": No such file or directory); use --password-file FILE or set "
                  "RDBUNDLE_PASSWORD, or -W for an unencrypted key");
  options_.password_file = dir_.Write("crlf.txt", "pw\r\n");
  ExpectError(Run(), ErrorCode::kUsage,
              *options_.password_file + ": password contains a carriage return");
  options_.password_file = dir_.Write("empty.txt", "\n");
  ExpectError(Run(), ErrorCode::kUsage, "empty password (use -W for an unencrypted key)");
  options_.password_file = dir_.File("missing.txt");
  EXPECT_EQ(Run().code(), ErrorCode::kNotFound);
  options_.unencrypted = true;
  ExpectError(Run(), ErrorCode::kUsage,
              "-W (unencrypted key) and --password-file cannot be used together");
  options_.password_file.reset();
  options_.public_key_path = options_.secret_key_path;
  ExpectError(
      Run(), ErrorCode::kUsage,
      "the public and secret key files must differ (both are " + options_.secret_key_path + ")");
  auto names = DefaultFs().ListDir(dir_.path());
  ASSERT_TRUE(names.has_value());
  for (const auto& n : *names) EXPECT_EQ(n.find(".key"), std::string::npos) << n;
}

// A pseudo-terminal stands in for /dev/tty: the password is typed after each prompt, and must
// not be echoed back.
class PtyPasswordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[256];
    ASSERT_EQ(openpty(&master_, &slave_, name, nullptr, nullptr), 0);
    tty_ = name;
  }
  void TearDown() override {
    ::close(master_);
    ::close(slave_);
  }

  // Types each answer after the next prompt appears; returns everything the terminal showed.
  std::thread Typist(std::vector<std::string> answers, std::string* shown) {
    return std::thread([this, answers, shown] {
      for (const std::string& a : answers) {
        while (shown->size() < 2 || shown->compare(shown->size() - 2, 2, ": ") != 0) {
          char c;
          if (::read(master_, &c, 1) != 1) return;
          shown->push_back(c);
        }
        (void)!::write(master_, a.data(), a.size());
        shown->push_back('|');
      }
    });
  }

  bool EchoOn() const {
    struct termios t;
    return tcgetattr(slave_, &t) == 0 && (t.c_lflag & ECHO) != 0;
  }

  int master_ = -1, slave_ = -1;
  std::string tty_;
};

TEST_F(PtyPasswordTest, AsksTwiceWithoutEcho) {
  ASSERT_TRUE(EchoOn());
  packer::PasswordSource source;
  source.env_var = "";
  source.tty_path = tty_;
  std::string shown;
  std::thread typist = Typist({"hunter2\n", "hunter2\n"}, &shown);
  auto pw = packer::ReadPassword(source, /*confirm=*/true);
  typist.join();
  ASSERT_TRUE(pw.has_value()) << pw.error().message();
  EXPECT_EQ(*pw, "hunter2");
  EXPECT_EQ(shown, "Password: |\r\nPassword (again): |");
  EXPECT_EQ(shown.find("hunter2"), std::string::npos);
  EXPECT_TRUE(EchoOn());  // restored
}

TEST_F(PtyPasswordTest, MismatchAndEndOfInput) {
  packer::PasswordSource source;
  source.env_var = "";
  source.tty_path = tty_;
  std::string shown;
  std::thread typist = Typist({"one\n", "two\n"}, &shown);
  auto pw = packer::ReadPassword(source, /*confirm=*/true);
  typist.join();
  ASSERT_FALSE(pw.has_value());
  ExpectError(pw.error(), ErrorCode::kUsage, "passwords do not match");
  EXPECT_TRUE(EchoOn());

  shown.clear();
  typist = Typist({"\x04"}, &shown);  // Ctrl-D: end of input
  pw = packer::ReadPassword(source, /*confirm=*/false);
  typist.join();
  ASSERT_FALSE(pw.has_value());
  ExpectError(pw.error(), ErrorCode::kUsage, tty_ + ": end of input while reading the password");
  EXPECT_TRUE(EchoOn());
}

}  // namespace
}  // namespace rdbundle
