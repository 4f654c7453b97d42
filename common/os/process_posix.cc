#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/os/process.h"

extern char** environ;

namespace rdbundle {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() { Close(); }
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

bool MakePipe(Fd& r, Fd& w) {
  int p[2];
#if defined(__APPLE__)
  // macOS has no pipe2: pipe, then close-on-exec (not atomic: a program another thread
  // starts in between would inherit them)
  if (::pipe(p) != 0) return false;
  r.fd = p[0];
  w.fd = p[1];
  return ::fcntl(p[0], F_SETFD, FD_CLOEXEC) == 0 && ::fcntl(p[1], F_SETFD, FD_CLOEXEC) == 0;
#else
  if (::pipe2(p, O_CLOEXEC) != 0) return false;
  r.fd = p[0];
  w.fd = p[1];
  return true;
#endif
}

// Writes `input` and reads both outputs until they close (poll: neither side can block the
// other). False when stdout grew past `max`.
bool Pump(Fd& in, Fd& out, Fd& err, const std::string& input, std::size_t max, ProgramOutput& r) {
  std::size_t written = 0;
  if (input.empty()) in.Close();
  char buf[4096];
  while (out.fd >= 0 || err.fd >= 0) {
    pollfd fds[3];
    int n = 0;
    for (Fd* f : {&out, &err}) {
      if (f->fd >= 0) fds[n++] = {f->fd, POLLIN, 0};
    }
    if (in.fd >= 0) fds[n++] = {in.fd, POLLOUT, 0};
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      return true;
    }
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in.fd) {
        const ssize_t k = ::write(in.fd, input.data() + written, input.size() - written);
        if (k > 0) written += static_cast<std::size_t>(k);
        if (k < 0 || written == input.size()) in.Close();
        continue;
      }
      Fd& f = fds[i].fd == out.fd ? out : err;
      const ssize_t k = ::read(f.fd, buf, sizeof buf);
      if (k <= 0) {
        if (k < 0 && errno == EINTR) continue;
        f.Close();
      } else if (&f == &out) {
        r.out.append(buf, static_cast<std::size_t>(k));
        if (r.out.size() > max) return false;
      } else if (r.err.size() < 200) {
        r.err.append(buf, std::min<std::size_t>(static_cast<std::size_t>(k), 200 - r.err.size()));
      }
    }
  }
  return true;
}

}  // namespace

Result<ProgramOutput> RunProgram(const std::vector<std::string>& argv, const std::string& input,
                                 std::size_t max_output) {
  if (argv.empty()) return Status::Internal("RunProgram: no program");
  Fd in_r, in_w, out_r, out_w, err_r, err_w;
  if (!MakePipe(in_r, in_w) || !MakePipe(out_r, out_w) || !MakePipe(err_r, err_w)) {
    return Status::FromErrno("pipe", errno);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_r.fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.fd, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return rc == ENOENT ? Status::NotFound(argv[0] + ": not found")
                        : Status::FromErrno(argv[0], rc);
  }
  in_r.Close();
  out_w.Close();
  err_w.Close();
  // A helper that dies while we write must not kill us with SIGPIPE: MSG_NOSIGNAL does not
  // exist for pipes, so the signal is ignored for the duration.
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  ProgramOutput r;
  const bool within = Pump(in_w, out_r, err_r, input, max_output, r);
  ::sigaction(SIGPIPE, &old, nullptr);
  if (!within) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!within) {
    return Status::Limit(argv[0] + ": more than " + std::to_string(max_output) + " bytes of output");
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (const auto nl = r.err.find('\n'); nl != std::string::npos) r.err.resize(nl);
  return r;
}

}  // namespace rdbundle
