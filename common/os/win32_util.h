// Helpers shared by the Win32 files of the OS layer (*_win32.cc): UTF-8 inside, UTF-16 at the
// API; long paths through the "\\?\" prefix; error text from FormatMessageW. Windows only.
#pragma once

#include <windows.h>

#include <string>
#include <string_view>

#include "common/base/status.h"

namespace rdbundle::win32 {

// UTF-8 -> UTF-16; invalid UTF-8 becomes U+FFFD (paths from the user, names from a validated
// manifest: those are valid already).
std::wstring Widen(std::string_view utf8);
// UTF-16 -> UTF-8 (unpaired surrogates become U+FFFD).
std::string Narrow(std::wstring_view utf16);

// A path for the W functions: '/' and '\' both separate, made absolute (GetFullPathNameW,
// which also resolves "." and ".."), then prefixed with "\\?\" ("\\?\UNC\" for
// \\server\share paths), so the 260-character MAX_PATH limit does not apply. Device paths
// ("\\.\", "\\?\") pass unchanged.
std::wstring LongPath(const std::string& path);

// "The system cannot find the file specified." for ERROR_FILE_NOT_FOUND (no trailing newline
// or period-less variant: FormatMessageW's text, trimmed).
std::string ErrorText(DWORD err);

// "<context>: <ErrorText(err)>" as a Status: the not-found errors are kNotFound, full disks
// and quotas kNoSpace, anything else kIo.
Status FromWinError(std::string_view context, DWORD err);

// Appends `arg` to a CreateProcessW command line, quoted the way the C runtime's argv parser
// reads it back: backslashes are literal unless they precede a quote, where they double.
void AppendQuotedArg(std::wstring& cmd, const std::wstring& arg);

// A HANDLE closed when destroyed.
class Handle {
 public:
  Handle() = default;
  explicit Handle(HANDLE h) : h_(h) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : h_(o.release()) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  ~Handle() { reset(); }
  bool valid() const { return h_ != INVALID_HANDLE_VALUE && h_ != nullptr; }
  HANDLE get() const { return h_; }
  HANDLE release() {
    HANDLE h = h_;
    h_ = INVALID_HANDLE_VALUE;
    return h;
  }
  void reset(HANDLE h = INVALID_HANDLE_VALUE) {
    if (valid()) ::CloseHandle(h_);
    h_ = h;
  }

 private:
  HANDLE h_ = INVALID_HANDLE_VALUE;
};

// A pipe for a child's stdin (`child_reads`) or stdout/stderr: only the child's end is
// inheritable. False (GetLastError set) when it cannot be made.
bool MakeChildPipe(Handle& r, Handle& w, bool child_reads);

// Start-up information that gives a child these standard handles (STARTF_USESTDHANDLES).
STARTUPINFOW StdHandlesStartupInfo(HANDLE in, HANDLE out, HANDLE err);

}  // namespace rdbundle::win32
