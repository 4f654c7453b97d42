#include "common/base/quote.h"
#include "common/format/version.h"
#include "common/rd/skew.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace rdbundle {
namespace {

// ---- ParseK3sVersion ---------------------------------------------------------------------------

struct K3sAccept {
  const char* text;
  int major, minor, patch;
  const char* prerelease;
  int build;
};

TEST(ParseK3sVersionTest, Accepts) {
  const K3sAccept cases[] = {
      {"v1.30.4+k3s1", 1, 30, 4, "", 1},
      {"v1.25.16+k3s4", 1, 25, 16, "", 4},
      {"v1.31.0-rc1+k3s1", 1, 31, 0, "rc1", 1},
      {"v1.30.4-rc1.2+k3s2", 1, 30, 4, "rc1.2", 2},
      {"v1.30.4-alpha-1+k3s1", 1, 30, 4, "alpha-1", 1},
      {"v0.0.0+k3s0", 0, 0, 0, "", 0},
      {"v10.200.3000+k3s12", 10, 200, 3000, "", 12},
      {"v999999.999999.999999+k3s999999", 999999, 999999, 999999, "", 999999},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto v = ParseK3sVersion(c.text);
    ASSERT_TRUE(v.has_value()) << v.error().message();
    EXPECT_EQ(v->major, c.major);
    EXPECT_EQ(v->minor, c.minor);
    EXPECT_EQ(v->patch, c.patch);
    EXPECT_EQ(v->prerelease, c.prerelease);
    EXPECT_EQ(v->build, c.build);
    EXPECT_EQ(v->text, c.text);
  }
}

TEST(ParseK3sVersionTest, RejectsWithExactMessages) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "must start with \"v\""},
      {"1.30.4+k3s1", "must start with \"v\""},
      {"V1.30.4+k3s1", "must start with \"v\""},
      {" v1.30.4+k3s1", "must start with \"v\""},
      {"v1.30.4", "missing \"+k3s<N>\" build suffix"},
      {"v1.30.4+rke2r1", "missing \"+k3s<N>\" build suffix"},
      {"v1.30.4+K3S1", "missing \"+k3s<N>\" build suffix"},
      {"v1.30.4-k3s1", "missing \"+k3s<N>\" build suffix"},
      {"v1.30.4+k3s", "k3s build is not a decimal number"},
      {"v1.30.4+k3s1 ", "k3s build is not a decimal number"},
      {"v1.30.4+k3s-1", "k3s build is not a decimal number"},
      {"v1.30.4+k3s1.1", "k3s build is not a decimal number"},
      {"v1.30.4+k3s1+k3s2", "k3s build is not a decimal number"},
      {"v1.30.4+k3s01", "k3s build has a leading zero"},
      {"v1.30.4+k3s1000000", "k3s build is larger than 999999"},
      {"v1.30+k3s1", "expected <major>.<minor>.<patch>"},
      {"v1.30.4.1+k3s1", "expected <major>.<minor>.<patch>"},
      {"v1..4+k3s1", "minor is not a decimal number"},
      {"v.30.4+k3s1", "major is not a decimal number"},
      {"v1.30.+k3s1", "patch is not a decimal number"},
      {"v01.30.4+k3s1", "major has a leading zero"},
      {"v1.030.4+k3s1", "minor has a leading zero"},
      {"v1.30.04+k3s1", "patch has a leading zero"},
      {"v1.+30.4+k3s1", "missing \"+k3s<N>\" build suffix"},
      {"v1.3a.4+k3s1", "minor is not a decimal number"},
      {"v1.30.4x+k3s1", "patch is not a decimal number"},
      {"v99999999999.1.1+k3s1", "major is larger than 999999"},
      {"v1.1000000.1+k3s1", "minor is larger than 999999"},
      {"v1.30.4-+k3s1", "prerelease must be 1 to 64 characters"},
      {"v1.30.4-rc..1+k3s1", "prerelease identifiers must be non-empty [0-9A-Za-z-]"},
      {"v1.30.4-rc1.+k3s1", "prerelease identifiers must be non-empty [0-9A-Za-z-]"},
      {"v1.30.4-rc_1+k3s1", "prerelease identifiers must be non-empty [0-9A-Za-z-]"},
      {"v1.30.4-01+k3s1", "numeric prerelease identifier has a leading zero"},
      {"v1.30.4-" + std::string(65, 'a') + "+k3s1", "prerelease must be 1 to 64 characters"},
      {"v\xef\xbc\x91.30.4+k3s1", "major is not a decimal number"},  // fullwidth digit one
      {std::string("v1.30.4+k3s1\0", 13), "k3s build is not a decimal number"},
  };
  for (const auto& [text, reason] : cases) {
    SCOPED_TRACE(text);
    auto v = ParseK3sVersion(text);
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().code(), ErrorCode::kCorrupt);
    EXPECT_EQ(v.error().message(),
              "invalid k3s version " + QuoteForMessage(text) + " (" + reason + ")");
  }
}

