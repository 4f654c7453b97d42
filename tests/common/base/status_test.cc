#include "common/base/status.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace rdbundle {
namespace {

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.exit_code(), ExitCode::kOk);
}

TEST(StatusTest, WithContextPrefixesMessage) {
  Status s = Status::Corrupt("bad header").WithContext("x.rdbundle");
  EXPECT_EQ(s.message(), "x.rdbundle: bad header");
  EXPECT_EQ(s.code(), ErrorCode::kCorrupt);
  EXPECT_TRUE(Status::Ok().WithContext("x").ok());
}

TEST(StatusTest, ExitCodeClasses) {
  EXPECT_EQ(ExitCodeFor(ErrorCode::kUsage), ExitCode::kUsage);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kBadSignature), ExitCode::kSignature);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kUntrustedKey), ExitCode::kSignature);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kHashMismatch), ExitCode::kCorrupt);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kUnsupportedVersion), ExitCode::kCorrupt);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kNoSpace), ExitCode::kIo);
  EXPECT_EQ(static_cast<int>(ExitCode::kSignature), 3);
  EXPECT_EQ(static_cast<int>(ExitCode::kCorrupt), 4);
}

TEST(StatusTest, FromErrnoClassifies) {
  EXPECT_EQ(Status::FromErrno("f", ENOENT).code(), ErrorCode::kNotFound);
  EXPECT_EQ(Status::FromErrno("f", ENOSPC).code(), ErrorCode::kNoSpace);
  EXPECT_EQ(Status::FromErrno("f", EACCES).code(), ErrorCode::kIo);
  EXPECT_EQ(Status::FromErrno("f", EACCES).message(), "f: Permission denied");
}

Result<int> Half(int x) {
  if (x % 2) return Status::Usage("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  RDB_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(StatusTest, AssignOrReturnPropagates) {
  EXPECT_EQ(Quarter(8).value(), 2);
  EXPECT_EQ(Quarter(6).error().message(), "odd");
}

}  // namespace
}  // namespace rdbundle
