// Win32 implementation of process.h (the POSIX one is process_posix.cc): CreateProcessW with
// three pipes; stdin is written and stderr read on their own threads, stdout on this one.
#include <windows.h>

#include <thread>

#include "common/os/process.h"
#include "common/os/win32_util.h"

namespace rdbundle {

using win32::Handle;

Result<ProgramOutput> RunProgram(const std::vector<std::string>& argv, const std::string& input,
                                 std::size_t max_output) {
  if (argv.empty()) return Status::Internal("RunProgram: no program");
  Handle in_r, in_w, out_r, out_w, err_r, err_w;
  if (!win32::MakeChildPipe(in_r, in_w, true) || !win32::MakeChildPipe(out_r, out_w, false) ||
      !win32::MakeChildPipe(err_r, err_w, false)) {
    return win32::FromWinError("pipe", ::GetLastError());
  }
  std::wstring cmd;
  for (const std::string& a : argv) {
    if (!cmd.empty()) cmd += L' ';
    win32::AppendQuotedArg(cmd, win32::Widen(a));
  }
  STARTUPINFOW si = win32::StdHandlesStartupInfo(in_r.get(), out_w.get(), err_w.get());
  PROCESS_INFORMATION pi{};
  // No application name: CreateProcessW searches the PATH for argv[0] (adding ".exe").
  if (!::CreateProcessW(nullptr, cmd.data(), nullptr, nullptr, TRUE, CREATE_NO_WINDOW, nullptr,
                        nullptr, &si, &pi)) {
    const DWORD err = ::GetLastError();
    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) {
      return Status::NotFound(argv[0] + ": not found");
    }
    return win32::FromWinError(argv[0], err);
  }
  Handle process(pi.hProcess);
  ::CloseHandle(pi.hThread);
  in_r.reset();
  out_w.reset();
  err_w.reset();

  std::thread writer([&in_w, &input] {
    std::size_t written = 0;
    while (written < input.size()) {
      DWORD n = 0;
      const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(input.size() - written, 1 << 16));
      if (!::WriteFile(in_w.get(), input.data() + written, chunk, &n, nullptr)) break;
      written += n;
    }
    in_w.reset();
  });
  ProgramOutput r;
  std::thread errors([&err_r, &r] {
    char buf[4096];
    DWORD n = 0;
    while (::ReadFile(err_r.get(), buf, sizeof buf, &n, nullptr) && n > 0) {
      if (r.err.size() < 200) r.err.append(buf, std::min<std::size_t>(n, 200 - r.err.size()));
    }
  });
  bool within = true;
  char buf[4096];
  DWORD n = 0;
  while (::ReadFile(out_r.get(), buf, sizeof buf, &n, nullptr) && n > 0) {
    r.out.append(buf, n);
    if (r.out.size() > max_output) {
      within = false;
      ::TerminateProcess(process.get(), 1);
      break;
    }
  }
  out_r.reset();
  ::WaitForSingleObject(process.get(), INFINITE);
  writer.join();
  errors.join();
  if (!within) {
    return Status::Limit(argv[0] + ": more than " + std::to_string(max_output) + " bytes of output");
  }
  DWORD code = 0;
  ::GetExitCodeProcess(process.get(), &code);
  r.exit_code = static_cast<int>(code);
  if (const auto nl = r.err.find('\n'); nl != std::string::npos) r.err.resize(nl);
  if (!r.err.empty() && r.err.back() == '\r') r.err.pop_back();
  return r;
}

}  // namespace rdbundle
