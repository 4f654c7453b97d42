// Bugs found by fuzz/fuzz_install_state.cc; inputs in fuzz/regressions/install_state/.
#include <gtest/gtest.h>

#include "unpacker/state.h"

namespace rdbundle::unpacker {
namespace {

// mtime-above-int64-max: ParseInstallState read "mtimeNs" as any unsigned 64-bit number and
// cast it to the int64_t InstalledFile::mtime_ns, so 2^63 and above became negative, and
// SerializeInstallState wrote them back as 0: an accepted record did not round-trip. Values
// above INT64_MAX are now rejected like any other malformed record (LoadInstallState then warns
// and starts from an empty record).
TEST(FuzzRegressionInstallState, MtimeAboveInt64MaxIsRejected) {
  const std::string text =
      "{\"stateVersion\":1,\"installs\":[],\"files\":{\"/x\":{\"sha256\":\"\",\"size\":0,"
      "\"mtimeNs\":9223372036854775808,\"inode\":0,\"bundleId\":\"\"}}}";
  auto state = ParseInstallState(text, "rdbundle-installed.json");
  ASSERT_FALSE(state.has_value());
  EXPECT_EQ(state.error().message(), "rdbundle-installed.json: files: /x: mtimeNs: out of range");

  const std::string max = "9223372036854775807";
  std::string ok = text;
  ok.replace(ok.find("9223372036854775808"), max.size(), max);
  auto parsed = ParseInstallState(ok, "rdbundle-installed.json");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  auto again = ParseInstallState(SerializeInstallState(*parsed), "again");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *parsed);
}

}  // namespace
}  // namespace rdbundle::unpacker
