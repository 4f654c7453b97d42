// A small, strict command-line parser: unknown options and repeated single-value options are
// errors (minisign's "Duplicate option"), never silently ignored.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace rdbundle {

// The commands of a program, one bit each (a program declares its own enum of them), and the
// set of commands an option belongs to. A "command" here is one form of a command word: e.g.
// `list` and `list --installed` are two, with their own options and operands.
using CommandSet = std::uint64_t;
inline constexpr CommandSet kAllCommands = ~CommandSet{0};

// One row of a program's option table. The table is the one place an option is declared: the
// parser, the "does not apply to" check, per-command help, the man page and the shell
// completions (help.h) all read it. An option may have several rows with disjoint `commands` when its
// help differs per command (e.g. --output of build and of versions-json); such rows agree on
// short_name, taking a value and repeatable (CheckCommandTables).
struct OptionSpec {
  std::string name;          // long name without "--", e.g. "output"
  char short_name = 0;       // e.g. 'o', or 0
  std::string value;         // placeholder of the value in help, e.g. "FILE"; empty: a flag
  bool repeatable = false;   // may be given more than once (GetAll)
  CommandSet commands = 0;   // the commands it applies to (0 is a table error)
  std::string help;          // one sentence: what it does and its default (wrapped in help)

  bool takes_value() const { return !value.empty(); }
};

class ParsedArgs {
 public:
  bool Has(std::string_view name) const { return values_.count(std::string(name)) > 0; }
  // The value of a single-value option.
  std::optional<std::string> Get(std::string_view name) const;
  // All values of a repeatable option, in command-line order.
  std::vector<std::string> GetAll(std::string_view name) const;
  const std::vector<std::string>& positional() const { return positional_; }
  // Gives option `name` these values as if they were on the command line (defaults from a
  // kit file or the environment; the caller checks Has() first).
  void Set(const std::string& name, std::vector<std::string> values) {
    values_[name] = std::move(values);
  }

 private:
  friend Result<ParsedArgs> ParseArgs(const std::vector<std::string>&,
                                      const std::vector<OptionSpec>&);
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// Parses "--name value", "--name=value", "-x value", "-xvalue" for options that take a value;
// "--name" / "-x" for flags; "--" ends options; "-" alone is a positional (stdin). An unknown
// long option is a kUsage error that suggests the nearest names (Suggest).
Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& specs);

// Strict number parsing for option values: the whole string must be a decimal in [lo, hi].
Result<long long> ParseIntOption(std::string_view option, std::string_view value, long long lo,
                                 long long hi);

// One row of a program's command table.
struct CommandSpec {
  CommandSet id = 0;     // one bit of the program's command enum
  std::string name;      // the command word, e.g. "list"
  std::string when;      // a form of `name`: this row applies when option --`when` is given
                         // (e.g. "installed"); "" for the form used when no other one applies
  std::vector<std::string> operands;  // the positional arguments: {"BUNDLE"}
  std::size_t optional_operands = 0;  // how many of the last `operands` may be left out
  std::string summary;   // one line, for the list of commands
  std::function<Status(const ParsedArgs& args)> run;
  // What follows the command word in its usage line, e.g. "-o OUT -s KEY [options]"; empty:
  // generated from `when` and `operands` ("--installed [options]", "BUNDLE [options]").
  std::string usage = {};
  // More about the command, after its options in its help and man page: lines of at most 92
  // columns, printed as they are.
  std::string details = {};

  // "list --installed", "list", "build --from"; in messages.
  std::string Label() const { return when.empty() ? name : name + " --" + when; }
};

// A titled block of text in the program's help and man page ("Exit codes", "Environment").
struct HelpSection {
  std::string title;
  std::string text;  // lines of at most 92 columns, printed as they are
};

// A program made of commands (`NAME <command> [options] [operands]`). RunCommandProgram adds the built-in commands
// (help, version, completion, man) and options (--help) to it (WithBuiltins).
struct CommandProgram {
  const char* name;     // "rdbundle-pack": --version, and the prefix of every error line
  const char* summary;  // one line: what the program is for (help, man page NAME)
  std::vector<CommandSpec> commands;
  std::vector<OptionSpec> options;
  std::vector<HelpSection> sections = {};  // after the commands in --help and in the man page
};

// Ids of the built-in commands: the top bits, so a program's own enum stays below them.
inline constexpr CommandSet kHelpCommand = CommandSet{1} << 60;
inline constexpr CommandSet kVersionCommand = CommandSet{1} << 61;
inline constexpr CommandSet kCompletionCommand = CommandSet{1} << 62;
inline constexpr CommandSet kManCommand = CommandSet{1} << 63;
inline constexpr CommandSet kBuiltinCommands =
    kHelpCommand | kVersionCommand | kCompletionCommand | kManCommand;

// `p` with the built-in commands and options appended: `help [COMMAND]`, `version`,
// `completion bash|zsh|fish`, `man`, and -h/--help for every command.
CommandProgram WithBuiltins(const CommandProgram& p);

// The command row for `cmd` and the parsed options: its form (the first row of that name whose
// `when` option was given, else its row without `when`); kUsage "unknown command" (with the
// nearest command names) when there is none; kUsage "option --NAME does not apply
// to LABEL" for the first option (in table order) given but not declared for that form, so a
// typo or a misplaced option is never silently ignored (--help always applies); kUsage when the
// operands are not exactly the declared ones.
// Ok when `cmd` is the name of a command of `p`; else kUsage "unknown command" with the
// nearest names (Suggest), or "see NAME --help".
Status CheckCommandName(const CommandProgram& p, std::string_view cmd);

Result<const CommandSpec*> SelectCommand(const CommandProgram& p, std::string_view cmd,
                                         const ParsedArgs& a);

// Internal consistency of the tables, checked on every run (kInternal, naming the row): command
// ids are distinct single bits and names are not reused across forms without `when`; every
// option applies to some declared command, each `when` is an option of its own form; rows of one
// name agree on short_name, taking a value and repeatable and do not overlap; a short name
// belongs to one option; every option and command has its help line.
Status CheckCommandTables(const CommandProgram& p);

// The nearest of `candidates` to `typo` for "did you mean": those at the smallest edit
// distance (optimal string alignment: insert, delete, substitute, swap two neighbours), if that
// is at most 1 for a word of up to 4 characters, 2 up to 9, else 3; in the order of
// `candidates`, at most 3. When `typo` (3 characters at least) is the start of some candidates,
// those are the suggestions instead ("chan" for "channel" and "channel-url").
std::vector<std::string> Suggest(std::string_view typo, const std::vector<std::string>& candidates);

// The whole of main() for such a program: no arguments (a short usage on stderr, exit 2),
// --help, --version and the built-in commands, the interrupt handlers, parsing, the command,
// then one error line "NAME: message" and the error's exit code. An
// exception that escapes is reported in one line too: std::bad_alloc as "out of memory"
// (kIo), anything else as an internal error (kInternal).
int RunCommandProgram(const CommandProgram& p, int argc, char** argv);

}  // namespace rdbundle