// For "--k3s v1.30.4: name the build: v1.30.4+k3s2 or v1.30.4+k3s1" (issue 18 item 5).
TEST(ParseK3sVersionTest, VersionWithoutBuildIsRecognised) {
  EXPECT_TRUE(IsK3sVersionWithoutBuild("v1.30.4"));
  EXPECT_TRUE(IsK3sVersionWithoutBuild("v1.31.0-rc1"));
  EXPECT_FALSE(IsK3sVersionWithoutBuild("v1.30.4+k3s1"));
  EXPECT_FALSE(IsK3sVersionWithoutBuild("1.30.4"));
  EXPECT_FALSE(IsK3sVersionWithoutBuild("v1.30"));
  EXPECT_FALSE(IsK3sVersionWithoutBuild("v1.30.4+"));
}

TEST(ParseK3sVersionTest, MessagesQuoteUntrustedBytes) {
  auto v = ParseK3sVersion(std::string("v1.30.4+k3s1\0", 13));
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().message(),
            "invalid k3s version \"v1.30.4+k3s1\\x00\" (k3s build is not a decimal number)");
  auto long_one = ParseK3sVersion(std::string(200, 'v'));
  ASSERT_FALSE(long_one.has_value());
  EXPECT_EQ(long_one.error().message(),
            "invalid k3s version \"" + std::string(64, 'v') + "\"... (too long)");
}

// ---- K3sVersion ordering
// -------------------------------------------------------------------------

std::vector<K3sVersion> ParseAll(const std::vector<std::string>& texts) {
  std::vector<K3sVersion> out;
  for (const auto& t : texts) {
    auto v = ParseK3sVersion(t);
    EXPECT_TRUE(v.has_value()) << t;
    if (v.has_value()) out.push_back(*v);
  }
  return out;
}

TEST(K3sVersionOrderTest, AscendingTable) {
  // Each entry is strictly greater than the one before.
  const std::vector<std::string> ascending = {
      "v1.9.9+k3s1",
      "v1.10.0+k3s1",    // numeric, not textual: 10 > 9
      "v1.30.4-1+k3s1",  // numeric identifier below alphanumeric
      "v1.30.4-alpha+k3s1",
      "v1.30.4-alpha.1+k3s1",  // more identifiers after an equal prefix
      "v1.30.4-alpha.beta+k3s1",
      "v1.30.4-beta+k3s1",
      "v1.30.4-rc1+k3s1",
      "v1.30.4-rc1+k3s2",  // build only after the prerelease
      "v1.30.4-rc2+k3s1",
      "v1.30.4-rc10+k3s1",  // rc2 < rc10 (natural order)
      "v1.30.4+k3s1",       // a release after all its prereleases
      "v1.30.4+k3s2",
      "v1.30.4+k3s10",
      "v1.30.5+k3s1",
      "v1.31.0-rc1+k3s1",
      "v1.31.0+k3s1",
      "v2.0.0+k3s1",
  };
  std::vector<K3sVersion> v = ParseAll(ascending);
  ASSERT_EQ(v.size(), ascending.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    for (std::size_t j = 0; j < v.size(); ++j) {
      SCOPED_TRACE(ascending[i] + " vs " + ascending[j]);
      EXPECT_EQ(v[i] < v[j], i < j);
      EXPECT_EQ(v[i] == v[j], i == j);
      EXPECT_EQ(v[i] > v[j], i > j);
    }
  }
  std::vector<K3sVersion> shuffled = v;
  std::mt19937 rng(7);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  std::sort(shuffled.begin(), shuffled.end());
  for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(shuffled[i].text, ascending[i]);
}

