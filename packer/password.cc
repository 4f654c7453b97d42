#include "packer/password.h"

#include <fcntl.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "common/signing/signing.h"

namespace rdbundle::packer {
namespace {

// A password file holds one line; anything this large is not one.
constexpr std::size_t kMaxPasswordFileBytes = 64 << 10;
constexpr std::array<int, 4> kSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// State for the signal handler: the terminal whose echo must come back, and the signal seen.
int g_tty_fd = -1;
struct termios g_saved_termios;
volatile sig_atomic_t g_signal = 0;

extern "C" void RestoreEchoOnSignal(int sig) {
  if (g_tty_fd >= 0) tcsetattr(g_tty_fd, TCSAFLUSH, &g_saved_termios);  // async-signal-safe
  g_signal = sig;
}

// Turns echo off on `fd` for its lifetime and catches the terminating signals meanwhile (without
// SA_RESTART, so a blocked read() returns EINTR). The destructor restores the terminal and the
// previous handlers, then re-raises a caught signal so the caller's disposition applies.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {}
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

  // False when `fd` is not a terminal.
  bool Start() {
    if (tcgetattr(fd_, &g_saved_termios) != 0) return false;
    g_tty_fd = fd_;
    g_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = RestoreEchoOnSignal;
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &sa, &old_[i]);
    struct termios t = g_saved_termios;
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    t.c_lflag |= ECHONL;  // still show the newline the user types
    tcsetattr(fd_, TCSAFLUSH, &t);
    active_ = true;
    return true;
  }

  ~EchoOff() {
    if (!active_) return;
    tcsetattr(fd_, TCSAFLUSH, &g_saved_termios);
    for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &old_[i], nullptr);
    g_tty_fd = -1;
    if (g_signal != 0) raise(g_signal);
  }

 private:
  int fd_;
  bool active_ = false;
  std::array<struct sigaction, kSignals.size()> old_{};
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR && g_signal == 0) continue;
    if (n <= 0) return Status::Io("cannot write the password prompt");
    s.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

// Reads one line (without '\n') from the terminal into secure memory, then into the result.
Result<std::string> ReadLine(int fd, const std::string& tty) {
  RDB_ASSIGN_OR_RETURN(SecureBuffer buf, SecureBuffer::Allocate(kMaxPasswordBytes + 1));
  std::size_t len = 0;
  for (;;) {
    char c;
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR && g_signal == 0) continue;
    if (g_signal != 0) return Status::Interrupted("interrupted while reading the password");
    if (n < 0) return Status::FromErrno(tty, errno);
    if (n == 0) return Status::Usage(tty + ": end of input while reading the password");
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

Result<std::string> Prompt(int fd, const std::string& tty, std::string_view prompt) {
  EchoOff echo(fd);
  if (!echo.Start()) return Status::Usage(tty + ": not a terminal");
  RDB_RETURN_IF_ERROR(WriteAll(fd, prompt));
  return ReadLine(fd, tty);
}

std::string NoTerminalHint(const PasswordSource& source) {
  std::string hint = "use --password-file FILE";
  if (!source.env_var.empty()) hint += " or set " + source.env_var;
  if (source.suggest_unencrypted) hint += ", or -W for an unencrypted key";
  return hint;
}

Result<std::string> FromTerminal(const PasswordSource& source, bool confirm) {
  const std::string& tty = source.tty_path;
  Fd fd(::open(tty.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0 || !isatty(fd.get())) {
    const std::string why = fd.get() < 0 ? std::strerror(errno) : "not a terminal";
    return Status::Usage("cannot read a password: no terminal (" + tty + ": " + why + "); " +
                         NoTerminalHint(source));
  }
  RDB_ASSIGN_OR_RETURN(std::string first, Prompt(fd.get(), tty, "Password: "));
  if (!confirm) return first;
  auto second = Prompt(fd.get(), tty, "Password (again): ");
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
