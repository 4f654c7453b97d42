#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string_view>

#include "common/os/platform.h"

namespace rdbundle {
namespace {

std::atomic<int> g_interrupt{0};

void OnSignal(int sig) { g_interrupt.store(sig, std::memory_order_relaxed); }

}  // namespace

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }
bool StdoutIsTerminal() { return ::isatty(STDOUT_FILENO) == 1; }
bool TerminalIsDumb() {
  const char* term = std::getenv("TERM");
  return term != nullptr && std::string_view(term) == "dumb";
}
bool StdinIsTerminal() { return ::isatty(STDIN_FILENO) == 1; }

bool RunningUnderWsl() {
#if defined(__linux__)
  std::ifstream in("/proc/sys/kernel/osrelease");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string s = ss.str();
  return s.find("microsoft") != s.npos || s.find("Microsoft") != s.npos || s.find("WSL") != s.npos;
#else
  return false;
#endif
}

void NameThisThread(const char* name) {
#if defined(__linux__)
  (void)::pthread_setname_np(::pthread_self(), name);
#else
  (void)name;
#endif
}

void InstallInterruptHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  // A closed pipe (e.g. `list | head`) is an EPIPE write error, not a silent death.
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, nullptr);
}

int InterruptSignal() { return g_interrupt.load(std::memory_order_relaxed); }

std::optional<std::string> LocalAppDataDir() { return std::nullopt; }

long long UnixNow() { return static_cast<long long>(std::time(nullptr)); }

unsigned CurrentUid() { return static_cast<unsigned>(::geteuid()); }

}  // namespace rdbundle
