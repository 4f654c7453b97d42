#include "packer/rd_release.h"

#include <gtest/gtest.h>

namespace rdbundle::packer {
namespace {

const std::string kHex(128, 'a');
constexpr const char* kMsi = "Rancher.Desktop.Setup.1.19.3.msi";

TEST(RdReleaseTest, Sha512SumFile) {
  // sha512sum --check format, as RD publishes "<asset>.sha512sum"
  // (docs/rancher-desktop.md#rd-installer).
  EXPECT_EQ(*ParseSha512Sum(kHex + "  " + kMsi + "\n", kMsi, "x"), kHex);
  EXPECT_EQ(*ParseSha512Sum(std::string(128, 'A') + " *" + kMsi + "\r\n", kMsi, "x"), kHex);
  EXPECT_EQ(*ParseSha512Sum(std::string(128, 'b') + "  other\n" + kHex + "  " + kMsi, kMsi, "x"),
            kHex);
  EXPECT_EQ(ParseSha512Sum(kHex + "  other.msi\n", kMsi, "u").error().message(),
            "u: no line for \"Rancher.Desktop.Setup.1.19.3.msi\"");
  EXPECT_EQ(ParseSha512Sum(kHex + "  " + kMsi + "\n" + kHex + "  " + kMsi + "\n", kMsi, "u")
                .error()
                .message(),
            "u: line 2: a second line for \"Rancher.Desktop.Setup.1.19.3.msi\"");
  for (const std::string& bad :
       {std::string(127, 'a') + "  " + kMsi, std::string(128, 'g') + "  " + kMsi,
        kHex + "\t" + kMsi, kHex + kMsi, std::string("\n")}) {
    auto r = ParseSha512Sum(bad, kMsi, "u");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt) << bad;
  }
  EXPECT_EQ(ParseSha512Sum(std::string(5000, 'a'), kMsi, "u").error().code(),
            ErrorCode::kLimitExceeded);
}

TEST(RdReleaseTest, Latest) {
  std::vector<ReleaseInfo> releases = {
      {"v1.20.0-rc1", true, false, {}}, {"v1.21.0", false, true, {}},  // prerelease, draft
      {"v1.18.2", false, false, {}},    {"v1.19.3", false, false, {}},
      {"1.30.0", false, false, {}},     {"v1.19.3-hackweek", false, false, {}}};
  EXPECT_EQ(LatestRdRelease(releases), (RdVersion{1, 19, 3}));
  EXPECT_EQ(FindRdRelease(releases, RdVersion{1, 18, 2}), &releases[2]);
  EXPECT_EQ(FindRdRelease(releases, RdVersion{1, 17, 0}), nullptr);
  EXPECT_FALSE(LatestRdRelease({}));
}

}  // namespace
}  // namespace rdbundle::packer
