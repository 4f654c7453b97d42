// push / pull / ls against real registries on 127.0.0.1 (tests/support/oci_registry.h):
// Debian's docker-registry (distribution 2.8) anonymous, with htpasswd Basic auth and with TLS,
// behind a proxy that cuts a PATCH mid-body, and the Python fixture that resumes uploads and
// issues Bearer tokens. Everything runs the real rdbundle-pack and rdbundle-unpack binaries.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "common/format/hash.h"
#include "common/format/minisign.h"
#include "common/signing/signing.h"
#include "tests/support/oci_registry.h"
#include "tests/support/sample_kit.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_bundle.h"

namespace rdbundle {
namespace {

using testsupport::DockerRegistry;
using testsupport::DockerRegistryOptions;
using testsupport::OciFixture;
using testsupport::OciFixtureOptions;
using testsupport::ReadFileOrDie;
using testsupport::RunProcess;
using testsupport::SubprocessOptions;
using testsupport::SubprocessResult;
using testsupport::WriteFileOrDie;

class OciRegistry : public testing::Test {
 protected:
  void SetUp() override {
    if (!DockerRegistry::Available()) GTEST_SKIP() << "docker-registry, htpasswd or openssl not installed";
    testsupport::KitSpec spec;
    spec.file_bytes = 700 * 1024;  // a bundle of a few MiB: several 1 MiB chunks
    bundle_bytes_ = testsupport::MakeValidBundle(spec);
    bundle_ = tmp_.Sub("kit.rdbundle");
    WriteFileOrDie(bundle_, bundle_bytes_);
    const auto& key = testsupport::DefaultTestKey();
    auto sig = SignPrehashed(key.secret, Blake2b512::Of(bundle_bytes_), "file:kit.rdbundle", "signature");
    ASSERT_TRUE(sig.has_value()) << sig.error().message();
    sig_bytes_ = SerializeSignatureFile(*sig);
    WriteFileOrDie(bundle_ + ".minisig", sig_bytes_);
    pub_ = tmp_.Sub("test.pub");
    WriteFileOrDie(pub_, key.pub_file);
    home_ = tmp_.Sub("home");
    WriteFileOrDie(tmp_.Sub("home/.keep"), "");
  }

