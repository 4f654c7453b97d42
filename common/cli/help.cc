#include "common/cli/help.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/base/strings.h"
#include "common/format/limits.h"
#include "rdbundle/version_info.h"

namespace rdbundle {
namespace {

constexpr std::size_t kWidth = 100;    // columns of help output
constexpr std::size_t kHelpColumn = 28;  // where an option's or command's help starts

// The distinct command names, in table order.
std::vector<std::string> CommandNames(const CommandProgram& p) {
  std::vector<std::string> names;
  for (const auto& c : p.commands) {
    if (std::find(names.begin(), names.end(), c.name) == names.end()) names.push_back(c.name);
  }
  return names;
}

std::vector<const CommandSpec*> FormsOf(const CommandProgram& p, std::string_view name) {
  std::vector<const CommandSpec*> forms;
  for (const auto& c : p.commands) {
    if (c.name == name) forms.push_back(&c);
  }
  return forms;
}

CommandSet Ids(const std::vector<const CommandSpec*>& forms) {
  CommandSet ids = 0;
  for (const auto* c : forms) ids |= c->id;
  return ids;
}

const OptionSpec* FindOption(const CommandProgram& p, std::string_view name, CommandSet id) {
  for (const auto& o : p.options) {
    if (o.name == name && (o.commands & id) != 0) return &o;
  }
  return nullptr;
}

// "build --from DIR", "verify BUNDLE", "help [COMMAND]": the command word, the option that
// selects the form and the operands.
std::string FormHead(const CommandProgram& p, const CommandSpec& c) {
  std::string head = c.name;
  if (!c.when.empty()) {
    head += " --" + c.when;
    if (const OptionSpec* o = FindOption(p, c.when, c.id); o && o->takes_value()) {
      head += " " + o->value;
    }
  }
  const std::size_t required = c.operands.size() - c.optional_operands;
  for (std::size_t i = 0; i < c.operands.size(); ++i) {
    head += i < required ? " " + c.operands[i] : " [" + c.operands[i] + "]";
  }
  return head;
}

bool HasOwnOptions(const CommandProgram& p, const CommandSpec& c) {
  return std::any_of(p.options.begin(), p.options.end(), [&](const OptionSpec& o) {
    return (o.commands & c.id) != 0 && o.commands != kAllCommands;
  });
}

// "build -o OUT -s KEY [options]": what follows the program name in the usage line.
std::string FormUsage(const CommandProgram& p, const CommandSpec& c) {
  if (!c.usage.empty()) {
    return c.when.empty() ? c.name + " " + c.usage : FormHead(p, c) + " " + c.usage;
  }
  return FormHead(p, c) + (HasOwnOptions(p, c) ? " [options]" : "");
}

// "build without --from or --from-rd-cache" for the default form of a command with others.
std::string FormTitle(const std::vector<const CommandSpec*>& forms, const CommandSpec& c) {
  if (!c.when.empty() || forms.size() == 1) return c.Label();
  std::vector<std::string> whens;
  for (const auto* f : forms) {
    if (!f->when.empty()) whens.push_back("--" + f->when);
  }
  return c.name + " without " + Join(whens, " or ");
}

// The help of an option as shown: its own, and whether it may be repeated.
std::string OptionHelp(const OptionSpec& o) {
  return o.repeatable ? o.help + " (repeatable)" : o.help;
}

// "-o, --output OUT" / "    --from DIR".
std::string OptionHead(const OptionSpec& o) {
  std::string head = o.short_name != 0 ? std::string("-") + o.short_name + ", " : "    ";
  head += "--" + o.name;
  if (o.takes_value()) head += " " + o.value;
  return head;
}

// "  HEAD      help, wrapped" with the help at kHelpColumn.
std::string Row(const std::string& head, const std::string& help) {
  std::string line = "  " + head;
  if (line.size() + 2 > kHelpColumn) {
    line += "\n" + std::string(kHelpColumn, ' ');
  } else {
    line.append(kHelpColumn - line.size(), ' ');
  }
  return line + Wrap(help, kWidth - kHelpColumn, kHelpColumn) + "\n";
}

std::string Indent(std::string_view text, std::size_t n) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    if (!line.empty()) out += std::string(n, ' ') + std::string(line);
    out += "\n";
    start = end + 1;
  }
  return out;
}

// The options of one command, grouped by the set of its forms they apply to: the options of
// every form first, then each other set in the order of its first option in the table.
struct OptionGroup {
  CommandSet forms = 0;
  std::vector<const OptionSpec*> options;
};

