// POSIX implementation of subprocess.h (fork + execve; the Win32 one is subprocess_win32.cc).
#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

extern char** environ;

namespace rdbundle::testsupport {
namespace {

// The child's environment: the parent's, minus unset_env, with env added or replaced.
std::vector<std::string> ChildEnv(const SubprocessOptions& o) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& name : o.unset_env) vars.erase(name);
  for (const auto& [k, v] : o.env) vars[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// In the child, after fork: only async-signal-safe calls until exec.
[[noreturn]] void ExecChild(int in_fd, int out_fd, int err_fd, const std::string& cwd,
                            char* const* argv, char* const* envp) {
  ::dup2(in_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);
  // Tests install no handlers the child should inherit; restore defaults anyway.
  ::signal(SIGPIPE, SIG_DFL);
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
    const char msg[] = "subprocess: chdir failed\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  if (std::strchr(argv[0], '/') != nullptr) {
    ::execve(argv[0], argv, envp);
  } else {
    ::execvpe(argv[0], argv, envp);
  }
  const char msg[] = "subprocess: exec failed: ";
  (void)!::write(2, msg, sizeof msg - 1);
  (void)!::write(2, argv[0], std::strlen(argv[0]));
  (void)!::write(2, "\n", 1);
  ::_exit(127);
}

// Feeds stdin and drains stdout/stderr until both are closed.
void Pump(int in_fd, int out_fd, int err_fd, std::string input, std::string* out, std::string* err) {
  std::size_t written = 0;
  if (input.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? out_fd : err_fd;
      if (fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? out : err)->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fd);
        fd = -1;
      }
    }
    if (in_fd >= 0 && fds[2].revents != 0) {
      const ssize_t n = ::write(in_fd, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if ((n < 0 && errno != EINTR && errno != EAGAIN) || written == input.size()) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
}

// Cross builds run the tests under an emulator (CMAKE_CROSSCOMPILING_EMULATOR, e.g.
// qemu-aarch64): there the programs of this build must be started through it too, while the
// host's tools (zstd, tar, minisign, python3) run as they are. Without binfmt_misc the kernel
// cannot start a foreign binary itself.
std::vector<std::string> WithEmulator(std::vector<std::string> argv) {
#if defined(RDB_TEST_EMULATOR) && defined(RDB_BINARY_DIR)
  const std::string emulator = RDB_TEST_EMULATOR, dir = std::string(RDB_BINARY_DIR) + "/";
  if (!emulator.empty() && !argv.empty() && argv[0].starts_with(dir)) {
    argv.insert(argv.begin(), emulator);
  }
#endif
  return argv;
}

}  // namespace

Subprocess::Subprocess(const std::vector<std::string>& argv_in, const SubprocessOptions& o) {
  std::vector<std::string> argv = WithEmulator(argv_in);
  std::vector<std::string> env = ChildEnv(o);
  std::vector<char*> cargv = CStrings(argv), cenv = CStrings(env);
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    std::perror("pipe2");
    std::abort();
  }
  int child_in = in[0], tty_slave = -1;
  if (o.stdin_terminal) {
    tty_master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty_master_ < 0 || ::grantpt(tty_master_) != 0 || ::unlockpt(tty_master_) != 0 ||
        (tty_slave = ::open(::ptsname(tty_master_), O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
      std::perror("pty");
      std::abort();
    }
    // Ctrl-D at the start of a line: the child's first read returns 0 (canonical mode). The
    // master stays open until Wait: closing it would hang the terminal up before the child
    // looked at it.
    const char eof = '\x04';
    if (::write(tty_master_, &eof, 1) != 1) {
      std::perror("pty write");
      std::abort();
    }
    child_in = tty_slave;
  }
  pid_ = ::fork();
  if (pid_ < 0) {
    std::perror("fork");
    std::abort();
  }
  if (pid_ == 0) ExecChild(child_in, out[1], err[1], o.cwd, cargv.data(), cenv.data());
  if (tty_slave >= 0) ::close(tty_slave);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  // A child that exits before reading its stdin must not kill the test with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  pump_ = std::thread(Pump, in[1], out[0], err[0], o.stdin_data, &result_.out, &result_.err);
}

Subprocess::~Subprocess() {
  if (!waited_) {
    Kill(SIGKILL);
    (void)Wait();
  }
}

void Subprocess::Kill(int sig) {
  if (pid_ > 0 && !waited_) ::kill(pid_, sig);
}

SubprocessResult Subprocess::Wait() {
  if (waited_) return result_;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  if (pump_.joinable()) pump_.join();
  if (tty_master_ >= 0) ::close(tty_master_);
  tty_master_ = -1;
  waited_ = true;
  if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result_.term_signal = WTERMSIG(status);
  return result_;
}

}  // namespace rdbundle::testsupport
