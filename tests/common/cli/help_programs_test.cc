// The help, version, man pages, completions and "did you mean" of the real rdbundle-pack and
// rdbundle-unpack (the generators themselves: help_test.cc).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "common/format/limits.h"
#include "rdbundle/version_info.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace rdbundle {
namespace {

using testsupport::RunProcess;
using testsupport::ScopedTempDir;
using testsupport::SubprocessResult;

struct Tool {
  const char* bin;
  const char* name;
  std::vector<std::string> commands;
};

const Tool kPack = {RDB_PACK_BIN, "rdbundle-pack",
                    {"keygen", "build", "plan", "versions-json", "push", "pull", "ls"}};
const Tool kUnpack = {RDB_UNPACK_BIN, "rdbundle-unpack",
                      {"verify", "list", "install", "doctor"}};

SubprocessResult RunTool(const Tool& t, std::vector<std::string> args) {
  args.insert(args.begin(), t.bin);
  return RunProcess(args);
}

std::size_t Lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

// The options the bash completion offers for `command`: the whole option table of it.
std::vector<std::string> TableOptions(const Tool& t, const std::string& command) {
  const std::string bash = RunTool(t, {"completion", "bash"}).out;
  // The row is `\n    <command>) opts="<words>"`. (No std::regex: GCC 12 warns inside it with
  // -fno-strict-aliasing, GCC bug 105562, and the warnings are errors here.)
  const std::string head = "\n    " + command + ") opts=\"";
  const auto start = bash.find(head);
  EXPECT_NE(start, std::string::npos) << command;
  std::string row;
  if (start != std::string::npos) {
    const auto from = start + head.size();
    row = bash.substr(from, bash.find('"', from) - from);
  }
  std::vector<std::string> out;
  std::istringstream words(row);
  for (std::string w; words >> w;) {
    if (w.starts_with("--")) out.push_back(w);
  }
  EXPECT_FALSE(out.empty()) << command;
  return out;
}

void PrintTo(const Tool& t, std::ostream* os) { *os << t.name; }

class HelpPrograms : public ::testing::TestWithParam<Tool> {};

TEST_P(HelpPrograms, NoArgumentsIsAShortUsageOnStderr) {
  const auto r = RunTool(GetParam(), {});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind(std::string("usage: ") + GetParam().name + " COMMAND [options]\n", 0), 0u)
      << r.err;
  EXPECT_LE(Lines(r.err), 4u) << r.err;
}

TEST_P(HelpPrograms, VersionCommandAndOption) {
  const std::string line = std::string(GetParam().name) + " " + RDBUNDLE_VERSION +
                           " (format versions 1 to " + std::to_string(kFormatVersion) + ")\n";
  for (const char* arg : {"version", "--version"}) {
    const auto r = RunTool(GetParam(), {arg});
    EXPECT_EQ(r.exit_code, 0) << arg;
    EXPECT_EQ(r.out, line) << arg;
  }
}

