// Win32 implementation of subprocess.h (the POSIX one is subprocess_posix.cc): CreateProcessW
// with a command line quoted for the C runtime's parser, three pipes (stdin written, stdout and
// stderr read, each on its own thread), TerminateProcess for Kill. Under Wine the test program
// is a Windows process too: it starts this build's .exe files directly, without the emulator.
#include <windows.h>

#include <algorithm>
#include <cwctype>

#include "common/os/win32_util.h"
#include "tests/support/subprocess.h"

namespace rdbundle::testsupport {
namespace {

using win32::Handle;

// Case-insensitive, as Windows compares environment names.
struct NameLess {
  bool operator()(const std::wstring& a, const std::wstring& b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [](wchar_t x, wchar_t y) {
                                          return std::towupper(x) < std::towupper(y);
                                        });
  }
};

// The child's environment block: the parent's, minus unset_env, with env added or replaced;
// sorted by name, as CreateProcessW wants it.
std::wstring ChildEnv(const SubprocessOptions& o) {
  std::map<std::wstring, std::wstring, NameLess> vars;
  if (wchar_t* block = ::GetEnvironmentStringsW(); block != nullptr) {
    for (const wchar_t* e = block; *e != L'\0'; e += std::wcslen(e) + 1) {
      const std::wstring kv(e);
      const auto eq = kv.find(L'=', 1);  // "=C:=C:\..." names start with '='
      if (eq != std::wstring::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    ::FreeEnvironmentStringsW(block);
  }
  for (const auto& name : o.unset_env) vars.erase(win32::Widen(name));
  for (const auto& [k, v] : o.env) vars[win32::Widen(k)] = win32::Widen(v);
  std::wstring out;
  for (const auto& [k, v] : vars) {
    out += k + L"=" + v;
    out += L'\0';
  }
  out += L'\0';
  return out;
}

bool IsPath(const std::string& program) {
  return program.find_first_of("/\\") != std::string::npos;
}

// A path for CreateProcessW's application name: absolute, with backslashes (no "\\?\" prefix,
// which CreateProcessW does not take for the program).
std::wstring ProgramPath(const std::string& program) {
  std::wstring w = win32::Widen(program);
  std::replace(w.begin(), w.end(), L'/', L'\\');
  DWORD n = ::GetFullPathNameW(w.c_str(), 0, nullptr, nullptr);
  if (n == 0) return w;
  std::wstring full(n, L'\0');
  n = ::GetFullPathNameW(w.c_str(), n, full.data(), nullptr);
  full.resize(n);
  return full;
}

void Drain(HANDLE pipe, std::string* into) {
  char buf[65536];
  DWORD n = 0;
  while (::ReadFile(pipe, buf, sizeof buf, &n, nullptr) && n > 0) into->append(buf, n);
  ::CloseHandle(pipe);
}

// The C runtime writes text streams with CRLF line ends on Windows: read back as "\n", so
// that the tests compare lines as on POSIX.
void ToLf(std::string* s) {
  std::size_t w = 0;
  for (std::size_t r = 0; r < s->size(); ++r) {
    if ((*s)[r] == '\r' && r + 1 < s->size() && (*s)[r + 1] == '\n') continue;
    (*s)[w++] = (*s)[r];
  }
  s->resize(w);
}

void Feed(HANDLE pipe, std::string input) {
  std::size_t written = 0;
  while (written < input.size()) {
    DWORD n = 0;
    const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(input.size() - written, 1 << 16));
    if (!::WriteFile(pipe, input.data() + written, chunk, &n, nullptr)) break;  // child went away
    written += n;
  }
  ::CloseHandle(pipe);
}

}  // namespace

Subprocess::Subprocess(const std::vector<std::string>& argv, const SubprocessOptions& o) {
  // A failure to start: exit 127 and the reason, as a shell says it; Wait returns that.
  auto fail = [&](const std::string& why) {
    result_.exit_code = 127;
    result_.err = "subprocess: " + why + "\n";
    waited_ = true;
  };
  if (argv.empty() || o.stdin_terminal) {
    fail(argv.empty() ? "no program" : "stdin_terminal: no pseudo-terminals on Windows");
    return;
  }
  Handle in_r, in_w, out_r, out_w, err_r, err_w;
  if (!win32::MakeChildPipe(in_r, in_w, true) || !win32::MakeChildPipe(out_r, out_w, false) ||
      !win32::MakeChildPipe(err_r, err_w, false)) {
    fail("pipe: " + win32::ErrorText(::GetLastError()));
    return;
  }
  std::wstring cmd;
  for (const std::string& a : argv) {
    if (!cmd.empty()) cmd += L' ';
    win32::AppendQuotedArg(cmd, win32::Widen(a));
  }
  std::wstring env = ChildEnv(o);
  std::wstring cwd = win32::Widen(o.cwd);
  std::replace(cwd.begin(), cwd.end(), L'/', L'\\');
  // A path is started as it is; a bare name is searched in the PATH (".exe" added).
  std::wstring program = IsPath(argv[0]) ? ProgramPath(argv[0]) : std::wstring();
  STARTUPINFOW si = win32::StdHandlesStartupInfo(in_r.get(), out_w.get(), err_w.get());
  PROCESS_INFORMATION pi{};
  if (!::CreateProcessW(program.empty() ? nullptr : program.c_str(), cmd.data(), nullptr, nullptr,
                        TRUE, CREATE_NO_WINDOW | CREATE_UNICODE_ENVIRONMENT, env.data(),
                        cwd.empty() ? nullptr : cwd.c_str(), &si, &pi)) {
    fail("cannot start " + argv[0] + ": " + win32::ErrorText(::GetLastError()));
    return;
  }
  process_ = pi.hProcess;
  pid_ = static_cast<pid_t>(pi.dwProcessId);
  ::CloseHandle(pi.hThread);
  in_r.reset();
  out_w.reset();
  err_w.reset();
  pumps_.emplace_back(Drain, out_r.release(), &result_.out);
  pumps_.emplace_back(Drain, err_r.release(), &result_.err);
  pumps_.emplace_back(Feed, in_w.release(), o.stdin_data);
}

Subprocess::~Subprocess() {
  if (!waited_) {
    Kill(SIGKILL);
    (void)Wait();
  }
}

void Subprocess::Kill(int sig) {
  if (process_ == nullptr || waited_ || killed_by_ != 0) return;
  if (::TerminateProcess(process_, 128 + static_cast<UINT>(sig))) killed_by_ = sig;
}

SubprocessResult Subprocess::Wait() {
  if (waited_) return result_;
  ::WaitForSingleObject(process_, INFINITE);
  for (std::thread& t : pumps_) t.join();
  ToLf(&result_.out);
  ToLf(&result_.err);
  DWORD code = 0;
  ::GetExitCodeProcess(process_, &code);
  ::CloseHandle(process_);
  process_ = nullptr;
  waited_ = true;
  if (killed_by_ != 0 && code == 128 + static_cast<DWORD>(killed_by_)) {
    result_.term_signal = killed_by_;
  } else {
    result_.exit_code = static_cast<int>(code);
  }
  return result_;
}

}  // namespace rdbundle::testsupport
