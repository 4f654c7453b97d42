#include "packer/upstream_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/format/limits.h"

namespace rdbundle::packer {
namespace {

constexpr const char* kWhat = "k3s-versions.json";

std::string ReadTestdata(const std::string& rel) {
  std::ifstream in(std::string(RDB_TESTDATA_DIR) + "/" + rel, std::ios::binary);
  EXPECT_TRUE(in.good()) << rel;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

using Channels = std::map<std::string, std::string>;

// ---- ParseChannelsJson
// ---------------------------------------------------------------------------------

TEST(ParseChannelsJsonTest, RealisticChannelServerResponse) {
  auto channels = ParseChannelsJson(ReadTestdata("upstream/channels.json"), "channels");
  ASSERT_TRUE(channels.has_value()) << channels.error().message();
  EXPECT_EQ(*channels, (Channels{{"latest", "1.31.1"},
                                 {"stable", "1.30.4"},
                                 {"testing", "1.31.1-rc2"},
                                 {"v1.24", "1.24.17"},
                                 {"v1.25", "1.25.16"},
                                 {"v1.29", "1.29.8"},
                                 {"v1.30", "1.30.4"},
                                 {"v1.31", "1.31.1"}}));
}

TEST(ParseChannelsJsonTest, LatestValuesAsNodeSemverReadsThem) {
  auto channels = ParseChannelsJson(R"({"data":[
      {"name":"a","latest":"v1.30.4"},
      {"name":"b","latest":"1.30.4+k3s1"},
      {"name":"c","latest":"garbage"},
      {"name":"d","latest":"v1.30.4+k3s1..x"},
      {"name":"e","latest":"v1.30.04+k3s1"},
      {"name":"f","latest":""}]})",
                                    "channels");
  ASSERT_TRUE(channels.has_value()) << channels.error().message();
  EXPECT_EQ(*channels, (Channels{{"a", "1.30.4"}, {"b", "1.30.4"}}));
}

TEST(ParseChannelsJsonTest, RejectsMalformedResponsesWithExactMessages) {
  const std::pair<const char*, const char*> cases[] = {
      {"[]", "channels: expected a JSON object"},
      {R"({"type":"error","status":503})", "channels: missing field data"},
      {R"({"data":{}})", "channels: data: expected an array"},
      {R"({"data":["stable"]})", "channels: data[0]: expected an object"},
      {R"({"data":[{"name":"stable"}]})", "channels: data[0]: missing field latest"},
      {R"({"data":[{"name":1,"latest":"v1.30.4+k3s1"}]})",
       "channels: data[0]: name: expected a string"},
      {R"({"data":[{"name":"a/b","latest":"v1.30.4+k3s1"}]})",
       "channels: data[0]: invalid channel name \"a/b\""},
      {R"({"data":[{"name":"","latest":"v1.30.4+k3s1"}]})",
       "channels: data[0]: invalid channel name \"\""},
      {R"({"data":[{"name":"stable","latest":"v1.30.4+k3s1"},
                   {"name":"stable","latest":"v1.31.1+k3s1"}]})",
       "channels: data[1]: channel \"stable\" listed twice"},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    auto channels = ParseChannelsJson(text, "channels");
    ASSERT_FALSE(channels.has_value());
    EXPECT_EQ(channels.error().code(), ErrorCode::kCorrupt);
    EXPECT_EQ(channels.error().message(), message);
  }
}

// ---- ParseReleasesJson
// ---------------------------------------------------------------------------------

TEST(ParseReleasesJsonTest, RealisticGitHubReleaseList) {
  auto releases = ParseReleasesJson(ReadTestdata("upstream/releases.json"), "releases");
  ASSERT_TRUE(releases.has_value()) << releases.error().message();
  ASSERT_EQ(releases->size(), 14u);
  const ReleaseInfo& first = releases->front();
  EXPECT_EQ(first.tag_name, "v1.31.1+k3s1");
  EXPECT_FALSE(first.prerelease);
  EXPECT_FALSE(first.draft);
  ASSERT_EQ(first.assets.size(), 12u);
  EXPECT_EQ(
      first.assets[0],
      (ReleaseAsset{"k3s", "https://github.com/k3s-io/k3s/releases/download/v1.31.1%2Bk3s1/k3s",
                    70000000}));
  EXPECT_TRUE((*releases)[1].prerelease);
  EXPECT_TRUE((*releases)[2].draft);
}

