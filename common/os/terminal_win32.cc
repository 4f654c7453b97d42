// Win32 implementation of terminal.h: the console (CONIN$ for input, CONOUT$ for the prompt),
// read as UTF-16 and handed out as UTF-8.
#include <windows.h>

#include <atomic>
#include <csignal>

#include "common/os/terminal.h"
#include "common/os/win32_util.h"

namespace rdbundle {
namespace {

using win32::Handle;

// The console input whose mode must come back when the process is stopped, and its mode: a
// console's mode outlives the process, so a Ctrl-C must not leave the user's console without
// echo.
std::atomic<HANDLE> g_console{nullptr};
DWORD g_saved_mode = 0;
std::atomic<int> g_signal{0};

BOOL WINAPI RestoreEchoOnEvent(DWORD event) {
  if (HANDLE h = g_console.load()) ::SetConsoleMode(h, g_saved_mode);
  g_signal.store(event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT ? SIGINT : SIGTERM);
  return FALSE;  // on to the next handler (the process's own, or the default: exit)
}

class ConsoleTerminal final : public Terminal {
 public:
  ConsoleTerminal(Handle in, Handle out, std::string path)
      : in_(std::move(in)), out_(std::move(out)), path_(std::move(path)) {}

  ~ConsoleTerminal() override {
    if (echo_off_) {
      ::SetConsoleMode(in_.get(), g_saved_mode);
      ::SetConsoleCtrlHandler(RestoreEchoOnEvent, FALSE);
      g_console.store(nullptr);
    }
  }

  Status EchoOff() override {
    if (echo_off_) return Status::Ok();
    if (!::GetConsoleMode(in_.get(), &g_saved_mode)) {
      return win32::FromWinError(path_, ::GetLastError());
    }
    g_signal.store(0);
    g_console.store(in_.get());
    ::SetConsoleCtrlHandler(RestoreEchoOnEvent, TRUE);
    // Line input stays on (the line is handed over at Enter), echo goes.
    ::SetConsoleMode(in_.get(), (g_saved_mode | ENABLE_LINE_INPUT | ENABLE_PROCESSED_INPUT) &
                                    ~static_cast<DWORD>(ENABLE_ECHO_INPUT));
    echo_off_ = true;
    return Status::Ok();
  }

  Status Write(std::string_view s) override {
    const std::wstring w = win32::Widen(s);
    DWORD n = 0;
    if (!::WriteConsoleW(out_.get(), w.data(), static_cast<DWORD>(w.size()), &n, nullptr)) {
      return Status::Io("cannot write the password prompt");
    }
    return Status::Ok();
  }

  Result<bool> ReadByte(char& c) override {
    while (pending_pos_ == pending_.size()) {
      RDB_ASSIGN_OR_RETURN(bool more, ReadChar());
      if (!more) return false;
    }
    c = pending_[pending_pos_++];
    return true;
  }

 private:
  // The next character of the line, converted into pending_. '\r' is dropped; the newline
  // that echo no longer shows is written, as POSIX ECHONL does.
  Result<bool> ReadChar() {
    wchar_t w[2];
    DWORD n = 0;
    if (!::ReadConsoleW(in_.get(), w, 1, &n, nullptr)) {
      if (g_signal.load() != 0) return Status::Interrupted("interrupted while reading the password");
      return win32::FromWinError(path_, ::GetLastError());
    }
    if (g_signal.load() != 0) return Status::Interrupted("interrupted while reading the password");
    if (n == 0 || w[0] == 0x1a) return false;  // Ctrl-Z: end of input
    DWORD len = 1;
    if (w[0] >= 0xd800 && w[0] < 0xdc00 && ::ReadConsoleW(in_.get(), w + 1, 1, &n, nullptr) &&
        n == 1) {
      len = 2;
    }
    pending_ = win32::Narrow(std::wstring_view(w, len));
    pending_pos_ = 0;
    if (pending_ == "\r") pending_.clear();
    if (pending_ == "\n" && echo_off_) (void)Write("\r\n");
    return true;
  }

  Handle in_, out_;
  std::string path_;
  bool echo_off_ = false;
  std::string pending_;
  std::size_t pending_pos_ = 0;
};

}  // namespace

Result<std::unique_ptr<Terminal>> OpenTerminal(const std::string& path) {
  Handle in(::CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                          nullptr, OPEN_EXISTING, 0, nullptr));
  if (!in.valid()) return win32::FromWinError(path, ::GetLastError());
  Handle out(::CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING, 0, nullptr));
  if (!out.valid()) return win32::FromWinError(path, ::GetLastError());
  DWORD mode = 0;
  if (!::GetConsoleMode(in.get(), &mode)) return Status::Usage(path + ": not a terminal");
  return std::unique_ptr<Terminal>(new ConsoleTerminal(std::move(in), std::move(out), path));
}

std::string DefaultTerminalPath() { return "CON"; }

}  // namespace rdbundle
