#include "common/format/minisign.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "common/base/hex.h"
#include "common/base/quote.h"
#include "common/base/utf8.h"
#include "common/format/limits.h"
#include "common/os/platform.h"

namespace rdbundle {

namespace {

constexpr std::size_t kPublicKeyBlobBytes = 2 + 8 + 32;
constexpr std::size_t kSignatureBlobBytes = 2 + 8 + 64;

// One line (without its '\n') per element. Fails unless every line, the last included, ends in
// '\n' and the file has exactly `expected` lines; `describe` names them for the message.
Result<std::vector<std::string_view>> SplitLines(std::string_view text, std::string_view what,
                                                 std::size_t expected, std::string_view describe) {
  if (text.back() != '\n') {
    return Status::BadKey(std::string(what) + ": last line does not end with a newline");
  }
  std::vector<std::string_view> lines;
  while (!text.empty() && lines.size() <= expected) {
    const std::size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  if (lines.size() != expected || !text.empty()) {
    const std::size_t got =
        lines.size() + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    return Status::BadKey(std::string(what) + ": expected " + std::to_string(expected) +
                          " lines (" + std::string(describe) + "), got " + std::to_string(got));
  }
  return lines;
}

// Checks shared by every minisign text file before it is split into lines.
Status CheckTextFile(std::string_view text, std::string_view what, std::size_t max_bytes,
                     std::string_view kind) {
  const std::string w(what);
  if (text.size() > max_bytes) {
    return Status::BadKey(w + ": larger than " + std::to_string(max_bytes) + " bytes, not a " +
                          std::string(kind));
  }
  if (text.empty()) return Status::BadKey(w + ": empty file, not a " + std::string(kind));
  if (text.find('\0') != std::string_view::npos) return Status::BadKey(w + ": contains a NUL byte");
  if (text.find('\r') != std::string_view::npos) {
    return Status::BadKey(w + ": contains a carriage return (CRLF line endings are not accepted)");
  }
  return Status::Ok();
}

// Strips `prefix` from `line` into `*rest`; fails with minisign's wording otherwise.
Status TakePrefix(std::string_view line, std::string_view prefix, std::string_view what,
                  std::string_view name, std::string_view* rest) {
  if (line.substr(0, prefix.size()) != prefix) {
    return Status::BadKey(std::string(what) + ": " + std::string(name) + " should start with \"" +
                          std::string(prefix) + "\"");
  }
  *rest = line.substr(prefix.size());
  return Status::Ok();
}

// Decodes a base64 line that must hold exactly `n` bytes. `kind` and `field` shape the message:
// "<what>: not a <kind> ([<field>: ]base64 decodes to 12 bytes, expected 42)".
Result<std::vector<std::uint8_t>> DecodeExact(std::string_view line, std::size_t n,
                                              std::string_view what, std::string_view kind,
                                              std::string_view field) {
  std::string prefix = std::string(what) + ": not a " + std::string(kind) + " (";
  if (!field.empty()) prefix += std::string(field) + ": ";
  auto bytes = Base64Decode(line);
  if (!bytes) return Status::BadKey(prefix + "invalid base64)");
  if (bytes->size() != n) {
    return Status::BadKey(prefix + "base64 decodes to " + std::to_string(bytes->size()) +
                          " bytes, expected " + std::to_string(n) + ")");
  }
  return std::move(*bytes);
}

// minisign's "%lX" rendering of the key id: no leading zeros.
std::string MinisignKeyIdString(const KeyId& key_id) {
  std::uint64_t v = 0;
  for (std::size_t i = key_id.size(); i-- > 0;) v = v << 8 | key_id[i];
  char buf[17];
  std::snprintf(buf, sizeof buf, "%llX", static_cast<unsigned long long>(v));
  return buf;
}

Status VerifyDetached(const std::array<std::uint8_t, 64>& sig, const unsigned char* msg,
                      std::size_t len, const PublicKey& key, const char* failure) {
  if (sodium_init() < 0) return Status::Internal("libsodium initialisation failed");
  // The Ed25519 function itself, not the crypto_sign_ wrapper: in a static link the wrapper's
  // object file brings libsodium's signing and key generation into rdbundle-unpack
  // (tests/packer/link_test.cc).
  if (crypto_sign_ed25519_verify_detached(sig.data(), msg, len, key.pk.data()) != 0) {
    return Status::BadSignature(failure);
  }
  return Status::Ok();
}

Status CheckKeyId(const PublicKey& key, const Signature& sig) {
  if (sig.key_id != key.key_id) {
    return Status::UntrustedKey("signature key id " + KeyIdString(sig.key_id) +
                                " does not match public key " + KeyIdString(key.key_id));
  }
  return Status::Ok();
}

// The global signature covers sig (64 bytes) | trusted comment text.
Status VerifyGlobal(const PublicKey& key, const Signature& sig) {
  std::string signed_part(reinterpret_cast<const char*>(sig.sig.data()), sig.sig.size());
  signed_part += sig.trusted_comment;
  return VerifyDetached(sig.global_sig, reinterpret_cast<const unsigned char*>(signed_part.data()),
                        signed_part.size(), key, "trusted comment signature verification failed");
}

}  // namespace

namespace minisign_internal {

Result<std::vector<std::string_view>> SplitFile(std::string_view text, std::string_view what,
                                                std::size_t max_bytes, std::string_view kind,
                                                std::size_t lines, std::string_view describe) {
  RDB_RETURN_IF_ERROR(CheckTextFile(text, what, max_bytes, kind));
  return SplitLines(text, what, lines, describe);
}

// Parses "untrusted comment: <text>" into its text, enforcing the comment rules.
Result<std::string> ParseUntrustedCommentLine(std::string_view line, std::string_view what) {
  std::string_view text;
  RDB_RETURN_IF_ERROR(TakePrefix(line, kUntrustedCommentPrefix, what, "untrusted comment", &text));
  Status s = CheckUntrustedComment(text);
  if (!s.ok()) return Status::BadKey(std::string(what) + ": " + s.message());
  return std::string(text);
}

Result<std::string> ReadKeyFile(Fs& fs, const std::string& path, std::string_view kind) {
  auto text = ReadRegularFileToString(fs, path, kMaxKeyFileBytes);
  if (!text.has_value() && text.error().code() == ErrorCode::kLimitExceeded) {
    return Status::BadKey(path + ": larger than " + std::to_string(kMaxKeyFileBytes) +
                          " bytes, not a " + std::string(kind));
  }
  return text;
}

MinisignFileKind GuessMinisignFileKind(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < text.size() && lines.size() < 5;) {
    const std::size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string_view::npos ? nl : nl - start));
    start = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  if (lines.size() < 2 || !lines[0].starts_with(kUntrustedCommentPrefix)) {
    return MinisignFileKind::kOther;
  }
  // Base64 of 42 (public key), 158 (secret key) and 74 (signature) bytes.
  const std::size_t b64 = lines[1].size();
  if (lines.size() == 4 && lines[2].starts_with(kTrustedCommentPrefix) &&
      b64 == (kSignatureBlobBytes + 2) / 3 * 4) {
    return MinisignFileKind::kSignature;
  }
  if (lines.size() != 2) return MinisignFileKind::kOther;
  if (b64 == (kPublicKeyBlobBytes + 2) / 3 * 4) return MinisignFileKind::kPublicKey;
  if (b64 == (kMinisignSecretKeyBlobBytes + 2) / 3 * 4) return MinisignFileKind::kSecretKey;
  return MinisignFileKind::kOther;
}

Status CheckMinisignFileKind(std::string_view text, std::string_view what,
                             MinisignFileKind expected) {
  const MinisignFileKind kind = GuessMinisignFileKind(text);
  if (kind == MinisignFileKind::kOther || kind == expected) return Status::Ok();
  const std::string w(what);
  const bool want_public = expected == MinisignFileKind::kPublicKey;
  const std::string wanted = want_public ? "public key" : "secret key";
  switch (kind) {
    case MinisignFileKind::kSecretKey:
      return Status::BadKey(w + ": a minisign secret key, not a public key: pass the public key "
                                "(rdbundle.pub from rdbundle-pack keygen -p); the secret key stays "
                                "on the packing machine");
    case MinisignFileKind::kPublicKey:
      return Status::BadKey(w + ": a minisign public key, not a secret key: -s takes the secret "
                                "key (rdbundle.key from rdbundle-pack keygen -s)");
    case MinisignFileKind::kSignature:
      return Status::BadKey(w + ": a minisign signature (.minisig), not a " + wanted + ": pass the " +
                            (want_public ? "public key (.pub)" : "secret key (-s rdbundle.key)"));
    case MinisignFileKind::kOther: break;
  }
  return Status::Ok();
}

}  // namespace minisign_internal