TEST(ParseReleasesJsonTest, RejectsMalformedListsWithExactMessages) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"message":"API rate limit exceeded"})", "releases: expected a JSON array of releases"},
      {R"([7])", "releases[0]: expected an object"},
      {R"([{"prerelease":false,"draft":false,"assets":[]}])",
       "releases[0]: missing field tag_name"},
      {R"([{"tag_name":"v1.30.4+k3s1","prerelease":false,"draft":"no","assets":[]}])",
       "releases[0]: draft: expected a boolean"},
      {R"([{"tag_name":"v1.30.4+k3s1","draft":false,"assets":[]}])",
       "releases[0]: missing field prerelease"},
      {R"([{"tag_name":"v1.30.4+k3s1","prerelease":false,"draft":false}])",
       "releases[0]: missing field assets"},
      {R"([{"tag_name":"v1.30.4+k3s1","prerelease":false,"draft":false,"assets":[
           {"name":"k3s","browser_download_url":"u","size":1},
           {"browser_download_url":"u","size":1}]}])",
       "releases[0].assets[1]: missing field name"},
      {R"([{"tag_name":"v1.30.4+k3s1","prerelease":false,"draft":false,"assets":[
           {"name":"k3s","browser_download_url":"u","size":-1}]}])",
       "releases[0].assets[0]: size: expected a non-negative integer"},
      {R"([{"tag_name":"v1.30.4+k3s1","prerelease":false,"draft":false,"assets":[
           {"name":"k3s","size":1}]}])",
       "releases[0].assets[0]: missing field browser_download_url"},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    auto releases = ParseReleasesJson(text, "releases");
    ASSERT_FALSE(releases.has_value());
    EXPECT_EQ(releases.error().code(), ErrorCode::kCorrupt);
    EXPECT_EQ(releases.error().message(), message);
  }
}

TEST(ParseReleasesJsonTest, AssetSizeIsBounded) {
  std::string text = R"([{"tag_name":"v1.30.4+k3s1","prerelease":false,"draft":false,"assets":[
      {"name":"k3s","browser_download_url":"u","size":)" +
                     std::to_string(kMaxFileBytes + 1) + "}]}]";
  auto releases = ParseReleasesJson(text, "releases");
  ASSERT_FALSE(releases.has_value());
  EXPECT_EQ(releases.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(releases.error().message(),
            "releases[0].assets[0]: size " + std::to_string(kMaxFileBytes + 1) +
                " exceeds the limit of " + std::to_string(kMaxFileBytes));
}

// ---- BuildK3sVersionsFile
// ----------------------------------------------------------------------------------

class BuildK3sVersionsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = ParseChannelsJson(ReadTestdata("upstream/channels.json"), "channels");
    auto r = ParseReleasesJson(ReadTestdata("upstream/releases.json"), "releases");
    ASSERT_TRUE(c.has_value() && r.has_value());
    channels_ = *c;
    releases_ = *r;
  }
  Channels channels_;
  std::vector<ReleaseInfo> releases_;
};

