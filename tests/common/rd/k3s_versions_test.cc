#include "common/rd/k3s_versions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/format/limits.h"

namespace rdbundle {
namespace {

constexpr const char* kWhat = "k3s-versions.json";

std::vector<K3sVersion> K3s(const std::vector<std::string>& texts) {
  std::vector<K3sVersion> out;
  for (const auto& t : texts) out.push_back(*ParseK3sVersion(t));
  return out;
}

using Channels = std::map<std::string, std::string>;

// The example of docs/rancher-desktop.md#k3s-versionsjson, as RD writes it.
constexpr const char* kDocExample =
    R"({"cacheVersion":2,
 "versions":["v1.25.16+k3s1","v1.30.4+k3s1","v1.31.1+k3s1"],
 "channels":{"stable":"1.30.4","latest":"1.31.1","v1.30":"1.30.4","v1.25":"1.25.16"}})";

// ---- ParseK3sVersionsFile
// --------------------------------------------------------------------------

TEST(ParseK3sVersionsFileTest, AcceptsDocExampleInBothModes) {
  for (auto mode : {K3sVersionsParseMode::kStrict, K3sVersionsParseMode::kUserCache}) {
    auto f = ParseK3sVersionsFile(kDocExample, kWhat, mode);
    ASSERT_TRUE(f.has_value()) << f.error().message();
    EXPECT_EQ(f->cache_version, 2);
    EXPECT_EQ(f->versions,
              (std::vector<std::string>{"v1.25.16+k3s1", "v1.30.4+k3s1", "v1.31.1+k3s1"}));
    EXPECT_EQ(f->channels, (Channels{{"latest", "1.31.1"},
                                     {"stable", "1.30.4"},
                                     {"v1.25", "1.25.16"},
                                     {"v1.30", "1.30.4"}}));
  }
}

struct RejectCase {
  const char* text;
  const char* message;  // after "k3s-versions.json: "
};

// Rejected in both modes: RD ignores or discards these files.
TEST(ParseK3sVersionsFileTest, RejectsWhatRdCannotUseWithExactMessages) {
  const RejectCase cases[] = {
      {"[]", "expected a JSON object (Rancher Desktop ignores the file)"},
      {"null", "expected a JSON object (Rancher Desktop ignores the file)"},
      {R"({"versions":[],"channels":{}})",
       "missing \"cacheVersion\" (Rancher Desktop ignores the file without it)"},
      {R"({"cacheVersion":1,"versions":[],"channels":{}})",
       "\"cacheVersion\" is 1, not 2 (Rancher Desktop ignores the file)"},
      {R"({"cacheVersion":"2","versions":[],"channels":{}})",
       "\"cacheVersion\" is \"2\", not 2 (Rancher Desktop ignores the file)"},
      {R"({"cacheVersion":-2,"versions":[],"channels":{}})",
       "\"cacheVersion\" is -2, not 2 (Rancher Desktop ignores the file)"},
      {R"({"cacheVersion":2,"channels":{}})",
       "missing \"versions\" (Rancher Desktop ignores the file without it)"},
      {R"({"cacheVersion":2,"versions":[]})",
       "missing \"channels\" (Rancher Desktop ignores the file without it)"},
      {R"({"cacheVersion":2,"versions":"v1.30.4+k3s1","channels":{}})",
       "\"versions\" is not an array (Rancher Desktop cannot use the file)"},
      {R"({"cacheVersion":2,"versions":["v1.30.4+k3s1",7],"channels":{}})",
       "versions[1]: expected a string"},
      {R"({"cacheVersion":2,"versions":[],"channels":[]})",
       "\"channels\" is not an object (Rancher Desktop cannot use the file)"},
      {R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"],"channels":{"stable":1}})",
       "channels[\"stable\"]: expected a string"},
      {R"({"cacheVersion":2,"versions":[],"versions":[],"channels":{}})",
       "duplicate key \"versions\""},
  };
  for (auto mode : {K3sVersionsParseMode::kStrict, K3sVersionsParseMode::kUserCache}) {
    for (const RejectCase& c : cases) {
      SCOPED_TRACE(c.text);
      auto f = ParseK3sVersionsFile(c.text, kWhat, mode);
      ASSERT_FALSE(f.has_value());
      EXPECT_EQ(f.error().code(), ErrorCode::kCorrupt);
      EXPECT_EQ(f.error().message(), std::string(kWhat) + ": " + c.message);
    }
  }
}

TEST(ParseK3sVersionsFileTest, RejectsInvalidJsonAndOversizedText) {
  auto bad = ParseK3sVersionsFile("{\"cacheVersion\":2,", kWhat);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kCorrupt);
  EXPECT_TRUE(bad.error().message().starts_with("k3s-versions.json: invalid JSON: "))
      << bad.error().message();

  std::string huge(kMaxVersionsJsonBytes + 1, ' ');
  auto big = ParseK3sVersionsFile(huge, kWhat, K3sVersionsParseMode::kUserCache);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code(), ErrorCode::kLimitExceeded);
}

