// A small, strict command-line parser: unknown options and repeated single-value options are
// errors (minisign's "Duplicate option"), never silently ignored.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace rdbundle {

struct OptionSpec {
  std::string name;     // long name without "--", e.g. "output"
  char short_name = 0;  // e.g. 'o', or 0
  bool takes_value = false;
  bool repeatable = false;
};

class ParsedArgs {
 public:
  bool Has(std::string_view name) const { return values_.count(std::string(name)) > 0; }
  // The value of a single-value option.
  std::optional<std::string> Get(std::string_view name) const;
  // All values of a repeatable option, in command-line order.
  std::vector<std::string> GetAll(std::string_view name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend Result<ParsedArgs> ParseArgs(const std::vector<std::string>&,
                                      const std::vector<OptionSpec>&);
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// Parses "--name value", "--name=value", "-x value", "-xvalue" for options that take a value;
// "--name" / "-x" for flags; "--" ends options; "-" alone is a positional (stdin).
Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& specs);

// Strict number parsing for option values: the whole string must be a decimal in [lo, hi].
Result<long long> ParseIntOption(std::string_view option, std::string_view value, long long lo,
                                 long long hi);

// kUsage "option --NAME does not apply to CMD" for the first option of `specs` (in their order)
// that was given but is not in `allowed`, so a typo or a misplaced option is never silently
// ignored. --help always applies.
Status CheckOptionsApply(const ParsedArgs& a, const std::vector<OptionSpec>& specs,
                         std::string_view cmd, const std::vector<std::string>& allowed);
// `a` followed by `b`: the allowed options of a command, from shared groups.
std::vector<std::string> JoinOptionLists(std::vector<std::string> a,
                                         const std::vector<std::string>& b);

// A program made of commands (`NAME <command> [options]`).
struct CommandProgram {
  const char* name;   // "rdbundle-pack": --version, and the prefix of every error line
  const char* usage;  // --help (stdout, exit 0); no arguments at all (stderr, exit 2)
  std::vector<OptionSpec> specs;
  std::function<Status(const std::string& cmd, const ParsedArgs& args)> dispatch;
};

// The whole of main() for such a program: --help and --version, the interrupt handlers,
// parsing, the command, then one error line "NAME: message" and the error's exit code. An
// exception that escapes is reported in one line too: std::bad_alloc as "out of memory"
// (kIo), anything else as an internal error (kInternal).
int RunCommandProgram(const CommandProgram& p, int argc, char** argv);

}  // namespace rdbundle
