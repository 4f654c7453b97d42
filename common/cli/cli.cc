#include "common/cli/cli.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <exception>
#include <new>

#include "common/base/strings.h"
#include "common/format/limits.h"
#include "common/os/platform.h"
#include "rdbundle/version_info.h"

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

}  // namespace

std::optional<std::string> ParsedArgs::Get(std::string_view name) const {
  auto it = values_.find(std::string(name));
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::GetAll(std::string_view name) const {
  auto it = values_.find(std::string(name));
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

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
    if (spec == nullptr) return Status::Usage("unknown option " + shown + " (see --help)");
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
  const std::string label = c.name.empty() ? "this program" : c.Label();
  const std::size_t n = c.operands.size();
  if (given.size() > n) {
    if (n == 0) return Status::Usage(label + " takes no argument \"" + given[0] + "\"");
    return Status::Usage(label + " takes only " + Join(c.operands, " and ") +
                         ", not also \"" + given[n] + "\"");
  }
  if (given.size() < n) {
    const std::vector<std::string> missing(c.operands.begin() + given.size(), c.operands.end());
    return Status::Usage(label + " needs " + Join(missing, " and "));
  }
  return Status::Ok();
}

}  // namespace

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
  if (chosen == nullptr) {
    return Status::Usage("unknown command \"" + std::string(cmd) + "\" (see " + p.name +
                         " --help)");
  }
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
  if (o.name != "help" && std::string_view(p.usage).find("--" + o.name) == std::string_view::npos) {
    return Status::Internal(row + "not in the usage text");
  }
  return Status::Ok();
}

}  // namespace

Status CheckCommandTables(const CommandProgram& p) {
  CommandSet all = 0;
  RDB_RETURN_IF_ERROR(CheckCommandRows(p, all));
  for (const auto& o : p.options) RDB_RETURN_IF_ERROR(CheckOptionRow(p, o, all));
  return Status::Ok();
}

namespace {

int RunCommands(const CommandProgram& p, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(p.usage, args.empty() ? stderr : stdout);
    return args.empty() ? static_cast<int>(ExitCode::kUsage) : 0;
  }
  if (args[0] == "--version") {
    std::printf("%s %s (format versions %d to %d)\n", p.name, RDBUNDLE_VERSION, kMinFormatVersion,
                kFormatVersion);
    return 0;
  }
  InstallInterruptHandlers();
  // A program of one unnamed command has no command word.
  const bool single = p.commands.size() == 1 && p.commands[0].name.empty();
  const std::string cmd = single ? "" : args[0];
  if (!single) args.erase(args.begin());
  const Status s = [&]() -> Status {
    RDB_RETURN_IF_ERROR(CheckCommandTables(p));
    RDB_ASSIGN_OR_RETURN(ParsedArgs parsed, ParseArgs(args, p.options));
    if (parsed.Has("help")) {
      std::fputs(p.usage, stdout);
      return Status::Ok();
    }
    RDB_ASSIGN_OR_RETURN(const CommandSpec* command, SelectCommand(p, cmd, parsed));
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
