// Runs a program as a child process (no shell) with pipes for stdin, stdout and stderr, for
// tests that drive the real rdbundle-pack / rdbundle-unpack binaries and the stock tools (zstd,
// tar, minisign). POSIX: fork + execve (subprocess_posix.cc); Windows: CreateProcessW with the
// command line quoted for the C runtime's parser (subprocess_win32.cc), where Kill is
// TerminateProcess: the child ends at once, and the result shows the signal as if it had been
// sent, so the tests read the same on both.
#pragma once

#include <sys/types.h>

#include <csignal>
#if defined(_WIN32) && !defined(SIGKILL)
#define SIGKILL 9  // Windows has no SIGKILL; Subprocess::Kill(SIGKILL) terminates the child
#endif

#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace rdbundle::testsupport {

struct SubprocessOptions {
  std::string stdin_data;                    // written to the child's stdin, then closed
  std::map<std::string, std::string> env;    // added to (or replacing in) the parent's environment
  std::vector<std::string> unset_env;        // removed from the environment
  std::string cwd;                           // working directory; empty: the parent's
  // stdin is a pseudo-terminal (not stdin_data) that gives end-of-file (a typed Ctrl-D) to the
  // first read: for what a program says when it would wait for typing. POSIX only (Windows:
  // the child does not start, exit 127).
  bool stdin_terminal = false;
};

struct SubprocessResult {
  int exit_code = -1;   // the exit status, or -1 when killed by a signal
  int term_signal = 0;  // the signal that killed it, or 0
  std::string out;      // everything written to stdout (Windows: CRLF read back as LF)
  std::string err;      // everything written to stderr (Windows: CRLF read back as LF)
  // For assertion messages: "exit 4, stderr: ...".
  std::string Describe() const;
};

// A running child. Output is drained by a background thread, so a chatty child never blocks.
class Subprocess {
 public:
  // Starts argv[0] (a path: PATH is searched only when it contains no '/' (Windows: nor '\\')).
  // A failure to start shows as exit code 127 with the reason in `err`, like a shell.
  Subprocess(const std::vector<std::string>& argv, const SubprocessOptions& options = {});
  ~Subprocess();  // kills (SIGKILL; Windows: TerminateProcess) and reaps a child still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `sig`. Windows: TerminateProcess for any `sig`; Wait reports it as term_signal.
  void Kill(int sig);
  // Waits for the child to exit and for its output to end.
  SubprocessResult Wait();

 private:
  pid_t pid_ = -1;
#if defined(_WIN32)
  void* process_ = nullptr;  // the process HANDLE
  int killed_by_ = 0;        // the `sig` of a Kill that terminated it
  std::vector<std::thread> pumps_;
#else
  int tty_master_ = -1;  // stdin_terminal: the terminal's other end, closed by Wait
  std::thread pump_;
#endif
  SubprocessResult result_;
  bool waited_ = false;
};

// Starts, waits, returns the result.
SubprocessResult RunProcess(const std::vector<std::string>& argv,
                            const SubprocessOptions& options = {});

// A server started as a child writes its port, one line, into `port_file` once it listens
// (tests/support/*.py --port-file): that port, or 0 when none came within 20 s.
int WaitForPortFile(const std::string& port_file);

}  // namespace rdbundle::testsupport