std::vector<OptionGroup> GroupOptions(const CommandProgram& p,
                                      const std::vector<const CommandSpec*>& forms) {
  const CommandSet all = Ids(forms);
  std::vector<OptionGroup> groups{{all, {}}};
  for (const auto& o : p.options) {
    const CommandSet set = o.commands & all;
    if (set == 0) continue;
    auto it = std::find_if(groups.begin(), groups.end(),
                           [set](const OptionGroup& g) { return g.forms == set; });
    if (it == groups.end()) it = groups.insert(groups.end(), {set, {}});
    it->options.push_back(&o);
  }
  if (groups[0].options.empty()) groups.erase(groups.begin());
  return groups;
}

std::string GroupTitle(const std::vector<const CommandSpec*>& forms, const OptionGroup& g) {
  if (g.forms == Ids(forms)) return "Options";
  std::vector<std::string> titles;
  for (const auto* c : forms) {
    if ((c->id & g.forms) != 0) titles.push_back(FormTitle(forms, *c));
  }
  return "Options of " + Join(titles, " and ");
}

// The details of the forms, each text once.
std::vector<std::string> Details(const std::vector<const CommandSpec*>& forms) {
  std::vector<std::string> out;
  for (const auto* c : forms) {
    if (!c->details.empty() && std::find(out.begin(), out.end(), c->details) == out.end()) {
      out.push_back(c->details);
    }
  }
  return out;
}

}  // namespace

std::string Wrap(std::string_view text, std::size_t width, std::size_t indent) {
  std::string out;
  std::size_t column = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    if (end == pos) break;
    const std::string_view word = text.substr(pos, end - pos);
    if (column > 0 && column + 1 + word.size() > width) {
      out += "\n" + std::string(indent, ' ');
      column = 0;
    } else if (column > 0) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    pos = end;
  }
  return out;
}

std::string VersionLine(const CommandProgram& p) {
  return std::string(p.name) + " " + RDBUNDLE_VERSION + " (format versions " +
         std::to_string(kMinFormatVersion) + " to " + std::to_string(kFormatVersion) + ")\n";
}

std::string ShortUsage(const CommandProgram& p) {
  const std::string name = p.name;
  return "usage: " + name + " COMMAND [options]\n" +
         Wrap("commands: " + Join(CommandNames(p), ", "), kWidth, 10) + "\n" + "\"" + name +
         " --help\" describes the commands, \"" + name +
         " COMMAND --help\" the options of one.\n";
}

std::string ProgramHelp(const CommandProgram& p) {
  const std::string name = p.name;
  std::string out = name + ": " + p.summary + "\n\nusage: " + name + " COMMAND [options]\n\n";
  out += "Commands:\n";
  for (const auto& c : p.commands) out += Row(FormHead(p, c), c.summary);
  out += "\nOptions of every command:\n";
  for (const auto& o : p.options) {
    if (o.commands == kAllCommands) out += Row(OptionHead(o), OptionHelp(o));
  }
  for (const auto& s : p.sections) out += "\n" + s.title + ":\n" + Indent(s.text, 2);
  out += "\nRun \"" + name + " COMMAND --help\" for the usage and options of COMMAND.\n";
  return out;
}

std::string CommandHelp(const CommandProgram& p, std::string_view command) {
  const auto forms = FormsOf(p, command);
  const std::string name = p.name;
  std::string out;
  for (std::size_t i = 0; i < forms.size(); ++i) {
    out += (i == 0 ? "usage: " : "       ") + name + " " + FormUsage(p, *forms[i]) + "\n";
  }
  out += "\n";
  if (forms.size() == 1) {
    out += Wrap(forms[0]->summary, kWidth, 0) + "\n";
  } else {
    for (const auto* c : forms) out += Row(c->Label(), c->summary);
  }
  for (const auto& g : GroupOptions(p, forms)) {
    out += "\n" + GroupTitle(forms, g) + ":\n";
    for (const auto* o : g.options) out += Row(OptionHead(*o), OptionHelp(*o));
  }
  for (const auto& d : Details(forms)) out += "\n" + d + (d.ends_with('\n') ? "" : "\n");
  return out;
}

// ---- man page ----------------------------------------------------------------

