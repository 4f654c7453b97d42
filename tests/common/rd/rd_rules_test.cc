// Each case follows one rule of rancher-sandbox/rancher-desktop, named in common/rd/rd_rules.h.
#include "common/rd/rd_rules.h"

#include <gtest/gtest.h>

#include "common/rd/layout.h"

namespace rdbundle {
namespace {

constexpr RdVersion kRd118{1, 18, 0};
constexpr RdVersion kRd119{1, 19, 0};

TEST(NodeSemverTest, ParsesWhatRdParses) {
  // semver.parse('v1.30.2+k3s2').version === '1.30.2': the build is not part of the key.
  EXPECT_EQ(NodeSemverParse("v1.30.2+k3s2")->key, "1.30.2");
  EXPECT_EQ(NodeSemverParse("1.30.2+k3s1")->key, "1.30.2");  // no "v": still parsed
  EXPECT_EQ(NodeSemverParse(" v1.31.0-rc1+k3s1 ")->key, "1.31.0-rc1");  // trimmed
  EXPECT_FALSE(NodeSemverParse("v1.30"));
  EXPECT_FALSE(NodeSemverParse("v01.30.2+k3s1"));  // leading zero
  EXPECT_FALSE(NodeSemverParse("garbage"));
  EXPECT_FALSE(NodeSemverParse("v1.30.2+"));
  EXPECT_FALSE(NodeSemverParse("v1.30.2-01"));         // numeric prerelease, leading zero
  EXPECT_EQ(NodeSemverParse("v1.30.2-rc01")->key, "1.30.2-rc01");  // alphanumeric: fine
  EXPECT_FALSE(NodeSemverParse("v9007199254740992.0.0"));  // above MAX_SAFE_INTEGER
  EXPECT_FALSE(NodeSemverParse(std::string(300, '1')));
}

TEST(RdRulesTest, MinimumK3sByRdVersion) {
  // k3sHelper.ts minimumVersion per tag: v1.14.2 '1.15.0', v1.15.0..v1.18.x '1.21.0', v1.19.0+ '1.25.3'.
  EXPECT_EQ(RdMinimumK3s(RdVersion{1, 14, 2}), (RdVersion{1, 15, 0}));
  EXPECT_EQ(RdMinimumK3s(RdVersion{1, 15, 0}), (RdVersion{1, 21, 0}));
  EXPECT_EQ(RdMinimumK3s(kRd118), (RdVersion{1, 21, 0}));
  EXPECT_EQ(RdMinimumK3s(kRd119), (RdVersion{1, 25, 3}));
  EXPECT_EQ(RdMinimumK3s(std::nullopt), (RdVersion{1, 25, 3}));
  const K3sVersion v1243 = *ParseK3sVersion("v1.24.3+k3s1");
  EXPECT_FALSE(BelowRdMinimumFor(v1243, kRd118));  // RD 1.18 lists the doc's v1.24.3
  EXPECT_TRUE(BelowRdMinimumFor(v1243, kRd119));   // RD 1.19 does not
  EXPECT_TRUE(BelowRdMinimumFor(*ParseK3sVersion("v1.25.3-rc1+k3s1"), kRd119));  // semver.gte
  EXPECT_FALSE(BelowRdMinimumFor(*ParseK3sVersion("v1.25.3+k3s1"), kRd119));
}

TEST(RdRulesTest, BuiltinListFromRd117) {
  // readCache falls back to resources/k3s-versions.json since v1.17.0.
  EXPECT_FALSE(RdHasBuiltinVersionList(RdVersion{1, 16, 0}));
  EXPECT_TRUE(RdHasBuiltinVersionList(RdVersion{1, 17, 0}));
  EXPECT_TRUE(RdHasBuiltinVersionList(std::nullopt));
}

TEST(RdRulesTest, WindowsIsAlwaysAmd64) {
  // kube/wsl.ts: new K3sHelper('x86_64').
  EXPECT_EQ(*RdArchFor(TargetOs::kWindows, std::nullopt, Arch::kArm64), Arch::kAmd64);
  EXPECT_EQ(*RdArchFor(TargetOs::kWindows, Arch::kAmd64, Arch::kArm64), Arch::kAmd64);
  auto refused = RdArchFor(TargetOs::kWindows, Arch::kArm64, Arch::kAmd64);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUsage);
  EXPECT_NE(refused.error().message().find("x64 only"), std::string::npos);
  EXPECT_EQ(*RdArchFor(TargetOs::kDarwin, std::nullopt, Arch::kArm64), Arch::kArm64);
  EXPECT_EQ(*RdArchFor(TargetOs::kLinux, Arch::kArm64, Arch::kAmd64), Arch::kArm64);

