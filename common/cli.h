// A small, strict command-line parser: unknown options and repeated single-value options are
// errors (minisign's "Duplicate option"), never silently ignored.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

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

}  // namespace rdbundle
