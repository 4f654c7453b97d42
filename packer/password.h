// Passwords for secret keys (keygen, and `build -s KEY` for an encrypted key).
#pragma once

#include <optional>
#include <string>

#include "common/base/status.h"
#include "common/os/fs.h"
#include "common/os/terminal.h"

namespace rdbundle::packer {

// The longest password accepted (minisign's PASSWORDMAXBYTES is 1024 including the NUL).
inline constexpr std::size_t kMaxPasswordBytes = 1023;

// Where a password comes from, in this order: the first line of `password_file`, the
// environment variable `env_var`, then the terminal `tty_path`, read without echo.
struct PasswordSource {
  std::optional<std::string> password_file;   // --password-file FILE
  std::string env_var = "RDBUNDLE_PASSWORD";  // empty: do not consult the environment
  std::string tty_path = DefaultTerminalPath();  // "/dev/tty"; Windows: the console
  // Mention "-W" (unencrypted key) in the "no terminal" error; keygen sets it.
  bool suggest_unencrypted = false;
  Fs* fs = nullptr;  // for password_file; nullptr: DefaultFs()
};

// Returns the password. With `confirm` (a new password is being chosen) the terminal asks twice
// and both must match (kUsage "passwords do not match"), and an empty password is refused
// (kUsage). Errors:
//  - password file: its own read errors; kUsage "<file>: password contains a carriage return"
//    (a CRLF file would silently yield a different password), "<file>: password longer than
//    1023 bytes";
//  - terminal: kUsage "cannot read a password: no terminal (<tty>: <strerror>); use
//    --password-file FILE or set RDBUNDLE_PASSWORD[, or -W for an unencrypted key]",
//    kUsage "<tty>: end of input while reading the password",
//    kInterrupted when SIGINT/SIGTERM/SIGHUP/SIGQUIT arrives while echo is off (echo is restored
//    first, then the signal is re-raised under the caller's own handling).
// The caller should WipeString() the result when done.
Result<std::string> ReadPassword(const PasswordSource& source, bool confirm);

// Overwrites the string's bytes with zeros (sodium_memzero) and clears it.
void WipeString(std::string& s);

}  // namespace rdbundle::packer
