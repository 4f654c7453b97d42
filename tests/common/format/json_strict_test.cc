#include "common/format/json_strict.h"

#include <gtest/gtest.h>

namespace rdbundle {
namespace {

TEST(JsonStrictTest, RejectsDuplicateKeysAtAnyDepth) {
  EXPECT_EQ(ParseJsonStrict(R"({"a":1,"a":2})", "x", 100).error().message(),
            "x: duplicate key \"a\"");
  EXPECT_EQ(ParseJsonStrict(R"({"o":{"b":1,"b":1}})", "x", 100).error().message(),
            "x: duplicate key \"b\"");
  EXPECT_TRUE(ParseJsonStrict(R"({"o":{"b":1},"p":{"b":1}})", "x", 100).has_value());
}

TEST(JsonStrictTest, DepthAndSizeAndUtf8) {
  std::string deep(20, '[');
  deep += std::string(20, ']');
  EXPECT_EQ(ParseJsonStrict(deep, "x", 100).error().message(), "x: nesting deeper than 16");
  EXPECT_EQ(ParseJsonStrict("[1]", "x", 2).error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(ParseJsonStrict("\"\xff\"", "x", 100).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(ParseJsonStrict("[1] [2]", "x", 100).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(ParseJsonStrict("/* c */ 1", "x", 100).error().code(), ErrorCode::kCorrupt);
}

TEST(JsonStrictTest, TypedGetters) {
  Json j = *ParseJsonStrict(R"({"s":"v","n":-1,"u":7,"a":[],"o":{}})", "x", 100);
  EXPECT_EQ(GetString(j, "s", "x").value(), "v");
  EXPECT_EQ(GetString(j, "n", "x").error().message(), "x: n: expected a string");
  EXPECT_EQ(GetUnsigned(j, "n", "x").error().message(), "x: n: expected a non-negative integer");
  EXPECT_EQ(GetUnsigned(j, "u", "x").value(), 7u);
  EXPECT_EQ(GetArray(j, "missing", "x").error().message(), "x: missing field missing");
  EXPECT_EQ(GetObject(j, "a", "x").error().message(), "x: a: expected an object");
  EXPECT_EQ(CheckOnlyKeys(j, {"s", "n", "u", "a"}, "x").message(), "x: unknown field o");
}

}  // namespace
}  // namespace rdbundle
