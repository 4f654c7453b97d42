#include "common/signing/signing.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/base/hex.h"
#include "common/format/limits.h"

namespace rdbundle {
namespace {

// Secret key file layout (docs/minisign-format.md): offsets into the 158 decoded bytes.
constexpr std::size_t kSkAlgOff = 0, kKdfAlgOff = 2, kChkAlgOff = 4, kSaltOff = 6;
constexpr std::size_t kOpsOff = 38, kMemOff = 46, kKeynumOff = 54;
constexpr std::size_t kKeynumBytes = 8 + SecretKey::kBytes + 32;        // key id | sk | checksum
constexpr std::size_t kSecretKeyBlobBytes = kKeynumOff + kKeynumBytes;  // 158
static_assert(kSecretKeyBlobBytes == kMinisignSecretKeyBlobBytes);
constexpr std::size_t kSkOff = 8, kChkOff = 8 + SecretKey::kBytes;      // within keynum_sk
constexpr std::string_view kSecretKeyComment = "minisign encrypted secret key";
constexpr std::string_view kKind = "minisign secret key";

Status InitSodium() {
  if (sodium_init() < 0) return Status::Internal("libsodium initialisation failed");
  return Status::Ok();
}

void StoreLe64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint64_t LoadLe64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 8; i-- > 0;) v = v << 8 | p[i];
  return v;
}

// Bytes scrypt allocates for these limits. Mirrors libsodium's pickparams() (r = 8; N from
// memlimit or opslimit, p from what opslimit leaves) and escrypt_kdf's buffers B (128 r p),
// V (128 r N) and XY (256 r + 64). memlimit alone does not bound this: a small memlimit with a
// large opslimit makes p, and so B, huge.
std::uint64_t ScryptMemoryBytes(const KdfParams& kdf) {
  const std::uint64_t r = 8, ops = std::max<std::uint64_t>(kdf.opslimit, 32768);
  std::uint64_t n_log2 = 1, p = 1;
  const std::uint64_t max_n = ops < kdf.memlimit / 32 ? ops / (r * 4) : kdf.memlimit / (r * 128);
  while (n_log2 < 63 && (std::uint64_t{1} << n_log2) <= max_n / 2) ++n_log2;
  if (!(ops < kdf.memlimit / 32)) {
    const std::uint64_t max_rp = std::min<std::uint64_t>((ops / 4) >> n_log2, 0x3fffffff);
    p = std::max<std::uint64_t>(max_rp / r, 1);
  }
  return 128 * r * p + (128 * r << n_log2) + 256 * r + 64;
}

// "" or the reason these KDF parameters are refused.
std::string KdfLimitProblem(const KdfParams& kdf) {
  if (kdf.opslimit > kMaxKdfOpslimit) {
    return "scrypt opslimit " + std::to_string(kdf.opslimit) + " exceeds the maximum " +
           std::to_string(kMaxKdfOpslimit);
  }
  if (kdf.memlimit > kMaxKdfMemlimit) {
    return "scrypt memlimit " + std::to_string(kdf.memlimit) + " exceeds the maximum " +
           std::to_string(kMaxKdfMemlimit);
  }
  // scrypt's V buffer stays within memlimit; its other buffers get a little room on top.
  constexpr std::uint64_t kMaxScryptBytes = kMaxKdfMemlimit + (64u << 20);
  if (const std::uint64_t need = ScryptMemoryBytes(kdf); need > kMaxScryptBytes) {
    return "scrypt parameters (opslimit " + std::to_string(kdf.opslimit) + ", memlimit " +
           std::to_string(kdf.memlimit) + ") need " + std::to_string(need) +
           " bytes, more than the maximum " + std::to_string(kMaxScryptBytes);
  }
  return "";
}

// The 104-byte scrypt stream that is XORed over keynum_sk.
Result<SecureBuffer> DeriveStream(std::string_view password, const std::uint8_t* salt,
                                  const KdfParams& kdf, std::string_view what) {
  RDB_ASSIGN_OR_RETURN(SecureBuffer stream, SecureBuffer::Allocate(kKeynumBytes));
  if (crypto_pwhash_scryptsalsa208sha256(stream.data(), stream.size(), password.data(),
                                         password.size(), salt, kdf.opslimit,
                                         static_cast<std::size_t>(kdf.memlimit)) != 0) {
    std::string msg = "scrypt key derivation failed (out of memory? it needs " +
                      std::to_string(ScryptMemoryBytes(kdf)) + " bytes)";
    return Status::Limit(what.empty() ? msg : std::string(what) + ": " + msg);
  }
  return stream;
}

