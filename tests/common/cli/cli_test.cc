#include "common/cli/cli.h"

#include <gtest/gtest.h>

#include <functional>

namespace rdbundle {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {.name = "output", .short_name = 'o', .value = "FILE", .commands = kAllCommands},
    {.name = "key", .short_name = 'p', .value = "FILE", .repeatable = true,
     .commands = kAllCommands},
    {.name = "force", .commands = kAllCommands},
    {.name = "level", .value = "N", .commands = kAllCommands}};

TEST(CliTest, ParsesForms) {
  auto a = ParseArgs({"in", "-o", "x", "--key=a", "-pb", "--force", "--", "--not-an-option", "-"},
                     kSpecs);
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_EQ(a->Get("output"), "x");
  EXPECT_EQ(a->GetAll("key"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(a->Has("force"));
  EXPECT_EQ(a->positional(), (std::vector<std::string>{"in", "--not-an-option", "-"}));
}

TEST(CliTest, Errors) {
  EXPECT_EQ(ParseArgs({"--bogus"}, kSpecs).error().message(), "unknown option --bogus (see --help)");
  EXPECT_EQ(ParseArgs({"-o", "a", "--output", "b"}, kSpecs).error().message(),
            "option --output given more than once");
  EXPECT_EQ(ParseArgs({"--output"}, kSpecs).error().message(), "option --output needs a value");
  EXPECT_EQ(ParseArgs({"--force=yes"}, kSpecs).error().message(), "option --force takes no value");
  EXPECT_EQ(ParseArgs({"--bogus"}, kSpecs).error().code(), ErrorCode::kUsage);
}

// A program with the shapes of the real ones: a command with a form (list --installed), operands.
enum : CommandSet { kBuild = 1, kVerify = 2, kList = 4, kListInstalled = 8 };

CommandProgram TestProgram() {
  const auto ok = [](const ParsedArgs&) { return Status::Ok(); };
  return {
      .name = "prog",
      .summary = "a program for the tests",
      .commands = {{.id = kBuild, .name = "build", .summary = "build it", .run = ok},
                   {.id = kVerify, .name = "verify", .operands = {"BUNDLE"},
                    .summary = "verify it", .run = ok},
                   {.id = kList, .name = "list", .operands = {"BUNDLE"}, .summary = "list it",
                    .run = ok},
                   {.id = kListInstalled, .name = "list", .when = "installed",
                    .summary = "list what is installed", .run = ok}},
      .options = {{.name = "help", .short_name = 'h', .commands = kAllCommands, .help = "help"},
                  {.name = "output", .short_name = 'o', .value = "F", .commands = kBuild,
                   .help = "output file"},
                  {.name = "key", .short_name = 'p', .value = "F", .repeatable = true,
                   .commands = kVerify | kList, .help = "a key"},
                  {.name = "force", .commands = kBuild, .help = "force it"},
                  {.name = "level", .value = "N", .commands = kBuild, .help = "a level"},
                  {.name = "installed", .commands = kListInstalled, .help = "installed"},
                  {.name = "json", .commands = kList | kListInstalled, .help = "as JSON"}},
  };
}

// The error of SelectCommand for `cmd` and `args`, or "" when it selects the command `label`.
std::string Select(const std::string& cmd, const std::vector<std::string>& args,
                   const std::string& label) {
  const CommandProgram p = TestProgram();
  auto a = ParseArgs(args, p.options);
  if (!a.has_value()) return "parse: " + a.error().message();
  auto c = SelectCommand(p, cmd, *a);
  if (!c.has_value()) {
    EXPECT_EQ(c.error().code(), ErrorCode::kUsage);
    return c.error().message();
  }
  return (*c)->Label() == label ? "" : "selected " + (*c)->Label();
}

TEST(CliTest, OptionsMustApplyToTheCommand) {
  const Status tables = CheckCommandTables(TestProgram());
  ASSERT_TRUE(tables.ok()) << tables.message();
  EXPECT_EQ(Select("build", {"--level", "3", "--force", "-o", "x", "--help"}, "build"), "");
  // The first misplaced option in the order of the table, not of the command line.
  EXPECT_EQ(Select("verify", {"b", "--level", "3", "-o", "x"}, "verify"),
            "option --output does not apply to verify");
  EXPECT_EQ(Select("frob", {}, ""), "unknown command \"frob\" (see prog --help)");
}

TEST(CliTest, FormsOfACommand) {
  EXPECT_EQ(Select("list", {"b", "--json", "-p", "k"}, "list"), "");
  EXPECT_EQ(Select("list", {"--installed", "--json"}, "list --installed"), "");
  // An option of the other form names the forms that take it.
  EXPECT_EQ(Select("list", {"--installed", "-p", "k"}, ""),
            "option --key does not apply to list --installed (only to list without --installed)");
  EXPECT_EQ(Select("list", {"b", "--installed"}, ""), "list --installed takes no argument \"b\"");
}

TEST(CliTest, Operands) {
  EXPECT_EQ(Select("verify", {"-p", "k"}, ""), "verify needs BUNDLE");
  EXPECT_EQ(Select("verify", {"a", "b"}, ""), "verify takes only BUNDLE, not also \"b\"");
  EXPECT_EQ(Select("build", {"x"}, ""), "build takes no argument \"x\"");
}

// What CheckCommandTables says about a table broken by `edit`.
std::string TableError(const std::function<void(CommandProgram&)>& edit) {
  CommandProgram p = TestProgram();
  edit(p);
  const Status s = CheckCommandTables(p);
  EXPECT_TRUE(s.ok() || s.code() == ErrorCode::kInternal);
  return s.message();
}

TEST(CliTest, TablesAreChecked) {
  EXPECT_EQ(TableError([](CommandProgram& p) { p.commands[1].id = 3; }),
            "command table: \"verify\": id is not one bit");
  EXPECT_EQ(TableError([](CommandProgram& p) { p.commands[1].id = kBuild; }),
            "command table: \"verify\": id used twice");
  EXPECT_EQ(TableError([](CommandProgram& p) { p.commands[3].when = ""; }),
            "command table: \"list\": declared twice");
  EXPECT_EQ(TableError([](CommandProgram& p) { p.commands[3].when = "json"; }),
            "");  // a form may be selected by any of its options
  EXPECT_EQ(TableError([](CommandProgram& p) { p.commands[3].when = "force"; }),
            "command table: \"list --force\": --force is not one of its options");
  EXPECT_EQ(TableError([](CommandProgram& p) { p.commands[0].run = nullptr; }),
            "command table: \"build\": no function");
  EXPECT_EQ(TableError([](CommandProgram& p) { p.options[3].commands = 16; }),
            "option table: --force: applies to no command");
  EXPECT_EQ(TableError([](CommandProgram& p) {
              p.options.push_back({.name = "force", .commands = kBuild | kVerify, .help = "f"});
            }),
            "option table: --force: rows disagree or overlap");
  EXPECT_EQ(TableError([](CommandProgram& p) {
              p.options.push_back(
                  {.name = "force", .value = "X", .commands = kVerify, .help = "f"});
            }),
            "option table: --force: rows disagree or overlap");
  EXPECT_EQ(TableError([](CommandProgram& p) {
              p.options.push_back({.name = "force", .commands = kVerify, .help = "own help"});
            }),
            "");
  EXPECT_EQ(TableError([](CommandProgram& p) { p.options[3].short_name = 'o'; }),
            "option table: --force: -o is also --output");
  EXPECT_EQ(TableError([](CommandProgram& p) { p.options[2].help.clear(); }),
            "option table: --key: no help");
  EXPECT_EQ(TableError([](CommandProgram& p) { p.commands[2].summary.clear(); }),
            "command table: \"list\": no summary");
  EXPECT_EQ(TableError([](CommandProgram& p) { p.commands[0].optional_operands = 1; }),
            "command table: \"build\": more optional operands than operands");
  // The built-ins fit any program's table.
  EXPECT_EQ(TableError([](CommandProgram& p) { p = WithBuiltins(p); }), "");
}

TEST(CliTest, IntOptions) {
  EXPECT_EQ(ParseIntOption("level", "19", 1, 22).value(), 19);
  for (const char* bad : {"", "x", "3x", "-1", "23", "1e3", " 3"}) {
    EXPECT_EQ(ParseIntOption("level", bad, 1, 22).error().message(),
              std::string("option --level: \"") + bad + "\" is not a whole number from 1 to 22");
  }
}

}  // namespace
}  // namespace rdbundle
