// The user's terminal, for a password prompt without echo (packer/password.cc): POSIX in
// terminal_posix.cc (termios on the named device), Windows in terminal_win32.cc (the console).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace rdbundle {

class Terminal {
 public:
  Terminal() = default;
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  // Restores echo when EchoOff() turned it off; then a terminating signal that arrived
  // meanwhile is raised again, so the caller's own handling applies.
  virtual ~Terminal() = default;

  // Turns echo off (the newline the user types is still shown) until destruction. SIGINT,
  // SIGTERM, SIGHUP and SIGQUIT (Windows: Ctrl-C, closing the console) restore it first.
  virtual Status EchoOff() = 0;
  virtual Status Write(std::string_view s) = 0;
  // One byte of input (UTF-8; a Windows console's "\r\n" arrives as '\n'). false at end of
  // input; kInterrupted when a terminating signal arrived while echo was off.
  virtual Result<bool> ReadByte(char& c) = 0;
};

// Opens the terminal: `path` on POSIX ("/dev/tty", or a pseudo-terminal in tests); on Windows
// the console ("CONIN$" and "CONOUT$"; `path` names it in messages only). Fails with
// "<path>: <reason>" (the reason "not a terminal" when it is something else).
Result<std::unique_ptr<Terminal>> OpenTerminal(const std::string& path);

// The terminal the password prompt uses by default ("/dev/tty"; Windows "CON").
std::string DefaultTerminalPath();

}  // namespace rdbundle