namespace {

// Text for troff: backslashes and hyphens escaped ("\-" is a hyphen that man renders as the
// ASCII one users type), a control character at the start of a line neutralised, and a break
// point after each "/" so that a long URL can wrap.
std::string Troff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char ch : text) {
    if (line_start && (ch == '.' || ch == '\'')) out += "\\&";
    if (ch == '\\') {
      out += "\\e";
    } else if (ch == '-') {
      out += "\\-";
    } else if (ch == '/') {
      out += "/\\:";
    } else {
      out += ch;
    }
    line_start = ch == '\n';
  }
  return out;
}

std::string ManOption(const OptionSpec& o) {
  std::string head;
  if (o.short_name != 0) head += "\\fB\\-" + std::string(1, o.short_name) + "\\fR, ";
  head += "\\fB" + Troff("--" + o.name) + "\\fR";
  if (o.takes_value()) head += " \\fI" + Troff(o.value) + "\\fR";
  return ".TP\n" + head + "\n" + Troff(OptionHelp(o)) + "\n";
}

std::string ManBlock(std::string_view text) {
  std::string body = Troff(text);
  if (!body.ends_with('\n')) body += "\n";
  return ".PP\n.nf\n" + body + ".fi\n";
}

std::string ManCommand(const CommandProgram& p, const std::string& command) {
  const auto forms = FormsOf(p, command);
  std::string out = ".SS \"" + Troff(command) + "\"\n.nf\n";
  for (const auto* c : forms) out += "\\fB" + Troff(p.name) + "\\fR " + Troff(FormUsage(p, *c)) + "\n";
  out += ".fi\n";
  for (const auto* c : forms) {
    out += ".PP\n" + (forms.size() > 1 ? "\\fB" + Troff(c->Label()) + "\\fR: " : "") +
           Troff(c->summary) + "\n";
  }
  for (const auto& g : GroupOptions(p, forms)) {
    out += ".PP\n" + Troff(GroupTitle(forms, g)) + ":\n.RS\n";
    for (const auto* o : g.options) out += ManOption(*o);
    out += ".RE\n";
  }
  for (const auto& d : Details(forms)) out += ManBlock(d);
  return out;
}

std::string Upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace

std::string ManPage(const CommandProgram& p) {
  const std::string name = p.name;
  std::string out = ".\\\" Generated by \"" + name + " man\" from its option table; do not edit.\n";
  out += ".TH " + Troff(Upper(name)) + " 1 \"\" \"rdbundle " RDBUNDLE_VERSION "\" \"User Commands\"\n";
  // Left-aligned, no hyphenation: URLs and option names stay whole.
  out += ".ad l\n.nh\n";
  out += ".SH NAME\n" + Troff(name) + " \\- " + Troff(p.summary) + "\n";
  out += ".SH SYNOPSIS\n.B " + Troff(name) + "\n.I command\n[\\fIoptions\\fR] [\\fIoperands\\fR]\n";
  out += ".SH DESCRIPTION\n" + Troff(p.summary) + ".\n.PP\nCommands:\n.RS\n";
  for (const auto& c : p.commands) {
    out += ".TP\n\\fB" + Troff(FormHead(p, c)) + "\\fR\n" + Troff(c.summary) + "\n";
  }
  out += ".RE\n.SH OPTIONS\nThese apply to every command:\n.RS\n";
  for (const auto& o : p.options) {
    if (o.commands == kAllCommands) out += ManOption(o);
  }
  out += ".RE\n.SH COMMANDS\n";
  for (const auto& command : CommandNames(p)) out += ManCommand(p, command);
  for (const auto& s : p.sections) out += ".SH " + Troff(Upper(s.title)) + "\n" + ManBlock(s.text);
  return out;
}

// ---- completions ---------------------------------------------------------------

