// The offline side must never link libcurl (or anything network-shaped): the unpacker runs on
// the air-gapped machine, and its attack surface is the bundle parser only.
#include <gtest/gtest.h>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace rdbundle {
namespace {

using testsupport::ReadFileOrDie;
using testsupport::RunProcess;

TEST(LinkTest, UnpackerDoesNotLinkLibcurl) {
  auto ldd = RunProcess({"ldd", RDB_UNPACK_BIN});
  ASSERT_EQ(ldd.exit_code, 0) << ldd.Describe();
  EXPECT_EQ(ldd.out.find("libcurl"), std::string::npos) << ldd.out;
  // Not statically either: no libcurl symbol name in the binary.
  EXPECT_EQ(ReadFileOrDie(RDB_UNPACK_BIN).find("curl_easy_"), std::string::npos);
}

TEST(LinkTest, PackerDoesLinkLibcurl) {
  // The check above would notice: the same test finds libcurl in rdbundle-pack.
  auto ldd = RunProcess({"ldd", RDB_PACK_BIN});
  ASSERT_EQ(ldd.exit_code, 0) << ldd.Describe();
  EXPECT_NE(ldd.out.find("libcurl"), std::string::npos) << ldd.out;
}

}  // namespace
}  // namespace rdbundle
