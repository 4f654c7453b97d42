// One test per rule of MergeVersionsForRd, each built from the RD behaviour it follows
// (issue 14 items 1, 3, 4, 5, 6; sources quoted in common/rd/rd_rules.h).
#include "common/rd/versions_merge.h"

#include <gtest/gtest.h>

namespace rdbundle {
namespace {

using Versions = std::vector<std::string>;
using Channels = std::map<std::string, std::string>;

VersionsMergeInput Bundle(Versions versions, Channels channels) {
  VersionsMergeInput in;
  in.incoming.versions = versions;
  in.incoming.channels = std::move(channels);
  in.usable_incoming.insert(versions.begin(), versions.end());
  in.complete_cached.insert(versions.begin(), versions.end());
  return in;
}

TEST(VersionsMergeTest, Item1ShadowedBuildIsDropped) {
  // The file lists v1.30.2+k3s2 (not cached); the bundle brings v1.30.2+k3s1. readCache keeps
  // the last build per X.Y.Z and ensureK3sImages looks only in its directory.
  VersionsMergeInput in = Bundle({"v1.30.2+k3s1"}, {{"v1.30", "1.30.2"}});
  in.existing_text = R"({"cacheVersion":2,"versions":["v1.30.2+k3s2"],"channels":{"stable":"1.30.2"}})";
  const auto r = MergeVersionsForRd(in);
  EXPECT_EQ(r.base, VersionsMergeBase::kMerged);
  EXPECT_EQ(r.file.versions, (Versions{"v1.30.2+k3s1"}));
  EXPECT_EQ(r.dropped_shadowing, (Versions{"v1.30.2+k3s2"}));
  EXPECT_EQ(r.file.channels, (Channels{{"stable", "1.30.2"}, {"v1.30", "1.30.2"}}));
  EXPECT_TRUE(FindShadowedBuilds(r.file.versions, in.complete_cached, std::nullopt).empty());
}

TEST(VersionsMergeTest, Item3CreatedFileListsHandCopiedVersions) {
  // No file: RD >= 1.17 offered its built-in list, which showed the hand-copied directory.
  VersionsMergeInput in = Bundle({"v1.31.1+k3s1"}, {{"latest", "1.31.1"}});
  in.complete_cached.insert("v1.29.8+k3s1");
  in.complete_cached.insert("v1.28.1-rc1+k3s1");  // filterVersionsAgainstCache ignores it
  const auto r = MergeVersionsForRd(in);
  EXPECT_EQ(r.base, VersionsMergeBase::kCreated);
  EXPECT_EQ(r.file.versions, (Versions{"v1.29.8+k3s1", "v1.31.1+k3s1"}));
  EXPECT_EQ(r.added_cached, (Versions{"v1.29.8+k3s1"}));
}

TEST(VersionsMergeTest, Item4KeepsWhatRdKeeps) {
  // readCache skips the null and "junk" entries and uses the rest: merged, not replaced.
  VersionsMergeInput in = Bundle({"v1.31.1+k3s1"}, {{"latest", "1.31.1"}});
  in.existing_text = R"({"cacheVersion":2,"versions":[null,"v1.30.4+k3s1","junk"],)"
                     R"("channels":{"stable":"1.30.4","gone":"1.20.0"}})";
  const auto r = MergeVersionsForRd(in);
  EXPECT_EQ(r.base, VersionsMergeBase::kMerged);
  EXPECT_EQ(r.file.versions, (Versions{"v1.30.4+k3s1", "v1.31.1+k3s1"}));
  EXPECT_EQ(r.file.channels, (Channels{{"latest", "1.31.1"}, {"stable", "1.30.4"}}));
  EXPECT_TRUE(r.added_cached.empty());
  // What RD discards is replaced, with RD's reason.
  for (const char* discarded : {R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"]})",
                                R"({"cacheVersion":1,"versions":[],"channels":{}})", "{"}) {
    in.existing_text = discarded;
    const auto x = MergeVersionsForRd(in);
    EXPECT_EQ(x.base, VersionsMergeBase::kReplaced) << discarded;
    EXPECT_FALSE(x.replaced_reason.empty());
    EXPECT_EQ(x.file.versions, (Versions{"v1.31.1+k3s1"})) << discarded;
  }
}

TEST(VersionsMergeTest, Item5OnlyVersionsCompleteForRdsArch) {
  // An arm64-only version in a bundle installed for amd64: not listed, nor its channel.
  VersionsMergeInput in = Bundle({"v1.30.4+k3s1", "v1.31.1+k3s1"},
                                 {{"stable", "1.30.4"}, {"latest", "1.31.1"}});
  in.usable_incoming.erase("v1.31.1+k3s1");
  in.complete_cached.erase("v1.31.1+k3s1");
  const auto r = MergeVersionsForRd(in);
  EXPECT_EQ(r.file.versions, (Versions{"v1.30.4+k3s1"}));
  EXPECT_EQ(r.file.channels, (Channels{{"stable", "1.30.4"}}));
  EXPECT_EQ(r.not_usable, (Versions{"v1.31.1+k3s1"}));
}

TEST(VersionsMergeTest, Item6ChannelServerValuesAreUsedWhereBundled) {
  // The bundle's channels (the channel server's values for bundled versions) are added where
  // the file has none; an existing channel stays (9.3).
  VersionsMergeInput in = Bundle({"v1.30.4+k3s2", "v1.31.1+k3s1"},
                                 {{"stable", "1.30.4"}, {"latest", "1.31.1"}});
  in.existing_text = R"({"cacheVersion":2,"versions":["v1.29.8+k3s1"],"channels":{"v1.29":"1.29.8"}})";
  in.complete_cached.insert("v1.29.8+k3s1");
  const auto r = MergeVersionsForRd(in);
  EXPECT_EQ(r.file.channels,
            (Channels{{"latest", "1.31.1"}, {"stable", "1.30.4"}, {"v1.29", "1.29.8"}}));
  EXPECT_NE(r.file.channels.at("stable"), r.file.channels.at("latest"));
  EXPECT_EQ(r.added, (Versions{"v1.30.4+k3s2", "v1.31.1+k3s1"}));
}

}  // namespace
}  // namespace rdbundle