TEST(K3sVersionOrderTest, EqualOnlyForIdenticalText) {
  auto a = ParseK3sVersion("v1.30.4-rc01+k3s1");  // alphanumeric: leading zero allowed
  auto b = ParseK3sVersion("v1.30.4-rc1+k3s1");
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(*a, *ParseK3sVersion("v1.30.4-rc01+k3s1"));
}

TEST(ChannelValueTest, DropsVAndBuild) {
  EXPECT_EQ(ChannelValue(*ParseK3sVersion("v1.30.4+k3s1")), "1.30.4");
  EXPECT_EQ(ChannelValue(*ParseK3sVersion("v1.25.16+k3s4")), "1.25.16");
  EXPECT_EQ(ChannelValue(*ParseK3sVersion("v1.31.0-rc1+k3s2")), "1.31.0-rc1");
}

// ---- KubectlVersion, Minor
// -------------------------------------------------------------------------

TEST(ParseKubectlVersionTest, AcceptsWithAndWithoutV) {
  for (const char* text : {"v1.30.4", "1.30.4"}) {
    auto v = ParseKubectlVersion(text);
    ASSERT_TRUE(v.has_value()) << text;
    EXPECT_EQ(*v, (KubectlVersion{1, 30, 4}));
    EXPECT_EQ(v->ToString(), "1.30.4");
    EXPECT_EQ(v->ToTag(), "v1.30.4");
  }
  EXPECT_EQ(ParseKubectlVersion("0.0.0")->ToString(), "0.0.0");
}

TEST(ParseKubectlVersionTest, RejectsWithExactMessages) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "expected <major>.<minor>.<patch>"},
      {"v1.30", "expected <major>.<minor>.<patch>"},
      {"1.30.4-rc.1", "expected <major>.<minor>.<patch>"},
      {"1.30.4-rc1", "patch is not a decimal number"},
      {"v1.30.4+k3s1", "patch is not a decimal number"},
      {"1.30.04", "patch has a leading zero"},
      {"vv1.30.4", "major is not a decimal number"},
      {"V1.30.4", "major is not a decimal number"},
      {"1.30.4 ", "patch is not a decimal number"},
      {"-1.30.4", "major is not a decimal number"},
      {"1.30.4.5", "expected <major>.<minor>.<patch>"},
      {"1.9999999.0", "minor is larger than 999999"},
  };
  for (const auto& [text, reason] : cases) {
    SCOPED_TRACE(text);
    auto v = ParseKubectlVersion(text);
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().code(), ErrorCode::kCorrupt);
    EXPECT_EQ(v.error().message(),
              "invalid kubectl version " + QuoteForMessage(text) + " (" + reason + ")");
  }
}

TEST(KubectlVersionTest, Ordering) {
  const std::vector<KubectlVersion> ascending = {
      {1, 9, 0}, {1, 9, 10}, {1, 10, 0}, {1, 10, 1}, {2, 0, 0}};
  for (std::size_t i = 0; i + 1 < ascending.size(); ++i) {
    EXPECT_LT(ascending[i], ascending[i + 1]) << ascending[i].ToString();
  }
}

TEST(MinorTest, FormatOrderAndMinorOf) {
  EXPECT_EQ((Minor{1, 30}).ToString(), "1.30");
  EXPECT_LT((Minor{1, 9}), (Minor{1, 10}));
  EXPECT_LT((Minor{1, 99}), (Minor{2, 0}));
  EXPECT_EQ(MinorOf(*ParseK3sVersion("v1.31.0-rc1+k3s1")), (Minor{1, 31}));
  EXPECT_EQ(MinorOf(KubectlVersion{1, 30, 4}), (Minor{1, 30}));
}

// ---- skew rule
// ---------------------------------------------------------------------------------------

