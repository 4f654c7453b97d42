// Everything a user reads about a program, generated from its option and command tables
// (cli.h), so the help, the man page and the shell completions cannot drift apart from what the
// parser accepts. Every function takes the program with its built-ins (WithBuiltins).
#pragma once

#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/cli/cli.h"

namespace rdbundle {

// "rdbundle-pack 0.1.0 (format versions 1 to 2)\n" (the version from common/base/version_info.h.in).
std::string VersionLine(const CommandProgram& p);

// A few lines for a program run without arguments (on stderr, exit 2): the usage, the command
// names, and where the rest is.
std::string ShortUsage(const CommandProgram& p);

// --help: the summary, the usage, each command (form) with its one-line summary, the options of
// every command, the program's sections (exit codes, environment) and how to see a command's
// options.
std::string ProgramHelp(const CommandProgram& p);

// `COMMAND --help` / `help COMMAND`: the usage line of each form of the command, their
// summaries, the options that apply to them (grouped by the forms they apply to, in table
// order) and the command's details. REQUIRES: `command` names a command of `p`.
std::string CommandHelp(const CommandProgram& p, std::string_view command);

// The man page (troff, man(7) macros) with the same content as ProgramHelp and every
// CommandHelp: NAME, SYNOPSIS, DESCRIPTION, COMMANDS (each with its options), the sections.
std::string ManPage(const CommandProgram& p);

// The completion script for "bash", "zsh" or "fish" (kUsage for another shell): command names,
// each command's options, and values by placeholder: files for FILE, F, KEY, OUT and BUNDLE,
// (and FILE|-, *.pub, *.yaml), directories for DIR, the words for ARCH, OS, OS/ARCH and SHELL.
Result<std::string> CompletionScript(const CommandProgram& p, std::string_view shell);

// `text` wrapped at spaces to lines of at most `width` columns, each continuation line indented
// by `indent` spaces (a word longer than a line stays whole).
std::string Wrap(std::string_view text, std::size_t width, std::size_t indent);

}  // namespace rdbundle