  DestinationOptions o;
  o.home = "/mnt/c/Users/me";
  o.os = TargetOs::kWindows;
  o.arch = Arch::kArm64;
  EXPECT_EQ(ResolveDestinations(o, GetEnvReal).error().code(), ErrorCode::kUsage);
  o.arch.reset();
  EXPECT_EQ(ResolveDestinations(o, GetEnvReal)->arch, Arch::kAmd64);
}

TEST(RdReadCacheTest, WhatRdDiscardsAndWhatItKeeps) {
  // JSON.parse fails / cacheVersion !== 2: falls back to the built-in list.
  EXPECT_EQ(RdReadCache("{", kRd119).verdict, RdCacheVerdict::kFallsBack);
  EXPECT_EQ(RdReadCache("null", kRd119).verdict, RdCacheVerdict::kFallsBack);
  EXPECT_EQ(RdReadCache(R"({"cacheVersion":1,"versions":[],"channels":{}})", kRd119).verdict,
            RdCacheVerdict::kFallsBack);
  EXPECT_EQ(RdReadCache(R"({"cacheVersion":"2","versions":[],"channels":{}})", kRd119).verdict,
            RdCacheVerdict::kFallsBack);
  // for...of undefined / Object.entries(undefined) throw: everything discarded.
  EXPECT_EQ(RdReadCache(R"({"cacheVersion":2,"channels":{}})", kRd119).verdict,
            RdCacheVerdict::kDiscarded);
  EXPECT_EQ(RdReadCache(R"({"cacheVersion":2,"versions":{},"channels":{}})", kRd119).verdict,
            RdCacheVerdict::kDiscarded);
  auto no_channels = RdReadCache(R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"]})", kRd119);
  EXPECT_EQ(no_channels.verdict, RdCacheVerdict::kDiscarded);
  EXPECT_TRUE(no_channels.versions.empty());
  // Kept: entries that do not parse are skipped, the rest used (issue 14 item 4).
  auto kept = RdReadCache(R"({"cacheVersion":2.0,"versions":[null,"v1.30.4+k3s1",7,"junk",
    "v1.24.3+k3s1"],"channels":{"stable":"1.30.4","old":"1.24.3","x":["1.30.4"],"n":1}})",
                          kRd119);
  EXPECT_EQ(kept.verdict, RdCacheVerdict::kUsed);
  EXPECT_EQ(kept.versions, (std::map<std::string, std::string>{{"1.30.4", "v1.30.4+k3s1"}}));
  EXPECT_EQ(kept.unparsable, 3u);  // null, 7, "junk"
  EXPECT_EQ(kept.parsed, (std::vector<std::string>{"v1.30.4+k3s1", "v1.24.3+k3s1"}));
  EXPECT_EQ(kept.parsed_channels.at("old"), "1.24.3");  // kept for an older RD
  // "old" names a skipped version: ignored; ["1.30.4"] is "1.30.4" as a JS property key.
  EXPECT_EQ(kept.channels,
            (std::map<std::string, std::string>{{"stable", "1.30.4"}, {"x", "1.30.4"}}));
  // RD 1.18 keeps v1.24.3 (minimum 1.21.0).
  EXPECT_EQ(RdReadCache(R"({"cacheVersion":2,"versions":["v1.24.3+k3s1"],"channels":{}})", kRd118)
                .versions.size(),
            1u);
  // Duplicate keys: JSON.parse keeps the last.
  EXPECT_EQ(RdReadCache(R"({"cacheVersion":1,"cacheVersion":2,"versions":[],"channels":{}})",
                        kRd119)
                .verdict,
            RdCacheVerdict::kUsed);
}