TEST(KubectlServesTest, OneMinorEitherSideSameMajor) {
  const KubectlVersion k{1, 30, 4};
  EXPECT_FALSE(KubectlServes(k, {1, 28}));
  EXPECT_TRUE(KubectlServes(k, {1, 29}));
  EXPECT_TRUE(KubectlServes(k, {1, 30}));
  EXPECT_TRUE(KubectlServes(k, {1, 31}));
  EXPECT_FALSE(KubectlServes(k, {1, 32}));
  EXPECT_FALSE(KubectlServes(k, {2, 30}));
  EXPECT_FALSE(KubectlServes(KubectlVersion{2, 0, 0}, {1, 99}));
}

// ---- cover
// -------------------------------------------------------------------------------------------

std::vector<KubectlVersion> Kubectls(const std::vector<std::string>& texts) {
  std::vector<KubectlVersion> out;
  for (const auto& t : texts) out.push_back(*ParseKubectlVersion(t));
  return out;
}

std::vector<std::string> Strings(const std::vector<KubectlVersion>& v) {
  std::vector<std::string> out;
  for (const auto& k : v) out.push_back(k.ToString());
  return out;
}

std::vector<std::string> Strings(const std::vector<Minor>& v) {
  std::vector<std::string> out;
  for (const auto& m : v) out.push_back(m.ToString());
  return out;
}

// Every kubectl minor 1.18 .. 1.32, each with patches .1 and .7.
std::vector<KubectlVersion> AllKubectls() {
  std::vector<KubectlVersion> out;
  for (int minor = 18; minor <= 32; ++minor) {
    out.push_back({1, minor, 1});
    out.push_back({1, minor, 7});
  }
  return out;
}

TEST(KubectlCoverTest, DocFailureScenario) {
  // Cache: k3s 1.24.3, 1.21.14, 1.19.16; kuberlr: kubectl1.24.3 and kubectl1.21.14 only.
  const std::vector<Minor> servers = {{1, 24}, {1, 21}, {1, 19}};
  const auto installed = Kubectls({"1.24.3", "1.21.14"});
  EXPECT_EQ(Strings(UncoveredMinors(servers, installed)), std::vector<std::string>{"1.19"});

  KubectlCover cover = MinimalKubectlCover(servers, installed);
  EXPECT_EQ(Strings(cover.chosen), (std::vector<std::string>{"1.21.14", "1.24.3"}));
  EXPECT_EQ(Strings(cover.uncovered), std::vector<std::string>{"1.19"});

  // Any kubectl 1.18 .. 1.20 fixes it.
  auto fixed = Kubectls({"1.24.3", "1.21.14", "1.20.15"});
  EXPECT_TRUE(UncoveredMinors(servers, fixed).empty());
}

TEST(KubectlCoverTest, DocExampleOneKubectlServesThreeMinors) {
  KubectlCover cover = MinimalKubectlCover({{1, 21}, {1, 22}, {1, 23}}, AllKubectls());
  EXPECT_EQ(Strings(cover.chosen), std::vector<std::string>{"1.22.7"});
  EXPECT_TRUE(cover.uncovered.empty());
}

TEST(KubectlCoverTest, DocExampleAdding124NeedsOneOf123To125) {
  const std::vector<Minor> servers = {{1, 21}, {1, 22}, {1, 23}, {1, 24}};
  EXPECT_EQ(Strings(MinimalKubectlCover(servers, AllKubectls()).chosen),
            (std::vector<std::string>{"1.22.7", "1.25.7"}));
  EXPECT_EQ(Strings(MinimalKubectlCover(servers, Kubectls({"1.22.1", "1.24.2"})).chosen),
            (std::vector<std::string>{"1.22.1", "1.24.2"}));
  // Only 1.23 left for 1.24: the u-1 last resort.
  EXPECT_EQ(Strings(MinimalKubectlCover(servers, Kubectls({"1.22.1", "1.23.5"})).chosen),
            (std::vector<std::string>{"1.22.1", "1.23.5"}));
  KubectlCover none = MinimalKubectlCover(servers, Kubectls({"1.22.1", "1.26.0"}));
  EXPECT_EQ(Strings(none.chosen), std::vector<std::string>{"1.22.1"});
  EXPECT_EQ(Strings(none.uncovered), std::vector<std::string>{"1.24"});
}

