// The small upstream formats (stable-X.Y.txt, kubectl.sha256), URLs and option parsers of the
// fetch commands. Pure functions: no server.
#include "packer/upstream.h"

#include <gtest/gtest.h>

#include "common/os/platform.h"
#include "packer/http.h"
#include "packer/plan.h"

namespace rdbundle::packer {
namespace {

const std::string kDigest = "1d0b6e4f7b0b7ea1c4b1b54a1b0e8a6a0c2e1f7e6d5c4b3a29180716f5e4d3c2";

TEST(ParseStableTxt, AcceptsTheDlK8sIoForm) {
  auto v = ParseStableTxt("v1.30.14", Minor{1, 30}, "stable-1.30.txt");
  ASSERT_TRUE(v.has_value()) << v.error().message();
  EXPECT_EQ(v->ToString(), "1.30.14");
  auto nl = ParseStableTxt("v1.30.14\n", Minor{1, 30}, "stable-1.30.txt");
  ASSERT_TRUE(nl.has_value());
  EXPECT_EQ(nl->ToString(), "1.30.14");
}

TEST(ParseStableTxt, RejectsAnythingElse) {
  for (const char* bad : {"", "1.30.14", "v1.30.14\n\n", " v1.30.14", "v1.30.14-rc.1",
                          "v1.30", "<html>", "v1.30.014"}) {
    EXPECT_FALSE(ParseStableTxt(bad, Minor{1, 30}, "s").has_value()) << bad;
  }
  auto other = ParseStableTxt("v1.31.2", Minor{1, 30}, "stable-1.30.txt");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().message(), "stable-1.30.txt: names v1.31.2, not a 1.30 release");
  EXPECT_FALSE(ParseStableTxt(std::string(300, 'v'), Minor{1, 30}, "s").has_value());
}

TEST(ParseKubectlSha256, BareDigestOrSha256sumLine) {
  for (const std::string& text : {kDigest, kDigest + "\n", kDigest + "  kubectl\n",
                                  kDigest + "  kubectl.exe", kDigest + " *kubectl\n"}) {
    auto d = ParseKubectlSha256(text, "kubectl.sha256");
    ASSERT_TRUE(d.has_value()) << text;
    EXPECT_EQ(*d, kDigest);
  }
  std::string upper = kDigest;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(*ParseKubectlSha256(upper, "k"), kDigest);
}

TEST(ParseKubectlSha256, RejectsAnythingElse) {
  for (const std::string& text :
       {std::string(""), kDigest.substr(0, 63), kDigest + "0", kDigest + " kubectl",
        kDigest + "  other", kDigest + "\n\n", "g" + kDigest.substr(1), std::string(2000, 'a')}) {
    EXPECT_FALSE(ParseKubectlSha256(text, "k").has_value()) << text;
  }
}

TEST(UpstreamUrls, AssetUrlsEncodePlusAndMirrorThePaths) {
  UpstreamUrls u;
  EXPECT_EQ(K3sAssetUrl(u, "v1.30.4+k3s1", "k3s"),
            "https://github.com/k3s-io/k3s/releases/download/v1.30.4%2Bk3s1/k3s");
  EXPECT_EQ(KubectlUrl(u, {1, 30, 14}, TargetOs::kWindows, Arch::kAmd64),
            "https://dl.k8s.io/release/v1.30.14/bin/windows/amd64/kubectl.exe");
  EXPECT_EQ(KubectlUrl(u, {1, 30, 14}, TargetOs::kDarwin, Arch::kArm64),
            "https://dl.k8s.io/release/v1.30.14/bin/darwin/arm64/kubectl");
  EXPECT_EQ(KubectlStableUrl(u, Minor{1, 30}), "https://dl.k8s.io/release/stable-1.30.txt");
  EXPECT_EQ(ReleasesPageUrl(u, 2),
            "https://api.github.com/repos/k3s-io/k3s/releases?per_page=100&page=2");
}

TEST(UpstreamUrls, NormalizeDropsTrailingSlashesAndRejectsOtherSchemes) {
  UpstreamUrls u;
  u.kubectl = "https://mirror.example/k8s/release/";
  ASSERT_TRUE(NormalizeUpstreamUrls(u).ok());
  EXPECT_EQ(u.kubectl, "https://mirror.example/k8s/release");
  for (const char* bad : {"file:///srv/mirror", "ftp://m/x", "https://", "http:///x",
                          "https://m/x?y=1", "https://m/a b", "mirror.example/x"}) {
    UpstreamUrls v;
    v.channels = bad;
    Status s = NormalizeUpstreamUrls(v);
    EXPECT_EQ(s.code(), ErrorCode::kUsage) << bad;
    EXPECT_NE(s.message().find("--channel-url"), std::string::npos) << s.message();
  }
}

TEST(DownloadDir, MirrorsTheBundlePathsAndUpstreamPaths) {
  DownloadDir d{"/d"};
  EXPECT_EQ(d.K3sFile("v1.30.4+k3s1", "k3s"), "/d/cache/k3s/v1.30.4+k3s1/k3s");
  EXPECT_EQ(d.KubectlFile({1, 30, 14}, TargetOs::kWindows, Arch::kAmd64),
            "/d/kuberlr/windows-amd64/kubectl1.30.14.exe");
  EXPECT_EQ(d.KubectlDigest({1, 30, 14}, TargetOs::kLinux, Arch::kArm64),
            "/d/upstream/kubectl/v1.30.14/bin/linux/arm64/kubectl.sha256");
  EXPECT_EQ(d.ReleasesPage(3), "/d/upstream/releases/page-3.json");
  EXPECT_EQ(d.KubectlStable(Minor{1, 29}), "/d/upstream/kubectl/stable-1.29.txt");
}

TEST(DownloadDir, DefaultFollowsXdgCacheHome) {
  auto env = [](std::map<std::string, std::string> vars) {
    return [vars](const char* name) -> std::optional<std::string> {
      auto it = vars.find(name);
      return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
  };
#ifdef _WIN32
  // Windows sets no HOME: the local application data folder, whatever the environment says.
  const std::optional<std::string> local = LocalAppDataDir();
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(*DefaultDownloadDir(env({})), JoinPath(*local, "rdbundle/downloads"));
  EXPECT_EQ(*DefaultDownloadDir(env({{"HOME", "/h"}})), JoinPath(*local, "rdbundle/downloads"));
#else
  EXPECT_EQ(*DefaultDownloadDir(env({{"XDG_CACHE_HOME", "/x"}, {"HOME", "/h"}})),
            "/x/rdbundle/downloads");
  EXPECT_EQ(*DefaultDownloadDir(env({{"XDG_CACHE_HOME", "rel"}, {"HOME", "/h"}})),
            "/h/.cache/rdbundle/downloads");
  EXPECT_EQ(DefaultDownloadDir(env({})).status().code(), ErrorCode::kUsage);
#endif
}

TEST(ParseMinorRange, RangesAndSingleMinors) {
  auto r = ParseMinorRange("1.29-1.31");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, (Minor{1, 29}));
  EXPECT_EQ(r->last, (Minor{1, 31}));
  auto one = ParseMinorRange("1.30");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->first, one->last);
  for (const char* bad : {"", "1", "1.29-", "-1.30", "1.31-1.29", "1.29-2.1", "1.29.1-1.30",
                          "1.0-1.40", "a.b", "1.29-1.30-1.31", "1.029"}) {
    EXPECT_EQ(ParseMinorRange(bad).status().code(), ErrorCode::kUsage) << bad;
  }
}

