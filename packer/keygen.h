// `rdbundle-pack keygen`: a new minisign-compatible signing key pair.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "common/base/status.h"
#include "common/os/fs.h"
#include "common/os/terminal.h"
#include "common/signing/signing.h"

namespace rdbundle::packer {

struct KeygenOptions {
  std::string public_key_path = "rdbundle.pub";
  std::string secret_key_path = "rdbundle.key";
  bool unencrypted = false;                  // -W: no password (as minisign -G -W)
  bool force = false;                        // overwrite existing key files
  std::optional<std::string> password_file;  // first line is the password
  // scrypt cost of an encrypted key. Keep minisign's defaults; tests lower them.
  KdfParams kdf;
  // Interactive fallback when neither --password-file nor RDBUNDLE_PASSWORD gives a password.
  std::string tty_path = DefaultTerminalPath();  // "/dev/tty"; Windows: the console
};

// Generates a key pair and writes both files, then prints the key id and the
// `minisign -Vm <file> -P <base64>` line to `out`.
//  - Without `force`, an existing file is never replaced (checked first, and again atomically
//    at the final rename): kUsage "<path>: already exists (use --force to overwrite)".
//  - The secret key file is written as a 0600 temporary file in the same directory, synced and
//    renamed into place; the public key (0644) the same way, afterwards. If the public key
//    cannot be written, a secret key created by this call is removed again.
//  - Password (unless `unencrypted`): see ReadPassword (file, RDBUNDLE_PASSWORD, terminal twice).
// REQUIRES: out != nullptr.
Status RunKeygen(Fs& fs, const KeygenOptions& options, std::FILE* out);

}  // namespace rdbundle::packer