void XorInto(std::uint8_t* dst, const SecureBuffer& stream) {
  for (std::size_t i = 0; i < stream.size(); ++i) dst[i] ^= stream.data()[i];
}

// BLAKE2b-256("Ed" | key id | secret key), over a plaintext keynum_sk; written to `out`.
void KeyChecksum(const std::uint8_t* keynum, std::uint8_t out[32]) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>("Ed"), 2);
  crypto_generichash_update(&st, keynum, kChkOff);
  crypto_generichash_final(&st, out, 32);
  sodium_memzero(&st, sizeof st);
}

// True when the checksum stored in a plaintext keynum_sk matches its key id and secret key.
bool ChecksumMatches(const std::uint8_t* keynum) {
  std::uint8_t chk[32];
  KeyChecksum(keynum, chk);
  const bool ok = sodium_memcmp(chk, keynum + kChkOff, sizeof chk) == 0;
  sodium_memzero(chk, sizeof chk);
  return ok;
}

// An Ed25519 secret key is seed (32) | public key (32): the second half must be the first's.
Result<bool> SeedMatchesPublicKey(const std::uint8_t* sk) {
  RDB_ASSIGN_OR_RETURN(SecureBuffer derived_sk, SecureBuffer::Allocate(SecretKey::kBytes));
  std::uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_seed_keypair(pk, derived_sk.data(), sk);
  return std::memcmp(pk, sk + 32, sizeof pk) == 0;
}

// Decodes the base64 key line straight into secure memory (an unencrypted key is plaintext).
Result<SecureBuffer> DecodeKeyLine(std::string_view b64, std::string_view what) {
  const std::string prefix = std::string(what) + ": not a " + std::string(kKind) + " (";
  RDB_ASSIGN_OR_RETURN(SecureBuffer buf, SecureBuffer::Allocate(b64.size() / 4 * 3 + 3));
  std::size_t len = 0;
  const char* end = nullptr;
  if (!IsBase64Text(b64) ||
      sodium_base642bin(buf.data(), buf.size(), b64.data(), b64.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != b64.data() + b64.size()) {
    return Status::BadKey(prefix + "invalid base64)");
  }
  if (len != kSecretKeyBlobBytes) {
    return Status::BadKey(prefix + "base64 decodes to " + std::to_string(len) +
                          " bytes, expected " + std::to_string(kSecretKeyBlobBytes) + ")");
  }
  return buf;
}

// Algorithm tags of a decoded key: "Ed", "Sc" or none, "B2".
Status CheckKeyAlgorithms(const std::uint8_t* blob, std::string_view what, bool* encrypted) {
  const std::string w(what);
  if (std::memcmp(blob + kSkAlgOff, "Ed", 2) != 0) {
    return Status::BadKey(w + ": unsupported signature algorithm (expected \"Ed\")");
  }
  const bool scrypt = std::memcmp(blob + kKdfAlgOff, "Sc", 2) == 0;
  if (!scrypt && (blob[kKdfAlgOff] != 0 || blob[kKdfAlgOff + 1] != 0)) {
    return Status::BadKey(w + ": unsupported key derivation function (expected \"Sc\" or none)");
  }
  if (std::memcmp(blob + kChkAlgOff, "B2", 2) != 0) {
    return Status::BadKey(w + ": unsupported checksum function (expected \"B2\")");
  }
  *encrypted = scrypt;
  return Status::Ok();
}

Result<Signature> SignDigest(const SecretKey& key, const Blake2b512Digest& digest,
                             std::string trusted_comment, std::string untrusted_comment) {
  RDB_RETURN_IF_ERROR(CheckTrustedComment(trusted_comment));
  RDB_RETURN_IF_ERROR(CheckUntrustedComment(untrusted_comment));
  const std::uint8_t* sk = key.secret_bytes().data();
  Signature sig;
  sig.alg = {'E', 'D'};
  sig.key_id = key.key_id();
  sig.untrusted_comment = std::move(untrusted_comment);
  sig.trusted_comment = std::move(trusted_comment);
  crypto_sign_detached(sig.sig.data(), nullptr, digest.data(), digest.size(), sk);
  std::string global(reinterpret_cast<const char*>(sig.sig.data()), sig.sig.size());
  global += sig.trusted_comment;
  crypto_sign_detached(sig.global_sig.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(global.data()), global.size(), sk);
  // Like minisign, check the result before anyone relies on it (a corrupt key or a fault).
  if (Status s = VerifyPrehashed(key.public_key(), sig, digest); !s.ok()) {
    return Status::Internal("signature self-check failed: " + s.message());
  }
  return sig;
}

}  // namespace

// ---- SecureBuffer ----------------------------------------------------------------------------

