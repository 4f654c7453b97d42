// Win32 implementation of platform.h (the POSIX one is platform_posix.cc).
#include <windows.h>
// windows.h first: these need its types
#include <knownfolders.h>
#include <shlobj.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <string_view>

#include "common/os/platform.h"
#include "common/os/win32_util.h"

namespace rdbundle {
namespace {

std::atomic<int> g_interrupt{0};

// Runs on a thread the console starts: Ctrl-C and Ctrl-Break count as SIGINT, closing the
// console, logging off and shutting down as SIGTERM. TRUE: handled, the process goes on and
// stops at the next chunk, removing its staging files (exit 130).
BOOL WINAPI OnConsoleEvent(DWORD event) {
  switch (event) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
      g_interrupt.store(SIGINT, std::memory_order_relaxed);
      return TRUE;
    case CTRL_CLOSE_EVENT:
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
      g_interrupt.store(SIGTERM, std::memory_order_relaxed);
      return TRUE;
    default:
      return FALSE;
  }
}

// A console (not a pipe or file); for an output console, VT sequences are turned on once, so
// the progress display draws as it does on a POSIX terminal.
bool IsConsole(DWORD which) {
  HANDLE h = ::GetStdHandle(which);
  DWORD mode = 0;
  if (h == INVALID_HANDLE_VALUE || h == nullptr || !::GetConsoleMode(h, &mode)) return false;
  if (!(mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING)) {
    // Windows 10 before 1511 cannot: the display then shows the raw sequences, as in a
    // redirected log; still a console.
    (void)::SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
  }
  return true;
}

}  // namespace

bool StderrIsTerminal() { return IsConsole(STD_ERROR_HANDLE); }
bool StdoutIsTerminal() { return IsConsole(STD_OUTPUT_HANDLE); }
bool StdinIsTerminal() { return IsConsole(STD_INPUT_HANDLE); }
// TERM is not a Windows convention, but MSYS2 and Cygwin terminals set it (TERM=dumb too).
bool TerminalIsDumb() {
  const char* term = std::getenv("TERM");
  return term != nullptr && std::string_view(term) == "dumb";
}

bool RunningUnderWsl() { return false; }

void NameThisThread(const char* name) { (void)name; }

void InstallInterruptHandlers() { (void)::SetConsoleCtrlHandler(OnConsoleEvent, TRUE); }

int InterruptSignal() { return g_interrupt.load(std::memory_order_relaxed); }

std::optional<std::string> LocalAppDataDir() {
  wchar_t* path = nullptr;
  const HRESULT hr = ::SHGetKnownFolderPath(FOLDERID_LocalAppData, 0, nullptr, &path);
  std::optional<std::string> dir;
  if (SUCCEEDED(hr) && path != nullptr) dir = win32::Narrow(path);
  ::CoTaskMemFree(path);
  return dir;
}

long long UnixNow() { return static_cast<long long>(std::time(nullptr)); }

unsigned CurrentUid() { return 0; }

}  // namespace rdbundle