using minisign_internal::ParseUntrustedCommentLine;

std::string KeyIdString(const KeyId& key_id) {
  KeyId reversed;
  std::reverse_copy(key_id.begin(), key_id.end(), reversed.begin());
  return HexEncodeUpper(reversed);
}

Status CheckUntrustedComment(std::string_view text) {
  if (text.size() > kMaxUntrustedCommentBytes) {
    return Status::Usage("untrusted comment longer than " +
                         std::to_string(kMaxUntrustedCommentBytes) + " bytes");
  }
  if (!IsPrintableUtf8(text)) {
    return Status::Usage("untrusted comment contains control characters or invalid UTF-8");
  }
  return Status::Ok();
}

Status CheckTrustedComment(std::string_view text) {
  if (text.size() > kMaxTrustedCommentBytes) {
    return Status::Usage("trusted comment longer than " + std::to_string(kMaxTrustedCommentBytes) +
                         " bytes");
  }
  if (!IsPrintableUtf8(text)) {
    return Status::Usage("trusted comment contains control characters or invalid UTF-8");
  }
  return Status::Ok();
}

Result<PublicKey> ParsePublicKeyFile(std::string_view text, std::string_view what) {
  constexpr std::string_view kKind = "minisign public key";
  RDB_RETURN_IF_ERROR(CheckTextFile(text, what, kMaxKeyFileBytes, kKind));
  RDB_RETURN_IF_ERROR(minisign_internal::CheckMinisignFileKind(
      text, what, minisign_internal::MinisignFileKind::kPublicKey));
  std::string_view b64;
  const bool bare = text.substr(0, kUntrustedCommentPrefix.size()) != kUntrustedCommentPrefix &&
                    text.substr(0, text.size() - 1).find('\n') == std::string_view::npos;
  if (bare) {  // `minisign -P` form: the base64 line alone
    b64 = text.back() == '\n' ? text.substr(0, text.size() - 1) : text;
  } else {
    RDB_ASSIGN_OR_RETURN(auto lines, SplitLines(text, what, 2, "untrusted comment and base64 key"));
    RDB_RETURN_IF_ERROR(ParseUntrustedCommentLine(lines[0], what).status());
    b64 = lines[1];
  }
  RDB_ASSIGN_OR_RETURN(auto blob, DecodeExact(b64, kPublicKeyBlobBytes, what, kKind, ""));
  if (blob[0] != 'E' || blob[1] != 'd') {
    return Status::BadKey(std::string(what) +
                          ": unsupported public key algorithm (expected \"Ed\")");
  }
  PublicKey key;
  std::copy_n(blob.begin() + 2, key.key_id.size(), key.key_id.begin());
  std::copy_n(blob.begin() + 10, key.pk.size(), key.pk.begin());
  return key;
}