Result<SecureBuffer> SecureBuffer::Allocate(std::size_t size) {
  RDB_RETURN_IF_ERROR(InitSodium());
  SecureBuffer buf;
  buf.data_ = static_cast<std::uint8_t*>(sodium_malloc(size == 0 ? 1 : size));
  if (buf.data_ == nullptr) return Status::Internal("out of secure memory (sodium_malloc)");
  buf.size_ = size;
  sodium_memzero(buf.data_, size);
  return buf;
}

SecureBuffer::~SecureBuffer() {
  if (data_ != nullptr) sodium_free(data_);  // sodium_free wipes before unmapping
}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

// ---- SecretKey -------------------------------------------------------------------------------

Result<SecretKey> SecretKey::FromBytes(const KeyId& key_id,
                                       std::span<const std::uint8_t, kBytes> secret) {
  RDB_ASSIGN_OR_RETURN(SecureBuffer sk, SecureBuffer::Allocate(kBytes));
  std::memcpy(sk.data(), secret.data(), kBytes);
  return SecretKey(key_id, std::move(sk));
}

std::span<const std::uint8_t, SecretKey::kBytes> SecretKey::secret_bytes() const {
  return std::span<const std::uint8_t, kBytes>(sk_.data(), kBytes);
}

PublicKey SecretKey::public_key() const {
  PublicKey pub;
  pub.key_id = key_id_;
  std::memcpy(pub.pk.data(), sk_.data() + 32, pub.pk.size());
  return pub;
}

Result<SecretKey> GenerateKey() {
  RDB_ASSIGN_OR_RETURN(SecureBuffer sk, SecureBuffer::Allocate(SecretKey::kBytes));
  std::uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_keypair(pk, sk.data());
  KeyId key_id;
  randombytes_buf(key_id.data(), key_id.size());
  return SecretKey::FromBytes(
      key_id, std::span<const std::uint8_t, SecretKey::kBytes>(sk.data(), SecretKey::kBytes));
}

// ---- secret key files ------------------------------------------------------------------------

Result<std::string> SerializeSecretKeyFile(const SecretKey& key,
                                           const std::optional<std::string_view>& password,
                                           KdfParams kdf) {
  RDB_ASSIGN_OR_RETURN(SecureBuffer blob, SecureBuffer::Allocate(kSecretKeyBlobBytes));
  std::uint8_t* b = blob.data();
  std::memcpy(b + kSkAlgOff, "Ed", 2);
  std::memcpy(b + kChkAlgOff, "B2", 2);
  std::uint8_t* keynum = b + kKeynumOff;
  std::memcpy(keynum, key.key_id().data(), 8);
  std::memcpy(keynum + kSkOff, key.secret_bytes().data(), SecretKey::kBytes);
  if (password.has_value()) {
    if (std::string problem = KdfLimitProblem(kdf); !problem.empty()) {
      return Status::Usage(problem);
    }
    std::memcpy(b + kKdfAlgOff, "Sc", 2);
    randombytes_buf(b + kSaltOff, 32);
    StoreLe64(b + kOpsOff, kdf.opslimit);
    StoreLe64(b + kMemOff, kdf.memlimit);
    KeyChecksum(keynum, keynum + kChkOff);
    RDB_ASSIGN_OR_RETURN(SecureBuffer stream, DeriveStream(*password, b + kSaltOff, kdf, ""));
    XorInto(keynum, stream);
  }
  // Unencrypted: kdf_alg, salt, limits and checksum stay zero, as `minisign -G -W` 0.11 writes.
  return std::string(kUntrustedCommentPrefix) + std::string(kSecretKeyComment) + "\n" +
         Base64Encode(std::span<const std::uint8_t>(b, kSecretKeyBlobBytes)) + "\n";
}

Result<ParsedSecretKeyFile> ParseSecretKeyFile(std::string_view text, std::string_view what) {
  RDB_RETURN_IF_ERROR(minisign_internal::CheckMinisignFileKind(
      text, what, minisign_internal::MinisignFileKind::kSecretKey));
  RDB_ASSIGN_OR_RETURN(auto lines,
                       minisign_internal::SplitFile(text, what, kMaxKeyFileBytes, kKind, 2,
                                                    "untrusted comment and base64 key"));
  RDB_RETURN_IF_ERROR(minisign_internal::ParseUntrustedCommentLine(lines[0], what).status());
  RDB_ASSIGN_OR_RETURN(SecureBuffer blob, DecodeKeyLine(lines[1], what));
  const std::uint8_t* b = blob.data();
  ParsedSecretKeyFile parsed;
  RDB_RETURN_IF_ERROR(CheckKeyAlgorithms(b, what, &parsed.encrypted));
  std::copy_n(b + kSaltOff, parsed.salt.size(), parsed.salt.begin());
  parsed.kdf = KdfParams{LoadLe64(b + kOpsOff), LoadLe64(b + kMemOff)};
  // The limits come from the file: bound them before they can drive an allocation or a loop.
  if (parsed.encrypted) {
    if (std::string problem = KdfLimitProblem(parsed.kdf); !problem.empty()) {
      return Status::BadKey(std::string(what) + ": " + problem + " (corrupt or hostile key file)");
    }
  }
  RDB_ASSIGN_OR_RETURN(parsed.keynum_sk, SecureBuffer::Allocate(kKeynumBytes));
  std::memcpy(parsed.keynum_sk.data(), b + kKeynumOff, kKeynumBytes);
  return parsed;
}