// Accepted from a user's cache (RD reads them), rejected in bundle contents.
TEST(ParseK3sVersionsFileTest, StrictOnlyRejectionsWithExactMessages) {
  const RejectCase cases[] = {
      {R"({"cacheVersion":2,"versions":[],"channels":{},"extra":true})", "unknown field extra"},
      {R"({"cacheVersion":2.0,"versions":[],"channels":{}})",
       "\"cacheVersion\" is 2.0, not 2 (Rancher Desktop ignores the file)"},
      {R"({"cacheVersion":2,"versions":["1.30.4+k3s1"],"channels":{}})",
       "versions[0]: invalid k3s version \"1.30.4+k3s1\" (must start with \"v\")"},
      {R"({"cacheVersion":2,"versions":["v1.30.4+k3s1","v1.30.4+k3s1"],"channels":{}})",
       "versions[1]: \"v1.30.4+k3s1\" is listed twice"},
      {R"({"cacheVersion":2,"versions":["v1.30.4+k3s1","v1.30.4+k3s2"],"channels":{}})",
       "versions[1]: \"v1.30.4+k3s2\" is a second build of 1.30.4"},
      {R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"],"channels":{"stable":"1.30.5"}})",
       "channel \"stable\": \"1.30.5\" is not one of the versions (Rancher Desktop ignores the "
       "channel)"},
      {R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"],"channels":{"stable":"v1.30.4+k3s1"}})",
       "channel \"stable\": \"v1.30.4+k3s1\" is not one of the versions (Rancher Desktop ignores "
       "the channel)"},
      {R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"],"channels":{"a b":"1.30.4"}})",
       "channel \"a b\": invalid channel name"},
  };
  for (const RejectCase& c : cases) {
    SCOPED_TRACE(c.text);
    auto strict = ParseK3sVersionsFile(c.text, kWhat, K3sVersionsParseMode::kStrict);
    ASSERT_FALSE(strict.has_value());
    EXPECT_EQ(strict.error().code(), ErrorCode::kCorrupt);
    EXPECT_EQ(strict.error().message(), std::string(kWhat) + ": " + c.message);
    auto user = ParseK3sVersionsFile(c.text, kWhat, K3sVersionsParseMode::kUserCache);
    EXPECT_TRUE(user.has_value()) << user.error().message();
  }
}

TEST(ParseK3sVersionsFileTest, UserCacheKeepsOddEntriesVerbatimAndDropsUnknownFields) {
  auto f = ParseK3sVersionsFile(
      R"({"cacheVersion":2,"note":"x","versions":["1.2.3+k3s1","v1.30.4+k3s1"],
          "channels":{"stable":"9.9.9"}})",
      kWhat, K3sVersionsParseMode::kUserCache);
  ASSERT_TRUE(f.has_value()) << f.error().message();
  EXPECT_EQ(f->versions, (std::vector<std::string>{"1.2.3+k3s1", "v1.30.4+k3s1"}));
  EXPECT_EQ(f->channels, (Channels{{"stable", "9.9.9"}}));
  EXPECT_EQ(SerializeK3sVersionsFile(*f).find("note"), std::string::npos);
}

// ---- SerializeK3sVersionsFile
// ----------------------------------------------------------------------

TEST(SerializeK3sVersionsFileTest, GoldenBytesInRdLayout) {
  K3sVersionsFile f;
  f.versions = {"v1.31.1+k3s1", "v1.25.16+k3s1", "v1.30.4+k3s1", "v1.9.1+k3s1", "v1.30.4+k3s1"};
  f.channels = {{"v1.30", "1.30.4"}, {"stable", "1.30.4"}, {"latest", "1.31.1"}};
  EXPECT_EQ(SerializeK3sVersionsFile(f),
            "{\n"
            "  \"cacheVersion\": 2,\n"
            "  \"versions\": [\n"
            "    \"v1.9.1+k3s1\",\n"
            "    \"v1.25.16+k3s1\",\n"
            "    \"v1.30.4+k3s1\",\n"
            "    \"v1.31.1+k3s1\"\n"
            "  ],\n"
            "  \"channels\": {\n"
            "    \"latest\": \"1.31.1\",\n"
            "    \"stable\": \"1.30.4\",\n"
            "    \"v1.30\": \"1.30.4\"\n"
            "  }\n"
            "}\n");
}

TEST(SerializeK3sVersionsFileTest, EmptyFileMatchesJsonStringify) {
  EXPECT_EQ(SerializeK3sVersionsFile(K3sVersionsFile{}),
            "{\n  \"cacheVersion\": 2,\n  \"versions\": [],\n  \"channels\": {}\n}\n");
}

TEST(SerializeK3sVersionsFileTest, UnparseableVersionsSortLastBytewise) {
  K3sVersionsFile f;
  f.versions = {"zzz", "v1.30.4+k3s2", "1.2.3", "v1.30.4+k3s1"};
  auto round =
      ParseK3sVersionsFile(SerializeK3sVersionsFile(f), kWhat, K3sVersionsParseMode::kUserCache);
  ASSERT_TRUE(round.has_value());
  EXPECT_EQ(round->versions,
            (std::vector<std::string>{"v1.30.4+k3s1", "v1.30.4+k3s2", "1.2.3", "zzz"}));
}

