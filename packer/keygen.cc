#include "packer/keygen.h"

#include <utility>

#include "common/format/minisign.h"
#include "packer/password.h"

namespace rdbundle::packer {
namespace {

Status AlreadyExists(const std::string& path) {
  return Status::Usage(path + ": already exists (use --force to overwrite)");
}

// kUsage when `path` exists; other Stat failures pass through.
Status CheckAbsent(Fs& fs, const std::string& path) {
  auto info = fs.Stat(path);
  if (info.has_value()) return AlreadyExists(path);
  if (info.error().code() == ErrorCode::kNotFound) return Status::Ok();
  return info.error();
}

// WriteFileAtomic; without `replace`, a file that appeared at `path` since CheckAbsent is
// reported as CheckAbsent reports it.
Status WriteKeyFile(Fs& fs, const std::string& path, std::string_view content, std::uint32_t mode,
                    bool replace) {
  Status s =
      WriteFileAtomic(fs, path, content, mode, replace ? IfExists::kReplace : IfExists::kFail);
  if (!s.ok() && !replace && fs.Stat(path).has_value()) return AlreadyExists(path);
  return s;
}

Result<std::optional<std::string>> GetPassword(Fs& fs, const KeygenOptions& o) {
  if (o.unencrypted) return std::optional<std::string>();
  PasswordSource source;
  source.password_file = o.password_file;
  source.tty_path = o.tty_path;
  source.suggest_unencrypted = true;
  source.fs = &fs;
  RDB_ASSIGN_OR_RETURN(std::string pw, ReadPassword(source, /*confirm=*/true));
  return std::optional<std::string>(std::move(pw));
}

Status CheckOptions(Fs& fs, const KeygenOptions& o) {
  if (o.public_key_path == o.secret_key_path) {
    return Status::Usage("the public and secret key files must differ (both are " +
                         o.public_key_path + ")");
  }
  if (o.unencrypted && o.password_file.has_value()) {
    return Status::Usage("-W (unencrypted key) and --password-file cannot be used together");
  }
  if (!o.force) {
    RDB_RETURN_IF_ERROR(CheckAbsent(fs, o.secret_key_path));
    RDB_RETURN_IF_ERROR(CheckAbsent(fs, o.public_key_path));
  }
  return Status::Ok();
}

// The secret key file's text (encrypted when a password is given); the password is wiped.
Result<std::string> SecretKeyText(const SecretKey& key, std::optional<std::string>& password,
                                  const KdfParams& kdf) {
  std::optional<std::string_view> pw;
  if (password.has_value()) pw = *password;
  auto text = SerializeSecretKeyFile(key, pw, kdf);
  if (password.has_value()) WipeString(*password);
  return text;
}

void PrintSummary(std::FILE* out, const KeygenOptions& o, const PublicKey& pub) {
  std::fprintf(out,
               "Key id: %s\n"
               "Secret key: %s (%s; keep it secret)\n"
               "Public key: %s\n"
               "Files signed with this key can be verified with:\n"
               "minisign -Vm <file> -P %s\n",
               KeyIdString(pub.key_id).c_str(), o.secret_key_path.c_str(),
               o.unencrypted ? "unencrypted" : "encrypted", o.public_key_path.c_str(),
               PublicKeyBase64(pub).c_str());
  std::fflush(out);
}

}  // namespace

Status RunKeygen(Fs& fs, const KeygenOptions& options, std::FILE* out) {
  RDB_RETURN_IF_ERROR(CheckOptions(fs, options));
  RDB_ASSIGN_OR_RETURN(std::optional<std::string> password, GetPassword(fs, options));
  auto key = GenerateKey();
  if (!key.has_value()) {
    if (password.has_value()) WipeString(*password);
    return key.error();
  }
  RDB_ASSIGN_OR_RETURN(std::string secret_text, SecretKeyText(*key, password, options.kdf));
  Status s = WriteKeyFile(fs, options.secret_key_path, secret_text, 0600, options.force);
  WipeString(secret_text);  // plaintext when unencrypted
  RDB_RETURN_IF_ERROR(s);
  const PublicKey pub = key->public_key();
  s = WriteKeyFile(fs, options.public_key_path, SerializePublicKeyFile(pub), 0644, options.force);
  if (!s.ok()) {
    if (!options.force) (void)fs.RemoveFile(options.secret_key_path);
    return s;
  }
  PrintSummary(out, options, pub);
  return Status::Ok();
}

}  // namespace rdbundle::packer