namespace {

enum class ValueKind { kNone, kFile, kDir, kWords };

struct Value {
  ValueKind kind = ValueKind::kNone;
  std::string words;  // kWords: separated by spaces
};

Value ValueOf(const std::string& placeholder) {
  static const std::set<std::string> kFiles = {"FILE", "F", "KEY", "OUT", "BUNDLE"};
  if (kFiles.count(placeholder) || placeholder.starts_with("FILE") ||
      placeholder.ends_with(".yaml") || placeholder.ends_with(".rdbundle") ||
      placeholder.ends_with(".pub")) {
    return {ValueKind::kFile, ""};
  }
  if (placeholder == "DIR") return {ValueKind::kDir, ""};
  if (placeholder == "ARCH") return {ValueKind::kWords, "amd64 arm64"};
  if (placeholder == "OS") return {ValueKind::kWords, "linux darwin windows"};
  if (placeholder == "SHELL") return {ValueKind::kWords, "bash zsh fish"};
  if (placeholder == "OS/ARCH") {
    return {ValueKind::kWords,
            "linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"};
  }
  return {};
}

// The options of a command (all its forms), one row per name (the first).
std::vector<const OptionSpec*> OptionsOf(const CommandProgram& p, const std::string& command) {
  const CommandSet ids = Ids(FormsOf(p, command));
  std::vector<const OptionSpec*> out;
  std::set<std::string> seen;
  for (const auto& o : p.options) {
    if ((o.commands & ids) != 0 && seen.insert(o.name).second) out.push_back(&o);
  }
  return out;
}

// The values completed for the operands of a command (its first one).
Value OperandOf(const CommandProgram& p, const std::string& command) {
  for (const auto* c : FormsOf(p, command)) {
    if (c->operands.empty()) continue;
    if (c->id == kHelpCommand) return {ValueKind::kWords, Join(CommandNames(p), " ")};
    return ValueOf(c->operands[0]);
  }
  return {};
}

// A shell function name: "_rdbundle_pack".
std::string FunctionName(const std::string& program) {
  std::string f = "_" + program;
  std::replace(f.begin(), f.end(), '-', '_');
  return f;
}

std::string BashCompgen(const Value& v) {
  switch (v.kind) {
    case ValueKind::kFile: return "COMPREPLY=($(compgen -f -- \"$cur\"))";
    case ValueKind::kDir: return "COMPREPLY=($(compgen -d -- \"$cur\"))";
    case ValueKind::kWords: return "COMPREPLY=($(compgen -W \"" + v.words + "\" -- \"$cur\"))";
    case ValueKind::kNone: break;
  }
  return "COMPREPLY=()";
}

std::string Bash(const CommandProgram& p) {
  const std::string name = p.name, fn = FunctionName(name);
  std::string out = "# bash completion for " + name + " (generated by \"" + name +
                    " completion bash\")\n" + fn + "() {\n" +
                    "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
                    "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
                    "    COMPREPLY=($(compgen -W \"" + Join(CommandNames(p), " ") + " --help --version\" -- \"$cur\"))\n"
                    "    return\n  fi\n";
  // The value of the option before the cursor. Rows of one name share a placeholder kind in
  // practice (OUT and FILE are both files); the first row decides.
  out += "  case \"$prev\" in\n";
  std::set<std::string> seen;
  for (const auto& o : p.options) {
    if (!o.takes_value() || !seen.insert(o.name).second) continue;
    std::string pattern = "--" + o.name;
    if (o.short_name != 0) pattern = std::string("-") + o.short_name + "|" + pattern;
    out += "    " + pattern + ") " + BashCompgen(ValueOf(o.value)) + "; return ;;\n";
  }
  out += "  esac\n  local opts=\"\"\n  case \"${COMP_WORDS[1]}\" in\n";
  for (const auto& command : CommandNames(p)) {
    std::vector<std::string> words;
    for (const auto* o : OptionsOf(p, command)) {
      words.push_back("--" + o->name);
      if (o->short_name != 0) words.push_back(std::string("-") + o->short_name);
    }
    out += "    " + command + ") opts=\"" + Join(words, " ") + "\" ;;\n";
  }
  out += "  esac\n  if [[ $cur == -* ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n    return\n  fi\n"
         "  case \"${COMP_WORDS[1]}\" in\n";
  for (const auto& command : CommandNames(p)) {
    const Value v = OperandOf(p, command);
    if (v.kind != ValueKind::kNone) out += "    " + command + ") " + BashCompgen(v) + " ;;\n";
  }
  out += "    *) COMPREPLY=() ;;\n  esac\n}\ncomplete -o filenames -F " + fn + " " + name + "\n";
  return out;
}

// Inside a single-quoted zsh word and an _arguments [description].
std::string ZshQuote(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '\'') {
      out += "'\\''";
    } else if (ch == '[' || ch == ']' || ch == ':' || ch == '\\') {
      out += '\\';
      out += ch;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string ZshAction(const Value& v) {
  switch (v.kind) {
    case ValueKind::kFile: return "_files";
    case ValueKind::kDir: return "_files -/";
    case ValueKind::kWords: return "(" + v.words + ")";
    case ValueKind::kNone: break;
  }
  return " ";
}

std::string ZshOption(const OptionSpec& o) {
  const std::string help = "[" + ZshQuote(o.help) + "]";
  const std::string value =
      o.takes_value() ? ":" + ZshQuote(o.value) + ":" + ZshAction(ValueOf(o.value)) : "";
  const std::string lng = "--" + o.name + (o.takes_value() ? "=" : "");
  if (o.short_name == 0) return "'" + std::string(o.repeatable ? "*" : "") + lng + help + value + "'";
  const std::string shrt = std::string("-") + o.short_name + (o.takes_value() ? "+" : "");
  const std::string exclusive =
      o.repeatable ? "'*'" : "'(-" + std::string(1, o.short_name) + " --" + o.name + ")'";
  return exclusive + "{" + shrt + "," + lng + "}'" + help + value + "'";
}

std::string Zsh(const CommandProgram& p) {
  const std::string name = p.name, fn = FunctionName(name);
  std::string out = "#compdef " + name + "\n# zsh completion for " + name +
                    " (generated by \"" + name + " completion zsh\")\n" + fn +
                    "() {\n  local -a commands\n  commands=(\n";
  for (const auto& command : CommandNames(p)) {
    out += "    '" + ZshQuote(command) + ":" + ZshQuote(FormsOf(p, command)[0]->summary) + "'\n";
  }
  out += "  )\n  if (( CURRENT == 2 )); then\n"
         "    _describe -t commands command commands\n    return\n  fi\n"
         "  local command=$words[2]\n  shift words\n  (( CURRENT-- ))\n  case $command in\n";
  for (const auto& command : CommandNames(p)) {
    out += "    " + command + ")\n      _arguments -s";
    for (const auto* o : OptionsOf(p, command)) out += " \\\n        " + ZshOption(*o);
    const Value v = OperandOf(p, command);
    if (v.kind != ValueKind::kNone) out += " \\\n        '*:operand:" + ZshAction(v) + "'";
    out += "\n      ;;\n";
  }
  out += "  esac\n}\n"
         "if [ \"$funcstack[1]\" = \"" + fn + "\" ]; then\n  " + fn + " \"$@\"\nelse\n"
         "  compdef " + fn + " " + name + "\nfi\n";
  return out;
}

std::string FishQuote(std::string_view s) {
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "'";
}

std::string FishValue(const Value& v) {
  switch (v.kind) {
    case ValueKind::kFile: return " -r -F";
    case ValueKind::kDir: return " -x -a '(__fish_complete_directories)'";
    case ValueKind::kWords: return " -x -a " + FishQuote(v.words);
    case ValueKind::kNone: break;
  }
  return " -x";
}

std::string Fish(const CommandProgram& p) {
  const std::string name = p.name;
  const std::string all = Join(CommandNames(p), " ");
  std::string out = "# fish completion for " + name + " (generated by \"" + name +
                    " completion fish\")\ncomplete -c " + name + " -f\n";
  for (const auto& command : CommandNames(p)) {
    out += "complete -c " + name + " -n " + FishQuote("not __fish_seen_subcommand_from " + all) +
           " -a " + command + " -d " + FishQuote(FormsOf(p, command)[0]->summary) + "\n";
  }
  for (const auto& command : CommandNames(p)) {
    const std::string when = " -n " + FishQuote("__fish_seen_subcommand_from " + command);
    for (const auto* o : OptionsOf(p, command)) {
      out += "complete -c " + name + when;
      if (o->short_name != 0) out += " -s " + std::string(1, o->short_name);
      out += " -l " + o->name;
      if (o->takes_value()) out += FishValue(ValueOf(o->value));
      out += " -d " + FishQuote(o->help) + "\n";
    }
    const Value v = OperandOf(p, command);
    if (v.kind == ValueKind::kFile) out += "complete -c " + name + when + " -F\n";
    if (v.kind == ValueKind::kWords) out += "complete -c " + name + when + " -a " + FishQuote(v.words) + "\n";
  }
  return out;
}

}  // namespace

Result<std::string> CompletionScript(const CommandProgram& p, std::string_view shell) {
  if (shell == "bash") return Bash(p);
  if (shell == "zsh") return Zsh(p);
  if (shell == "fish") return Fish(p);
  return Status::Usage("completion: no completion for the shell \"" + std::string(shell) +
                       "\" (bash, zsh or fish)");
}

}  // namespace rdbundle