TEST(KubectlCoverTest, Table) {
  struct Case {
    const char* name;
    std::vector<Minor> servers;
    std::vector<KubectlVersion> available;
    std::vector<std::string> chosen;
    std::vector<std::string> uncovered;
  };
  const Case cases[] = {
      {"gaps", {{1, 20}, {1, 25}, {1, 30}}, AllKubectls(), {"1.21.7", "1.26.7", "1.31.7"}, {}},
      {"adjacent pairs",
       {{1, 25}, {1, 26}, {1, 27}, {1, 28}},
       AllKubectls(),
       {"1.26.7", "1.29.7"},
       {}},
      {"no kubectl available", {{1, 28}, {1, 29}}, {}, {}, {"1.28", "1.29"}},
      {"no servers", {}, AllKubectls(), {}, {}},
      {"newest patch of the chosen minor",
       {{1, 21}},
       Kubectls({"1.22.1", "1.22.17", "1.22.3", "1.21.30"}),
       {"1.22.17"},
       {}},
      {"falls back to u when u+1 is missing",
       {{1, 30}, {1, 31}},
       Kubectls({"1.30.2", "1.32.0"}),
       {"1.30.2"},
       {}},
      {"duplicates in input",
       {{1, 30}, {1, 30}, {1, 29}},
       Kubectls({"1.30.1", "1.30.1"}),
       {"1.30.1"},
       {}},
      {"other major never serves", {{2, 0}}, Kubectls({"1.1.0", "1.99.0"}), {}, {"2.0"}},
      {"top of the list", {{1, 32}}, AllKubectls(), {"1.32.7"}, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    KubectlCover cover = MinimalKubectlCover(c.servers, c.available);
    EXPECT_EQ(Strings(cover.chosen), c.chosen);
    EXPECT_EQ(Strings(cover.uncovered), c.uncovered);
  }
}

// Brute force over every subset of the available minors: the greedy cover must be as small as
// the smallest subset that serves every coverable server minor.
std::size_t BruteForceMinimum(const std::vector<int>& servers, const std::vector<int>& avail) {
  std::size_t best = avail.size() + 1;
  for (unsigned mask = 0; mask < (1u << avail.size()); ++mask) {
    bool ok = true;
    for (int s : servers) {
      bool coverable = false, covered = false;
      for (std::size_t i = 0; i < avail.size(); ++i) {
        bool serves = std::abs(avail[i] - s) <= 1;
        coverable = coverable || serves;
        covered = covered || (serves && (mask & (1u << i)));
      }
      ok = ok && (covered || !coverable);
    }
    if (ok) best = std::min<std::size_t>(best, std::popcount(mask));
  }
  return best;
}

TEST(KubectlCoverTest, GreedyIsMinimalAgainstBruteForce) {
  std::mt19937 rng(12345);
  for (int iteration = 0; iteration < 400; ++iteration) {
    std::vector<int> servers, avail;
    for (int m = 0; m <= 10; ++m) {
      if (rng() % 3 == 0) servers.push_back(m);
      if (rng() % 2 == 0) avail.push_back(m);
    }
    std::vector<Minor> server_minors;
    for (int m : servers) server_minors.push_back({1, m});
    std::vector<KubectlVersion> kubectls;
    for (int m : avail) kubectls.push_back({1, m, 0});
    KubectlCover cover = MinimalKubectlCover(server_minors, kubectls);
    SCOPED_TRACE(iteration);
    EXPECT_EQ(cover.chosen.size(), BruteForceMinimum(servers, avail));
    EXPECT_EQ(cover.uncovered, UncoveredMinors(server_minors, cover.chosen));
    EXPECT_EQ(cover.uncovered, UncoveredMinors(server_minors, kubectls));
    EXPECT_TRUE(std::is_sorted(cover.chosen.begin(), cover.chosen.end()));
  }
}

TEST(UncoveredMinorsTest, SortedAndDeduplicated) {
  EXPECT_EQ(Strings(UncoveredMinors({{1, 30}, {1, 19}, {1, 19}, {1, 25}}, Kubectls({"1.30.0"}))),
            (std::vector<std::string>{"1.19", "1.25"}));
  EXPECT_TRUE(UncoveredMinors({}, {}).empty());
}

}  // namespace
}  // namespace rdbundle