TEST(RdReadCacheTest, LastListedBuildWins) {
  // this.versions[version.version] = ...: per X.Y.Z the entry listed last wins.
  auto v = RdReadCache(
      R"({"cacheVersion":2,"versions":["v1.30.2+k3s2","v1.30.2+k3s1"],"channels":{}})", kRd119);
  EXPECT_EQ(v.versions.at("1.30.2"), "v1.30.2+k3s1");
  v = RdReadCache(
      R"({"cacheVersion":2,"versions":["v1.30.2+k3s1","v1.30.2+k3s2"],"channels":{}})", kRd119);
  EXPECT_EQ(v.versions.at("1.30.2"), "v1.30.2+k3s2");
}

TEST(RdRulesTest, CachedDirKey) {
  // filterVersionsAgainstCache: /^v\d+\.\d+\.\d+\+k3s\d+$/, then semver.parse(...)?.version.
  EXPECT_EQ(RdCachedDirKey("v1.30.2+k3s1"), "1.30.2");
  EXPECT_FALSE(RdCachedDirKey("v1.31.0-rc1+k3s1"));  // prereleases never show offline
  EXPECT_FALSE(RdCachedDirKey("1.30.2+k3s1"));
  EXPECT_FALSE(RdCachedDirKey("v1.30.2+k3s"));
  EXPECT_FALSE(RdCachedDirKey("v01.30.2+k3s1"));
  EXPECT_FALSE(RdCachedDirKey("v1.30.2+k3s1x"));
}

TEST(ShadowedBuildTest, IssueScenario) {
  // Issue 14 item 1: the file lists v1.30.2+k3s2 (not cached), the bundle brings v1.30.2+k3s1.
  const std::vector<std::string> listed = {"v1.30.2+k3s1", "v1.30.2+k3s2", "v1.31.1+k3s1"};
  const std::set<std::string> complete = {"v1.30.2+k3s1", "v1.31.1+k3s1"};
  auto shadowed = FindShadowedBuilds(listed, complete, kRd119);
  ASSERT_EQ(shadowed.size(), 1u);
  EXPECT_EQ(shadowed[0].key, "1.30.2");
  EXPECT_EQ(shadowed[0].winner, "v1.30.2+k3s2");
  EXPECT_EQ(shadowed[0].complete, "v1.30.2+k3s1");
  const auto fixed = DropShadowingBuilds(listed, complete);
  EXPECT_EQ(fixed, (std::vector<std::string>{"v1.30.2+k3s1", "v1.31.1+k3s1"}));
  EXPECT_TRUE(FindShadowedBuilds(fixed, complete, kRd119).empty());
}

TEST(ShadowedBuildTest, NewestCompleteWinsAndNothingElseIsDropped) {
  // Two complete builds: the newer wins; an incomplete build below them does not shadow.
  const std::vector<std::string> listed = {"v1.30.2+k3s1", "v1.30.2+k3s2", "v1.30.2+k3s3",
                                           "v1.29.1+k3s1"};
  const std::set<std::string> complete = {"v1.30.2+k3s2", "v1.30.2+k3s3"};
  EXPECT_TRUE(FindShadowedBuilds(listed, complete, kRd119).empty());
  EXPECT_EQ(DropShadowingBuilds(listed, complete), listed);
  // No complete build of 1.29.1: kept (RD downloads it online).
  const std::set<std::string> only_old = {"v1.30.2+k3s1"};
  EXPECT_EQ(DropShadowingBuilds(listed, only_old),
            (std::vector<std::string>{"v1.30.2+k3s1", "v1.29.1+k3s1"}));
  auto s = FindShadowedBuilds(listed, only_old, kRd119);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].winner, "v1.30.2+k3s3");
}

}  // namespace
}  // namespace rdbundle
