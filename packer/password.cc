#include "packer/password.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

#include "common/os/terminal.h"
#include "common/signing/signing.h"

namespace rdbundle::packer {
namespace {

// A password file holds one line; anything this large is not one.
constexpr std::size_t kMaxPasswordFileBytes = 64 << 10;

// Reads one line (without '\n') from the terminal into secure memory, then into the result.
Result<std::string> ReadLine(Terminal& term, const std::string& tty) {
  RDB_ASSIGN_OR_RETURN(SecureBuffer buf, SecureBuffer::Allocate(kMaxPasswordBytes + 1));
  std::size_t len = 0;
  for (;;) {
    char c;
    RDB_ASSIGN_OR_RETURN(bool got, term.ReadByte(c));
    if (!got) return Status::Usage(tty + ": end of input while reading the password");
    if (c == '\n') break;
    if (len == kMaxPasswordBytes) {
      return Status::Usage("password longer than " + std::to_string(kMaxPasswordBytes) + " bytes");
    }
    buf.data()[len++] = static_cast<std::uint8_t>(c);
  }
  std::string out;
  out.reserve(len + 1);  // one allocation: no stray copies from growth
  out.assign(reinterpret_cast<const char*>(buf.data()), len);
  return out;
}

// Echo stays off from the first prompt until the terminal is closed.
Result<std::string> Prompt(Terminal& term, const std::string& tty, std::string_view prompt) {
  RDB_RETURN_IF_ERROR(term.EchoOff());
  RDB_RETURN_IF_ERROR(term.Write(prompt));
  return ReadLine(term, tty);
}

std::string NoTerminalHint(const PasswordSource& source) {
  std::string hint = "use --password-file FILE";
  if (!source.env_var.empty()) hint += " or set " + source.env_var;
  if (source.suggest_unencrypted) hint += ", or -W for an unencrypted key";
  return hint;
}

Result<std::string> FromTerminal(const PasswordSource& source, bool confirm) {
  const std::string& tty = source.tty_path;
  auto term = OpenTerminal(tty);
  if (!term.has_value()) {
    return Status::Usage("cannot read a password: no terminal (" + term.error().message() +
                         "); " + NoTerminalHint(source));
  }
  RDB_ASSIGN_OR_RETURN(std::string first, Prompt(**term, tty, "Password: "));
  if (!confirm) return first;
  auto second = Prompt(**term, tty, "Password (again): ");
  const bool same = second.has_value() && first.size() == second->size() &&
                    sodium_memcmp(first.data(), second->data(), first.size()) == 0;
  if (second.has_value()) WipeString(*second);
  if (!second.has_value() || !same) {
    WipeString(first);
    return second.has_value() ? Status::Usage("passwords do not match") : second.error();
  }
  return first;
}

Result<std::string> FromFile(const PasswordSource& source) {
  const std::string& path = *source.password_file;
  Fs& fs = source.fs != nullptr ? *source.fs : DefaultFs();
  RDB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(fs, path, kMaxPasswordFileBytes));
  const std::size_t nl = text.find('\n');
  std::string line;
  line.reserve((nl == std::string::npos ? text.size() : nl) + 1);
  line.assign(text, 0, nl);
  WipeString(text);
  if (line.find('\r') != std::string::npos) {
    WipeString(line);
    return Status::Usage(path + ": password contains a carriage return");
  }
  if (line.size() > kMaxPasswordBytes) {
    WipeString(line);
    return Status::Usage(path + ": password longer than " + std::to_string(kMaxPasswordBytes) +
                         " bytes");
  }
  return line;
}

Result<std::string> FromAnySource(const PasswordSource& source, bool confirm) {
  if (source.password_file.has_value()) return FromFile(source);
  if (!source.env_var.empty()) {
    if (const char* env = std::getenv(source.env_var.c_str()); env != nullptr) {
      const std::size_t len = std::strlen(env);
      if (len > kMaxPasswordBytes) {
        return Status::Usage(source.env_var + ": password longer than " +
                             std::to_string(kMaxPasswordBytes) + " bytes");
      }
      return std::string(env, len);
    }
  }
  return FromTerminal(source, confirm);
}

}  // namespace

void WipeString(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

Result<std::string> ReadPassword(const PasswordSource& source, bool confirm) {
  RDB_ASSIGN_OR_RETURN(std::string pw, FromAnySource(source, confirm));
  if (confirm && pw.empty()) {
    return Status::Usage(source.suggest_unencrypted
                             ? "empty password (use -W for an unencrypted key)"
                             : "empty password");
  }
  return pw;
}

}  // namespace rdbundle::packer