  SubprocessResult Pack(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                        const std::string& stdin_data = "") {
    args.insert(args.begin(), RDB_PACK_BIN);
    SubprocessOptions o;
    o.env = std::move(env);
    o.env.emplace("HOME", home_);  // no ~/.docker/config.json of the machine
    o.unset_env = {"DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "RDBUNDLE_REGISTRY_PASSWORD"};
    o.stdin_data = stdin_data;
    return RunProcess(args, o);
  }
  // Registry options that keep failures fast.
  static std::vector<std::string> Fast(std::vector<std::string> args) {
    for (const char* a : {"--retry-delay-ms", "10"}) args.push_back(a);
    return args;
  }
  std::string Pulled(const std::string& name) { return ReadFileOrDie(tmp_.Sub(name)); }

  testsupport::ScopedTempDir tmp_;
  std::string bundle_, bundle_bytes_, sig_bytes_, pub_, home_;
};

TEST_F(OciRegistry, PushPullLsAgainstDistribution) {
  DockerRegistry reg(tmp_.path());
  ASSERT_TRUE(reg.ok()) << reg.error();
  const std::string ref = "oci://" + reg.host() + "/rd/kit:2026-12";
  auto push = Pack(Fast({"push", bundle_, ref, "-p", pub_, "--plain-http", "--chunk-size", "1"}));
  ASSERT_EQ(push.exit_code, 0) << push.Describe();
  const std::string digest = "sha256:" + Sha256::HexOf(bundle_bytes_);
  EXPECT_EQ(push.out.substr(0, ref.size() + 8), ref + "@sha256:") << push.out;
  EXPECT_NE(push.err.find("pushed kit.rdbundle"), std::string::npos) << push.err;
  EXPECT_EQ(push.err.find("warning"), std::string::npos) << "loopback: no --plain-http warning";

  // A second client: plain curl against the registry API, by digest.
  auto curl = RunProcess({"curl", "-sf", reg.url() + "/v2/rd/kit/blobs/" + digest});
  ASSERT_EQ(curl.exit_code, 0) << curl.Describe();
  EXPECT_TRUE(curl.out == bundle_bytes_);

  auto pull = Pack(Fast({"pull", ref, "-o", tmp_.Sub("pulled.rdbundle"), "--plain-http"}));
  ASSERT_EQ(pull.exit_code, 0) << pull.Describe();
  EXPECT_TRUE(Pulled("pulled.rdbundle") == bundle_bytes_);
  EXPECT_EQ(Pulled("pulled.rdbundle.minisig"), sig_bytes_);

  // By digest too, and the default output name is the pushed file name.
  const std::string manifest_digest = push.out.substr(push.out.find('@') + 1, 71);
  SubprocessOptions in_dir;
  auto by_digest = RunProcess({RDB_PACK_BIN, "pull", "oci://" + reg.host() + "/rd/kit@" + manifest_digest,
                               "--plain-http", "--no-progress"},
                              [&] {
                                SubprocessOptions o;
                                o.cwd = tmp_.Sub("home");
                                return o;
                              }());
  ASSERT_EQ(by_digest.exit_code, 0) << by_digest.Describe();
  EXPECT_TRUE(ReadFileOrDie(tmp_.Sub("home/kit.rdbundle")) == bundle_bytes_);

  auto ls = Pack({"ls", "oci://" + reg.host() + "/rd/kit", "--plain-http"});
  ASSERT_EQ(ls.exit_code, 0) << ls.Describe();
  EXPECT_EQ(ls.out.substr(0, 8), "2026-12 ") << ls.out;
  EXPECT_NE(ls.out.find("k3s v1.30.4+k3s1 (amd64)  kubectl 1.30.4/linux/amd64  key " +
                        KeyIdString(testsupport::DefaultTestKey().pub.key_id)),
            std::string::npos)
      << ls.out;
  // --json: one object per tag, the digest, the sizes and the annotations of the signed manifest.
  auto ls_json = Pack({"ls", "oci://" + reg.host() + "/rd/kit", "--plain-http", "--json"});
  ASSERT_EQ(ls_json.exit_code, 0) << ls_json.Describe();
  const auto tags = nlohmann::json::parse(ls_json.out);
  ASSERT_TRUE(tags.is_array()) << ls_json.out;
  ASSERT_EQ(tags.size(), 1u) << ls_json.out;
  EXPECT_EQ(tags[0]["tag"], "2026-12");
  EXPECT_EQ(tags[0]["digest"], manifest_digest);
  EXPECT_EQ(tags[0]["rdbundle"], true);
  EXPECT_EQ(tags[0]["signature"], true);
  EXPECT_EQ(tags[0]["size"], bundle_bytes_.size());
  EXPECT_EQ(tags[0]["annotations"]["io.rdbundle.k3s-versions"], "v1.30.4+k3s1") << ls_json.out;

  // The same bundle again: the registry has every blob, only the manifest is sent.
  auto again = Pack(Fast({"push", bundle_, "oci://" + reg.host() + "/rd/kit:again", "-p", pub_, "--plain-http"}));
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_NE(again.err.find("the registry already had the bundle blob"), std::string::npos) << again.err;
}

TEST_F(OciRegistry, PullToStdoutInstallsInOnePass) {
  DockerRegistry reg(tmp_.path());
  ASSERT_TRUE(reg.ok()) << reg.error();
  const std::string ref = "oci://" + reg.host() + "/rd/kit:pipe";
  ASSERT_EQ(Pack(Fast({"push", bundle_, ref, "-p", pub_, "--plain-http"})).exit_code, 0);
  const std::string script = std::string(RDB_PACK_BIN) + " pull " + ref + " --plain-http -o - | " +
                             RDB_UNPACK_BIN + " install - -p " + pub_ + " --home " + home_ +
                             " --target-os linux --target-arch amd64";
  auto r = RunProcess({"bash", "-c", "set -o pipefail; " + script});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("<stdin>: signature OK"), std::string::npos) << r.out;
  EXPECT_TRUE(testsupport::PathExists(home_ + "/.cache/rancher-desktop/k3s/v1.30.4+k3s1/k3s"));
}

TEST_F(OciRegistry, RefusesToPushWhatDoesNotVerify) {
  DockerRegistry reg(tmp_.path());
  ASSERT_TRUE(reg.ok()) << reg.error();
  WriteFileOrDie(tmp_.Sub("other.pub"), testsupport::MakeTestKey().pub_file);
  auto r = Pack(Fast({"push", bundle_, "oci://" + reg.host() + "/rd/kit:x", "-p", tmp_.Sub("other.pub"),
                      "--plain-http"}));
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  // Nothing reached the registry.
  auto tags = RunProcess({"curl", "-s", reg.url() + "/v2/rd/kit/tags/list"});
  EXPECT_EQ(tags.out.find("\"x\""), std::string::npos) << tags.out;
  // A detached signature that does not match the bundle is refused too.
  WriteFileOrDie(bundle_ + ".minisig", ReadFileOrDie(bundle_ + ".minisig").substr(0, 40) + "\n");
  auto bad_sig = Pack(Fast({"push", bundle_, "oci://" + reg.host() + "/rd/kit:x", "-p", pub_, "--plain-http"}));
  EXPECT_NE(bad_sig.exit_code, 0);
  EXPECT_NE(bad_sig.err.find("kit.rdbundle.minisig"), std::string::npos) << bad_sig.err;
}

TEST_F(OciRegistry, PullChecksTheDigestsAndTheArtifactType) {
  DockerRegistry reg(tmp_.path());
  ASSERT_TRUE(reg.ok()) << reg.error();
  const std::string missing = "oci://" + reg.host() + "/rd/kit@sha256:" + std::string(64, '0');
  auto r = Pack(Fast({"pull", missing, "--plain-http", "-o", tmp_.Sub("x")}));
  EXPECT_EQ(r.exit_code, 6) << r.Describe();
  EXPECT_NE(r.err.find("MANIFEST_UNKNOWN"), std::string::npos) << r.err;
  EXPECT_FALSE(testsupport::PathExists(tmp_.Sub("x")));
  // An image that is not ours: the empty config of another artifact type.
  const std::string other = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                            R"("artifactType":"application/vnd.example.other","config":{"mediaType":)"
                            R"("application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]})";
  WriteFileOrDie(tmp_.Sub("other.json"), other);
  // Our push brings the empty config blob that manifest needs.
  ASSERT_EQ(Pack(Fast({"push", bundle_, "oci://" + reg.host() + "/rd/kit:ours", "-p", pub_, "--plain-http"})).exit_code, 0);
  auto put = RunProcess({"curl", "-sf", "-X", "PUT", reg.url() + "/v2/rd/kit/manifests/other", "-H",
                         "Content-Type: application/vnd.oci.image.manifest.v1+json", "--data-binary",
                         "@" + tmp_.Sub("other.json")});
  ASSERT_EQ(put.exit_code, 0) << put.Describe();
  auto not_ours = Pack(Fast({"pull", "oci://" + reg.host() + "/rd/kit:other", "--plain-http", "-o", tmp_.Sub("y")}));
  EXPECT_EQ(not_ours.exit_code, 4) << not_ours.Describe();
  EXPECT_NE(not_ours.err.find("not an rdbundle artifact (artifactType \"application/vnd.example.other\")"),
            std::string::npos) << not_ours.err;
  auto ls = Pack({"ls", "oci://" + reg.host() + "/rd/kit", "--plain-http"});
  ASSERT_EQ(ls.exit_code, 0) << ls.Describe();
  EXPECT_NE(ls.out.find("other  sha256:"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("(not an rdbundle artifact)"), std::string::npos) << ls.out;
}

