// minisign-compatible public keys, signature files and verification (jedisct1/minisign 0.10+;
// formats in docs/minisign-format.md). Verification only: this is part of rdb_common, which the
// offline unpacker links, so no secret-key code lives here (see common/signing.h).
//
// Every parser takes the file's bytes (never a path), is strict (each length is checked before
// use, nothing outside the format is accepted) and fails with one line naming `what` (the file)
// and the reason. Malformed files give kBadKey; a key that is not trusted gives kUntrustedKey;
// a signature that does not verify gives kBadSignature.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/format/hash.h"
#include "common/os/fs.h"

namespace rdbundle {

using KeyId = std::array<std::uint8_t, 8>;

inline constexpr std::string_view kUntrustedCommentPrefix = "untrusted comment: ";
inline constexpr std::string_view kTrustedCommentPrefix = "trusted comment: ";

// minisign reads a comment line (prefix, text and '\n') with fgets() into a buffer of 1024
// (untrusted) or 8192 (trusted) bytes, so a line of that length or longer is cut and the file is
// rejected. These are the longest comment texts minisign 0.11 still reads; we neither write nor
// accept longer ones, so every signature we produce verifies with minisign and vice versa.
inline constexpr std::size_t kMaxUntrustedCommentBytes =
    1024 - 1 - kUntrustedCommentPrefix.size() - 1;
inline constexpr std::size_t kMaxTrustedCommentBytes = 8192 - 1 - kTrustedCommentPrefix.size() - 1;

// The decoded size of a minisign secret key's base64 line (docs/minisign-format.md); the secret
// key code itself lives in common/signing.
inline constexpr std::size_t kMinisignSecretKeyBlobBytes = 158;

struct PublicKey {
  KeyId key_id{};
  std::array<std::uint8_t, 32> pk{};  // Ed25519 public key
  bool operator==(const PublicKey&) const = default;
};

// The key id as minisign's key id is usually shown: the 8 bytes in reverse order (a
// little-endian u64) as 16 uppercase hex digits, e.g. "12029219052F7B26". (minisign itself
// prints it with "%lX", which drops leading zeros; the manifest's keyId is always 16 digits.)
std::string KeyIdString(const KeyId& key_id);

// Parses a public key file: "untrusted comment: <text>\n<base64>\n" as `minisign -G` writes
// it, or the base64 line alone (with or without a final '\n'), as `minisign -P` takes it.
// The base64 must decode to exactly 42 bytes: "Ed" | key id (8) | Ed25519 key (32).
// Errors (kBadKey), e.g. "<what>: not a minisign public key (base64 decodes to 12 bytes,
// expected 42)" or "<what>: untrusted comment should start with \"untrusted comment: \"".
Result<PublicKey> ParsePublicKeyFile(std::string_view text, std::string_view what);

// "untrusted comment: minisign public key <id>\n<base64>\n", byte for byte what
// `minisign -G` writes (the id in the comment as minisign prints it, without leading zeros).
std::string SerializePublicKeyFile(const PublicKey& key);
// The base64 line alone (the argument of `minisign -P`).
std::string PublicKeyBase64(const PublicKey& key);

struct Signature {
  std::string untrusted_comment;              // text after "untrusted comment: "; not authenticated
  std::array<std::uint8_t, 2> alg{'E', 'D'};  // "ED": prehashed (BLAKE2b-512); "Ed": legacy
  KeyId key_id{};
  std::array<std::uint8_t, 64> sig{};         // Ed25519 over BLAKE2b-512(message), or the message
  std::string trusted_comment;                // text after "trusted comment: "; authenticated
  std::array<std::uint8_t, 64> global_sig{};  // Ed25519 over sig | trusted_comment
  bool prehashed() const { return alg[0] == 'E' && alg[1] == 'D'; }
  bool operator==(const Signature&) const = default;
};

// Parses a signature file: exactly four lines, each ending in '\n' (untrusted comment, base64 of
// alg | key id | signature (74 bytes), trusted comment, base64 of the global signature (64
// bytes)). At most kMaxSignatureFileBytes; no '\r' or NUL; comments within the limits above and
// printable UTF-8 (tab allowed, as in minisign's default trusted comment; no other control
// characters); alg "ED" or "Ed". Errors: kBadKey, one line starting with "<what>: ".
Result<Signature> ParseSignatureFile(std::string_view text, std::string_view what);

// The four-line file. REQUIRES: the comments satisfy CheckUntrustedComment/CheckTrustedComment
// (true for any Signature from ParseSignatureFile or Sign).
std::string SerializeSignatureFile(const Signature& sig);

// Comment rules shared by the parser and the signer. OK, or kUsage with a message such as
// "trusted comment longer than 8173 bytes" (no file name: callers add context).
Status CheckUntrustedComment(std::string_view text);
Status CheckTrustedComment(std::string_view text);

// Verifies like `minisign -V`, in minisign's order: the key ids must match (kUntrustedKey,
// "signature key id <id> does not match public key <id>"), then the signature over
// BLAKE2b-512(message) ("ED") or the message itself (legacy "Ed") (kBadSignature "signature
// verification failed"), then the global signature over sig | trusted comment (kBadSignature
// "trusted comment signature verification failed"). Only after OK may the trusted comment or
// the message be acted upon.
Status VerifySignature(const PublicKey& key, const Signature& sig, std::string_view message);

// The same for a message too big to hold, given its streamed BLAKE2b-512 digest. Only "ED"
// signatures can be checked this way; a legacy "Ed" one fails with kBadSignature ("legacy
// \"Ed\" signature: the whole file is needed to verify it; re-sign with a prehashed (\"ED\")
// signature").
Status VerifyPrehashed(const PublicKey& key, const Signature& sig, const Blake2b512Digest& digest);

// A set of trusted public keys; a signature is checked with the one whose key id it names.
// Pointers returned by Find/Verify stay valid for the life of the set (keys are never removed).
class TrustedKeys {
 public:
  // Adds `key`, read from `source` (a path or "-P", for messages). Adding the same key again is
  // a no-op; a different key with an id already in the set is refused (kBadKey), since a
  // signature could not tell the two apart.
  Status Add(PublicKey key, std::string source);
  // Reads and adds one public key file (kMaxKeyFileBytes at most).
  Status LoadFile(Fs& fs, const std::string& path);
  // Adds every "*.pub" file of `dir`, in name order, skipping hidden files (".*") and
  // directories. A missing `dir` is OK when `missing_ok` (a default directory), else kNotFound.
  // The directory is remembered for the "no trusted public keys" hint.
  //
  // Like ssh's StrictModes and gpg's homedir check (issue 13 item 7), a directory or key file
  // that is group- or world-writable, or owned by someone other than the user or root, is
  // refused (kBadKey, naming the file and the fix): anyone who can write there could add a
  // key. Only regular files are read (a FIFO never blocks); other entries named *.pub and
  // malformed keys are skipped with a warning (warnings()), so one bad file does not stop
  // every verify.
  Status LoadDir(Fs& fs, const std::string& dir, bool missing_ok);
  const std::vector<std::string>& warnings() const { return warnings_; }