std::string PublicKeyBase64(const PublicKey& key) {
  std::vector<std::uint8_t> blob = {'E', 'd'};
  blob.insert(blob.end(), key.key_id.begin(), key.key_id.end());
  blob.insert(blob.end(), key.pk.begin(), key.pk.end());
  return Base64Encode(blob);
}

std::string SerializePublicKeyFile(const PublicKey& key) {
  return std::string(kUntrustedCommentPrefix) + "minisign public key " +
         MinisignKeyIdString(key.key_id) + "\n" + PublicKeyBase64(key) + "\n";
}

Result<Signature> ParseSignatureFile(std::string_view text, std::string_view what) {
  constexpr std::string_view kKind = "minisign signature";
  const std::string w(what);
  RDB_ASSIGN_OR_RETURN(auto lines,
                       minisign_internal::SplitFile(
                           text, what, kMaxSignatureFileBytes, kKind, 4,
                           "untrusted comment, signature, trusted comment, global signature"));
  Signature sig;
  RDB_ASSIGN_OR_RETURN(sig.untrusted_comment, ParseUntrustedCommentLine(lines[0], what));
  RDB_ASSIGN_OR_RETURN(auto blob,
                       DecodeExact(lines[1], kSignatureBlobBytes, what, kKind, "signature line"));
  std::copy_n(blob.begin(), 2, sig.alg.begin());
  if (sig.alg[0] != 'E' || (sig.alg[1] != 'D' && sig.alg[1] != 'd')) {
    return Status::BadKey(w + ": unsupported signature algorithm (expected \"ED\" or \"Ed\")");
  }
  std::copy_n(blob.begin() + 2, sig.key_id.size(), sig.key_id.begin());
  std::copy_n(blob.begin() + 10, sig.sig.size(), sig.sig.begin());
  std::string_view trusted;
  RDB_RETURN_IF_ERROR(
      TakePrefix(lines[2], kTrustedCommentPrefix, what, "trusted comment", &trusted));
  if (Status s = CheckTrustedComment(trusted); !s.ok())
    return Status::BadKey(w + ": " + s.message());
  sig.trusted_comment = std::string(trusted);
  RDB_ASSIGN_OR_RETURN(auto global, DecodeExact(lines[3], sig.global_sig.size(), what, kKind,
                                                "global signature line"));
  std::copy(global.begin(), global.end(), sig.global_sig.begin());
  return sig;
}