TEST_F(OciRegistry, UsageErrors) {
  auto bad_ref = Pack({"push", bundle_, "oci://h/UPPER:t", "-p", pub_});
  EXPECT_EQ(bad_ref.exit_code, 2) << bad_ref.Describe();
  auto no_tag = Pack({"push", bundle_, "oci://h/x@sha256:" + std::string(64, 'a'), "-p", pub_});
  EXPECT_EQ(no_tag.exit_code, 2) << no_tag.Describe();
  auto no_password = Pack({"ls", "oci://h/x", "--username", "u"});
  EXPECT_EQ(no_password.exit_code, 2) << no_password.Describe();
  EXPECT_EQ(no_password.err,
            "rdbundle-pack: --username needs a password: --password-stdin or RDBUNDLE_REGISTRY_PASSWORD\n");
  auto warn = Pack({"ls", "oci://192.0.2.1:9/x", "--plain-http", "--connect-timeout", "1", "--retries", "0"});
  EXPECT_NE(warn.err.find("warning: --plain-http"), std::string::npos) << warn.err;
}

TEST_F(OciRegistry, BasicAuthFromFlagsConfigAndHelper) {
  DockerRegistry reg(tmp_.path(), DockerRegistryOptions{"alice", "s3cret", false});
  ASSERT_TRUE(reg.ok()) << reg.error();
  const std::string ref = "oci://" + reg.host() + "/rd/kit:auth";
  auto anonymous = Pack(Fast({"push", bundle_, ref, "-p", pub_, "--plain-http"}));
  EXPECT_EQ(anonymous.exit_code, 6) << anonymous.Describe();
  EXPECT_NE(anonymous.err.find("HTTP 401 Unauthorized: " + reg.host() + " needs credentials"), std::string::npos)
      << anonymous.err;

  auto wrong = Pack(Fast({"push", bundle_, ref, "-p", pub_, "--plain-http", "--username", "alice"}),
                    {{"RDBUNDLE_REGISTRY_PASSWORD", "nope"}});
  EXPECT_EQ(wrong.exit_code, 6) << wrong.Describe();
  EXPECT_NE(wrong.err.find("refused the credentials of --username"), std::string::npos) << wrong.err;

  auto env = Pack(Fast({"push", bundle_, ref, "-p", pub_, "--plain-http", "--username", "alice"}),
                  {{"RDBUNDLE_REGISTRY_PASSWORD", "s3cret"}});
  ASSERT_EQ(env.exit_code, 0) << env.Describe();
  auto stdin_pw = Pack(Fast({"pull", ref, "--plain-http", "--username", "alice", "--password-stdin", "-o",
                             tmp_.Sub("a.rdbundle")}),
                       {}, "s3cret\n");
  ASSERT_EQ(stdin_pw.exit_code, 0) << stdin_pw.Describe();
  EXPECT_TRUE(Pulled("a.rdbundle") == bundle_bytes_);

  // ~/.docker/config.json as `docker login` writes it ("alice:s3cret" in base64).
  WriteFileOrDie(home_ + "/.docker/config.json",
                 R"({"auths":{")" + reg.host() + R"(":{"auth":"YWxpY2U6czNjcmV0"}}})");
  auto config = Pack(Fast({"pull", ref, "--plain-http", "-o", tmp_.Sub("b.rdbundle")}));
  ASSERT_EQ(config.exit_code, 0) << config.Describe();
  // credHelpers: docker-credential-<name> get, found in PATH, the registry on its stdin.
  WriteFileOrDie(tmp_.Sub("bin/docker-credential-rdbtest"),
                 "#!/bin/sh\nread reg\necho \"$reg\" >>\"$0.log\"\n"
                 "printf '{\"ServerURL\":\"%s\",\"Username\":\"alice\",\"Secret\":\"s3cret\"}' \"$reg\"\n",
                 0755);
  WriteFileOrDie(tmp_.Sub("dc/config.json"), R"({"credHelpers":{")" + reg.host() + R"(":"rdbtest"}})");
  auto helper = Pack(Fast({"ls", "oci://" + reg.host() + "/rd/kit", "--plain-http"}),
                     {{"DOCKER_CONFIG", tmp_.Sub("dc")},
                      {"PATH", tmp_.Sub("bin") + ":" + std::string(std::getenv("PATH"))}});
  ASSERT_EQ(helper.exit_code, 0) << helper.Describe();
  EXPECT_NE(helper.out.find("auth  sha256:"), std::string::npos) << helper.out;
  EXPECT_EQ(ReadFileOrDie(tmp_.Sub("bin/docker-credential-rdbtest.log")), reg.host() + "\n");
}

