// POSIX implementation of terminal.h: termios on the named terminal device.
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "common/os/terminal.h"

namespace rdbundle {
namespace {

constexpr std::array<int, 4> kSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// State for the signal handler: the terminal whose echo must come back, and the signal seen.
int g_tty_fd = -1;
struct termios g_saved_termios;
volatile sig_atomic_t g_signal = 0;

extern "C" void RestoreEchoOnSignal(int sig) {
  if (g_tty_fd >= 0) tcsetattr(g_tty_fd, TCSAFLUSH, &g_saved_termios);  // async-signal-safe
  g_signal = sig;
}

class PosixTerminal final : public Terminal {
 public:
  PosixTerminal(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  ~PosixTerminal() override {
    if (echo_off_) {
      tcsetattr(fd_, TCSAFLUSH, &g_saved_termios);
      for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &old_[i], nullptr);
      g_tty_fd = -1;
    }
    ::close(fd_);
    if (echo_off_ && g_signal != 0) raise(g_signal);
  }

  // Catches the terminating signals meanwhile without SA_RESTART, so a blocked read() returns
  // EINTR.
  Status EchoOff() override {
    if (echo_off_) return Status::Ok();
    if (tcgetattr(fd_, &g_saved_termios) != 0) return Status::FromErrno(path_, errno);
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
    echo_off_ = true;
    return Status::Ok();
  }

  Status Write(std::string_view s) override {
    while (!s.empty()) {
      ssize_t n = ::write(fd_, s.data(), s.size());
      if (n < 0 && errno == EINTR && g_signal == 0) continue;
      if (n <= 0) return Status::Io("cannot write the password prompt");
      s.remove_prefix(static_cast<std::size_t>(n));
    }
    return Status::Ok();
  }

  Result<bool> ReadByte(char& c) override {
    for (;;) {
      const ssize_t n = ::read(fd_, &c, 1);
      if (n < 0 && errno == EINTR && g_signal == 0) continue;
      if (g_signal != 0) return Status::Interrupted("interrupted while reading the password");
      if (n < 0) return Status::FromErrno(path_, errno);
      return n == 1;
    }
  }

 private:
  int fd_;
  std::string path_;
  bool echo_off_ = false;
  std::array<struct sigaction, kSignals.size()> old_{};
};

}  // namespace

Result<std::unique_ptr<Terminal>> OpenTerminal(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(path, errno);
  if (!isatty(fd)) {
    ::close(fd);
    return Status::Usage(path + ": not a terminal");
  }
  return std::unique_ptr<Terminal>(new PosixTerminal(fd, path));
}

std::string DefaultTerminalPath() { return "/dev/tty"; }

}  // namespace rdbundle