std::string SerializeSignatureFile(const Signature& sig) {
  std::vector<std::uint8_t> blob(sig.alg.begin(), sig.alg.end());
  blob.insert(blob.end(), sig.key_id.begin(), sig.key_id.end());
  blob.insert(blob.end(), sig.sig.begin(), sig.sig.end());
  std::string out(kUntrustedCommentPrefix);
  out += sig.untrusted_comment + "\n" + Base64Encode(blob) + "\n";
  out += std::string(kTrustedCommentPrefix) + sig.trusted_comment + "\n";
  out += Base64Encode(sig.global_sig) + "\n";
  return out;
}

Status VerifySignature(const PublicKey& key, const Signature& sig, std::string_view message) {
  RDB_RETURN_IF_ERROR(CheckKeyId(key, sig));
  const auto* bytes = reinterpret_cast<const unsigned char*>(message.data());
  if (sig.prehashed()) {
    const Blake2b512Digest digest = Blake2b512::Of(message);
    RDB_RETURN_IF_ERROR(VerifyDetached(sig.sig, digest.data(), digest.size(), key,
                                       "signature verification failed"));
  } else {
    RDB_RETURN_IF_ERROR(
        VerifyDetached(sig.sig, bytes, message.size(), key, "signature verification failed"));
  }
  return VerifyGlobal(key, sig);
}

Status VerifyPrehashed(const PublicKey& key, const Signature& sig, const Blake2b512Digest& digest) {
  RDB_RETURN_IF_ERROR(CheckKeyId(key, sig));
  if (!sig.prehashed()) {
    return Status::BadSignature(
        "legacy \"Ed\" signature: the whole file is needed to verify it; re-sign with a "
        "prehashed (\"ED\") signature");
  }
  RDB_RETURN_IF_ERROR(
      VerifyDetached(sig.sig, digest.data(), digest.size(), key, "signature verification failed"));
  return VerifyGlobal(key, sig);
}

// ---- TrustedKeys ---------------------------------------------------------------------------

Status TrustedKeys::Add(PublicKey key, std::string source) {
  for (const Entry& e : entries_) {
    if (e.key.key_id != key.key_id) continue;
    if (e.key.pk == key.pk) return Status::Ok();  // the same key twice (e.g. -p and the dir)
    return Status::BadKey(source + ": key id " + KeyIdString(key.key_id) +
                          " is already used by a different key from " + e.source);
  }
  entries_.push_back(Entry{key, std::move(source)});
  return Status::Ok();
}

Status TrustedKeys::LoadFile(Fs& fs, const std::string& path) {
  RDB_ASSIGN_OR_RETURN(std::string text,
                       minisign_internal::ReadKeyFile(fs, path, "minisign public key"));
  RDB_ASSIGN_OR_RETURN(PublicKey key, ParsePublicKeyFile(text, path));
  return Add(key, path);
}