TEST(SerializeK3sVersionsFileTest, RoundTripsThroughStrictParse) {
  auto f = ParseK3sVersionsFile(kDocExample, kWhat);
  ASSERT_TRUE(f.has_value());
  std::string bytes = SerializeK3sVersionsFile(*f);
  auto again = ParseK3sVersionsFile(bytes, kWhat);
  ASSERT_TRUE(again.has_value()) << again.error().message();
  EXPECT_EQ(*again, *f);
  EXPECT_EQ(SerializeK3sVersionsFile(*again), bytes);
}

// ---- MergeK3sVersions
// --------------------------------------------------------------------------------

TEST(MergeK3sVersionsTest, KeepsExistingChannelsAndNeverDropsVersions) {
  K3sVersionsFile existing;
  existing.versions = {"v1.30.4+k3s1", "v1.25.16+k3s4", "1.2.3-odd"};
  existing.channels = {{"stable", "1.30.4"}, {"v1.30", "1.30.4"}, {"custom", "1.25.16"}};
  K3sVersionsFile incoming;
  incoming.versions = {"v1.31.1+k3s1", "v1.30.4+k3s1", "v1.30.4+k3s2"};
  incoming.channels = {{"stable", "1.31.1"}, {"latest", "1.31.1"}, {"v1.31", "1.31.1"}};

  K3sVersionsFile merged = MergeK3sVersions(existing, incoming);
  EXPECT_EQ(merged.cache_version, 2);
  EXPECT_EQ(merged.versions,
            (std::vector<std::string>{"v1.25.16+k3s4", "v1.30.4+k3s1", "v1.30.4+k3s2",
                                      "v1.31.1+k3s1", "1.2.3-odd"}));
  EXPECT_EQ(merged.channels, (Channels{{"custom", "1.25.16"},
                                       {"latest", "1.31.1"},
                                       {"stable", "1.30.4"},
                                       {"v1.30", "1.30.4"},
                                       {"v1.31", "1.31.1"}}));
}

TEST(MergeK3sVersionsTest, ForcesCacheVersionAndIsIdempotent) {
  K3sVersionsFile existing;
  existing.cache_version = 1;
  existing.versions = {"v1.30.4+k3s1"};
  K3sVersionsFile incoming = *ParseK3sVersionsFile(kDocExample, kWhat);
  K3sVersionsFile once = MergeK3sVersions(existing, incoming);
  EXPECT_EQ(once.cache_version, 2);
  EXPECT_EQ(MergeK3sVersions(once, incoming), once);
  EXPECT_EQ(MergeK3sVersions(K3sVersionsFile{}, incoming), incoming);
}

// ---- DeriveChannels
// ---------------------------------------------------------------------------------

TEST(DeriveChannelsTest, HighestPatchPerMinorAndOverall) {
  auto versions = K3s({"v1.29.7+k3s2", "v1.29.8+k3s1", "v1.30.4+k3s1", "v1.30.3+k3s1",
                       "v1.31.0-rc1+k3s1", "v1.30.5-rc1+k3s1"});
  EXPECT_EQ(
      DeriveChannels(versions),
      (Channels{
          {"latest", "1.30.4"}, {"stable", "1.30.4"}, {"v1.29", "1.29.8"}, {"v1.30", "1.30.4"}}));
}

TEST(DeriveChannelsTest, NoReleasesNoChannels) {
  EXPECT_TRUE(DeriveChannels({}).empty());
  EXPECT_TRUE(DeriveChannels(K3s({"v1.31.0-rc1+k3s1"})).empty());
}

TEST(DeriveChannelsTest, ResultIsValidInStrictFile) {
  K3sVersionsFile f;
  f.versions = {"v1.25.16+k3s4", "v1.31.1+k3s1"};
  f.channels = DeriveChannels(K3s(f.versions));
  auto parsed = ParseK3sVersionsFile(SerializeK3sVersionsFile(f), kWhat);
  EXPECT_TRUE(parsed.has_value()) << parsed.error().message();
}

TEST(BelowRdMinimumTest, NumericComparisonWithV1_25_3) {
  const std::pair<const char*, bool> cases[] = {
      {"v1.24.17+k3s1", true},  {"v1.25.2+k3s1", true},   {"v1.25.3-rc1+k3s1", true},
      {"v1.25.3+k3s1", false},  {"v1.25.16+k3s4", false}, {"v1.26.0+k3s1", false},
      {"v1.100.0+k3s1", false}, {"v2.0.0+k3s1", false},   {"v0.99.99+k3s1", true},
  };
  for (const auto& [text, below] : cases) {
    EXPECT_EQ(BelowRdMinimum(*ParseK3sVersion(text)), below) << text;
  }
}

TEST(MinorChannelNameTest, Format) { EXPECT_EQ(MinorChannelName({1, 30}), "v1.30"); }

}  // namespace
}  // namespace rdbundle
