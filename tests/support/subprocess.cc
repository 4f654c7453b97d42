// The parts of subprocess.h that are the same on every platform (the processes themselves:
// subprocess_posix.cc, subprocess_win32.cc).
#include "tests/support/subprocess.h"

#include <chrono>
#include <cstdlib>
#include <thread>

#include "common/os/fs.h"

namespace rdbundle::testsupport {

std::string SubprocessResult::Describe() const {
  std::string s = term_signal != 0 ? "killed by signal " + std::to_string(term_signal)
                                   : "exit " + std::to_string(exit_code);
  return s + "\nstdout: " + out + "\nstderr: " + err;
}

SubprocessResult RunProcess(const std::vector<std::string>& argv, const SubprocessOptions& options) {
  Subprocess p(argv, options);
  return p.Wait();
}

int WaitForPortFile(const std::string& port_file) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = ReadFileToString(DefaultFs(), port_file, 64);
    if (text.has_value() && !text->empty() && text->back() == '\n') return std::atoi(text->c_str());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

}  // namespace rdbundle::testsupport
