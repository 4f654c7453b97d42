// `rdbundle-pack plan`, `versions-json` and a fetching `build`, end to end with the real
// binaries against the fake upstream on 127.0.0.1 (tests/support/fake_upstream.h): nothing here
// reaches the internet. The server's request log shows what went over the wire.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "common/format/hash.h"
#include "common/format/json_strict.h"
#include "common/format/manifest.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace rdbundle::packer {
namespace {

using testsupport::PathExists;
using testsupport::FakeUpstreamServer;
using testsupport::LoggedRequest;
using testsupport::ReadFileOrDie;
using testsupport::RunProcess;
using testsupport::StandardFakeUpstreamRoot;
using testsupport::SubprocessOptions;
using testsupport::SubprocessResult;
using testsupport::WriteFileOrDie;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const char* const kBinary = "/releases/k3s/v1.30.4+k3s2/k3s";
const char* const kImages = "/releases/k3s/v1.30.4+k3s2/k3s-airgap-images-amd64.tar.zst";

class FetchCli : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<FakeUpstreamServer>(StandardFakeUpstreamRoot(), tmp_.path());
    ASSERT_TRUE(server_->ok()) << "the fake upstream did not start";
    auto r = Run(RDB_PACK_BIN, {"keygen", "-W", "-p", pub_, "-s", key_});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }

  // The child never sees a proxy, a token, a password or SOURCE_DATE_EPOCH from the caller.
  SubprocessResult Run(const std::string& bin, const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> argv = {bin};
    argv.insert(argv.end(), args.begin(), args.end());
    SubprocessOptions o;
    o.unset_env = {"SOURCE_DATE_EPOCH", "RDBUNDLE_PASSWORD", "GITHUB_TOKEN", "http_proxy",
                   "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                   "XDG_CACHE_HOME"};
    o.env = env;
    return RunProcess(argv, o);
  }
  // `cmd` with the fake upstream's URLs and a short retry delay.
  SubprocessResult Pack(const std::string& cmd, const std::vector<std::string>& extra,
                        const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> args = {cmd};
    for (const auto& a : server_->Args()) args.push_back(a);
    args.insert(args.end(), {"--retry-delay-ms", "5"});
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(RDB_PACK_BIN, args, env);
  }
  SubprocessResult Build(const std::string& out, const std::vector<std::string>& extra,
                         const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> args = {"-o", out, "-s", key_, "--no-progress", "--download-dir", dl_};
    args.insert(args.end(), extra.begin(), extra.end());
    return Pack("build", args, env);
  }
  Json PlanJson(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = Pack("plan", args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return Json::parse(r.out, nullptr, false);
  }
  static std::vector<std::string> Versions(const Json& plan) {
    std::vector<std::string> out;
    for (const auto& k : plan["k3s"]) out.push_back(k["version"]);
    return out;
  }
  static std::vector<std::string> Kubectls(const Json& plan) {
    std::vector<std::string> out;
    for (const auto& k : plan["kubectl"]) {
      out.push_back(k["version"].get<std::string>() + " " + k["os"].get<std::string>() + "/" +
                    k["arch"].get<std::string>());
    }
    return out;
  }
  std::vector<LoggedRequest> RequestsFor(const std::string& path) const {
    std::vector<LoggedRequest> out;
    for (const auto& r : server_->Requests()) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }
  std::string Url(const std::string& path) const {
    std::string p;
    for (char c : path) p += c == '+' ? std::string("%2B") : std::string(1, c);
    return server_->base() + p;
  }
  std::string UpstreamFile(const std::string& path) const { return StandardFakeUpstreamRoot() + path; }
  std::string Cached(const std::string& rel) const { return dl_ + "/" + rel; }

  // A small fetching build: one k3s version (stable), amd64, kubectl for linux/amd64.
  const std::vector<std::string> kSmall = {"--channel", "stable", "--arch", "amd64",
                                           "--kubectl-platform", "linux/amd64"};

  testsupport::ScopedTempDir tmp_;
  std::unique_ptr<FakeUpstreamServer> server_;
  const std::string pub_ = tmp_.Sub("k.pub");
  const std::string key_ = tmp_.Sub("k.key");
  const std::string dl_ = tmp_.Sub("downloads");
};

// ---- resolution -------------------------------------------------------------------------------

TEST_F(FetchCli, PlanResolvesChannelsThroughTheReleaseList) {
  // stable is v1.30.4+k3s2 on the channel server; the older +k3s1 build is not chosen.
  EXPECT_EQ(Versions(PlanJson({"--channel", "stable", "--arch", "amd64"})),
            std::vector<std::string>({"v1.30.4+k3s2"}));
  EXPECT_EQ(Versions(PlanJson({"--channel", "latest", "--channel", "v1.29", "--arch", "amd64"})),
            std::vector<std::string>({"v1.29.8+k3s1", "v1.31.1+k3s1"}));
  // Nothing selected: the stable channel.
  const Json plan = PlanJson({"--arch", "amd64"});
  EXPECT_EQ(Versions(plan), std::vector<std::string>({"v1.30.4+k3s2"}));
  EXPECT_EQ(plan["k3s"][0]["selectedBy"][0], "channel stable");
}

TEST_F(FetchCli, PlanExactVersionsEvenOlderBuilds) {
  EXPECT_EQ(Versions(PlanJson({"--k3s", "v1.30.4+k3s1", "--k3s", "v1.28.13+k3s1"})),
            std::vector<std::string>({"v1.28.13+k3s1", "v1.30.4+k3s1"}));
  auto two_builds = Pack("plan", {"--k3s", "v1.30.4+k3s1", "--channel", "stable"});
  EXPECT_EQ(two_builds.exit_code, 2) << two_builds.Describe();
  EXPECT_TRUE(Contains(two_builds.err, "k3s v1.30.4+k3s1 and v1.30.4+k3s2 are two builds of 1.30.4"))
      << two_builds.err;
  auto unknown = Pack("plan", {"--k3s", "v1.30.9+k3s1"});
  EXPECT_EQ(unknown.exit_code, 5) << unknown.Describe();
  EXPECT_EQ(unknown.err, "rdbundle-pack: k3s v1.30.9+k3s1: no such release in " + server_->base() +
                             "/repos/k3s-io/k3s/releases (newest of 1.30: v1.30.4+k3s2, "
                             "v1.30.4+k3s1)\n");
  // Issue 18 item 5: a version without its build names the builds that exist (exit 2).
  auto bare = Pack("plan", {"--k3s", "v1.30.4"});
  EXPECT_EQ(bare.exit_code, 2) << bare.Describe();
  EXPECT_EQ(bare.err, "rdbundle-pack: --k3s v1.30.4: name the build: v1.30.4+k3s2 or v1.30.4+k3s1\n");
  auto bare_unknown = Pack("plan", {"--k3s", "v1.30.9"});
  EXPECT_EQ(bare_unknown.exit_code, 2) << bare_unknown.Describe();
  EXPECT_EQ(bare_unknown.err, "rdbundle-pack: --k3s v1.30.9: no release v1.30.9+k3s<N> in " +
                                  server_->base() + "/repos/k3s-io/k3s/releases\n");
  auto no_images = Pack("plan", {"--k3s", "v1.29.9+k3s1", "--arch", "amd64"});
  EXPECT_EQ(no_images.exit_code, 5) << no_images.Describe();
  EXPECT_TRUE(Contains(no_images.err, "k3s v1.29.9+k3s1: the release has no "
                                      "k3s-airgap-images-amd64.tar.zst or .tar"))
      << no_images.err;
}

TEST_F(FetchCli, PlanMinorsTakesTheNewestListableReleaseOfEach) {
  // 1.29: v1.29.9 lacks its images, so v1.29.8; 1.30: +k3s2, not +k3s1; 1.31: not the rc.
  const Json plan = PlanJson({"--minors", "1.28-1.31", "--arch", "amd64"});
  EXPECT_EQ(Versions(plan), std::vector<std::string>({"v1.28.13+k3s1", "v1.29.8+k3s1",
                                                      "v1.30.4+k3s2", "v1.31.1+k3s1"}));
  // Issue 18 item 5: minors with nothing to list are a usage error (2), saying what there is.
  auto below = Pack("plan", {"--minors", "1.24-1.25"});
  EXPECT_EQ(below.exit_code, 2) << below.Describe();
  EXPECT_TRUE(Contains(below.err, "--minors 1.24-1.25: no k3s 1.24 release that Rancher Desktop "
                                  "would list")) << below.err;
  EXPECT_TRUE(Contains(below.err, "(there are: 1.28 to 1.31)")) << below.err;
  auto above = Pack("plan", {"--minors", "1.40"});
  EXPECT_EQ(above.exit_code, 2) << above.Describe();
}

TEST_F(FetchCli, PlanChannelErrorsSayWhy) {
  auto unknown = Pack("plan", {"--channel", "edge"});
  EXPECT_EQ(unknown.exit_code, 5) << unknown.Describe();
  EXPECT_TRUE(Contains(unknown.err, "channel \"edge\" is not on the channel server " +
                                        server_->base() + "/v1-release/channels (it has: latest, "
                                        "stable, testing, v1.24, v1.28, v1.29, v1.30, v1.31)"))
      << unknown.err;
  for (const char* channel : {"testing", "v1.24"}) {
    auto r = Pack("plan", {"--channel", channel});
    EXPECT_EQ(r.exit_code, 5) << r.Describe();
    EXPECT_TRUE(Contains(r.err, "which Rancher Desktop would not list")) << r.err;
  }
}

TEST_F(FetchCli, PlanFilesPreferZstFallBackToTarNeverGz) {
  const Json plan = PlanJson({"--minors", "1.29-1.30", "--arch", "amd64", "--arch", "arm64",
                              "--no-kubectl"});
  std::vector<std::string> paths;
  for (const auto& f : plan["files"]) {
    paths.push_back(f["path"]);
    EXPECT_FALSE(Contains(f["path"], ".tar.gz")) << f;
  }
  const std::vector<std::string> expected = {
      "cache/k3s/v1.29.8+k3s1/k3s",
      "cache/k3s/v1.29.8+k3s1/k3s-airgap-images-amd64.tar",
      "cache/k3s/v1.29.8+k3s1/k3s-airgap-images-arm64.tar",
      "cache/k3s/v1.29.8+k3s1/k3s-arm64",
      "cache/k3s/v1.29.8+k3s1/sha256sum-amd64.txt",
      "cache/k3s/v1.29.8+k3s1/sha256sum-arm64.txt",
      "cache/k3s/v1.30.4+k3s2/k3s",
      "cache/k3s/v1.30.4+k3s2/k3s-airgap-images-amd64.tar.zst",
      "cache/k3s/v1.30.4+k3s2/k3s-airgap-images-arm64.tar.zst",
      "cache/k3s/v1.30.4+k3s2/k3s-arm64",
      "cache/k3s/v1.30.4+k3s2/sha256sum-amd64.txt",
      "cache/k3s/v1.30.4+k3s2/sha256sum-arm64.txt"};
  EXPECT_EQ(paths, expected);
  EXPECT_EQ(plan["files"][1]["url"], Url("/releases/k3s/v1.29.8+k3s1/k3s-airgap-images-amd64.tar"));
  EXPECT_EQ(plan["files"][1]["size"], 192u << 10);  // from the release list
}

TEST_F(FetchCli, PlanKubectlCoverAsksOnlyForWhatItNeeds) {
  // 1.29-1.31: one kubectl 1.30 serves all three.
  Json plan = PlanJson({"--minors", "1.29-1.31", "--arch", "amd64", "--kubectl-platform",
                        "linux/amd64", "--kubectl-platform", "darwin/arm64"});
  EXPECT_EQ(Kubectls(plan), std::vector<std::string>({"1.30.14 darwin/arm64", "1.30.14 linux/amd64"}));
  EXPECT_TRUE(plan["kubectlCover"]["uncovered"].empty());
  std::vector<std::string> stable;
  for (const auto& r : server_->Requests()) {
    if (Contains(r.path, "/stable-")) stable.push_back(r.path);
  }
  EXPECT_EQ(stable, std::vector<std::string>({"/kubectl/release/stable-1.30.txt"}));
  // 1.28-1.31: 1.29 serves 1.28-1.30; 1.32 is not released (404), so 1.31 for 1.31.
  server_->ClearLog();
  plan = PlanJson({"--minors", "1.28-1.31", "--arch", "amd64", "--kubectl-platform", "linux/amd64"});
  EXPECT_EQ(Kubectls(plan), std::vector<std::string>({"1.29.14 linux/amd64", "1.31.6 linux/amd64"}));
  EXPECT_EQ(RequestsFor("/kubectl/release/stable-1.32.txt").size(), 1u);
  // Issue 18 item 7: one schemaVersion; selectedBy is an array everywhere; the minors each
  // kubectl serves, as the text output shows them.
  EXPECT_EQ(plan["schemaVersion"], 1);
  EXPECT_EQ(plan["kubectl"][0]["selectedBy"], Json::array({"cover"}));
  EXPECT_EQ(plan["kubectl"][0]["serves"], Json::array({"1.28", "1.29", "1.30"}));
  EXPECT_EQ(plan["kubectl"][1]["serves"], Json::array({"1.30", "1.31"}));
  // Sizes: the release list for k3s, HEAD for kubectls.
  std::uint64_t sum = 0;
  for (const auto& f : plan["files"]) {
    ASSERT_FALSE(f["size"].is_null()) << f;
    sum += f["size"].get<std::uint64_t>();
  }
  EXPECT_EQ(plan["download"]["knownBytes"], sum);
  EXPECT_EQ(RequestsFor("/kubectl/release/v1.29.14/bin/linux/amd64/kubectl")[0].method, "HEAD");
}

TEST_F(FetchCli, PlanHumanOutput) {
  auto r = Pack("plan", {"--minors", "1.29-1.31", "--arch", "amd64", "--kubectl-platform",
                         "linux/amd64"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "k3s (amd64):\n  v1.29.8+k3s1      minor 1.29\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "  1.30.14   linux/amd64    serves k3s 1.29, 1.30, 1.31\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "  every k3s minor (1.29, 1.30, 1.31) has a kubectl within one minor\n"))
      << r.out;
  EXPECT_TRUE(Contains(r.out, "download: 10 files, ")) << r.out;
  EXPECT_TRUE(Contains(r.out, "bundle:   about ")) << r.out;
}

TEST_F(FetchCli, VersionsJsonAsRancherDesktopBuildsIt) {
  auto r = Pack("versions-json", {"--arch", "amd64"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  // Skipped: v1.31.0-rc1 (prerelease), v1.30.4+k3s1 (older build), v1.29.9 (no images),
  // "v1.29" (malformed), v1.24.17 (below v1.25.3); channels testing and v1.24 with them.
  EXPECT_EQ(r.out, R"({
  "cacheVersion": 2,
  "versions": [
    "v1.28.13+k3s1",
    "v1.29.8+k3s1",
    "v1.30.4+k3s2",
    "v1.31.1+k3s1"
  ],
  "channels": {
    "latest": "1.31.1",
    "stable": "1.30.4",
    "v1.28": "1.28.13",
    "v1.29": "1.29.8",
    "v1.30": "1.30.4",
    "v1.31": "1.31.1"
  }
}
)");
  auto to_file = Pack("versions-json", {"--arch", "amd64", "-o", tmp_.Sub("k3s-versions.json")});
  ASSERT_EQ(to_file.exit_code, 0) << to_file.Describe();
  EXPECT_EQ(ReadFileOrDie(tmp_.Sub("k3s-versions.json")), r.out);
}

TEST_F(FetchCli, VersionsJsonReadsEveryPage) {
  testsupport::FakeUpstreamSpec spec;
  for (int patch = 0; patch < 250; ++patch) {
    spec.releases.push_back({"v1.26." + std::to_string(249 - patch) + "+k3s1", false, false});
  }
  spec.channels = {{"stable", "v1.26.249+k3s1"}};
  spec.arches = {Arch::kAmd64};
  const std::string root = tmp_.Sub("many");
  ASSERT_TRUE(WriteFakeUpstream(DefaultFs(), root, spec).ok());
  server_.reset();
  server_ = std::make_unique<FakeUpstreamServer>(root, tmp_.path());
  ASSERT_TRUE(server_->ok());
  auto count = [](const std::string& json) {
    return Json::parse(json, nullptr, false)["versions"].size();
  };
  auto r = Pack("versions-json", {"--arch", "amd64"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(count(r.out), 250u);
  EXPECT_EQ(RequestsFor("/repos/k3s-io/k3s/releases").size(), 3u);  // Link: no rel="next" on 3
  // Without Link headers: until an empty page.
  server_->SetFaults(R"({"/repos/k3s-io/k3s/releases": {"no_link": true}})");
  server_->ClearLog();
  r = Pack("versions-json", {"--arch", "amd64"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(count(r.out), 250u);
  EXPECT_EQ(RequestsFor("/repos/k3s-io/k3s/releases").size(), 4u);
}

TEST_F(FetchCli, HostileUpstreamJsonIsRejected) {
  server_->SetFaults(R"({"/v1-release/channels": {"corrupt": true}})");
  auto r = Pack("versions-json", {});
  EXPECT_EQ(r.exit_code, 4) << r.Describe();
  EXPECT_TRUE(Contains(r.err, server_->base() + "/v1-release/channels: ")) << r.err;
}

// ---- fetching builds ----------------------------------------------------------------------------

TEST_F(FetchCli, RoundTripFetchBuildVerifyInstall) {
  const std::string out = tmp_.Sub("kit.rdbundle");
  const std::string platform = std::string(OsName(HostOs())) + "/" + std::string(ArchName(HostArch()));
  auto b = Build(out, {"--minors", "1.29-1.30", "--arch", std::string(ArchName(HostArch())),
                       "--kubectl-platform", platform, "--detached-sig"});
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  EXPECT_TRUE(Contains(b.err, "rdbundle-pack: plan: k3s v1.29.8+k3s1 (minor 1.29), v1.30.4+k3s2 "
                              "(minor 1.30); kubectl 1.30.14 " + platform)) << b.err;
  // Issue 18 item 3: the build counts the plan's files as plan does (here 5 downloads and 2
  // sha256sum files).
  EXPECT_TRUE(Contains(b.err, "rdbundle-pack: 7 files: 5 downloaded (")) << b.err;
  EXPECT_TRUE(Contains(b.err, "; 2 checksum files")) << b.err;
  auto plan = Pack("plan", {"--minors", "1.29-1.30", "--arch", std::string(ArchName(HostArch())),
                            "--kubectl-platform", platform});
  EXPECT_TRUE(Contains(plan.out, "download: 7 files, ")) << plan.out;
  if (RunProcess({"sh", "-c", "command -v minisign"}).exit_code == 0) {
    auto m = RunProcess({"minisign", "-Vm", out, "-p", pub_});
    EXPECT_EQ(m.exit_code, 0) << m.Describe();
  }
  auto v = Run(RDB_UNPACK_BIN, {"verify", "-p", pub_, out});
  ASSERT_EQ(v.exit_code, 0) << v.Describe();
  const std::string home = tmp_.Sub("home");
  ASSERT_TRUE(std::filesystem::create_directory(home));  // install refuses a missing home
  auto i = Run(RDB_UNPACK_BIN, {"install", "-p", pub_, "--home", home, out});
  ASSERT_EQ(i.exit_code, 0) << i.Describe();
  auto d = Run(RDB_UNPACK_BIN, {"doctor", "--home", home});
  EXPECT_EQ(d.exit_code, 0) << d.Describe();
  // The manifest records where each fetched file came from.
  auto l = Run(RDB_UNPACK_BIN, {"list", "-p", pub_, "--json", out});
  ASSERT_EQ(l.exit_code, 0) << l.Describe();
  EXPECT_TRUE(Contains(l.out, Url("/releases/k3s/v1.30.4+k3s2/sha256sum-")));
}

TEST_F(FetchCli, ManifestRecordsSourcesAndUpstreamDigests) {
#if defined(_WIN32)
  GTEST_SKIP() << "reads the bundle with the host's zstd, which a Windows test cannot start";
#endif
  const std::string out = tmp_.Sub("kit.rdbundle");
  auto b = Build(out, kSmall);
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  auto z = RunProcess({"zstd", "-dc", out});
  ASSERT_EQ(z.exit_code, 0);
  const std::size_t size = std::stoull(z.out.substr(124, 12), nullptr, 8);
  auto m = ParseManifest(z.out.substr(512, size));
  ASSERT_TRUE(m.has_value()) << m.error().message();
  int with_digest = 0;
  for (const ManifestFile& f : m->files) {
    if (f.role == FileRole::kK3sVersions) {
      EXPECT_FALSE(f.source.has_value());
      continue;
    }
    ASSERT_TRUE(f.source.has_value()) << f.path;
    if (f.role == FileRole::kK3sSums) {
      EXPECT_EQ(f.source->url, Url("/releases/k3s/v1.30.4+k3s2/sha256sum-amd64.txt"));
      EXPECT_FALSE(f.source->sha256.has_value());
      continue;
    }
    ASSERT_TRUE(f.source->sha256.has_value()) << f.path;
    EXPECT_EQ(*f.source->sha256, f.sha256) << f.path;
    ++with_digest;
  }
  EXPECT_EQ(with_digest, 3);  // k3s, images, kubectl
}

TEST_F(FetchCli, ChecksumMismatchDeletesTheDownloadAndFails) {
  server_->SetFaults(R"({")" + std::string(kBinary) + R"(": {"corrupt": true}})");
  const std::string out = tmp_.Sub("kit.rdbundle");
  auto b = Build(out, kSmall);
  EXPECT_EQ(b.exit_code, 4) << b.Describe();
  std::string content = ReadFileOrDie(UpstreamFile(kBinary));
  const std::string expected = Sha256::HexOf(content);
  content[0] = static_cast<char>(content[0] ^ 0xff);
  EXPECT_TRUE(Contains(b.err, "rdbundle-pack: " + Url(kBinary) + ": sha256 mismatch (expected " +
                                  expected + ", got " + Sha256::HexOf(content) + ")"))
      << b.err;
  EXPECT_FALSE(PathExists(Cached("cache/k3s/v1.30.4+k3s2/k3s")));
  EXPECT_FALSE(PathExists(Cached("cache/k3s/v1.30.4+k3s2/k3s.part")));
  EXPECT_FALSE(PathExists(out));
  EXPECT_FALSE(PathExists(out + ".part"));
}

// ---- Rancher Desktop installers (format 2) -------------------------------------------------------

const char* const kMsi = "/releases/rd/v1.19.3/Rancher.Desktop.Setup.1.19.3.msi";

std::string Sha512Hex(const std::string& bytes) {
  // The fake upstream's own .sha512sum line: "<hex>  <name>\n".
  return bytes.substr(0, 128);
}

TEST_F(FetchCli, PlanShowsInstallersAndChannels) {
  Json plan = PlanJson({"--channel", "stable", "--arch", "amd64", "--no-kubectl",
                        "--rd-installer", "latest", "--rd-platform", "windows",
                        "--rd-platform", "darwin-arm64"});
  ASSERT_TRUE(plan.is_object());
  // latest: the highest release that is not a prerelease (1.20.0-rc1 is one).
  ASSERT_EQ(plan["rdInstallers"].size(), 2u) << plan.dump();
  EXPECT_EQ(plan["rdInstallers"][0]["version"], "1.19.3");
  EXPECT_EQ(plan["rdInstallers"][0]["platform"], "darwin-arm64");
  EXPECT_EQ(plan["rdInstallers"][1]["platform"], "windows");
  // stable points to the bundled 1.30.4; latest (1.31.1) is not bundled: not listed.
  EXPECT_EQ(plan["channels"]["stable"], "1.30.4") << plan.dump();
  EXPECT_FALSE(plan["channels"].contains("latest")) << plan.dump();
  bool msi = false;
  for (const auto& f : plan["files"]) {
    if (f["path"] == "installers/Rancher.Desktop.Setup.1.19.3.msi") {
      msi = true;
      EXPECT_EQ(f["role"], "rd-installer");
      EXPECT_EQ(f["url"], Url(kMsi));
      EXPECT_EQ(f["size"], 24u << 10);
    }
  }
  EXPECT_TRUE(msi) << plan.dump();
  auto text = Pack("plan", {"--channel", "stable", "--arch", "amd64", "--no-kubectl",
                            "--rd-installer", "1.18.2", "--rd-platform", "linux"});
  ASSERT_EQ(text.exit_code, 0) << text.Describe();
  EXPECT_TRUE(Contains(text.out, "Rancher Desktop installers:\n  1.18.2    linux          "
                                 "--rd-installer 1.18.2\n")) << text.out;
  EXPECT_TRUE(Contains(text.out, "  latest    1.31.1  (not bundled: install keeps the existing "
                                 "one)\n")) << text.out;
  EXPECT_TRUE(Contains(text.out, "  stable    1.30.4\n")) << text.out;
}

TEST_F(FetchCli, InstallerIsCheckedAgainstItsSha512AndSignedIntoAV2Manifest) {
  const std::string out = tmp_.Sub("kit.rdbundle");
  std::vector<std::string> args = kSmall;
  args.insert(args.end(), {"--rd-installer", "1.19.3", "--rd-platform", "windows"});
  auto b = Build(out, args);
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  auto l = Run(RDB_UNPACK_BIN, {"list", "-p", pub_, "--json", out});
  ASSERT_EQ(l.exit_code, 0) << l.Describe();
  Json j = Json::parse(l.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << l.out;
  EXPECT_EQ(j["formatVersion"], 2);
  EXPECT_EQ(j["rdInstallers"][0]["version"], "1.19.3");
  EXPECT_EQ(j["rdInstallers"][0]["platform"], "windows");
  EXPECT_EQ(j["k3s"]["channels"]["stable"], "1.30.4");
  const std::string sums = ReadFileOrDie(UpstreamFile(std::string(kMsi) + ".sha512sum"));
  bool found = false;
  for (const auto& f : j["files"]) {
    if (f["role"] != "rd-installer") continue;
    found = true;
    EXPECT_EQ(f["source"]["url"], Url(kMsi));
    EXPECT_EQ(f["source"]["sha512"], Sha512Hex(sums));
    EXPECT_EQ(f["sha256"], Sha256::HexOf(ReadFileOrDie(UpstreamFile(kMsi))));
  }
  EXPECT_TRUE(found) << l.out;
  auto t = Run(RDB_UNPACK_BIN, {"list", "-p", pub_, out});
  EXPECT_TRUE(Contains(t.out, "  installers Rancher Desktop 1.19.3 windows\n")) << t.out;
  EXPECT_TRUE(Contains(t.out, "  channels   stable -> 1.30.4, v1.30 -> 1.30.4\n")) << t.out;
  auto v = Run(RDB_UNPACK_BIN, {"verify", "-p", pub_, out});
  EXPECT_EQ(v.exit_code, 0) << v.Describe();
  // Without an installer the same build stays format 1.
  const std::string v1 = tmp_.Sub("v1.rdbundle");
  ASSERT_EQ(Build(v1, kSmall).exit_code, 0);
  auto l1 = Run(RDB_UNPACK_BIN, {"list", "-p", pub_, "--json", v1});
  EXPECT_EQ(Json::parse(l1.out, nullptr, false)["formatVersion"], 1) << l1.out;
}

TEST_F(FetchCli, InstallerSha512MismatchFailsLikeAK3sMismatch) {
  server_->SetFaults(R"({")" + std::string(kMsi) + R"(": {"corrupt": true}})");
  const std::string out = tmp_.Sub("kit.rdbundle");
  std::vector<std::string> args = kSmall;
  args.insert(args.end(), {"--rd-installer", "1.19.3", "--rd-platform", "windows"});
  auto b = Build(out, args);
  EXPECT_EQ(b.exit_code, 4) << b.Describe();
  const std::string sums = ReadFileOrDie(UpstreamFile(std::string(kMsi) + ".sha512sum"));
  EXPECT_TRUE(Contains(b.err, "rdbundle-pack: " + Url(kMsi) + ": sha512 mismatch (expected " +
                                  Sha512Hex(sums) + ", got "))
      << b.err;
  EXPECT_FALSE(PathExists(Cached("installers/Rancher.Desktop.Setup.1.19.3.msi")));
  EXPECT_FALSE(PathExists(out));
}

TEST_F(FetchCli, InstallerOptionErrors) {
  auto r = Pack("plan", {"--channel", "stable", "--rd-installer", "1.19.3"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "--rd-installer needs --rd-platform")) << r.err;
  r = Pack("plan", {"--channel", "stable", "--rd-installer", "1.19.3", "--rd-platform",
                    "windows-arm64"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "Rancher Desktop publishes no windows-arm64 build")) << r.err;
  server_->SetFaults(R"({")" + std::string(kMsi) + R"(.sha512sum": {"missing": true}})");
  r = Build(tmp_.Sub("x.rdbundle"), {"--channel", "stable", "--arch", "amd64", "--no-kubectl",
                                     "--rd-installer", "1.19.3", "--rd-platform", "windows"});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.err, ".sha512sum")) << r.err;
}

TEST_F(FetchCli, CutDownloadResumesWithoutDownloadingBytesTwice) {
  server_->SetFaults(R"({")" + std::string(kImages) + R"(": {"reset_after": 100000}})");
  auto b = Build(tmp_.Sub("kit.rdbundle"), kSmall);
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  auto log = RequestsFor(kImages);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].sent, 100000u);
  EXPECT_EQ(log[1].range, "bytes=100000-");
  EXPECT_EQ(log[1].status, 206);
  EXPECT_EQ(log[0].sent + log[1].sent, ReadFileOrDie(UpstreamFile(kImages)).size());
  EXPECT_TRUE(Contains(b.err, "1 resumed")) << b.err;
}

TEST_F(FetchCli, PartialDownloadOfAnEarlierRunIsResumed) {
  const std::string content = ReadFileOrDie(UpstreamFile(kImages));
  WriteFileOrDie(Cached("cache/k3s/v1.30.4+k3s2/k3s-airgap-images-amd64.tar.zst.part"),
                 content.substr(0, 150000));
  auto b = Build(tmp_.Sub("kit.rdbundle"), kSmall);
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  auto log = RequestsFor(kImages);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].range, "bytes=150000-");
  EXPECT_EQ(log[0].sent, content.size() - 150000);
}

TEST_F(FetchCli, DamagedPartialDownloadIsDownloadedAgain) {
  std::string content = ReadFileOrDie(UpstreamFile(kImages)).substr(0, 150000);
  content[1000] = static_cast<char>(content[1000] ^ 1);
  WriteFileOrDie(Cached("cache/k3s/v1.30.4+k3s2/k3s-airgap-images-amd64.tar.zst.part"), content);
  auto b = Build(tmp_.Sub("kit.rdbundle"), kSmall);
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  EXPECT_TRUE(Contains(b.err, "did not complete to the expected digest; downloading it again"))
      << b.err;
  auto log = RequestsFor(kImages);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].range, "bytes=150000-");
  EXPECT_EQ(log[1].range, "");
}