TEST_P(HelpPrograms, EachCommandHasItsOwnHelp) {
  const auto top = RunTool(GetParam(), {"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const auto& command : GetParam().commands) {
    const auto r = RunTool(GetParam(), {command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_EQ(r.out.rfind(std::string("usage: ") + GetParam().name + " " + command, 0), 0u)
        << r.out;
    EXPECT_EQ(RunTool(GetParam(), {"help", command}).out, r.out) << command;
    // Its options, and none of another command's only.
    for (const auto& option : TableOptions(GetParam(), command)) {
      EXPECT_TRUE(r.out.find(option + " ") != std::string::npos ||
                  r.out.find(option + "\n") != std::string::npos)
          << command << " " << option;
      EXPECT_NE(top.out.find(" " + command + " "), std::string::npos) << command;
    }
    for (const auto& other : GetParam().commands) {
      if (other == command) continue;
      const auto theirs = TableOptions(GetParam(), other);
      const auto ours = TableOptions(GetParam(), command);
      for (const auto& option : theirs) {
        if (std::find(ours.begin(), ours.end(), option) != ours.end()) continue;
        EXPECT_EQ(r.out.find(option + " "), std::string::npos) << command << " " << option;
        EXPECT_EQ(r.out.find(option + "\n"), std::string::npos) << command << " " << option;
      }
    }
  }
}

TEST(HelpProgramsPack, BuildHelpIsOnlyBuild) {
  const auto r = RunTool(kPack, {"build", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("\n      --from-rd-cache "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("--unencrypted"), std::string::npos);  // keygen's
  EXPECT_EQ(r.out.find("--json"), std::string::npos);         // plan's
  EXPECT_NE(r.out.find("Options of build without --from or --from-rd-cache:\n"),
            std::string::npos);
  // Help after other options, and after a misplaced one, is still help.
  EXPECT_EQ(RunTool(kPack, {"build", "--from", "x", "--help"}).out, r.out);
}

TEST(HelpProgramsPack, DidYouMean) {
  auto r = RunTool(kPack, {"biuld", "--k3s", "v1.30.4+k3s1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "rdbundle-pack: unknown command \"biuld\" (did you mean build?)\n");
  r = RunTool(kPack, {"plan", "--chanel", "stable"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "rdbundle-pack: unknown option --chanel (did you mean --channel?)\n");
  r = RunTool(kPack, {"help", "pln"});
  EXPECT_EQ(r.err, "rdbundle-pack: unknown command \"pln\" (did you mean plan?)\n");
  r = RunTool(kUnpack, {"instal", "x"});
  EXPECT_EQ(r.err, "rdbundle-unpack: unknown command \"instal\" (did you mean install?)\n");
  r = RunTool(kUnpack, {"verify", "x", "--public-kye", "k"});
  EXPECT_EQ(r.err, "rdbundle-unpack: unknown option --public-kye (did you mean --public-key?)\n");
}

// As troff writes a hyphen.
std::string Escaped(const std::string& s) {
  std::string out;
  for (char ch : s) out += ch == '-' ? std::string("\\-") : std::string(1, ch);
  return out;
}

TEST_P(HelpPrograms, ManPageHasEveryOption) {
  const auto r = RunTool(GetParam(), {"man"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& command : GetParam().commands) {
    EXPECT_NE(r.out.find(".SS \"" + Escaped(command) + "\""), std::string::npos) << command;
    for (const auto& option : TableOptions(GetParam(), command)) {
      EXPECT_NE(r.out.find("\\fB" + Escaped(option) + "\\fR"), std::string::npos) << option;
    }
  }
  // The build writes the same page (CMake: man/NAME.1 in the build dir).
  EXPECT_EQ(testsupport::ReadFileOrDie(std::string(RDB_MAN_DIR) + "/" + GetParam().name + ".1"),
            r.out);
  // groff finds nothing to warn about.
  ScopedTempDir tmp;
  testsupport::WriteFileOrDie(tmp.Sub("page.1"), r.out);
  const auto groff = RunProcess({"groff", "-man", "-Tutf8", "-ww", "-z", tmp.Sub("page.1")});
  EXPECT_EQ(groff.exit_code, 0) << groff.Describe();
  EXPECT_EQ(groff.err, "");
}

// Runs `script` in `shell` after loading the completion of the tool.
SubprocessResult InShell(const Tool& t, const std::string& shell, const std::string& script) {
  ScopedTempDir tmp;
  const std::string file = tmp.Sub("completion");
  testsupport::WriteFileOrDie(file, RunTool(t, {"completion", shell}).out);
  if (shell == "bash") return RunProcess({"bash", "--norc", "-c", "source " + file + "\n" + script});
  return RunProcess({"fish", "--no-config", "-c", "source " + file + "; " + script});
}

// The tool's name as a shell function name: '-' becomes '_'.
std::string Underscored(std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// What bash completes for the words of `line` (the last one being completed).
std::string BashCompletes(const Tool& t, const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (line.ends_with(' ')) words.push_back("");
  std::string script = "COMP_WORDS=(";
  for (const auto& w : words) script += "'" + w + "' ";
  script += ")\nCOMP_CWORD=" + std::to_string(words.size() - 1) + "\n_" +
            Underscored(t.name) +
            "\necho \"${COMPREPLY[*]}\"\n";
  const auto r = InShell(t, "bash", script);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  return r.out;
}

TEST(HelpProgramsCompletion, Bash) {
  EXPECT_EQ(BashCompletes(kPack, "rdbundle-pack bu"), "build\n");
  EXPECT_EQ(BashCompletes(kPack, "rdbundle-pack build --chan"), "--channel --channel-url\n");
  EXPECT_EQ(BashCompletes(kPack, "rdbundle-pack build --arch "), "amd64 arm64\n");
  EXPECT_EQ(BashCompletes(kPack, "rdbundle-pack completion "), "bash zsh fish\n");
  EXPECT_EQ(BashCompletes(kUnpack, "rdbundle-unpack install --target-o"), "--target-os\n");
  EXPECT_EQ(BashCompletes(kUnpack, "rdbundle-unpack doctor --target-os w"), "windows\n");
}

TEST(HelpProgramsCompletion, Fish) {
  const auto r = InShell(kPack, "fish", "complete -C 'rdbundle-pack build --kubectl-pl'");
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out.rfind("--kubectl-platform\t", 0), 0u) << r.out;
  const auto cmds = InShell(kUnpack, "fish", "complete -C 'rdbundle-unpack ver'");
  EXPECT_NE(cmds.out.find("verify\t"), std::string::npos) << cmds.out;
  EXPECT_NE(cmds.out.find("version\t"), std::string::npos) << cmds.out;
}

TEST_P(HelpPrograms, CompletionScriptsParse) {
  ScopedTempDir tmp;
  for (const char* shell : {"bash", "zsh", "fish"}) {
    const auto script = RunTool(GetParam(), {"completion", shell});
    ASSERT_EQ(script.exit_code, 0) << shell;
    testsupport::WriteFileOrDie(tmp.Sub(shell), script.out);
    const auto r = RunProcess({shell, "-n", tmp.Sub(shell)});
    EXPECT_EQ(r.exit_code, 0) << shell << ": " << r.Describe();
    for (const auto& command : GetParam().commands) {
      for (const auto& option : TableOptions(GetParam(), command)) {
        EXPECT_NE(script.out.find(std::string(shell) == "fish" ? "-l " + option.substr(2) : option),
                  std::string::npos)
            << shell << " " << option;
      }
    }
  }
  const auto bad = RunTool(GetParam(), {"completion", "tcsh"});
  EXPECT_EQ(bad.exit_code, 2);
}

INSTANTIATE_TEST_SUITE_P(Tools, HelpPrograms, ::testing::Values(kPack, kUnpack),
                         [](const auto& test_info) {  // gtest's macro has an `info`
                           return std::string(test_info.param.name) == "rdbundle-pack"
                                      ? "Pack"
                                      : "Unpack";
                         });

}  // namespace
}  // namespace rdbundle
