// `rdbundle-pack plan|build -f kit.yaml` and the RDBUNDLE_*_URL variables, end to end with the
// real binary against the fake upstream on 127.0.0.1 (the parser itself: kit_file_test.cc).
#include <gtest/gtest.h>

#include "tests/support/fake_upstream.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace rdbundle::packer {
namespace {

using testsupport::FakeUpstreamServer;
using testsupport::PathExists;
using testsupport::RunProcess;
using testsupport::StandardFakeUpstreamRoot;
using testsupport::SubprocessOptions;
using testsupport::SubprocessResult;
using testsupport::WriteFileOrDie;

constexpr const char* kRefused = "http://127.0.0.1:1/nothing-listens-here";

class KitFileCli : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<FakeUpstreamServer>(StandardFakeUpstreamRoot(), tmp_.path());
    ASSERT_TRUE(server_->ok()) << "the fake upstream did not start";
  }
  std::string ChannelUrl() const { return server_->base() + "/v1-release/channels"; }

  // A kit file in the temp dir: the fake upstream's mirrors except those in `skip`, then `extra`.
  std::string Kit(const std::string& extra, const std::string& channel_url) {
    const auto args = server_->Args();
    std::string text = "version: 1\nk3s:\n  channels: [stable]\narches: [amd64]\n"
                       "kubectl:\n  none: true\nmirrors:\n";
    for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
      const std::string key = args[i].substr(2);
      if (key == "channel-url") {
        if (!channel_url.empty()) text += "  channel-url: " + channel_url + "\n";
      } else {
        text += "  " + key + ": " + args[i + 1] + "\n";
      }
    }
    text += extra;
    WriteFileOrDie(tmp_.Sub("kit.yaml"), text);
    return tmp_.Sub("kit.yaml");
  }
  SubprocessResult Pack(std::vector<std::string> args,
                        const std::map<std::string, std::string>& env = {}) {
    args.insert(args.begin(), RDB_PACK_BIN);
    SubprocessOptions o;
    o.unset_env = {"SOURCE_DATE_EPOCH", "RDBUNDLE_PASSWORD", "GITHUB_TOKEN", "http_proxy",
                   "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                   "RDBUNDLE_CHANNEL_URL", "RDBUNDLE_K3S_RELEASE_URL",
                   "RDBUNDLE_K3S_RELEASES_API", "RDBUNDLE_KUBECTL_URL", "RDBUNDLE_RD_RELEASE_URL",
                   "RDBUNDLE_RD_RELEASES_API"};
    o.env = env;
    o.env["XDG_CACHE_HOME"] = tmp_.Sub("cache");
    o.cwd = tmp_.path();
    return RunProcess(args, o);
  }

  testsupport::ScopedTempDir tmp_;
  std::unique_ptr<FakeUpstreamServer> server_;
};

TEST_F(KitFileCli, PlanShowsTheKitFile) {
  const std::string kit = Kit("output: kit-{date}.rdbundle\n", ChannelUrl());
  auto r = Pack({"plan", "-f", kit}, {{"SOURCE_DATE_EPOCH", "1748736000"}});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out.rfind("kit file " + kit + ": build writes kit-2025-06-01.rdbundle\n", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find("v1.30.4+k3s2"), std::string::npos) << r.out;  // stable, from the mirror
  // A flag replaces the file's setting, and plan says so.
  r = Pack({"plan", "-f", kit, "--arch", "arm64"}, {{"SOURCE_DATE_EPOCH", "1748736000"}});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out.rfind("kit file " + kit + ": build writes kit-2025-06-01.rdbundle; flags "
                        "replace: arches\n", 0),
            0u)
      << r.out;
  EXPECT_NE(r.out.find("arm64"), std::string::npos) << r.out;
}

// Flag > kit file > environment > default, shown with a mirror that refuses connections.
TEST_F(KitFileCli, Precedence) {
  const std::map<std::string, std::string> good_env = {{"RDBUNDLE_CHANNEL_URL", ChannelUrl()}};
  const std::map<std::string, std::string> bad_env = {{"RDBUNDLE_CHANNEL_URL", kRefused}};
  // The environment is used when the kit file has no channel-url ...
  const std::string without = Kit("", "");
  EXPECT_EQ(Pack({"plan", "-f", without, "--retries", "0"}, good_env).exit_code, 0);
  auto r = Pack({"plan", "-f", without, "--retries", "0"}, bad_env);
  EXPECT_EQ(r.exit_code, 6) << r.Describe();
  EXPECT_NE(r.err.find(kRefused), std::string::npos) << r.err;
  // ... the kit file wins over the environment ...
  const std::string refused = Kit("", kRefused);
  EXPECT_EQ(Pack({"plan", "-f", refused, "--retries", "0"}, good_env).exit_code, 6);
  EXPECT_EQ(Pack({"plan", "-f", Kit("", ChannelUrl()), "--retries", "0"}, bad_env).exit_code, 0);
  // ... and the flag over both.
  r = Pack({"plan", "-f", refused, "--retries", "0", "--channel-url", ChannelUrl()}, bad_env);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  // Without a kit file, the environment applies to versions-json too.
  const auto args = server_->Args();
  std::vector<std::string> vj = {"versions-json", "--retries", "0"};
  for (std::size_t i = 2; i < args.size(); ++i) vj.push_back(args[i]);  // all but channel-url
  EXPECT_EQ(Pack(vj, good_env).exit_code, 0);
  EXPECT_EQ(Pack(vj, bad_env).exit_code, 6);
}

TEST_F(KitFileCli, BuildTakesTheOutputName) {
  auto key = Pack({"keygen", "-W", "-p", tmp_.Sub("k.pub"), "-s", tmp_.Sub("k.key")});
  ASSERT_EQ(key.exit_code, 0) << key.Describe();
  const std::string kit = Kit("output: kit-{date}.rdbundle\n", ChannelUrl());
  auto r = Pack({"build", "-f", kit, "-s", tmp_.Sub("k.key"), "--no-progress"},
                {{"SOURCE_DATE_EPOCH", "1748736000"}});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(PathExists(tmp_.Sub("kit-2025-06-01.rdbundle")));
}

TEST_F(KitFileCli, ErrorsNameTheFileAndLine) {
  WriteFileOrDie(tmp_.Sub("bad.yaml"), "version: 1\nk3s:\n  chanels: [stable]\n");
  auto r = Pack({"plan", "-f", tmp_.Sub("bad.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "rdbundle-pack: " + tmp_.Sub("bad.yaml") +
                       ": line 3: unknown key \"k3s.chanels\" (one of: versions, channels, "
                       "minors)\n");
  WriteFileOrDie(tmp_.Sub("v9.yaml"), "version: 9\n");
  r = Pack({"plan", "-f", tmp_.Sub("v9.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "rdbundle-pack: " + tmp_.Sub("v9.yaml") +
                       ": line 1: unsupported kit file version \"9\" (this rdbundle-pack reads "
                       "version 1)\n");
  r = Pack({"plan", "-f", tmp_.Sub("missing.yaml")});
  EXPECT_EQ(r.exit_code, 5) << r.Describe();
  // -f belongs to the fetching commands.
  r = Pack({"build", "--from", tmp_.path(), "-f", tmp_.Sub("v9.yaml"), "-o", "x", "-s", "k"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("option --kit-file does not apply to build --from"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace rdbundle::packer