// Hand-checked against RD's processVersion for every release in releases.json:
//   v1.31.1+k3s1      kept
//   v1.31.1-rc2+k3s1  prerelease tag: skipped
//   v1.30.5+k3s1      draft: skipped
//   v1.30.4+k3s2      no sha256sum-amd64.txt: skipped for amd64 (k3s1 kept instead)
//   v1.30.4+k3s1      kept
//   v1.29.8+k3s1      only .tar images: kept (.tar is RD's fallback)
//   v1.29.7+k3s2/k3s1 both complete: highest build kept
//   v1.28.13+k3s1     only .tar.gz images, which RD never uses: skipped
//   v1.26.15+k3s1.1   malformed tag: skipped
//   v1.26.15+k3s1     arm64 assets only: skipped for amd64
//   v1.25.16+k3s4     kept (v1.25.16 >= v1.25.3 numerically, not as text)
//   v1.25.2+k3s1, v1.24.17+k3s1  below v1.25.3: skipped
// Channels: testing (1.31.1-rc2) and v1.24 (1.24.17) name no kept version and are dropped;
// stable/v1.30 say v1.30.4+k3s2 and still apply, because RD matches channels by X.Y.Z.
TEST_F(BuildK3sVersionsFileTest, BothArchesGolden) {
  K3sVersionsFile f = BuildK3sVersionsFile(
      channels_, releases_, {RdAssetRequirement(Arch::kAmd64), RdAssetRequirement(Arch::kArm64)});
  EXPECT_EQ(SerializeK3sVersionsFile(f),
            "{\n"
            "  \"cacheVersion\": 2,\n"
            "  \"versions\": [\n"
            "    \"v1.25.16+k3s4\",\n"
            "    \"v1.29.7+k3s2\",\n"
            "    \"v1.29.8+k3s1\",\n"
            "    \"v1.30.4+k3s1\",\n"
            "    \"v1.31.1+k3s1\"\n"
            "  ],\n"
            "  \"channels\": {\n"
            "    \"latest\": \"1.31.1\",\n"
            "    \"stable\": \"1.30.4\",\n"
            "    \"v1.25\": \"1.25.16\",\n"
            "    \"v1.29\": \"1.29.8\",\n"
            "    \"v1.30\": \"1.30.4\",\n"
            "    \"v1.31\": \"1.31.1\"\n"
            "  }\n"
            "}\n");
  auto strict = ParseK3sVersionsFile(SerializeK3sVersionsFile(f), kWhat);
  EXPECT_TRUE(strict.has_value()) << strict.error().message();
}

TEST_F(BuildK3sVersionsFileTest, Arm64Only) {
  K3sVersionsFile f =
      BuildK3sVersionsFile(channels_, releases_, {RdAssetRequirement(Arch::kArm64)});
  EXPECT_EQ(f.versions, (std::vector<std::string>{"v1.25.16+k3s4", "v1.26.15+k3s1", "v1.29.7+k3s2",
                                                  "v1.29.8+k3s1", "v1.30.4+k3s2", "v1.31.1+k3s1"}));
  EXPECT_EQ(f.channels.at("stable"), "1.30.4");
}

TEST_F(BuildK3sVersionsFileTest, NoAssetRequirement) {
  K3sVersionsFile f = BuildK3sVersionsFile(channels_, releases_, {});
  EXPECT_EQ(f.versions, (std::vector<std::string>{"v1.25.16+k3s4", "v1.26.15+k3s1", "v1.28.13+k3s1",
                                                  "v1.29.7+k3s2", "v1.29.8+k3s1", "v1.30.4+k3s2",
                                                  "v1.31.1+k3s1"}));
}

TEST_F(BuildK3sVersionsFileTest, IndependentOfReleaseOrder) {
  const std::vector<K3sAssetRequirement> req = {RdAssetRequirement(Arch::kAmd64)};
  K3sVersionsFile forward = BuildK3sVersionsFile(channels_, releases_, req);
  std::reverse(releases_.begin(), releases_.end());
  EXPECT_EQ(BuildK3sVersionsFile(channels_, releases_, req), forward);
}

TEST(BuildK3sVersionsFileStandaloneTest, GitHubPrereleaseFlagIsIgnoredLikeRd) {
  ReleaseInfo r{"v1.30.4+k3s1", /*prerelease=*/true, /*draft=*/false, {}};
  EXPECT_EQ(BuildK3sVersionsFile({}, {r}, {}).versions, std::vector<std::string>{"v1.30.4+k3s1"});
}

TEST(RdAssetRequirementTest, MatchesRdFilenames) {
  K3sAssetRequirement amd = RdAssetRequirement(Arch::kAmd64);
  EXPECT_EQ(amd.binary, "k3s");
  EXPECT_EQ(amd.sums, "sha256sum-amd64.txt");
  EXPECT_EQ(amd.images_any_of, (std::vector<std::string>{"k3s-airgap-images-amd64.tar.zst",
                                                         "k3s-airgap-images-amd64.tar"}));
  K3sAssetRequirement arm = RdAssetRequirement(Arch::kArm64);
  EXPECT_EQ(arm.binary, "k3s-arm64");
  EXPECT_EQ(arm.sums, "sha256sum-arm64.txt");
  EXPECT_EQ(arm.images_any_of, (std::vector<std::string>{"k3s-airgap-images-arm64.tar.zst",
                                                         "k3s-airgap-images-arm64.tar"}));
}

}  // namespace
}  // namespace rdbundle::packer
