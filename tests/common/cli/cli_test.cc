#include "common/cli/cli.h"

#include <gtest/gtest.h>

namespace rdbundle {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"output", 'o', true}, {"key", 'p', true, true}, {"force", 0, false}, {"level", 0, true}};

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

TEST(CliTest, OptionsMustApplyToTheCommand) {
  std::vector<OptionSpec> specs = kSpecs;
  specs.push_back({"help", 'h', false});
  auto a = ParseArgs({"--level", "3", "--force", "-o", "x", "--help"}, specs);
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(CheckOptionsApply(*a, specs, "build", {"output", "force", "level"}).ok());
  // The first misplaced option in the order of the specs, not of the command line; --help
  // always applies.
  const Status s = CheckOptionsApply(*a, specs, "verify", {"key"});
  EXPECT_EQ(s.code(), ErrorCode::kUsage);
  EXPECT_EQ(s.message(), "option --output does not apply to verify");
  EXPECT_EQ(JoinOptionLists({"a", "b"}, {"c"}), (std::vector<std::string>{"a", "b", "c"}));
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