TEST_F(OciRegistry, TlsWithCaBundle) {
  DockerRegistry reg(tmp_.path(), DockerRegistryOptions{"", "", true});
  ASSERT_TRUE(reg.ok()) << reg.error();
  const std::string ref = "oci://" + reg.host() + "/rd/kit:tls";
  auto untrusted = Pack(Fast({"push", bundle_, ref, "-p", pub_, "--retries", "0"}));
  EXPECT_EQ(untrusted.exit_code, 6) << untrusted.Describe();
  EXPECT_NE(untrusted.err.find("https://" + reg.host() + "/v2/rd/kit/blobs/"), std::string::npos) << untrusted.err;
  auto push = Pack(Fast({"push", bundle_, ref, "-p", pub_, "--ca-bundle", reg.ca_cert()}));
  ASSERT_EQ(push.exit_code, 0) << push.Describe();
  auto pull = Pack(Fast({"pull", ref, "--ca-bundle", reg.ca_cert(), "-o", tmp_.Sub("t.rdbundle")}));
  ASSERT_EQ(pull.exit_code, 0) << pull.Describe();
  EXPECT_TRUE(Pulled("t.rdbundle") == bundle_bytes_);
  // A plain-http client cannot talk to it (and is not silently upgraded).
  auto plain = Pack(Fast({"ls", "oci://" + reg.host() + "/rd/kit", "--plain-http", "--retries", "0"}));
  EXPECT_EQ(plain.exit_code, 6) << plain.Describe();
}

