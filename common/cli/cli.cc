#include "common/cli/cli.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <exception>
#include <new>

#include "common/base/strings.h"
#include "common/cli/console.h"
#include "common/cli/help.h"
#include "common/os/platform.h"

namespace rdbundle {
namespace {

const OptionSpec* FindLong(const std::vector<OptionSpec>& specs, std::string_view name) {
  for (const auto& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const OptionSpec* FindShort(const std::vector<OptionSpec>& specs, char c) {
  for (const auto& s : specs) {
    if (s.short_name != 0 && s.short_name == c) return &s;
  }
  return nullptr;
}

std::string DidYouMean(const std::vector<std::string>& suggestions, std::string_view prefix) {
  std::vector<std::string> shown;
  for (const auto& s : suggestions) shown.push_back(std::string(prefix) + s);
  return "did you mean " + Join(shown, " or ") + "?";
}

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbouring characters (the usual typos) cost 1 each.
std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::vector<std::string> Suggest(std::string_view typo, const std::vector<std::string>& candidates) {
  constexpr std::size_t kMax = 3;
  std::vector<std::string> out;
  const auto add = [&out](const std::string& c) {
    if (out.size() < kMax && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  if (typo.size() >= 3) {
    for (const auto& c : candidates) {
      if (c.size() > typo.size() && c.starts_with(typo)) add(c);
    }
    if (!out.empty()) return out;
  }
  const std::size_t limit = typo.size() <= 4 ? 1 : typo.size() <= 9 ? 2 : 3;
  std::size_t best = limit + 1;
  for (const auto& c : candidates) best = std::min(best, EditDistance(typo, c));
  if (best > limit) return out;
  for (const auto& c : candidates) {
    if (EditDistance(typo, c) == best) add(c);
  }
  return out;
}

std::optional<std::string> ParsedArgs::Get(std::string_view name) const {
  auto it = values_.find(std::string(name));
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::GetAll(std::string_view name) const {
  auto it = values_.find(std::string(name));
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

namespace {

// "unknown option --chanel (did you mean --channel?)", else "... (see --help)".
Status UnknownOption(const std::string& shown, const std::vector<OptionSpec>& specs) {
  std::vector<std::string> names;
  for (const auto& s : specs) names.push_back(s.name);
  std::vector<std::string> near;
  if (shown.starts_with("--")) near = Suggest(std::string_view(shown).substr(2), names);
  return Status::Usage("unknown option " + shown + " (" +
                       (near.empty() ? "see --help" : DidYouMean(near, "--")) + ")");
}

}  // namespace

Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& specs) {
  ParsedArgs out;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (options_done || arg == "-" || arg.empty() || arg[0] != '-') {
      out.positional_.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    const OptionSpec* spec = nullptr;
    std::optional<std::string> inline_value;
    std::string shown(arg);
    if (arg.starts_with("--")) {
      std::string_view body = arg.substr(2);
      if (auto eq = body.find('='); eq != body.npos) {
        inline_value = std::string(body.substr(eq + 1));
        body = body.substr(0, eq);
        shown = "--" + std::string(body);
      }
      spec = FindLong(specs, body);
    } else {
      spec = FindShort(specs, arg[1]);
      shown = std::string(arg.substr(0, 2));
      if (arg.size() > 2) inline_value = std::string(arg.substr(2));
    }
    if (spec == nullptr) return UnknownOption(shown, specs);
    if (!spec->takes_value() && inline_value) {
      return Status::Usage("option " + shown + " takes no value");
    }
    auto& slot = out.values_[spec->name];
    if (!slot.empty() && !spec->repeatable) {
      return Status::Usage("option --" + spec->name + " given more than once");
    }
    if (!spec->takes_value()) {
      slot.emplace_back();
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) return Status::Usage("option " + shown + " needs a value");
      inline_value = args[++i];
    }
    slot.push_back(std::move(*inline_value));
  }
  return out;
}

Result<long long> ParseIntOption(std::string_view option, std::string_view value, long long lo,
                                 long long hi) {
  long long v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size() || value.empty() || v < lo || v > hi) {
    return Status::Usage("option --" + std::string(option) + ": \"" + std::string(value) +
                         "\" is not a whole number from " + std::to_string(lo) + " to " +
                         std::to_string(hi));
  }
  return v;
}

namespace {

bool Applies(const CommandProgram& p, const std::string& option, CommandSet id) {
  return std::any_of(p.options.begin(), p.options.end(), [&](const OptionSpec& o) {
    return o.name == option && (o.commands & id) != 0;
  });
}

// The first option (in table order) that was given but does not apply to `c`.
Status CheckOptionsApply(const CommandProgram& p, const CommandSpec& c, const ParsedArgs& a) {
  for (const auto& o : p.options) {
    if (!a.Has(o.name) || o.name == "help" || Applies(p, o.name, c.id)) continue;
    // Name the other forms of the command that take it: "build --from" vs plain "build".
    std::vector<std::string> forms, whens;
    for (const auto& other : p.commands) {
      if (other.name != c.name) continue;
      if (!other.when.empty()) whens.push_back("--" + other.when);
      if (Applies(p, o.name, other.id)) forms.push_back(other.Label());
    }
    std::string msg = "option --" + o.name + " does not apply to " + c.Label();
    for (auto& f : forms) {
      if (f == c.name) f += " without " + Join(whens, " or ");
    }
    if (!forms.empty()) msg += " (only to " + Join(forms, ", ") + ")";
    return Status::Usage(msg);
  }
  return Status::Ok();
}

Status CheckOperands(const CommandSpec& c, const std::vector<std::string>& given) {
  const std::string label = c.Label();
  const std::size_t n = c.operands.size();
  const std::size_t required = n - std::min(n, c.optional_operands);
  if (given.size() > n) {
    if (n == 0) return Status::Usage(label + " takes no argument \"" + given[0] + "\"");
    return Status::Usage(label + " takes only " + Join(c.operands, " and ") +
                         ", not also \"" + given[n] + "\"");
  }
  if (given.size() < required) {
    const std::vector<std::string> missing(c.operands.begin() + given.size(),
                                           c.operands.begin() + required);
    return Status::Usage(label + " needs " + Join(missing, " and "));
  }
  return Status::Ok();
}

}  // namespace

Status CheckCommandName(const CommandProgram& p, std::string_view cmd) {
  std::vector<std::string> names;
  for (const auto& c : p.commands) {
    if (c.name == cmd) return Status::Ok();
    names.push_back(c.name);
  }
  const auto near = Suggest(cmd, names);
  return Status::Usage("unknown command \"" + std::string(cmd) + "\" (" +
                       (near.empty() ? "see " + std::string(p.name) + " --help"
                                     : DidYouMean(near, "")) +
                       ")");
}

Result<const CommandSpec*> SelectCommand(const CommandProgram& p, std::string_view cmd,
                                         const ParsedArgs& a) {
  const CommandSpec* chosen = nullptr;
  for (const auto& c : p.commands) {
    if (c.name != cmd) continue;
    if (!c.when.empty() && a.Has(c.when)) {
      chosen = &c;
      break;
    }
    if (c.when.empty() && chosen == nullptr) chosen = &c;
  }
  if (chosen == nullptr) return CheckCommandName(p, cmd);
  RDB_RETURN_IF_ERROR(CheckOptionsApply(p, *chosen, a));
  RDB_RETURN_IF_ERROR(CheckOperands(*chosen, a.positional()));
  return chosen;
}

namespace {

Status CheckCommandRows(const CommandProgram& p, CommandSet& all) {
  all = 0;
  for (const auto& c : p.commands) {
    const std::string row = "command table: \"" + c.Label() + "\": ";
    if (c.id == 0 || (c.id & (c.id - 1)) != 0) return Status::Internal(row + "id is not one bit");
    if ((all & c.id) != 0) return Status::Internal(row + "id used twice");
    all |= c.id;
    for (const auto& other : p.commands) {
      if (&other != &c && other.name == c.name && other.when == c.when) {
        return Status::Internal(row + "declared twice");
      }
    }
    if (!c.when.empty() && !Applies(p, c.when, c.id)) {
      return Status::Internal(row + "--" + c.when + " is not one of its options");
    }
    if (!c.run) return Status::Internal(row + "no function");
    if (c.summary.empty()) return Status::Internal(row + "no summary");
    if (c.optional_operands > c.operands.size()) {
      return Status::Internal(row + "more optional operands than operands");
    }
  }
  return Status::Ok();
}

Status CheckOptionRow(const CommandProgram& p, const OptionSpec& o, CommandSet all) {
  const std::string row = "option table: --" + o.name + ": ";
  if (o.name != "help" && (o.commands & all) == 0) {
    return Status::Internal(row + "applies to no command");
  }
  for (const auto& other : p.options) {
    if (&other == &o) break;  // each pair once
    if (other.name == o.name &&
        (other.short_name != o.short_name || other.takes_value() != o.takes_value() ||
         other.repeatable != o.repeatable || (other.commands & o.commands) != 0)) {
      return Status::Internal(row + "rows disagree or overlap");
    }
    if (other.name != o.name && o.short_name != 0 && other.short_name == o.short_name) {
      return Status::Internal(row + "-" + std::string(1, o.short_name) + " is also --" +
                              other.name);
    }
  }
  if (o.help.empty()) return Status::Internal(row + "no help");
  return Status::Ok();
}

}  // namespace

Status CheckCommandTables(const CommandProgram& p) {
  CommandSet all = 0;
  RDB_RETURN_IF_ERROR(CheckCommandRows(p, all));
  for (const auto& o : p.options) RDB_RETURN_IF_ERROR(CheckOptionRow(p, o, all));
  return Status::Ok();
}

CommandProgram WithBuiltins(const CommandProgram& p) {
  CommandProgram full = p;
  // Run by RunBuiltin, which needs the whole program; never called.
  const auto builtin = [](const ParsedArgs&) {
    return Status::Internal("a built-in command was run as a program command");
  };
  const std::string name = p.name;
  full.commands.push_back({.id = kHelpCommand, .name = "help", .operands = {"COMMAND"},
                           .optional_operands = 1,
                           .summary = "show the commands, or the usage and options of COMMAND",
                           .run = builtin});
  full.commands.push_back({.id = kVersionCommand, .name = "version",
                           .summary = "print the version (also: --version)", .run = builtin});
  full.commands.push_back(
      {.id = kCompletionCommand, .name = "completion", .operands = {"SHELL"},
       .summary = "write the completion script for SHELL (bash, zsh or fish) to stdout",
       .run = builtin,
       .details = "bash: source <(" + name + " completion bash), or save it as\n"
                  "      ~/.local/share/bash-completion/completions/" + name + "\n"
                  "zsh:  " + name + " completion zsh > DIR/_" + name +
                  " (DIR: a directory in $fpath)\n"
                  "fish: " + name + " completion fish > ~/.config/fish/completions/" + name +
                  ".fish\n"});
  full.commands.push_back({.id = kManCommand, .name = "man",
                           .summary = "write the man page (troff) to stdout",
                           .run = builtin,
                           .details = "read it with: " + name + " man | man -l -\n"});
  const bool has_help = std::any_of(p.options.begin(), p.options.end(),
                                    [](const OptionSpec& o) { return o.name == "help"; });
  if (!has_help) {
    full.options.insert(full.options.begin(),
                        {.name = "help", .short_name = 'h', .commands = kAllCommands,
                         .help = "show the usage and options of the command"});
  }
  // Every command: how much it says on stderr besides its error line (console.h).
  const bool has_verbosity = std::any_of(p.options.begin(), p.options.end(), [](const OptionSpec& o) {
    return o.name == "quiet" || o.name == "verbose";
  });
  if (!has_verbosity) {
    const OptionSpec quiet{.name = "quiet", .short_name = 'q', .commands = kAllCommands,
                           .help = "errors only: no notes, warnings or progress"};
    const OptionSpec verbose{.name = "verbose", .short_name = 'v', .commands = kAllCommands,
                             .help = "also each request and each file, on stderr"};
    full.options.insert(full.options.begin() + 1, verbose);
    full.options.insert(full.options.begin() + 1, quiet);
  }
  return full;
}

namespace {

Status RunBuiltin(const CommandProgram& p, const CommandSpec& c, const ParsedArgs& a) {
  std::string text;
  if (c.id == kHelpCommand) {
    if (a.positional().empty()) {
      text = ProgramHelp(p);
    } else {
      RDB_RETURN_IF_ERROR(CheckCommandName(p, a.positional()[0]));
      text = CommandHelp(p, a.positional()[0]);
    }
  } else if (c.id == kVersionCommand) {
    text = VersionLine(p);
  } else if (c.id == kCompletionCommand) {
    RDB_ASSIGN_OR_RETURN(text, CompletionScript(p, a.positional()[0]));
  } else if (c.id == kManCommand) {
    text = ManPage(p);
  } else {
    return Status::Internal("no built-in command \"" + c.name + "\"");
  }
  std::fputs(text.c_str(), stdout);
  return Status::Ok();
}

int RunCommands(const CommandProgram& program, int argc, char** argv) {
  const CommandProgram p = WithBuiltins(program);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(ShortUsage(p).c_str(), stderr);
    return static_cast<int>(ExitCode::kUsage);
  }
  if (args[0] == "--help" || args[0] == "-h") {
    std::fputs(ProgramHelp(p).c_str(), stdout);
    return 0;
  }
  if (args[0] == "--version") {
    std::fputs(VersionLine(p).c_str(), stdout);
    return 0;
  }
  InstallInterruptHandlers();
  SetConsoleProgramName(p.name);
  // A program of one unnamed command (in one or more forms) has no command word.
  const bool single =
      !program.commands.empty() &&
      std::all_of(program.commands.begin(), program.commands.end(),
                  [](const CommandSpec& c) { return c.name.empty(); });
  const std::string cmd = single ? "" : args[0];
  if (!single) args.erase(args.begin());
  const Status s = [&]() -> Status {
    RDB_RETURN_IF_ERROR(CheckCommandTables(p));
    // A mistyped command is named before its options are looked at.
    RDB_RETURN_IF_ERROR(CheckCommandName(p, cmd));
    RDB_ASSIGN_OR_RETURN(ParsedArgs parsed, ParseArgs(args, p.options));
    if (parsed.Has("quiet") && parsed.Has("verbose")) {
      return Status::Usage("-q (--quiet) and -v (--verbose) exclude each other");
    }
    if (parsed.Has("quiet")) SetVerbosity(Verbosity::kQuiet);
    if (parsed.Has("verbose")) SetVerbosity(Verbosity::kVerbose);
    if (parsed.Has("help")) {
      std::fputs(CommandHelp(p, cmd).c_str(), stdout);
      return Status::Ok();
    }
    RDB_ASSIGN_OR_RETURN(const CommandSpec* command, SelectCommand(p, cmd, parsed));
    if ((command->id & kBuiltinCommands) != 0) return RunBuiltin(p, *command, parsed);
    return command->run(parsed);
  }();
  if (s.ok()) return 0;
  std::fflush(stdout);
  std::fprintf(stderr, "%s: %s\n", p.name, s.message().c_str());
  return static_cast<int>(s.exit_code());
}

}  // namespace

int RunCommandProgram(const CommandProgram& p, int argc, char** argv) {
  try {
    return RunCommands(p, argc, argv);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%s: out of memory\n", p.name);
    return static_cast<int>(ExitCode::kIo);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error: %s (please report this)\n", p.name, e.what());
    return static_cast<int>(ExitCode::kInternal);
  }
}

}  // namespace rdbundle