TEST(HttpPolicy, TransientFailuresOnly) {
  auto status = [](long s) {
    HttpResponse r;
    r.status = s;
    return r.transient();
  };
  EXPECT_TRUE(status(500));
  EXPECT_TRUE(status(503));
  EXPECT_TRUE(status(429));
  EXPECT_TRUE(status(408));
  EXPECT_FALSE(status(404));
  EXPECT_FALSE(status(403));
  EXPECT_FALSE(status(200));
  HttpResponse cut;
  cut.curl_code = 18;  // CURLE_PARTIAL_FILE
  EXPECT_TRUE(cut.transient());
  HttpResponse refused;
  refused.curl_code = 7;  // CURLE_COULDNT_CONNECT
  EXPECT_TRUE(refused.transient());
  HttpResponse tls;
  tls.curl_code = 60;  // CURLE_PEER_FAILED_VERIFICATION
  EXPECT_FALSE(tls.transient());
  HttpResponse protocol;
  protocol.curl_code = 1;  // CURLE_UNSUPPORTED_PROTOCOL (a redirect to file://)
  EXPECT_FALSE(protocol.transient());
}

TEST(HttpPolicy, BackoffDoublesWithJitterAndACap) {
  HttpOptions o;
  o.retry_delay_ms = 1000;
  for (int i = 0; i < 50; ++i) {
    const auto d2 = RetryDelay(o, 2, std::nullopt).count();
    EXPECT_GE(d2, 500);
    EXPECT_LE(d2, 1000);
    const auto d4 = RetryDelay(o, 4, std::nullopt).count();
    EXPECT_GE(d4, 2000);
    EXPECT_LE(d4, 4000);
    EXPECT_LE(RetryDelay(o, 30, std::nullopt).count(), 30000);
    EXPECT_GE(RetryDelay(o, 2, 7L).count(), 7000);
    EXPECT_LE(RetryDelay(o, 2, 3600L).count(), 60000);  // Retry-After is capped
  }
}

}  // namespace
}  // namespace rdbundle::packer
