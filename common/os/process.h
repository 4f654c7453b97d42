// Running a helper program (docker-credential-<name>): the one place the project starts
// another process.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace rdbundle {

struct ProgramOutput {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;     // stdout, at most max_output bytes
  std::string err;     // the first line of stderr, at most 200 bytes
};

// Runs argv[0] (searched in PATH when it has no '/') with `input` on its stdin, no shell.
// kNotFound "<program>: not found" when it cannot be started; kLimitExceeded when stdout
// exceeds max_output bytes (the program is killed).
Result<ProgramOutput> RunProgram(const std::vector<std::string>& argv, const std::string& input,
                                 std::size_t max_output);

}  // namespace rdbundle