  const PublicKey* Find(const KeyId& key_id) const;
  // Where the key with this id came from; empty when not in the set.
  std::string SourceOf(const KeyId& key_id) const;
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // Picks the key by the signature's key id and runs VerifySignature. Returns the key used.
  // Errors: kUntrustedKey "no trusted public keys (use -p KEY.pub or put keys in <dir>)" when
  // the set is empty (without "or put keys in <dir>" if LoadDir was never called), kUntrustedKey
  // "signed by key <id>, which is not among the N trusted key(s)", or VerifySignature's errors.
  Result<const PublicKey*> Verify(const Signature& sig, std::string_view message) const;
  // The same with VerifyPrehashed, for streamed files.
  Result<const PublicKey*> VerifyPrehashed(const Signature& sig,
                                           const Blake2b512Digest& digest) const;

 private:
  struct Entry {
    PublicKey key;
    std::string source;
  };
  Result<const PublicKey*> Select(const Signature& sig) const;

  std::deque<Entry> entries_;  // deque: stable addresses for the returned pointers
  std::string key_dir_hint_;
  std::vector<std::string> warnings_;
};

namespace minisign_internal {
// Shared with the secret-key parser (common/signing.cc); not for other callers.
// Checks every minisign text file gets (size <= max_bytes, not empty, no NUL, no '\r'), then
// splits it into exactly `lines` lines, each of which must end in '\n'. `kind` ("minisign
// public key") and `describe` ("untrusted comment and base64 key") shape the messages.
Result<std::vector<std::string_view>> SplitFile(std::string_view text, std::string_view what,
                                                std::size_t max_bytes, std::string_view kind,
                                                std::size_t lines, std::string_view describe);
// "untrusted comment: <text>" -> text, checked with CheckUntrustedComment (kBadKey on failure).
Result<std::string> ParseUntrustedCommentLine(std::string_view line, std::string_view what);
// Reads a key file of at most kMaxKeyFileBytes; a larger one is kBadKey "<path>: larger than
// 4096 bytes, not a <kind>".
Result<std::string> ReadKeyFile(Fs& fs, const std::string& path, std::string_view kind);

// Which minisign file `text` looks like, by its shape alone (line count, the length of the
// base64 line, a "trusted comment: " third line); nothing is decoded, so a secret key's bytes
// are never copied. For the messages of a key given in the wrong place (-s rdbundle.pub).
enum class MinisignFileKind { kOther, kPublicKey, kSecretKey, kSignature };
MinisignFileKind GuessMinisignFileKind(std::string_view text);
// "<what>: a minisign secret key, not a public key (...)" and the like when `text` looks like
// another kind of minisign file than `expected`; Ok otherwise (the parser then says more).
Status CheckMinisignFileKind(std::string_view text, std::string_view what,
                             MinisignFileKind expected);
}  // namespace minisign_internal

}  // namespace rdbundle
