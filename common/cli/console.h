// The program's lines on stderr besides its one error line: notes ("retrying in 2 s (2/5):
// ..."), warnings, and with -v each request and each file. -q keeps only the error line
// (RunCommandProgram sets the level from -q/--quiet and -v/--verbose). A progress line being
// drawn (progress.h) is cleared before a note is printed and redrawn on its next update, so
// notes from download threads never run into it.
#pragma once

#include <string_view>

namespace rdbundle {

enum class Verbosity { kQuiet, kNormal, kVerbose };

void SetVerbosity(Verbosity v);
Verbosity GetVerbosity();

// The prefix of every line ("rdbundle-pack"); set by RunCommandProgram.
void SetConsoleProgramName(std::string_view name);

// "NAME: text\n" on stderr, unless -q. Thread-safe.
void Say(std::string_view text);
// "NAME: warning: text\n", unless -q.
void Warn(std::string_view text);
// "NAME: text\n" with -v only (each request, each file).
void SayVerbose(std::string_view text);

namespace console_internal {
// For Progress on stderr: writes `text` (the redrawn line) under the console lock and records
// that `clear` removes it again before the next note; ClearProgressLine writes `clear` now.
void DrawProgressLine(std::string_view text, std::string_view clear);
void ClearProgressLine();
}  // namespace console_internal

}  // namespace rdbundle
