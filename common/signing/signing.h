// Secret keys and signing, minisign-compatible (formats in docs/minisign-format.md). Built into
// rdb_signing, which only the packer and the tests link: the offline unpacker never contains
// secret-key code (like minisign's VERIFY_ONLY build).
//
// Secret key bytes and passwords live in sodium_malloc'd memory (guard pages, mlock'd where the
// system allows it) and are wiped when freed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/format/hash.h"
#include "common/format/minisign.h"
#include "common/os/fs.h"

namespace rdbundle {

// `size` bytes of sodium_malloc'd memory, wiped and freed on destruction. Move-only; a
// moved-from or default-constructed buffer is empty (data() == nullptr).
class SecureBuffer {
 public:
  SecureBuffer() = default;
  // Zero-filled. kInternal when secure memory is exhausted.
  static Result<SecureBuffer> Allocate(std::size_t size);
  ~SecureBuffer();
  SecureBuffer(SecureBuffer&& other) noexcept;
  SecureBuffer& operator=(SecureBuffer&& other) noexcept;
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// An Ed25519 signing key with its minisign key id. Move-only; the 64 secret bytes (seed |
// public key, libsodium's layout) stay in a SecureBuffer. Only Sign*/public_key/secret_bytes may
// be called, and only on a key obtained from GenerateKey, FromBytes or DecryptSecretKey (not on
// a moved-from one).
class SecretKey {
 public:
  static constexpr std::size_t kBytes = 64;

  // Copies `secret` (libsodium's 64-byte Ed25519 secret key) into secure memory.
  static Result<SecretKey> FromBytes(const KeyId& key_id,
                                     std::span<const std::uint8_t, kBytes> secret);

  const KeyId& key_id() const { return key_id_; }
  std::span<const std::uint8_t, kBytes> secret_bytes() const;
  // The matching public key (the second half of the secret key bytes).
  PublicKey public_key() const;

 private:
  SecretKey(const KeyId& key_id, SecureBuffer sk) : key_id_(key_id), sk_(std::move(sk)) {}
  KeyId key_id_{};
  SecureBuffer sk_;
};

// A new random key pair and key id (crypto_sign_keypair, randombytes_buf).
Result<SecretKey> GenerateKey();

// scrypt (crypto_pwhash_scryptsalsa208sha256) cost of an encrypted secret key file. The
// defaults are minisign's (libsodium's "sensitive" limits: ~1 GiB and a few seconds); tests pass
// cheaper values. Both are stored in the file, so minisign reads our cheap test keys too.
struct KdfParams {
  std::uint64_t opslimit = 33554432;
  std::uint64_t memlimit = 1073741824;
};

// Upper bounds accepted from a key file, so that a hostile file cannot make us allocate or loop
// without bound (2x / 512x minisign's own values).
inline constexpr std::uint64_t kMaxKdfMemlimit = 2ull << 30;
inline constexpr std::uint64_t kMaxKdfOpslimit = 1ull << 34;

// A minisign secret key file: "untrusted comment: minisign encrypted secret key\n<base64>\n"
// (the comment minisign writes in both modes), base64 of "Ed" | kdf_alg | "B2" | salt (32) |
// opslimit (u64 LE) | memlimit (u64 LE) | key id (8) | secret key (64) | checksum (32).
//  - With a password: kdf_alg "Sc", random salt, `kdf`, checksum = BLAKE2b-256("Ed" | key id |
//    secret key), and the last 104 bytes XORed with scrypt(password, salt, kdf), as
//    `minisign -G` writes it.
//  - Without (nullopt): byte for byte what `minisign -G -W` (0.11) writes: kdf_alg, salt,
//    opslimit, memlimit and checksum all zero.
// Errors: kUsage for `kdf` above the limits; kLimitExceeded when scrypt cannot get its memory.
Result<std::string> SerializeSecretKeyFile(const SecretKey& key,
                                           const std::optional<std::string_view>& password,
                                           KdfParams kdf = KdfParams());

// A syntactically valid secret key file, not yet decrypted.
struct ParsedSecretKeyFile {
  bool encrypted = false;  // kdf_alg "Sc" (else two zero bytes)
  std::array<std::uint8_t, 32> salt{};
  KdfParams kdf{0, 0};
  SecureBuffer keynum_sk;  // 104 bytes: key id | secret key | checksum (XORed when encrypted)
};

// Pure parse, no key derivation (a fuzz target). Strict like ParseSignatureFile: at most
// kMaxKeyFileBytes, exactly two '\n'-terminated lines, no '\r' or NUL, 158 decoded bytes,
// "Ed"/"Sc" or none/"B2", and for encrypted keys opslimit <= kMaxKdfOpslimit and memlimit <=
// kMaxKdfMemlimit, and the memory scrypt would really allocate for them (libsodium derives p
// from opslimit, and p sizes a buffer too) at most kMaxKdfMemlimit + 64 MiB. Errors: kBadKey
// "<what>: ...", e.g. "<what>: scrypt memlimit 4294967296 exceeds the maximum 2147483648
// (corrupt or hostile key file)".
Result<ParsedSecretKeyFile> ParseSecretKeyFile(std::string_view text, std::string_view what);

// Decrypts (when encrypted) and checks the key. `password` is required for an encrypted key
// (kBadKey "<what>: the secret key is encrypted and no password was given") and ignored
// otherwise. Errors (kBadKey): "<what>: wrong password (checksum mismatch)"; for an unencrypted
// key a non-zero checksum must match ("<what>: corrupt secret key (checksum mismatch)"; a zero
// checksum, as minisign -W writes, is accepted); in both modes the public half must match the
// seed ("<what>: corrupt secret key (public key does not match the seed)"). kLimitExceeded when
// scrypt cannot get its memory.
Result<SecretKey> DecryptSecretKey(const ParsedSecretKeyFile& parsed,
                                   std::optional<std::string_view> password, std::string_view what);

// Supplies the password of an encrypted key; called only when the key is encrypted. The
// returned string is wiped by the caller after use.
using PasswordProvider = std::function<Result<std::string>()>;

// Reads `path` (at most kMaxKeyFileBytes), parses and decrypts it. `warning`, when given, is
// set when others can read the file (mode 0644, or on Windows a DACL that lets Everyone or
// Users read it): "<path>: secret key: <who> can read it (...; fix: ...)". Only a warning, as
// minisign has none: a key carried on a FAT stick has no permissions to fix.
Result<SecretKey> LoadSecretKey(Fs& fs, const std::string& path, const PasswordProvider& password,
                                std::string* warning = nullptr);

// A prehashed ("ED") minisign signature of `message`: Ed25519 over BLAKE2b-512(message), and
// the global signature over sig | trusted_comment. The comments must pass
// CheckTrustedComment/CheckUntrustedComment (kUsage otherwise). The signature is verified with
// the key's public half before it is returned (kInternal if that fails).
Result<Signature> Sign(const SecretKey& key, std::string_view message, std::string trusted_comment,
                       std::string untrusted_comment);
// The same for a message hashed while streaming (Blake2b512 over the whole file).
Result<Signature> SignPrehashed(const SecretKey& key, const Blake2b512Digest& digest,
                                std::string trusted_comment, std::string untrusted_comment);

}  // namespace rdbundle
