#include "common/cli/console.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace rdbundle {
namespace {

std::atomic<Verbosity> g_verbosity{Verbosity::kNormal};

struct ConsoleState {
  std::mutex mu;
  std::string program = "rdbundle";
  std::string clear;  // non-empty while a progress line is on screen
};

ConsoleState& State() {
  static ConsoleState* s = new ConsoleState;  // never destroyed: used until exit
  return *s;
}

void Emit(std::string_view prefix, std::string_view text) {
  ConsoleState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.clear.empty()) {
    std::fputs(s.clear.c_str(), stderr);
    s.clear.clear();
  }
  std::fprintf(stderr, "%s: %.*s%.*s\n", s.program.c_str(), static_cast<int>(prefix.size()),
               prefix.data(), static_cast<int>(text.size()), text.data());
  std::fflush(stderr);
}

}  // namespace

void SetVerbosity(Verbosity v) { g_verbosity.store(v); }
Verbosity GetVerbosity() { return g_verbosity.load(); }

void SetConsoleProgramName(std::string_view name) {
  ConsoleState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  s.program = std::string(name);
}

void Say(std::string_view text) {
  if (GetVerbosity() != Verbosity::kQuiet) Emit("", text);
}

void Warn(std::string_view text) {
  if (GetVerbosity() != Verbosity::kQuiet) Emit("warning: ", text);
}

void SayVerbose(std::string_view text) {
  if (GetVerbosity() == Verbosity::kVerbose) Emit("", text);
}

namespace console_internal {

void DrawProgressLine(std::string_view text, std::string_view clear) {
  ConsoleState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  s.clear = std::string(clear);
}

void ClearProgressLine() {
  ConsoleState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.clear.empty()) return;
  std::fputs(s.clear.c_str(), stderr);
  std::fflush(stderr);
  s.clear.clear();
}

}  // namespace console_internal
}  // namespace rdbundle