Result<SecretKey> DecryptSecretKey(const ParsedSecretKeyFile& parsed,
                                   std::optional<std::string_view> password,
                                   std::string_view what) {
  const std::string w(what);
  if (parsed.keynum_sk.size() != kKeynumBytes) {
    return Status::Internal(w + ": secret key file was not parsed");
  }
  RDB_ASSIGN_OR_RETURN(SecureBuffer keynum, SecureBuffer::Allocate(kKeynumBytes));
  std::memcpy(keynum.data(), parsed.keynum_sk.data(), kKeynumBytes);
  if (parsed.encrypted) {
    if (!password.has_value()) {
      return Status::BadKey(w + ": the secret key is encrypted and no password was given");
    }
    RDB_ASSIGN_OR_RETURN(SecureBuffer stream,
                         DeriveStream(*password, parsed.salt.data(), parsed.kdf, what));
    XorInto(keynum.data(), stream);
    if (!ChecksumMatches(keynum.data())) {
      return Status::BadKey(w + ": wrong password (checksum mismatch)");
    }
  } else if (!sodium_is_zero(keynum.data() + kChkOff, 32) && !ChecksumMatches(keynum.data())) {
    // minisign -W leaves the checksum zero; one that is set must be right.
    return Status::BadKey(w + ": corrupt secret key (checksum mismatch)");
  }
  RDB_ASSIGN_OR_RETURN(bool consistent, SeedMatchesPublicKey(keynum.data() + kSkOff));
  if (!consistent) {
    return Status::BadKey(w + ": corrupt secret key (public key does not match the seed)");
  }
  KeyId key_id;
  std::copy_n(keynum.data(), key_id.size(), key_id.begin());
  return SecretKey::FromBytes(key_id, std::span<const std::uint8_t, SecretKey::kBytes>(
                                          keynum.data() + kSkOff, SecretKey::kBytes));
}

Result<SecretKey> LoadSecretKey(Fs& fs, const std::string& path, const PasswordProvider& password,
                                std::string* warning) {
  if (warning != nullptr) {
    RDB_ASSIGN_OR_RETURN(auto file, fs.OpenRegular(path));
    RDB_ASSIGN_OR_RETURN(std::string who, file->WhoElseCanRead());
    warning->clear();
    if (!who.empty()) {
      *warning = path + ": secret key: " + who +
                 "; anyone who reads it can sign bundles as you (an encrypted one after "
                 "guessing its password)";
    }
  }
  RDB_ASSIGN_OR_RETURN(std::string text, minisign_internal::ReadKeyFile(fs, path, kKind));
  auto parsed = ParseSecretKeyFile(text, path);
  sodium_memzero(text.data(), text.size());  // an unencrypted key is plaintext
  if (!parsed.has_value()) return std::move(parsed).error();
  if (!parsed->encrypted) return DecryptSecretKey(*parsed, std::nullopt, path);
  if (!password) return DecryptSecretKey(*parsed, std::nullopt, path);
  RDB_ASSIGN_OR_RETURN(std::string pw, password());
  auto key = DecryptSecretKey(*parsed, pw, path);
  sodium_memzero(pw.data(), pw.size());
  return key;
}

// ---- signing ---------------------------------------------------------------------------------

Result<Signature> Sign(const SecretKey& key, std::string_view message, std::string trusted_comment,
                       std::string untrusted_comment) {
  return SignDigest(key, Blake2b512::Of(message), std::move(trusted_comment),
                    std::move(untrusted_comment));
}

Result<Signature> SignPrehashed(const SecretKey& key, const Blake2b512Digest& digest,
                                std::string trusted_comment, std::string untrusted_comment) {
  return SignDigest(key, digest, std::move(trusted_comment), std::move(untrusted_comment));
}

}  // namespace rdbundle
