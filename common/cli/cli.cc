#include "common/cli/cli.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <exception>
#include <new>

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
    if (!spec->takes_value && inline_value) {
      return Status::Usage("option " + shown + " takes no value");
    }
    auto& slot = out.values_[spec->name];
    if (!slot.empty() && !spec->repeatable) {
      return Status::Usage("option --" + spec->name + " given more than once");
    }
    if (!spec->takes_value) {
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

Status CheckOptionsApply(const ParsedArgs& a, const std::vector<OptionSpec>& specs,
                         std::string_view cmd, const std::vector<std::string>& allowed) {
  for (const auto& spec : specs) {
    if (!a.Has(spec.name) || spec.name == "help") continue;
    if (std::find(allowed.begin(), allowed.end(), spec.name) == allowed.end()) {
      return Status::Usage("option --" + spec.name + " does not apply to " + std::string(cmd));
    }
  }
  return Status::Ok();
}

std::vector<std::string> JoinOptionLists(std::vector<std::string> a,
                                         const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

namespace {

int RunCommands(const CommandProgram& p, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(p.usage, args.empty() ? stderr : stdout);
    return args.empty() ? static_cast<int>(ExitCode::kUsage) : 0;
  }
  if (args[0] == "--version") {
    std::printf("%s %s (format version %d)\n", p.name, RDBUNDLE_VERSION, kFormatVersion);
    return 0;
  }
  InstallInterruptHandlers();
  const std::string cmd = args[0];
  args.erase(args.begin());
  Status s;
  auto parsed = ParseArgs(args, p.specs);
  if (!parsed.has_value()) {
    s = parsed.error();
  } else if (parsed->Has("help")) {
    std::fputs(p.usage, stdout);
    return 0;
  } else {
    s = p.dispatch(cmd, *parsed);
  }
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