namespace {

// Writable only by its owner, and owned by the user or root (ssh's StrictModes rule).
Status CheckTrustedPerms(const FileInfo& info, const std::string& path, bool dir) {
  const unsigned euid = CurrentUid();
  const std::string what = dir ? "trusted-key directory" : "trusted key";
  if (info.uid != euid && info.uid != 0) {
    return Status::BadKey(path + ": " + what + " owned by uid " + std::to_string(info.uid) +
                          ", not by you (uid " + std::to_string(euid) +
                          ") or root: refusing to trust it (fix: chown " + std::to_string(euid) +
                          " " + QuoteForMessage(path) + ")");
  }
  if ((info.mode & 022) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", info.mode & 07777);
    return Status::BadKey(path + ": " + what + " is group- or world-writable (mode " + mode +
                          "): anyone who can write there could add a key; refusing to trust it "
                          "(fix: chmod go-w " + QuoteForMessage(path) + ")");
  }
  return Status::Ok();
}

}  // namespace

Status TrustedKeys::LoadDir(Fs& fs, const std::string& dir_path, bool missing_ok) {
  key_dir_hint_ = dir_path;
  auto dir = fs.OpenRoot(dir_path);
  if (!dir.has_value()) {
    if (missing_ok && dir.error().code() == ErrorCode::kNotFound) return Status::Ok();
    return dir.error();
  }
  RDB_ASSIGN_OR_RETURN(FileInfo dir_info, (*dir)->Info());
  RDB_RETURN_IF_ERROR(CheckTrustedPerms(dir_info, dir_path, /*dir=*/true));
  RDB_ASSIGN_OR_RETURN(auto names, (*dir)->List());
  constexpr std::string_view kSuffix = ".pub";
  for (const std::string& name : names) {
    if (name.size() <= kSuffix.size() || name[0] == '.' ||
        name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
      continue;
    }
    const std::string path = JoinPath(dir_path, name);
    RDB_ASSIGN_OR_RETURN(FileInfo info, (*dir)->Stat(name));
    if (info.type == FileInfo::Type::kDirectory) continue;
    if (info.type != FileInfo::Type::kRegular) {
      warnings_.push_back(path + ": not a regular file; skipped");
      continue;
    }
    RDB_RETURN_IF_ERROR(CheckTrustedPerms(info, path, /*dir=*/false));
    // Opened through the directory handle, never following a symlink swapped in, and
    // checked again on the descriptor (OpenFile: regular files only, never blocking).
    auto text = ReadFileToString(**dir, name, kMaxKeyFileBytes);
    if (!text.has_value()) {
      warnings_.push_back(text.error().message() + "; skipped");
      continue;
    }
    auto key = ParsePublicKeyFile(*text, path);
    if (!key.has_value()) {
      warnings_.push_back(key.error().message() + "; skipped");
      continue;
    }
    RDB_RETURN_IF_ERROR(Add(*key, path));
  }
  return Status::Ok();
}

const PublicKey* TrustedKeys::Find(const KeyId& key_id) const {
  for (const Entry& e : entries_) {
    if (e.key.key_id == key_id) return &e.key;
  }
  return nullptr;
}

std::string TrustedKeys::SourceOf(const KeyId& key_id) const {
  for (const Entry& e : entries_) {
    if (e.key.key_id == key_id) return e.source;
  }
  return "";
}

Result<const PublicKey*> TrustedKeys::Select(const Signature& sig) const {
  if (entries_.empty()) {
    std::string hint = "use -p KEY.pub";
    if (!key_dir_hint_.empty()) hint += " or put keys in " + key_dir_hint_;
    return Status::UntrustedKey("no trusted public keys (" + hint + ")");
  }
  const PublicKey* key = Find(sig.key_id);
  if (key == nullptr) {
    return Status::UntrustedKey("signed by key " + KeyIdString(sig.key_id) +
                                ", which is not among the " + std::to_string(entries_.size()) +
                                " trusted key(s)");
  }
  return key;
}

Result<const PublicKey*> TrustedKeys::Verify(const Signature& sig, std::string_view message) const {
  RDB_ASSIGN_OR_RETURN(const PublicKey* key, Select(sig));
  RDB_RETURN_IF_ERROR(VerifySignature(*key, sig, message));
  return key;
}

Result<const PublicKey*> TrustedKeys::VerifyPrehashed(const Signature& sig,
                                                      const Blake2b512Digest& digest) const {
  RDB_ASSIGN_OR_RETURN(const PublicKey* key, Select(sig));
  RDB_RETURN_IF_ERROR(rdbundle::VerifyPrehashed(*key, sig, digest));
  return key;
}

}  // namespace rdbundle
