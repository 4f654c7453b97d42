#include "common/base/strings.h"

#include <gtest/gtest.h>

namespace rdbundle {
namespace {

TEST(StringsTest, Join) {
  EXPECT_EQ(Join({}, ", "), "");
  EXPECT_EQ(Join({"a"}, ", "), "a");
  EXPECT_EQ(Join({"a", "", "c"}, "/"), "a//c");
}

}  // namespace
}  // namespace rdbundle
