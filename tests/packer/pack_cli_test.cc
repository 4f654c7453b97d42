// End-to-end tests of the real rdbundle-pack binary, checked with rdbundle-unpack and the stock
// tools (zstd, tar, minisign): what a user runs on both sides of the air gap.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/format/hash.h"
#include "common/format/manifest.h"
#include "common/os/fs.h"
#include "common/signing/signing.h"
#include "tests/support/sample_kit.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace rdbundle::packer {
namespace {

using testsupport::PathExists;
using testsupport::ReadFileOrDie;
using testsupport::RunProcess;
using testsupport::SampleKitSpec;
using testsupport::SubprocessOptions;
using testsupport::SubprocessResult;
using testsupport::WriteFileOrDie;

bool HaveTool(const std::string& name) {
  return RunProcess({"sh", "-c", "command -v " + name}).exit_code == 0;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(s.substr(start, nl - start));
  }
  return out;
}

// A mixed kit: two versions, both arches, kubectls for three platforms.
SampleKitSpec MixedKit() {
  SampleKitSpec s;
  s.k3s_versions = {"v1.29.8+k3s1", "v1.30.4+k3s1"};
  s.arches = {Arch::kAmd64, Arch::kArm64};
  s.kubectls = {{"1.30.4", TargetOs::kLinux, Arch::kAmd64},
                {"1.29.8", TargetOs::kDarwin, Arch::kArm64},
                {"1.30.4", TargetOs::kWindows, Arch::kAmd64}};
  s.binary_bytes = 300000;
  s.images_bytes = 500000;
  s.kubectl_bytes = 200000;
  return s;
}

class PackCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = Pack({"keygen", "-W", "-p", pub_, "-s", key_});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    ASSERT_TRUE(std::filesystem::create_directory(tmp_.Sub("out")));
  }

  // Runs rdbundle-pack without SOURCE_DATE_EPOCH or RDBUNDLE_PASSWORD from the caller's
  // environment unless `env` sets them.
  SubprocessResult Pack(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> argv = {RDB_PACK_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    SubprocessOptions o;
    o.unset_env = {"SOURCE_DATE_EPOCH", "RDBUNDLE_PASSWORD"};
    o.env = env;
    return RunProcess(argv, o);
  }
  SubprocessResult Unpack(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {RDB_UNPACK_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv);
  }
  void WriteKit(const SampleKitSpec& spec, const std::string& dir = "") {
    ASSERT_TRUE(testsupport::WriteSampleKit(DefaultFs(), dir.empty() ? kit_ : dir, spec).ok());
  }
  // build --from kit_ -o out -s key_ plus `extra`.
  SubprocessResult Build(const std::string& out, const std::vector<std::string>& extra = {},
                         const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> args = {"build", "--from", kit_, "-o", out, "-s", key_, "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Pack(args, env);
  }
  // The bundle's entries, listed by `zstd -dc B | tar -t`.
  std::vector<std::string> TarList(const std::string& bundle) {
    auto z = RunProcess({"zstd", "-dc", bundle});
    EXPECT_EQ(z.exit_code, 0) << z.Describe();
    SubprocessOptions o;
    o.stdin_data = z.out;
    auto t = RunProcess({"tar", "-t"}, o);
    EXPECT_EQ(t.exit_code, 0) << t.Describe();
    return Lines(t.out);
  }
  // The signed manifest: the first tar entry.
  Manifest ReadManifest(const std::string& bundle) {
    auto z = RunProcess({"zstd", "-dc", bundle});
    const std::size_t size = std::stoull(z.out.substr(124, 12), nullptr, 8);
    auto m = ParseManifest(z.out.substr(512, size));
    EXPECT_TRUE(m.has_value()) << m.error().message();
    return m.has_value() ? *m : Manifest();
  }
  std::vector<std::string> ExpectedEntries(const SampleKitSpec& spec) {
    std::vector<std::string> e = {"manifest.json", "manifest.json.minisig"};
    for (const auto& p : testsupport::SampleKitBundlePaths(spec)) e.push_back(p);
    return e;
  }
  void ExpectNoOutput(const std::string& out) {
    EXPECT_FALSE(PathExists(out)) << out;
    EXPECT_FALSE(PathExists(out + ".part")) << out << ".part";
  }

  testsupport::ScopedTempDir tmp_;
  const std::string kit_ = tmp_.Sub("kit");
  const std::string key_ = tmp_.Sub("test.key");
  const std::string pub_ = tmp_.Sub("test.pub");
  const std::string out_ = tmp_.Sub("out/kit.rdbundle");
};

TEST_F(PackCli, RoundTripThroughUnpackOnEveryPlatform) {
  const SampleKitSpec spec = MixedKit();
  WriteKit(spec);
  auto r = Build(out_, {"--detached-sig"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find(out_ + ": 16 files, "), std::string::npos) << r.out;
  auto v = Unpack({"verify", "-p", pub_, out_});
  ASSERT_EQ(v.exit_code, 0) << v.Describe();

  struct Target {
    const char* os;
    const char* arch;
    std::string cache;    // relative to the home
    std::string kubectl;  // relative to the home
    std::string binary;
  };
  const std::vector<Target> targets = {
      {"linux", "amd64", ".cache/rancher-desktop", ".kuberlr/linux-amd64/kubectl1.30.4", "k3s"},
      {"darwin", "arm64", "Library/Caches/rancher-desktop", ".kuberlr/darwin-arm64/kubectl1.29.8",
       "k3s-arm64"},
      {"windows", "amd64", "AppData/Local/rancher-desktop/cache",
       ".kuberlr/windows-amd64/kubectl1.30.4.exe", "k3s"},
  };
  for (const Target& t : targets) {
    const std::string home = tmp_.Sub(std::string("home-") + t.os);
    ASSERT_TRUE(std::filesystem::create_directory(home));  // install refuses a missing home
    auto in = Unpack({"install", "-p", pub_, "--home", home, "--target-os", t.os,
                      "--target-arch", t.arch, out_});
    ASSERT_EQ(in.exit_code, 0) << t.os << ": " << in.Describe();
    const std::string kubectl_src = kit_ + "/kuberlr/" + t.kubectl.substr(9);
    EXPECT_EQ(ReadFileOrDie(home + "/" + t.kubectl), ReadFileOrDie(kubectl_src)) << t.os;
#if !defined(_WIN32)  // no permission bits on Windows
    struct stat st;
    ASSERT_EQ(::stat((home + "/" + t.kubectl).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0755u);
#endif
    for (const std::string& version : spec.k3s_versions) {
      const std::string rel = "/k3s/" + version + "/" + t.binary;
      EXPECT_EQ(ReadFileOrDie(home + "/" + t.cache + rel), ReadFileOrDie(kit_ + "/cache" + rel));
    }
    const std::string versions = ReadFileOrDie(home + "/" + t.cache + "/k3s-versions.json");
    EXPECT_NE(versions.find("\"v1.29.8+k3s1\""), std::string::npos);
  }
}

// The highest level still gives a frame a reader with the default window limit accepts (the
// writer caps the window; tests/packer/tar_zstd_writer_test.cc checks the cap itself).
TEST_F(PackCli, HighestLevelVerifiesWithTheDefaultWindowLimit) {
  SampleKitSpec spec;
  spec.images_bytes = 256u << 10;
  WriteKit(spec);
  auto r = Build(out_, {"--level", "22", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  auto v = Unpack({"verify", "-p", pub_, out_});
  EXPECT_EQ(v.exit_code, 0) << v.Describe();
}

TEST_F(PackCli, ZstdAndTarListTheEntriesInOrder) {
  if (!HaveTool("zstd") || !HaveTool("tar")) GTEST_SKIP() << "zstd or tar not installed";
  const SampleKitSpec spec = MixedKit();
  WriteKit(spec);
  ASSERT_EQ(Build(out_).exit_code, 0);
  EXPECT_EQ(TarList(out_), ExpectedEntries(spec));
}

TEST_F(PackCli, MinisignVerifiesTheDetachedSignature) {
  if (!HaveTool("minisign")) GTEST_SKIP() << "minisign not installed";
  WriteKit(MixedKit());
  ASSERT_EQ(Build(out_, {"--detached-sig"}).exit_code, 0);
  auto m = RunProcess({"minisign", "-Vm", out_, "-p", pub_});
  ASSERT_EQ(m.exit_code, 0) << m.Describe();
  const Manifest manifest = ReadManifest(out_);
  EXPECT_NE(m.out.find("Trusted comment: rdbundle-format:1 bundle-id:" + manifest.bundle_id +
                       " file:kit.rdbundle"),
            std::string::npos)
      << m.out;
  // The signature covers every byte.
  std::string bytes = ReadFileOrDie(out_);
  bytes[bytes.size() / 2] ^= 1;
  WriteFileOrDie(out_, bytes);
  EXPECT_NE(RunProcess({"minisign", "-Vm", out_, "-p", pub_}).exit_code, 0);
}

TEST_F(PackCli, ReproducibleWithSourceDateEpoch) {
  WriteKit(MixedKit());
  const std::map<std::string, std::string> epoch = {{"SOURCE_DATE_EPOCH", "1700000000"}};
  ASSERT_EQ(Build(tmp_.Sub("out/a.rdbundle"), {"--threads", "1"}, epoch).exit_code, 0);
  ASSERT_EQ(Build(tmp_.Sub("out/b.rdbundle"), {"--threads", "2"}, epoch).exit_code, 0);
  const std::string a = ReadFileOrDie(tmp_.Sub("out/a.rdbundle"));
  EXPECT_TRUE(a == ReadFileOrDie(tmp_.Sub("out/b.rdbundle"))) << "--threads 1 and 2 differ";
  const Manifest ma = ReadManifest(tmp_.Sub("out/a.rdbundle"));
  EXPECT_EQ(ma.created, "2023-11-14T22:13:20Z");

  ASSERT_EQ(Build(tmp_.Sub("out/c.rdbundle"), {}, {{"SOURCE_DATE_EPOCH", "1700000001"}}).exit_code, 0);
  EXPECT_NE(ReadManifest(tmp_.Sub("out/c.rdbundle")).bundle_id, ma.bundle_id);
  // Without SOURCE_DATE_EPOCH the id is random.
  ASSERT_EQ(Build(tmp_.Sub("out/d.rdbundle")).exit_code, 0);
  ASSERT_EQ(Build(tmp_.Sub("out/e.rdbundle")).exit_code, 0);
  EXPECT_NE(ReadManifest(tmp_.Sub("out/d.rdbundle")).bundle_id,
            ReadManifest(tmp_.Sub("out/e.rdbundle")).bundle_id);

  auto bad = Build(tmp_.Sub("out/f.rdbundle"), {}, {{"SOURCE_DATE_EPOCH", "yesterday"}});
  EXPECT_EQ(bad.exit_code, 2) << bad.Describe();
}

TEST_F(PackCli, CorruptImagesRejectedWithTheirName) {
  WriteKit(SampleKitSpec::K3sOnly());
  const std::string images = kit_ + "/cache/k3s/v1.30.4+k3s1/k3s-airgap-images-amd64.tar.zst";
  std::string data = ReadFileOrDie(images);
  data[4242] ^= 0x20;
  WriteFileOrDie(images, data);
  auto r = Build(out_);
  EXPECT_EQ(r.exit_code, 4) << r.Describe();
  EXPECT_NE(r.err.find("rdbundle-pack: " + images +
                       ": sha256 does not match its line in sha256sum-amd64.txt (expected "),
            std::string::npos)
      << r.err;
  ExpectNoOutput(out_);
}

TEST_F(PackCli, MissingSumsLineRejected) {
  WriteKit(SampleKitSpec::K3sOnly());
  const std::string sums = kit_ + "/cache/k3s/v1.30.4+k3s1/sha256sum-amd64.txt";
  std::string text = ReadFileOrDie(sums);
  text.erase(text.rfind('\n', text.size() - 2) + 1);  // drop the binary's (last) line
  WriteFileOrDie(sums, text);
  auto r = Build(out_);
  EXPECT_EQ(r.exit_code, 4) << r.Describe();
  EXPECT_NE(r.err.find("/k3s: sha256sum-amd64.txt has no line for k3s"), std::string::npos) << r.err;
  ExpectNoOutput(out_);
}

TEST_F(PackCli, KubectlOfTheWrongPlatformRejected) {
  WriteKit(SampleKitSpec::KuberlrOnly());
  const std::string path = kit_ + "/kuberlr/linux-amd64/kubectl1.30.4";
  std::string data = ReadFileOrDie(path);
  const std::string macho = testsupport::SampleExecutableHeader(TargetOs::kDarwin, Arch::kArm64);
  data.replace(0, macho.size(), macho);
  WriteFileOrDie(path, data, 0755);
  auto r = Build(out_);
  EXPECT_EQ(r.exit_code, 4) << r.Describe();
  EXPECT_NE(r.err.find("rdbundle-pack: " + path +
                       ": not a linux/amd64 executable (found: Mach-O arm64)"),
            std::string::npos)
      << r.err;
  ExpectNoOutput(out_);
}

TEST_F(PackCli, RequireKubectlCover) {
  SampleKitSpec spec = SampleKitSpec::K3sOnly();
  spec.k3s_versions = {"v1.28.13+k3s1", "v1.30.4+k3s1"};
  spec.kubectls = {{"1.30.4", TargetOs::kLinux, Arch::kAmd64}};
  WriteKit(spec);
  auto warn = Build(out_);
  ASSERT_EQ(warn.exit_code, 0) << warn.Describe();
  EXPECT_NE(warn.err.find("warning: kubectl cover: linux/amd64 has no kubectl for k3s 1.28"),
            std::string::npos)
      << warn.err;
  EXPECT_NE(warn.err.find("add --kubectl 1.28.13/linux/amd64"), std::string::npos) << warn.err;
  const std::string out2 = tmp_.Sub("out/strict.rdbundle");
  auto strict = Build(out2, {"--require-kubectl-cover"});
  EXPECT_EQ(strict.exit_code, 1) << strict.Describe();
  ExpectNoOutput(out2);
}

TEST_F(PackCli, FromRdCacheInAFakeHome) {
  // This machine's layout (the tests run on Linux): ~/.cache/rancher-desktop and ~/.kuberlr.
  const std::string home = tmp_.Sub("home");
  SampleKitSpec spec = MixedKit();
  spec.extra_listed_versions = {"v1.31.1+k3s1"};  // RD's own file lists more than it cached
  ASSERT_TRUE(testsupport::WriteSampleKitTo(DefaultFs(), home + "/.cache/rancher-desktop",
                                            home + "/.kuberlr", spec)
                  .ok());
  auto r = Pack({"build", "--from-rd-cache", "--home", home, "-o", out_, "-s", key_});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(TarList(out_), ExpectedEntries(spec));
  EXPECT_EQ(Unpack({"verify", "-p", pub_, out_}).exit_code, 0);

  // --cache-dir and --kuberlr-dir point elsewhere.
  const std::string out2 = tmp_.Sub("out/two.rdbundle");
  auto r2 = Pack({"build", "--from-rd-cache", "--home", tmp_.Sub("nowhere"), "--cache-dir",
                  home + "/.cache/rancher-desktop", "--kuberlr-dir", home + "/.kuberlr",
                  "--k3s", "v1.30.4+k3s1", "--arch", "amd64", "-o", out2, "-s", key_});
  ASSERT_EQ(r2.exit_code, 0) << r2.Describe();
  EXPECT_EQ(ReadManifest(out2).k3s_versions, std::vector<std::string>{"v1.30.4+k3s1"});
}

TEST_F(PackCli, SelectionFlags) {
  WriteKit(MixedKit());
  auto r = Build(out_, {"--k3s", "v1.29.8+k3s1", "--arch", "arm64", "--kubectl",
                        "1.29.8/darwin/arm64", "--kubectl", "v1.30.4/windows/amd64"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(TarList(out_), (std::vector<std::string>{
                               "manifest.json",
                               "manifest.json.minisig",
                               "cache/k3s-versions.json",
                               "cache/k3s/v1.29.8+k3s1/k3s-airgap-images-arm64.tar.zst",
                               "cache/k3s/v1.29.8+k3s1/k3s-arm64",
                               "cache/k3s/v1.29.8+k3s1/sha256sum-arm64.txt",
                               "kuberlr/darwin-arm64/kubectl1.29.8",
                               "kuberlr/windows-amd64/kubectl1.30.4.exe",
                           }));
  // A selected item that is not there is an error naming it.
  auto missing = Build(tmp_.Sub("out/m.rdbundle"), {"--kubectl", "1.31.0/linux/arm64"});
  EXPECT_EQ(missing.exit_code, 5) << missing.Describe();
  EXPECT_NE(missing.err.find("kubectl 1.31.0 for linux/arm64 not found"), std::string::npos);
  auto bad = Build(tmp_.Sub("out/m.rdbundle"), {"--kubectl", "1.31.0-linux-arm64"});
  EXPECT_EQ(bad.exit_code, 2) << bad.Describe();
  auto bad_arch = Build(tmp_.Sub("out/m.rdbundle"), {"--arch", "aarch64"});
  EXPECT_EQ(bad_arch.exit_code, 2) << bad_arch.Describe();
}

TEST_F(PackCli, TarImagesAndArm64OnlyKit) {
  SampleKitSpec spec = SampleKitSpec::K3sOnly();
  spec.images_zst = false;
  spec.arches = {Arch::kArm64};
  spec.kubectls = {{"1.30.4", TargetOs::kLinux, Arch::kArm64}};
  WriteKit(spec);
  ASSERT_EQ(Build(out_).exit_code, 0);
  EXPECT_EQ(TarList(out_), ExpectedEntries(spec));
  const std::string home = tmp_.Sub("home");
  ASSERT_TRUE(std::filesystem::create_directory(home));
  auto in = Unpack({"install", "-p", pub_, "--home", home, "--target-os", "linux",
                    "--target-arch", "arm64", out_});
  ASSERT_EQ(in.exit_code, 0) << in.Describe();
  EXPECT_TRUE(PathExists(home + "/.cache/rancher-desktop/k3s/v1.30.4+k3s1/k3s-airgap-images-arm64.tar"));
}

TEST_F(PackCli, RefusesToOverwriteWithoutForce) {
  WriteKit(SampleKitSpec::KuberlrOnly());
  ASSERT_EQ(Build(out_).exit_code, 0);
  const std::string first = ReadFileOrDie(out_);
  auto again = Build(out_);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find(out_ + ": already exists (use --force to overwrite)"), std::string::npos);
  EXPECT_EQ(ReadFileOrDie(out_), first);
  ASSERT_EQ(Build(out_, {"--force"}).exit_code, 0);
  EXPECT_NE(ReadFileOrDie(out_), first);  // a new random bundle id
}

TEST_F(PackCli, DryRunWritesNothing) {
  WriteKit(SampleKitSpec::KuberlrOnly());
  auto r = Pack({"build", "--from", kit_, "--dry-run", "-o", out_});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  auto m = ParseManifest(r.out);
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->key_id, "0000000000000000");
  EXPECT_NE(r.err.find("placeholder"), std::string::npos);
  ExpectNoOutput(out_);
  auto with_key = Pack({"build", "--from", kit_, "--dry-run", "-s", key_});
  ASSERT_EQ(with_key.exit_code, 0) << with_key.Describe();
  EXPECT_NE(ParseManifest(with_key.out)->key_id, "0000000000000000");
}

TEST_F(PackCli, UsageErrors) {
  EXPECT_EQ(Pack({"build", "--frob"}).exit_code, 2);
  // Two inputs. (No input at all means fetching from upstream: tests/packer/fetch_cli_test.cc.)
  EXPECT_EQ(Pack({"build", "-o", out_, "-s", key_, "--from", kit_, "--from-rd-cache"}).exit_code, 2);
  EXPECT_EQ(Pack({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(Pack({"build", "--from", kit_, "--from", kit_}).exit_code, 2);
  auto help = Pack({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--from-rd-cache"), std::string::npos);
}

// Issue 18 item 5: errors that say what to do, each exit code as documented.
TEST_F(PackCli, ErrorsSayWhatToDo) {
  WriteKit(SampleKitSpec::KuberlrOnly());
  // The public key given as -s.
  auto swapped = Pack({"build", "--from", kit_, "-o", tmp_.Sub("out/s.rdbundle"), "-s", pub_});
  EXPECT_EQ(swapped.exit_code, 3) << swapped.Describe();
  EXPECT_EQ(swapped.err, "rdbundle-pack: " + pub_ + ": a minisign public key, not a secret key: "
                         "-s takes the secret key (rdbundle.key from rdbundle-pack keygen -s)\n");
  // --from naming a missing directory: said at once, not "nothing to pack".
  auto missing = Pack({"build", "--from", tmp_.Sub("nokit"), "-o", tmp_.Sub("out/m.rdbundle"),
                       "-s", key_});
  EXPECT_EQ(missing.exit_code, 5) << missing.Describe();
  EXPECT_EQ(missing.err, "rdbundle-pack: --from " + tmp_.Sub("nokit") + ": no such directory\n");
  auto file = Pack({"build", "--from", pub_, "-o", tmp_.Sub("out/f.rdbundle"), "-s", key_});
  EXPECT_EQ(file.exit_code, 2) << file.Describe();
  EXPECT_NE(file.err.find("--from " + pub_ + ": not a directory"), std::string::npos) << file.err;
  ExpectNoOutput(tmp_.Sub("out/m.rdbundle"));
}

// Starts a slow build (level 19) and returns once it is writing OUT.part.
std::unique_ptr<testsupport::Subprocess> StartSlowBuild(const std::string& kit,
                                                        const std::string& key,
                                                        const std::string& out) {
  SubprocessOptions o;
  o.unset_env = {"SOURCE_DATE_EPOCH"};
  auto p = std::make_unique<testsupport::Subprocess>(
      std::vector<std::string>{RDB_PACK_BIN, "build", "--from", kit, "-o", out, "-s", key,
                               "--level", "19", "--threads", "1", "--no-progress"},
      o);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!PathExists(out + ".part") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return p;
}

SampleKitSpec SlowKit() {
  SampleKitSpec s = SampleKitSpec::K3sOnly();
  s.images_bytes = 6u << 20;
  s.binary_bytes = 2u << 20;
  return s;
}

TEST_F(PackCli, KilledMidWriteLeavesNoBundle) {
  WriteKit(SlowKit());
  auto p = StartSlowBuild(kit_, key_, out_);
  ASSERT_TRUE(PathExists(out_ + ".part"));
  p->Kill(SIGKILL);
  auto r = p->Wait();
  ASSERT_EQ(r.term_signal, SIGKILL) << "the build ended before it was killed: " << r.Describe();
  EXPECT_FALSE(PathExists(out_));
  // The next build removes the dead build's .part and succeeds.
  auto again = Build(out_, {"--level", "1"});
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_NE(again.err.find("removing " + out_ + ".part, left by an interrupted build"),
            std::string::npos)
      << again.err;
  EXPECT_FALSE(PathExists(out_ + ".part"));
  EXPECT_EQ(Unpack({"verify", "-p", pub_, out_}).exit_code, 0);
}

TEST_F(PackCli, InterruptedMidWriteRemovesThePart) {
#if defined(_WIN32)
  GTEST_SKIP() << "no SIGINT to send to another process on Windows (a console Ctrl-C event "
                  "needs a shared console, which the suite under Wine does not have)";
#endif
  WriteKit(SlowKit());
  auto p = StartSlowBuild(kit_, key_, out_);
  ASSERT_TRUE(PathExists(out_ + ".part"));
  p->Kill(SIGINT);
  auto r = p->Wait();
  EXPECT_EQ(r.exit_code, 130) << r.Describe();
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
  ExpectNoOutput(out_);
}

TEST_F(PackCli, EncryptedKeyWithPasswordFile) {
  // minisign's scrypt cost takes seconds and 1 GiB; the key file stores the cost, so a cheap
  // one made here is read like any other.
  auto key = GenerateKey();
  ASSERT_TRUE(key.has_value());
  auto text = SerializeSecretKeyFile(*key, std::string_view("s3cret"), KdfParams{32768, 16u << 20});
  ASSERT_TRUE(text.has_value());
  const std::string enc = tmp_.Sub("enc.key"), pub = tmp_.Sub("enc.pub");
  WriteFileOrDie(enc, *text, 0600);
  WriteFileOrDie(pub, SerializePublicKeyFile(key->public_key()));
  WriteKit(SampleKitSpec::KuberlrOnly());
  WriteFileOrDie(tmp_.Sub("pw"), "s3cret\n", 0600);
  auto r = Pack({"build", "--from", kit_, "-o", out_, "-s", enc, "--password-file", tmp_.Sub("pw")});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Unpack({"verify", "-p", pub, out_}).exit_code, 0);
  WriteFileOrDie(tmp_.Sub("pw"), "wrong\n", 0600);
  auto bad = Pack({"build", "--from", kit_, "-o", tmp_.Sub("out/x.rdbundle"), "-s", enc,
                   "--password-file", tmp_.Sub("pw")});
  EXPECT_EQ(bad.exit_code, 3) << bad.Describe();
  auto env = Pack({"build", "--from", kit_, "-o", tmp_.Sub("out/y.rdbundle"), "-s", enc},
                  {{"RDBUNDLE_PASSWORD", "s3cret"}});
  EXPECT_EQ(env.exit_code, 0) << env.Describe();
}

}  // namespace
}  // namespace rdbundle::packer