int Count(const std::vector<std::string>& log, const std::string& needle) {
  int n = 0;
  for (const auto& line : log) n += line.find(needle) != std::string::npos;
  return n;
}

TEST_F(OciRegistry, BearerTokenFlow) {
  OciFixture reg(tmp_.path(), OciFixtureOptions{.bearer = true, .user = "bob", .password = "pw"});
  ASSERT_TRUE(reg.ok());
  const std::string ref = "oci://" + reg.host() + "/rd/kit:bearer";
  auto anonymous = Pack(Fast({"push", bundle_, ref, "-p", pub_, "--plain-http"}));
  EXPECT_EQ(anonymous.exit_code, 6) << anonymous.Describe();
  EXPECT_NE(anonymous.err.find("/token: token request: HTTP 401 Unauthorized (no credentials for " + reg.host() + ")"),
            std::string::npos) << anonymous.err;
  const std::size_t before = reg.Log().size();
  auto push = Pack(Fast({"push", bundle_, ref, "-p", pub_, "--plain-http", "--username", "bob",
                         "--chunk-size", "1"}),
                   {{"RDBUNDLE_REGISTRY_PASSWORD", "pw"}});
  ASSERT_EQ(push.exit_code, 0) << push.Describe();
  auto log = reg.Log();
  log.erase(log.begin(), log.begin() + static_cast<std::ptrdiff_t>(before));
  // One token for the whole push (cached), sent on every registry request after the first 401.
  EXPECT_EQ(Count(log, R"("path": "/token", "status": 200)"), 1);
  EXPECT_EQ(Count(log, R"("status": 401)"), 1);
  EXPECT_GE(Count(log, R"("method": "PATCH")"), 3);
  EXPECT_EQ(Count(log, R"("method": "PATCH")"), Count(log, R"("method": "PATCH", "path": "/v2/rd/kit/blobs/uploads/)"));
  for (const auto& line : log) {
    if (line.find("/v2/rd/kit/") != std::string::npos && line.find(R"("status": 401)") == std::string::npos) {
      EXPECT_NE(line.find(R"("auth": "bearer")"), std::string::npos) << line;
    }
  }
  auto pull = Pack(Fast({"pull", ref, "--plain-http", "-o", tmp_.Sub("b.rdbundle")}),
                   {{"REGISTRY_AUTH_FILE", tmp_.Sub("auth.json")}});
  EXPECT_EQ(pull.exit_code, 6) << "no auth file yet: " << pull.Describe();
  WriteFileOrDie(tmp_.Sub("auth.json"), R"({"auths":{")" + reg.host() + R"(":{"username":"bob","password":"pw"}}})");
  pull = Pack(Fast({"pull", ref, "--plain-http", "-o", tmp_.Sub("b.rdbundle")}),
              {{"REGISTRY_AUTH_FILE", tmp_.Sub("auth.json")}});
  ASSERT_EQ(pull.exit_code, 0) << pull.Describe();
  EXPECT_TRUE(Pulled("b.rdbundle") == bundle_bytes_);
}

// docker login against an OAuth2 registry keeps an "identitytoken" (a refresh token) in
// config.json: it is POSTed to the realm as an OAuth2 form, never sent as a password.
TEST_F(OciRegistry, IdentityTokenIsAnOAuth2RefreshToken) {
  OciFixture reg(tmp_.path(), OciFixtureOptions{.bearer = true, .user = "bob", .password = "pw",
                                                .refresh_token = "rt-0123"});
  ASSERT_TRUE(reg.ok());
  const std::string ref = "oci://" + reg.host() + "/rd/kit:oauth";
  auto config = [&](const std::string& token) {
    WriteFileOrDie(tmp_.Sub("auth.json"),
                   R"({"auths":{")" + reg.host() + R"(":{"identitytoken":")" + token + R"("}}})");
  };
  config("rt-wrong");
  auto refused = Pack(Fast({"push", bundle_, ref, "-p", pub_, "--plain-http"}),
                      {{"REGISTRY_AUTH_FILE", tmp_.Sub("auth.json")}});
  EXPECT_EQ(refused.exit_code, 6) << refused.Describe();
  EXPECT_NE(refused.err.find("token request: HTTP 401"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("credentials of " + tmp_.Sub("auth.json") + " refused"), std::string::npos)
      << refused.err;
  config("rt-0123");
  const std::size_t before = reg.Log().size();
  auto push = Pack(Fast({"push", bundle_, ref, "-p", pub_, "--plain-http"}),
                   {{"REGISTRY_AUTH_FILE", tmp_.Sub("auth.json")}});
  ASSERT_EQ(push.exit_code, 0) << push.Describe();
  auto log = reg.Log();
  log.erase(log.begin(), log.begin() + static_cast<std::ptrdiff_t>(before));
  EXPECT_EQ(Count(log, R"("method": "POST", "path": "/token", "status": 200)"), 1);
  EXPECT_EQ(Count(log, R"("method": "GET", "path": "/token")"), 0);
  auto pull = Pack(Fast({"pull", ref, "--plain-http", "-o", tmp_.Sub("b.rdbundle")}),
                   {{"REGISTRY_AUTH_FILE", tmp_.Sub("auth.json")}});
  ASSERT_EQ(pull.exit_code, 0) << pull.Describe();
  EXPECT_TRUE(Pulled("b.rdbundle") == bundle_bytes_);
}

TEST_F(OciRegistry, ExpiredTokenIsRenewed) {
  OciFixture reg(tmp_.path(), OciFixtureOptions{.bearer = true, .user = "bob", .password = "pw", .token_expires_in = 1});
  ASSERT_TRUE(reg.ok());
  // The first PATCH answers 503 after a delay that outlives the one-second token.
  reg.SetFaults(R"({"status": {"PATCH": [503]}})");
  auto push = Pack({"push", bundle_, "oci://" + reg.host() + "/rd/kit:t", "-p", pub_, "--plain-http", "--username",
                    "bob", "--chunk-size", "1", "--retry-delay-ms", "2500", "--no-progress"},
                   {{"RDBUNDLE_REGISTRY_PASSWORD", "pw"}});
  ASSERT_EQ(push.exit_code, 0) << push.Describe();
  EXPECT_GE(Count(reg.Log(), R"("path": "/token", "status": 200)"), 2);
}

// A PATCH cut mid-body by the network: the fixture keeps what arrived and reports it, so the
// push continues there and no byte is sent twice.
TEST_F(OciRegistry, CutChunkResumesWhereTheRegistryIs) {
  OciFixture reg(tmp_.path());
  ASSERT_TRUE(reg.ok());
  reg.SetFaults(R"({"cut_patch": [2], "cut_after": 300000})");
  auto push = Pack(Fast({"push", bundle_, "oci://" + reg.host() + "/rd/kit:r", "-p", pub_, "--plain-http",
                         "--chunk-size", "1"}));
  ASSERT_EQ(push.exit_code, 0) << push.Describe();
  EXPECT_NE(push.err.find("1 chunk(s) resumed"), std::string::npos) << push.err;
  const auto log = reg.Log();
  std::uint64_t patched = 0;
  int status_checks = 0;
  for (const auto& line : log) {
    if (line.find(R"("method": "PATCH")") != std::string::npos) {
      const std::string key = R"("received": )";
      patched += std::stoull(line.substr(line.find(key) + key.size()));
    }
    status_checks += line.find(R"("method": "GET", "path": "/v2/rd/kit/blobs/uploads/)") != std::string::npos;
  }
  // The bundle, the empty config and the signature, every byte sent exactly once.
  EXPECT_EQ(patched, bundle_bytes_.size() + 2 + sig_bytes_.size());
  EXPECT_EQ(status_checks, 1);
  auto pull = Pack(Fast({"pull", "oci://" + reg.host() + "/rd/kit:r", "--plain-http", "-o", tmp_.Sub("r.rdbundle")}));
  ASSERT_EQ(pull.exit_code, 0) << pull.Describe();
  EXPECT_TRUE(Pulled("r.rdbundle") == bundle_bytes_);
}

// distribution 2.8 behind a proxy that cuts a PATCH: it cannot continue that upload, so the
// push starts the blob over and still completes with the right digest.
TEST_F(OciRegistry, CutChunkRestartsOnDistribution) {
  DockerRegistry reg(tmp_.path());
  ASSERT_TRUE(reg.ok()) << reg.error();
  OciFixture proxy(tmp_.path() + "/home", OciFixtureOptions{.proxy_to = reg.host()});
  ASSERT_TRUE(proxy.ok());
  proxy.SetFaults(R"({"cut_patch": [2], "cut_after": 300000})");
  auto push = Pack(Fast({"push", bundle_, "oci://" + proxy.host() + "/rd/kit:p", "-p", pub_, "--plain-http",
                         "--chunk-size", "1"}));
  ASSERT_EQ(push.exit_code, 0) << push.Describe();
  EXPECT_NE(push.err.find("restarted"), std::string::npos) << push.err;
  auto curl = RunProcess({"curl", "-sf", reg.url() + "/v2/rd/kit/blobs/sha256:" + Sha256::HexOf(bundle_bytes_)});
  ASSERT_EQ(curl.exit_code, 0) << curl.Describe();
  EXPECT_TRUE(curl.out == bundle_bytes_);
}

// A pull cut mid-blob resumes with Range (the fixture serves Range; a reset transfer).
TEST_F(OciRegistry, PullResumesACutDownloadWithRange) {
  DockerRegistry reg(tmp_.path());
  ASSERT_TRUE(reg.ok()) << reg.error();
  ASSERT_EQ(Pack(Fast({"push", bundle_, "oci://" + reg.host() + "/rd/kit:g", "-p", pub_, "--plain-http"})).exit_code, 0);
  OciFixture proxy(tmp_.path() + "/home", OciFixtureOptions{.proxy_to = reg.host()});
  ASSERT_TRUE(proxy.ok());
  proxy.SetFaults(R"({"cut_get_after": 1000000})");
  auto pull = Pack(Fast({"pull", "oci://" + proxy.host() + "/rd/kit:g", "--plain-http", "-o", tmp_.Sub("g.rdbundle")}));
  ASSERT_EQ(pull.exit_code, 0) << pull.Describe();
  EXPECT_TRUE(Pulled("g.rdbundle") == bundle_bytes_);
  // Resumed once, where the cut left it (a reset may drop what was in flight: at most 1000000).
  int resumed = 0;
  for (const auto& line : proxy.Log()) {
    const std::string key = R"("range": "bytes=)";
    const auto at = line.find(key);
    if (at == std::string::npos) continue;
    const std::uint64_t from = std::stoull(line.substr(at + key.size()));
    EXPECT_GT(from, 0u) << line;
    EXPECT_LE(from, 1000000u) << line;
    EXPECT_NE(line.find(R"("status": 206)"), std::string::npos) << line;
    ++resumed;
  }
  EXPECT_EQ(resumed, 1) << testing::PrintToString(proxy.Log());
}

// A bundle of a few hundred MiB (RDB_OCI_BIG_MIB, default 300) through distribution 2.8:
// pushed in 16 MiB chunks, pulled back byte-identical. The rates are reported as figures
// (test properties and stdout), never asserted: speed belongs to bench/.
TEST_F(OciRegistry, BigBundleRoundTrip) {
  const char* env = std::getenv("RDB_OCI_BIG_MIB");
  const std::uint64_t mib = env != nullptr ? std::strtoull(env, nullptr, 10) : 300;
  if (mib == 0) GTEST_SKIP() << "RDB_OCI_BIG_MIB=0";
  testsupport::SampleKitSpec spec;
  spec.binary_bytes = 8u << 20;
  spec.images_bytes = (mib << 20) - spec.binary_bytes;
  ASSERT_TRUE(testsupport::WriteSampleKit(DefaultFs(), tmp_.Sub("kit"), spec).ok());
  ASSERT_EQ(Pack({"keygen", "-W", "-p", tmp_.Sub("big.pub"), "-s", tmp_.Sub("big.key")}).exit_code, 0);
  const std::string big = tmp_.Sub("big.rdbundle");
  auto build = Pack({"build", "--from", tmp_.Sub("kit"), "-s", tmp_.Sub("big.key"), "-o", big, "--level", "1",
                     "--detached-sig"});
  ASSERT_EQ(build.exit_code, 0) << build.Describe();
  const std::string want = Sha256::HexOf(ReadFileOrDie(big));
  DockerRegistry reg(tmp_.path());
  ASSERT_TRUE(reg.ok()) << reg.error();
  const std::string ref = "oci://" + reg.host() + "/rd/big:1";
  const auto t0 = std::chrono::steady_clock::now();
  auto push = Pack({"push", big, ref, "-p", tmp_.Sub("big.pub"), "--plain-http"});
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_EQ(push.exit_code, 0) << push.Describe();
  auto pull = Pack({"pull", ref, "--plain-http", "-o", tmp_.Sub("pulled.rdbundle")});
  const auto t2 = std::chrono::steady_clock::now();
  ASSERT_EQ(pull.exit_code, 0) << pull.Describe();
  const std::string pulled = ReadFileOrDie(tmp_.Sub("pulled.rdbundle"));
  EXPECT_EQ(Sha256::HexOf(pulled), want);
  const double size_mib = static_cast<double>(pulled.size()) / (1 << 20);
  const double push_s = std::chrono::duration<double>(t1 - t0).count();
  const double pull_s = std::chrono::duration<double>(t2 - t1).count();
  char figures[200];
  std::snprintf(figures, sizeof figures, "%.0f MiB bundle: push %.1f s (%.0f MiB/s, verify + hash + upload), pull %.1f s (%.0f MiB/s)",
                size_mib, push_s, size_mib / push_s, pull_s, size_mib / pull_s);
  RecordProperty("figures", figures);
  std::printf("[ figures  ] %s\n", figures);
}

}  // namespace
}  // namespace rdbundle
