// push / pull / ls against real registries on 127.0.0.1 (tests/support/oci_registry.h):
// Debian's docker-registry (distribution 2.8) anonymous, with htpasswd Basic auth and with TLS,
// behind a proxy that cuts a PATCH mid-body, and the Python fixture that resumes uploads and
// issues Bearer tokens. Everything runs the real rdbundle-pack and rdbundle-unpack binaries.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/format/hash.h"
#include "common/format/minisign.h"
#include "common/signing/signing.h"
#include "tests/support/oci_registry.h"
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
    for (const char* a : {"--retry-delay-ms", "10", "--no-progress"}) args.push_back(a);
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

}  // namespace
}  // namespace rdbundle
