// Help, man page, completions and "did you mean", generated from a small option table (the real
// programs' tables: tests/common/cli/help_programs_test.cc).
#include "common/cli/help.h"

#include <gtest/gtest.h>

namespace rdbundle {
namespace {

enum : CommandSet { kBuild = 1, kBuildFrom = 2, kVerify = 4 };

CommandProgram Program() {
  const auto ok = [](const ParsedArgs&) { return Status::Ok(); };
  return WithBuiltins({
      .name = "prog",
      .summary = "a program for the tests",
      .commands = {{.id = kBuild, .name = "build", .summary = "fetch and build", .run = ok,
                    .usage = "-o OUT [options]", .details = "More about build.\n"},
                   {.id = kBuildFrom, .name = "build", .when = "from",
                    .summary = "build from a directory", .run = ok,
                    .usage = "-o OUT [options]", .details = "More about build.\n"},
                   {.id = kVerify, .name = "verify", .operands = {"BUNDLE"},
                    .summary = "verify a bundle", .run = ok}},
      .options = {{.name = "output", .short_name = 'o', .value = "OUT",
                   .commands = kBuild | kBuildFrom, .help = "the bundle to write"},
                  {.name = "from", .value = "DIR", .commands = kBuildFrom,
                   .help = "a directory"},
                  {.name = "arch", .value = "ARCH", .repeatable = true, .commands = kBuild,
                   .help = "an arch, with a help long enough to be wrapped at the edge of a "
                           "terminal of one hundred columns"},
                  {.name = "channel", .value = "NAME", .commands = kBuild, .help = "a channel"},
                  {.name = "channel-url", .value = "URL", .commands = kBuild, .help = "a URL"},
                  {.name = "public-key", .short_name = 'p', .value = "FILE", .repeatable = true,
                   .commands = kVerify, .help = "a key"}},
      .sections = {{"Exit codes", "0 ok, 2 usage\n"}},
  });
}

TEST(HelpTest, TheProgramIsConsistent) {
  const Status s = CheckCommandTables(Program());
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(HelpTest, CommandHelpHasOnlyItsOptionsGroupedByForm) {
  EXPECT_EQ(CommandHelp(Program(), "build"),
            "usage: prog build -o OUT [options]\n"
            "       prog build --from DIR -o OUT [options]\n"
            "\n"
            "  build                     fetch and build\n"
            "  build --from              build from a directory\n"
            "\n"
            "Options:\n"
            "  -h, --help                show the usage and options of the command\n"
            "  -q, --quiet               errors only: no notes, warnings or progress\n"
            "  -v, --verbose             also each request and each file, on stderr\n"
            "  -o, --output OUT          the bundle to write\n"
            "\n"
            "Options of build --from:\n"
            "      --from DIR            a directory\n"
            "\n"
            "Options of build without --from:\n"
            "      --arch ARCH           an arch, with a help long enough to be wrapped at the "
            "edge of a terminal\n"
            "                            of one hundred columns (repeatable)\n"
            "      --channel NAME        a channel\n"
            "      --channel-url URL     a URL\n"
            "\n"
            "More about build.\n");
  EXPECT_EQ(CommandHelp(Program(), "verify"),
            "usage: prog verify BUNDLE [options]\n"
            "\n"
            "verify a bundle\n"
            "\n"
            "Options:\n"
            "  -h, --help                show the usage and options of the command\n"
            "  -q, --quiet               errors only: no notes, warnings or progress\n"
            "  -v, --verbose             also each request and each file, on stderr\n"
            "  -p, --public-key FILE     a key (repeatable)\n");
  EXPECT_EQ(CommandHelp(Program(), "help"),
            "usage: prog help [COMMAND]\n\nshow the commands, or the usage and options of "
            "COMMAND\n\nOptions:\n  -h, --help                show the usage and options of the "
            "command\n  -q, --quiet               errors only: no notes, warnings or progress\n"
            "  -v, --verbose             also each request and each file, on stderr\n");
}

TEST(HelpTest, ProgramHelpListsCommandsNotTheirOptions) {
  const std::string help = ProgramHelp(Program());
  EXPECT_NE(help.find("  build --from DIR          build from a directory\n"), std::string::npos)
      << help;
  EXPECT_NE(help.find("  verify BUNDLE             verify a bundle\n"), std::string::npos);
  EXPECT_NE(help.find("  completion SHELL          write the completion script"), std::string::npos);
  EXPECT_NE(help.find("\nExit codes:\n  0 ok, 2 usage\n"), std::string::npos);
  EXPECT_EQ(help.find("--public-key"), std::string::npos);
  EXPECT_EQ(help.find("--channel"), std::string::npos);
}

TEST(HelpTest, ShortUsageIsAFewLines) {
  EXPECT_EQ(ShortUsage(Program()),
            "usage: prog COMMAND [options]\n"
            "commands: build, verify, help, version, completion, man\n"
            "\"prog --help\" describes the commands, \"prog COMMAND --help\" the options of one.\n");
}

TEST(HelpTest, Wrap) {
  EXPECT_EQ(Wrap("aa bb cc", 5, 2), "aa bb\n  cc");
  EXPECT_EQ(Wrap("a-very-long-word b", 5, 0), "a-very-long-word\nb");
  EXPECT_EQ(Wrap("", 5, 0), "");
}

TEST(HelpTest, ManPageHasEveryOptionAndCommand) {
  const std::string man = ManPage(Program());
  EXPECT_EQ(man.rfind(".\\\" Generated", 0), 0u);
  EXPECT_NE(man.find(".TH PROG 1"), std::string::npos);
  EXPECT_NE(man.find(".SH NAME\nprog \\- a program for the tests\n"), std::string::npos);
  for (const auto& o : Program().options) {
    std::string name;
    for (char ch : "--" + o.name) name += ch == '-' ? std::string("\\-") : std::string(1, ch);
    EXPECT_NE(man.find("\\fB" + name + "\\fR"), std::string::npos) << o.name;
  }
  EXPECT_NE(man.find("\\fB\\-p\\fR, \\fB\\-\\-public\\-key\\fR \\fIFILE\\fR"), std::string::npos);
  for (const char* c : {"build", "verify", "completion", "man", "version", "help"}) {
    EXPECT_NE(man.find(".SS \"" + std::string(c) + "\""), std::string::npos) << c;
  }
  EXPECT_NE(man.find(".SH EXIT CODES\n"), std::string::npos);
}

TEST(HelpTest, CompletionScripts) {
  auto bash = CompletionScript(Program(), "bash");
  ASSERT_TRUE(bash.has_value());
  EXPECT_NE(bash->find("build) opts=\"--help -h --quiet -q --verbose -v --output -o --from --arch --channel --channel-url\""),
            std::string::npos)
      << *bash;
  EXPECT_NE(bash->find("--arch) COMPREPLY=($(compgen -W \"amd64 arm64\" -- \"$cur\")); return ;;"),
            std::string::npos);
  auto zsh = CompletionScript(Program(), "zsh");
  ASSERT_TRUE(zsh.has_value());
  EXPECT_NE(zsh->find("'*--arch=[an arch, with"), std::string::npos) << *zsh;
  EXPECT_NE(zsh->find("'(-o --output)'{-o+,--output=}'[the bundle to write]:OUT:_files'"),
            std::string::npos);
  auto fish = CompletionScript(Program(), "fish");
  ASSERT_TRUE(fish.has_value());
  EXPECT_NE(fish->find("complete -c prog -n '__fish_seen_subcommand_from verify' -s p -l "
                       "public-key -r -F -d 'a key'"),
            std::string::npos)
      << *fish;
  auto other = CompletionScript(Program(), "tcsh");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code(), ErrorCode::kUsage);
  EXPECT_EQ(other.error().message(),
            "completion: no completion for the shell \"tcsh\" (bash, zsh or fish)");
}

TEST(SuggestTest, NearestNames) {
  const std::vector<std::string> names = {"build", "plan", "keygen", "versions-json", "verify"};
  EXPECT_EQ(Suggest("biuld", names), std::vector<std::string>{"build"});  // swap
  EXPECT_EQ(Suggest("buil", names), std::vector<std::string>{"build"});   // prefix
  EXPECT_EQ(Suggest("pln", names), std::vector<std::string>{"plan"});     // deletion
  EXPECT_EQ(Suggest("versions_json", names), std::vector<std::string>{"versions-json"});
  EXPECT_EQ(Suggest("verfy", names), std::vector<std::string>{"verify"});
  EXPECT_EQ(Suggest("frobnicate", names), std::vector<std::string>{});
  EXPECT_EQ(Suggest("x", names), std::vector<std::string>{});
  // Short words get one edit, not two: "ls" is not "plan".
  EXPECT_EQ(Suggest("ls", names), std::vector<std::string>{});
  // Several at the same distance, in table order.
  EXPECT_EQ(Suggest("chan", {"channel", "channel-url", "chart"}),
            (std::vector<std::string>{"channel", "channel-url"}));
  EXPECT_EQ(Suggest("arc", {"arch", "arc4"}), (std::vector<std::string>{"arch", "arc4"}));
}

TEST(SuggestTest, InMessages) {
  const CommandProgram p = Program();
  EXPECT_EQ(CheckCommandName(p, "biuld").message(), "unknown command \"biuld\" (did you mean build?)");
  EXPECT_EQ(CheckCommandName(p, "frobnicate").message(),
            "unknown command \"frobnicate\" (see prog --help)");
  EXPECT_TRUE(CheckCommandName(p, "verify").ok());
  EXPECT_EQ(ParseArgs({"--chanel", "x"}, p.options).error().message(),
            "unknown option --chanel (did you mean --channel?)");
  EXPECT_EQ(ParseArgs({"--chann", "x"}, p.options).error().message(),
            "unknown option --chann (did you mean --channel or --channel-url?)");
  EXPECT_EQ(ParseArgs({"--public-kye", "x"}, p.options).error().message(),
            "unknown option --public-kye (did you mean --public-key?)");
  EXPECT_EQ(ParseArgs({"--zzz"}, p.options).error().message(), "unknown option --zzz (see --help)");
  EXPECT_EQ(ParseArgs({"-z"}, p.options).error().message(), "unknown option -z (see --help)");
}

}  // namespace
}  // namespace rdbundle