TEST_F(FetchCli, RetriesServerErrors) {
  server_->SetFaults(R"({")" + std::string(kBinary) + R"(": {"status": [500, 503, 429]}})");
  auto b = Build(tmp_.Sub("kit.rdbundle"), kSmall);
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  auto log = RequestsFor(kBinary);
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[3].status, 200);
  // Issue 18 item 2: each retry is said on stderr, with the wait, the attempt and the reason.
  EXPECT_TRUE(Contains(b.err, "rdbundle-pack: " + Url(kBinary) + ": retrying in ")) << b.err;
  EXPECT_TRUE(Contains(b.err, " ms (2/5): HTTP 500 Internal Server Error\n")) << b.err;
  EXPECT_TRUE(Contains(b.err, " (4/5): HTTP 429 Too Many Requests\n")) << b.err;
}

// Issue 18 item 2: -q says nothing but the error line; -v says each request and each file.
TEST_F(FetchCli, QuietAndVerbose) {
  server_->SetFaults(R"({")" + std::string(kBinary) + R"(": {"status": [503]}})");
  auto quiet = Build(tmp_.Sub("q.rdbundle"), {"-q", "--channel", "stable", "--arch", "amd64",
                                              "--no-kubectl"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.Describe();
  EXPECT_EQ(quiet.err, "");
  EXPECT_TRUE(Contains(quiet.out, "q.rdbundle: ")) << quiet.out;  // the result still on stdout
  auto verbose = Build(tmp_.Sub("v.rdbundle"), {"-v", "--channel", "stable", "--arch", "amd64",
                                                "--no-kubectl"});
  ASSERT_EQ(verbose.exit_code, 0) << verbose.Describe();
  EXPECT_TRUE(Contains(verbose.err, "rdbundle-pack: GET " + server_->base() +
                                        "/v1-release/channels: HTTP 200 (")) << verbose.err;
  EXPECT_TRUE(Contains(verbose.err, "in the download cache, sha256 verified")) << verbose.err;
  EXPECT_TRUE(Contains(verbose.err, "rdbundle-pack: checked ")) << verbose.err;
  EXPECT_TRUE(Contains(verbose.err, "rdbundle-pack: added ")) << verbose.err;
  auto both = Build(tmp_.Sub("b.rdbundle"), {"-q", "-v"});
  EXPECT_EQ(both.exit_code, 2) << both.Describe();
}

TEST_F(FetchCli, GivesUpAfterTheRetries) {
  server_->SetFaults(R"({")" + std::string(kBinary) + R"(": {"status_always": 503}})");
  const std::string out = tmp_.Sub("kit.rdbundle");
  auto b = Build(out, {"--channel", "stable", "--arch", "amd64", "--no-kubectl", "--retries", "2"});
  EXPECT_EQ(b.exit_code, 6) << b.Describe();
  EXPECT_TRUE(Contains(b.err, "rdbundle-pack: " + Url(kBinary) +
                                  ": HTTP 503 Service Unavailable (3 attempts)\n"))
      << b.err;
  EXPECT_EQ(RequestsFor(kBinary).size(), 3u);
  EXPECT_FALSE(PathExists(out));
}

TEST_F(FetchCli, NotFoundIsNotRetried) {
  server_->SetFaults(R"({")" + std::string(kBinary) + R"(": {"missing": true}})");
  auto b = Build(tmp_.Sub("kit.rdbundle"), kSmall);
  EXPECT_EQ(b.exit_code, 6) << b.Describe();
  EXPECT_TRUE(Contains(b.err, Url(kBinary) + ": HTTP 404 Not Found\n")) << b.err;
  EXPECT_EQ(RequestsFor(kBinary).size(), 1u);
}

TEST_F(FetchCli, RedirectToFileIsRefused) {
  server_->SetFaults(R"({")" + std::string(kBinary) + R"(": {"redirect": "file:///etc/passwd"}})");
  auto b = Build(tmp_.Sub("kit.rdbundle"), kSmall);
  EXPECT_EQ(b.exit_code, 6) << b.Describe();
  EXPECT_TRUE(Contains(b.err, Url(kBinary) + ": redirected to \"file:///etc/passwd\", refused "
                                             "(only http and https redirects are followed)"))
      << b.err;
}

// The first request for the binary gets no answer for 30 s: --stall-timeout 1 gives up on it
// and asks again. Without the stall timeout the build would wait and make one request.
TEST_F(FetchCli, StalledTransferIsAbortedAndRetried) {
  server_->SetFaults(R"({")" + std::string(kBinary) + R"(": {"delay": 30}})");
  auto b = Build(tmp_.Sub("kit.rdbundle"), {"--channel", "stable", "--arch", "amd64",
                                            "--no-kubectl", "--stall-timeout", "1"});
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  std::vector<int> statuses;  // of the requests for the binary, in order
  for (const auto& r : server_->Requests()) {
    if (r.path == kBinary) statuses.push_back(r.status);
  }
  ASSERT_EQ(statuses.size(), 2u) << b.err;
  EXPECT_EQ(statuses[0], 0);    // the stalled one: logged when its wait began, never answered
  EXPECT_EQ(statuses[1], 200);  // nothing had arrived: the retry asks for the whole file
}

TEST_F(FetchCli, SecondBuildDownloadsNothingAndOfflineMakesNoRequest) {
  const std::map<std::string, std::string> epoch = {{"SOURCE_DATE_EPOCH", "1700000000"}};
  auto first = Build(tmp_.Sub("a.rdbundle"), kSmall, epoch);
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  // Online again: fresh metadata, but no release asset or kubectl is downloaded.
  server_->ClearLog();
  auto second = Build(tmp_.Sub("b.rdbundle"), kSmall, epoch);
  ASSERT_EQ(second.exit_code, 0) << second.Describe();
  EXPECT_TRUE(Contains(second.err, "4 files: nothing to download; 3 verified from the download "
                                   "cache; 1 checksum file"))
      << second.err;
  for (const auto& r : server_->Requests()) {  // (kubectl sizes: HEAD, for the progress total)
    EXPECT_TRUE(r.path == "/v1-release/channels" || r.path == "/repos/k3s-io/k3s/releases" ||
                Contains(r.path, "sha256") || Contains(r.path, "/stable-") || r.method == "HEAD")
        << r.path;
  }
  // Offline: not a single request, and the same bundle.
  server_->ClearLog();
  auto offline = Build(tmp_.Sub("c.rdbundle"), [&] {
    auto args = kSmall;
    args.push_back("--offline");
    return args;
  }(), epoch);
  ASSERT_EQ(offline.exit_code, 0) << offline.Describe();
  EXPECT_TRUE(server_->Requests().empty());
  EXPECT_EQ(ReadFileOrDie(tmp_.Sub("a.rdbundle")), ReadFileOrDie(tmp_.Sub("c.rdbundle")));
  EXPECT_EQ(ReadFileOrDie(tmp_.Sub("a.rdbundle")), ReadFileOrDie(tmp_.Sub("b.rdbundle")));
}

TEST_F(FetchCli, CorruptedCacheFileIsDownloadedAgain) {
  ASSERT_EQ(Build(tmp_.Sub("a.rdbundle"), kSmall).exit_code, 0);
  WriteFileOrDie(Cached("cache/k3s/v1.30.4+k3s2/k3s"), "tampered");
  server_->ClearLog();
  auto again = Build(tmp_.Sub("b.rdbundle"), kSmall);
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_TRUE(Contains(again.err, "k3s: does not match the upstream digest; downloading it again"))
      << again.err;
  EXPECT_EQ(RequestsFor(kBinary).size(), 1u);
  // Offline, a damaged cache is an error, not a silent re-download.
  WriteFileOrDie(Cached("cache/k3s/v1.30.4+k3s2/k3s"), "tampered");
  auto args = kSmall;
  args.push_back("--offline");
  auto offline = Build(tmp_.Sub("c.rdbundle"), args);
  EXPECT_EQ(offline.exit_code, 4) << offline.Describe();
  EXPECT_TRUE(Contains(offline.err, "run without --offline to download it again")) << offline.err;
}

TEST_F(FetchCli, OfflineWithAColdCacheNamesWhatIsMissing) {
  auto args = kSmall;
  args.push_back("--offline");
  auto cold = Build(tmp_.Sub("kit.rdbundle"), args);
  EXPECT_EQ(cold.exit_code, 5) << cold.Describe();
  EXPECT_EQ(cold.err, "rdbundle-pack: " + dl_ + "/upstream/channels.json: not in the download "
                      "cache (--offline); run once without --offline to fetch " +
                      server_->base() + "/v1-release/channels\n");
  EXPECT_TRUE(server_->Requests().empty());
  // Metadata there, one asset gone: that asset is named.
  ASSERT_EQ(Build(tmp_.Sub("a.rdbundle"), kSmall).exit_code, 0);
  ASSERT_EQ(::unlink(Cached("cache/k3s/v1.30.4+k3s2/k3s-airgap-images-amd64.tar.zst").c_str()), 0);
  auto partial = Build(tmp_.Sub("b.rdbundle"), args);
  EXPECT_EQ(partial.exit_code, 5) << partial.Describe();
  EXPECT_TRUE(Contains(partial.err, "not in the download cache (--offline): " +
                                        Cached("cache/k3s/v1.30.4+k3s2/k3s-airgap-images-amd64.tar.zst")))
      << partial.err;
  // A kubectl minor never looked up online: its stable-X.Y.txt is named.
  auto other = Build(tmp_.Sub("c.rdbundle"), {"--channel", "latest", "--arch", "amd64",
                                              "--kubectl-platform", "linux/amd64", "--offline"});
  EXPECT_EQ(other.exit_code, 5) << other.Describe();
  EXPECT_TRUE(Contains(other.err, dl_ + "/upstream/kubectl/stable-1.32.txt: not in the download "
                                        "cache (--offline)"))
      << other.err;
}

// ---- options ------------------------------------------------------------------------------------

TEST_F(FetchCli, OptionErrors) {
  auto with_from = Run(RDB_PACK_BIN, {"build", "--from", tmp_.path(), "--channel", "stable", "-o",
                                      tmp_.Sub("x.rdbundle"), "-s", key_});
  EXPECT_EQ(with_from.exit_code, 2) << with_from.Describe();
  EXPECT_TRUE(Contains(with_from.err, "option --channel does not apply to build --from (only to "
                                     "build without --from or --from-rd-cache)"))
      << with_from.err;
  auto file_url = Run(RDB_PACK_BIN, {"plan", "--kubectl-url", "file:///srv/mirror"});
  EXPECT_EQ(file_url.exit_code, 2) << file_url.Describe();
  EXPECT_TRUE(Contains(file_url.err, "only http:// and https:// URLs are supported")) << file_url.err;
  auto no_kubectl = Run(RDB_PACK_BIN, {"plan", "--no-kubectl", "--kubectl-platform", "linux/amd64"});
  EXPECT_EQ(no_kubectl.exit_code, 2) << no_kubectl.Describe();
  auto minors = Run(RDB_PACK_BIN, {"plan", "--minors", "1.31-1.29"});
  EXPECT_EQ(minors.exit_code, 2) << minors.Describe();
  auto json_build = Run(RDB_PACK_BIN, {"versions-json", "--json"});
  EXPECT_EQ(json_build.exit_code, 2) << json_build.Describe();
}

// Issue 18 item 1: a missing output directory is found before anything is fetched.
TEST_F(FetchCli, MissingOutputDirectoryFailsBeforeAnyRequest) {
  const std::string out = tmp_.Sub("nodir/kit.rdbundle");
  auto r = Build(out, kSmall);
  EXPECT_EQ(r.exit_code, 5) << r.Describe();
  EXPECT_EQ(r.err, "rdbundle-pack: " + out + ": no directory " + tmp_.Sub("nodir") +
                       " to write it in (create it, or choose another -o)\n");
  EXPECT_TRUE(server_->Requests().empty());
}

TEST_F(FetchCli, InsecureWarns) {
  auto r = Pack("plan", {"--insecure", "--channel", "stable"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "rdbundle-pack: warning: --insecure: TLS certificates are not verified"))
      << r.err;
}

TEST_F(FetchCli, TlsIsVerifiedAgainstTheSystemStoreOrCaBundle) {
  if (RunProcess({"sh", "-c", "command -v openssl"}).exit_code != 0) GTEST_SKIP() << "no openssl";
  const std::string cert = tmp_.Sub("cert.pem"), key = tmp_.Sub("key.pem");
  auto gen = RunProcess({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                         "subjectAltName=IP:127.0.0.1"});
  ASSERT_EQ(gen.exit_code, 0) << gen.Describe();
  server_.reset();
  server_ = std::make_unique<FakeUpstreamServer>(StandardFakeUpstreamRoot(), tmp_.path(), cert, key);
  ASSERT_TRUE(server_->ok());
  ASSERT_TRUE(server_->base().starts_with("https://"));
  // A self-signed certificate is refused, and not retried.
  auto refused = Pack("versions-json", {});
  EXPECT_EQ(refused.exit_code, 6) << refused.Describe();
  EXPECT_TRUE(Contains(refused.err, server_->base() + "/v1-release/channels: ")) << refused.err;
  EXPECT_TRUE(Contains(refused.err, "certificate")) << refused.err;
  EXPECT_FALSE(Contains(refused.err, "attempts")) << refused.err;
  // Trusted with --ca-bundle (an internal mirror's CA).
  auto trusted = Pack("versions-json", {"--ca-bundle", cert});
  EXPECT_EQ(trusted.exit_code, 0) << trusted.Describe();
  EXPECT_EQ(trusted.err, "");
  // --insecure works, with its warning.
  auto insecure = Pack("versions-json", {"--insecure"});
  EXPECT_EQ(insecure.exit_code, 0) << insecure.Describe();
  EXPECT_TRUE(Contains(insecure.err, "warning: --insecure")) << insecure.err;
  // An https mirror cannot redirect to plain http (TLS is never dropped on the way).
  server_->SetFaults(R"({"/v1-release/channels": {"redirect": "http://127.0.0.1:1/x"}})");
  auto downgrade = Pack("versions-json", {"--ca-bundle", cert});
  EXPECT_EQ(downgrade.exit_code, 6) << downgrade.Describe();
  EXPECT_TRUE(Contains(downgrade.err, "refused (only https redirects are followed)")) << downgrade.err;
}

}  // namespace
}  // namespace rdbundle::packer
