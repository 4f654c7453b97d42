// DiscoverKit / CheckKit on sample kits written by tests/support/sample_kit.h.
#include "packer/kit.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#if !defined(_WIN32)
#include <unistd.h>
#endif

#include <filesystem>
#include <fstream>

#include "common/format/hash.h"
#include "common/rd/k3s_versions.h"
#include "tests/support/sample_kit.h"
#include "tests/support/temp_dir.h"

namespace rdbundle::packer {
namespace {

using testsupport::ReadFileOrDie;
using testsupport::SampleKitSpec;
using testsupport::WriteFileOrDie;

class KitTest : public ::testing::Test {
 protected:
  void Write(const SampleKitSpec& spec) {
    ASSERT_TRUE(testsupport::WriteSampleKit(DefaultFs(), dir_, spec).ok());
  }
  KitSource Source() const { return {dir_ + "/cache", dir_ + "/kuberlr"}; }
  Result<Kit> Discover(const KitSelection& sel = {}) {
    notes_.clear();
    return DiscoverKit(DefaultFs(), Source(), sel, [this](const std::string& n) { notes_.push_back(n); });
  }
  // Discover + CheckKit; the Kit, or the error.
  Result<Kit> DiscoverAndCheck(const KitSelection& sel = {}) {
    RDB_ASSIGN_OR_RETURN(Kit kit, Discover(sel));
    KitCheckOptions o;
    o.threads = 3;
    o.note = [this](const std::string& n) { notes_.push_back(n); };
    RDB_RETURN_IF_ERROR(CheckKit(DefaultFs(), kit, o));
    return kit;
  }
  std::string K3sDir(const std::string& v) const { return dir_ + "/cache/k3s/" + v; }

  static std::vector<std::string> Paths(const Kit& kit) {
    std::vector<std::string> out;
    for (const auto& f : kit.files) out.push_back(f.bundle_path);
    return out;
  }

  testsupport::ScopedTempDir tmp_;
  std::string dir_ = tmp_.Sub("kit");
  std::vector<std::string> notes_;
};

SampleKitSpec Wide() {
  SampleKitSpec s;
  s.k3s_versions = {"v1.30.4+k3s1", "v1.29.8+k3s1"};
  s.arches = {Arch::kAmd64, Arch::kArm64};
  s.kubectls = {{"1.30.4", TargetOs::kWindows, Arch::kAmd64},
                {"1.29.8", TargetOs::kDarwin, Arch::kArm64},
                {"1.30.4", TargetOs::kLinux, Arch::kAmd64}};
  s.binary_bytes = 5000;
  s.images_bytes = 7000;
  s.kubectl_bytes = 3000;
  return s;
}

TEST_F(KitTest, FindsAndChecksEverything) {
  const SampleKitSpec spec = Wide();
  Write(spec);
  auto kit = DiscoverAndCheck();
  ASSERT_TRUE(kit.has_value()) << kit.error().message();
  EXPECT_EQ(Paths(*kit), testsupport::SampleKitBundlePaths(spec));
  ASSERT_EQ(kit->k3s_versions.size(), 2u);
  EXPECT_EQ(kit->k3s_versions[0].text, "v1.29.8+k3s1");
  EXPECT_EQ(kit->arches, (std::vector<Arch>{Arch::kAmd64, Arch::kArm64}));
  ASSERT_EQ(kit->kubectls.size(), 3u);  // sorted by os, arch, version
  EXPECT_EQ(kit->kubectls[0].os, TargetOs::kLinux);
  EXPECT_EQ(kit->kubectls[2].os, TargetOs::kWindows);
  for (const KitFile& f : kit->files) {
    if (f.input_path.empty()) continue;
    EXPECT_EQ(f.sha256, Sha256::HexOf(ReadFileOrDie(f.input_path))) << f.input_path;
    EXPECT_EQ(f.size(), ReadFileOrDie(f.input_path).size());
  }
}

TEST_F(KitTest, GeneratedVersionsJsonKeepsOnlyBundledChannels) {
  SampleKitSpec spec = Wide();
  spec.extra_listed_versions = {"v1.31.1+k3s1"};  // stable/latest point at it: not bundled
  Write(spec);
  auto kit = DiscoverAndCheck();
  ASSERT_TRUE(kit.has_value()) << kit.error().message();
  const KitFile& f = kit->files[0];
  ASSERT_EQ(f.bundle_path, "cache/k3s-versions.json");
  EXPECT_EQ(*f.content,
            "{\n  \"cacheVersion\": 2,\n  \"versions\": [\n    \"v1.29.8+k3s1\",\n"
            "    \"v1.30.4+k3s1\"\n  ],\n  \"channels\": {\n    \"v1.29\": \"1.29.8\",\n"
            "    \"v1.30\": \"1.30.4\"\n  }\n}\n");
  EXPECT_EQ(f.sha256, Sha256::HexOf(*f.content));
}

// Issue 14 item 6: a `--from` kit without k3s-versions.json has no channel data, and upstream's
// stable usually lags its latest, so no channel is invented (stable = latest = the highest
// bundled version was a claim upstream never made). RD needs none:
// pkg/rancher-desktop/utils/kubeVersions.ts highestStableVersion: "The highest stable version,
// or highest version if no stable version is found"; k3sHelper.ts readCache needs only the
// `channels` key (`if (!cacheData.versions || !cacheData.channels)`).
TEST_F(KitTest, VersionsJsonWithoutInputNamesNoChannels) {
  SampleKitSpec spec = Wide();
  spec.versions_json = false;
  Write(spec);
  auto kit = DiscoverAndCheck();
  ASSERT_TRUE(kit.has_value()) << kit.error().message();
  auto file = ParseK3sVersionsFile(*kit->files[0].content, "bundled");
  ASSERT_TRUE(file.has_value()) << file.error().message();
  EXPECT_TRUE(file->channels.empty()) << *kit->files[0].content;
  EXPECT_FALSE(file->versions.empty());
}

TEST_F(KitTest, UnusableInputVersionsJsonIsAWarning) {
  Write(Wide());
  WriteFileOrDie(dir_ + "/cache/k3s-versions.json", "{\"cacheVersion\": 1}");
  auto kit = DiscoverAndCheck();
  ASSERT_TRUE(kit.has_value()) << kit.error().message();
  ASSERT_FALSE(notes_.empty());
  EXPECT_EQ(notes_.back(), "warning: " + dir_ + "/cache/k3s-versions.json: \"cacheVersion\" is 1, "
                          "not 2 (Rancher Desktop ignores the file); the bundle names no k3s channels");
  // Nothing to take channels from: none invented (issue 14 item 6).
  EXPECT_NE(kit->files[0].content->find("\"channels\": {}"), std::string::npos)
      << *kit->files[0].content;
}

TEST_F(KitTest, Selection) {
  Write(Wide());
  KitSelection sel;
  sel.k3s_versions = {"v1.30.4+k3s1"};
  sel.arches = {Arch::kArm64};
  sel.kubectls = {{"1.29.8", TargetOs::kDarwin, Arch::kArm64}};
  auto kit = DiscoverAndCheck(sel);
  ASSERT_TRUE(kit.has_value()) << kit.error().message();
  EXPECT_EQ(Paths(*kit), (std::vector<std::string>{
                             "cache/k3s-versions.json",
                             "cache/k3s/v1.30.4+k3s1/k3s-airgap-images-arm64.tar.zst",
                             "cache/k3s/v1.30.4+k3s1/k3s-arm64",
                             "cache/k3s/v1.30.4+k3s1/sha256sum-arm64.txt",
                             "kuberlr/darwin-arm64/kubectl1.29.8",
                         }));
}

TEST_F(KitTest, SelectedItemsMustExist) {
  Write(Wide());
  KitSelection sel;
  sel.k3s_versions = {"v1.28.1+k3s1"};
  auto kit = Discover(sel);
  ASSERT_FALSE(kit.has_value());
  EXPECT_EQ(kit.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(kit.error().message(), "k3s v1.28.1+k3s1 not found (" + K3sDir("v1.28.1+k3s1") + ")");

  KitSelection k;
  k.kubectls = {{"1.29.8", TargetOs::kWindows, Arch::kAmd64}};
  kit = Discover(k);
  ASSERT_FALSE(kit.has_value());
  EXPECT_EQ(kit.error().message(), "kubectl 1.29.8 for windows/amd64 not found (" + dir_ +
                                       "/kuberlr/windows-amd64/kubectl1.29.8.exe)");
}

TEST_F(KitTest, SelectedArchMissingInAVersion) {
  SampleKitSpec spec = Wide();
  Write(spec);
  ASSERT_EQ(::unlink((K3sDir("v1.29.8+k3s1") + "/k3s-arm64").c_str()), 0);
  ASSERT_EQ(::unlink((K3sDir("v1.29.8+k3s1") + "/sha256sum-arm64.txt").c_str()), 0);
  ASSERT_EQ(::unlink((K3sDir("v1.29.8+k3s1") + "/k3s-airgap-images-arm64.tar.zst").c_str()), 0);
  KitSelection sel;
  sel.arches = {Arch::kArm64};
  auto kit = Discover(sel);  // v1.29.8 has no arm64 files: skipped, with a note
  ASSERT_TRUE(kit.has_value()) << kit.error().message();
  ASSERT_EQ(kit->k3s_versions.size(), 1u);
  EXPECT_EQ(notes_, std::vector<std::string>{"skipping v1.29.8+k3s1: no files of the selected arches"});
  sel.k3s_versions = {"v1.29.8+k3s1"};  // named: an error
  EXPECT_EQ(Discover(sel).error().code(), ErrorCode::kNotFound);
}

TEST_F(KitTest, IncompleteArchKit) {
  Write(Wide());
  ASSERT_EQ(::unlink((K3sDir("v1.30.4+k3s1") + "/k3s-arm64").c_str()), 0);
  auto kit = Discover();
  ASSERT_FALSE(kit.has_value());
  EXPECT_EQ(kit.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(kit.error().message(),
            K3sDir("v1.30.4+k3s1") + ": k3s-arm64 missing (the arm64 kit is k3s-arm64, "
            "sha256sum-arm64.txt and k3s-airgap-images-arm64.tar.zst or .tar) (select what to "
            "pack with --k3s/--arch)");
}

TEST_F(KitTest, PrefersTarZstOverTar) {
  SampleKitSpec spec = SampleKitSpec::K3sOnly();
  spec.images_zst = false;
  Write(spec);  // .tar
  spec.images_zst = true;
  Write(spec);  // and .tar.zst, with its own sums file
  auto kit = DiscoverAndCheck();
  ASSERT_TRUE(kit.has_value()) << kit.error().message();
  EXPECT_EQ(Paths(*kit)[2], "cache/k3s/v1.30.4+k3s1/k3s-airgap-images-amd64.tar.zst");
  EXPECT_EQ(notes_, std::vector<std::string>{K3sDir("v1.30.4+k3s1") +
                                             ": using k3s-airgap-images-amd64.tar.zst, not "
                                             "k3s-airgap-images-amd64.tar (Rancher Desktop "
                                             "prefers .tar.zst)"});
}

TEST_F(KitTest, RejectsMalformedVersionDirectory) {
  Write(SampleKitSpec::K3sOnly());
  ASSERT_TRUE(std::filesystem::create_directory(dir_ + "/cache/k3s/1.30.4"));
  ASSERT_TRUE(std::filesystem::create_directory(dir_ + "/cache/k3s/.hidden"));  // skipped
  auto kit = Discover();
  ASSERT_FALSE(kit.has_value());
  EXPECT_EQ(kit.error().message().rfind(dir_ + "/cache/k3s/1.30.4: not a k3s version directory", 0), 0u)
      << kit.error().message();
}

TEST_F(KitTest, RejectsTwoBuildsOfOneVersion) {
  SampleKitSpec spec = SampleKitSpec::K3sOnly();
  spec.k3s_versions = {"v1.30.4+k3s1", "v1.30.4+k3s2"};
  Write(spec);
  auto kit = Discover();
  ASSERT_FALSE(kit.has_value());
  EXPECT_EQ(kit.error().message(),
            "k3s v1.30.4+k3s1 and v1.30.4+k3s2 are two builds of 1.30.4; Rancher Desktop lists "
            "one build per version: select one with --k3s");
}

#if !defined(_WIN32)  // symbolic links need a privilege on Windows, and Wine's do nothing
TEST_F(KitTest, RefusesSymlinks) {
  Write(SampleKitSpec::K3sOnly());
  const std::string bin = K3sDir("v1.30.4+k3s1") + "/k3s";
  ASSERT_EQ(::rename(bin.c_str(), (dir_ + "/k3s-real").c_str()), 0);
  ASSERT_EQ(::symlink((dir_ + "/k3s-real").c_str(), bin.c_str()), 0);
  auto kit = Discover();
  ASSERT_FALSE(kit.has_value());
  EXPECT_EQ(kit.error().message(), bin + ": is a symbolic link (rdbundle-pack reads regular files only)");
}
#endif

TEST_F(KitTest, SkipsOddKuberlrEntries) {
  SampleKitSpec spec = SampleKitSpec::KuberlrOnly();
  Write(spec);
  WriteFileOrDie(dir_ + "/kuberlr/kuberlr.conf", "AllowDownload = false\n");
  WriteFileOrDie(dir_ + "/kuberlr/darwin-aarch64/kubectl1.30.4", "x");
  WriteFileOrDie(dir_ + "/kuberlr/linux-amd64/kubectl1.30.4.tmp", "x");
  auto kit = Discover();
  ASSERT_TRUE(kit.has_value()) << kit.error().message();
  EXPECT_EQ(Paths(*kit), std::vector<std::string>{"kuberlr/linux-amd64/kubectl1.30.4"});
  EXPECT_EQ(notes_.size(), 2u);
}

TEST_F(KitTest, NothingToPack) {
  auto kit = Discover();
  ASSERT_FALSE(kit.has_value());
  EXPECT_EQ(kit.error().code(), ErrorCode::kNotFound);
}

// ---- CheckKit: every broken input is refused, naming the file ----------------------------

void FlipByte(const std::string& path, std::size_t offset) {
  std::string data = ReadFileOrDie(path);
  data[offset] = static_cast<char>(data[offset] ^ 0x01);
  WriteFileOrDie(path, data);
}

TEST_F(KitTest, ImagesNotMatchingTheirSumsLine) {
  Write(SampleKitSpec::K3sOnly());
  const std::string images = K3sDir("v1.30.4+k3s1") + "/k3s-airgap-images-amd64.tar.zst";
  const std::string good = Sha256::HexOf(ReadFileOrDie(images));
  FlipByte(images, 1000);
  const std::string bad = Sha256::HexOf(ReadFileOrDie(images));
  auto kit = DiscoverAndCheck();
  ASSERT_FALSE(kit.has_value());
  EXPECT_EQ(kit.error().code(), ErrorCode::kHashMismatch);
  EXPECT_EQ(kit.error().message(), images + ": sha256 does not match its line in "
                                   "sha256sum-amd64.txt (expected " + good.substr(0, 12) +
                                   "…, got " + bad.substr(0, 12) + "…)");
}

TEST_F(KitTest, MissingSumsLine) {
  Write(SampleKitSpec::K3sOnly());
  const std::string sums = K3sDir("v1.30.4+k3s1") + "/sha256sum-amd64.txt";
  std::string text = ReadFileOrDie(sums);
  const auto at = text.find("k3s-airgap-images-amd64.tar.zst\n");
  text.erase(at - 66, 66 + 32);
  WriteFileOrDie(sums, text);
  auto kit = DiscoverAndCheck();
  ASSERT_FALSE(kit.has_value());
  EXPECT_EQ(kit.error().message(),
            K3sDir("v1.30.4+k3s1") + "/k3s-airgap-images-amd64.tar.zst: sha256sum-amd64.txt has "
            "no line for k3s-airgap-images-amd64.tar.zst (Rancher Desktop would reject the file)");
}

TEST_F(KitTest, MalformedSumsFile) {
  Write(SampleKitSpec::K3sOnly());
  const std::string sums = K3sDir("v1.30.4+k3s1") + "/sha256sum-amd64.txt";
  WriteFileOrDie(sums, "not a sums file\n");
  auto kit = DiscoverAndCheck();
  ASSERT_FALSE(kit.has_value());
  EXPECT_EQ(kit.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(kit.error().message().rfind(sums + ":1: ", 0), 0u) << kit.error().message();
}

TEST_F(KitTest, KubectlOfTheWrongPlatform) {
  SampleKitSpec spec = SampleKitSpec::KuberlrOnly();
  Write(spec);
  const std::string path = dir_ + "/kuberlr/linux-amd64/kubectl1.30.4";
  std::string data = ReadFileOrDie(path);
  const std::string pe = testsupport::SampleExecutableHeader(TargetOs::kWindows, Arch::kAmd64);
  data.replace(0, pe.size(), pe);
  WriteFileOrDie(path, data, 0755);
  auto kit = DiscoverAndCheck();
  ASSERT_FALSE(kit.has_value());
  EXPECT_EQ(kit.error().message(), path + ": not a linux/amd64 executable (found: PE x86-64)");
}

TEST_F(KitTest, K3sBinaryOfTheWrongArch) {
  SampleKitSpec spec = SampleKitSpec::K3sOnly();
  Write(spec);
  const std::string bin = K3sDir("v1.30.4+k3s1") + "/k3s";
  std::string data = ReadFileOrDie(bin);
  data[18] = static_cast<char>(183);  // EM_AARCH64
  WriteFileOrDie(bin, data, 0755);
  auto kit = DiscoverAndCheck();
  ASSERT_FALSE(kit.has_value());
  // The header check runs before the sums check: the message says what is wrong.
  EXPECT_EQ(kit.error().message(), bin + ": not a linux/amd64 executable (found: ELF 64-bit aarch64)");
}

TEST_F(KitTest, ChangedAfterDiscovery) {
  Write(SampleKitSpec::KuberlrOnly());
  auto kit = Discover();
  ASSERT_TRUE(kit.has_value());
  const std::string path = kit->files[0].input_path;
  WriteFileOrDie(path, ReadFileOrDie(path) + "more", 0755);
  KitCheckOptions o;
  Status s = CheckKit(DefaultFs(), *kit, o);
  EXPECT_EQ(s.code(), ErrorCode::kCorrupt);
  EXPECT_NE(s.message().find(path + ": changed while packing"), std::string::npos) << s.message();
  EXPECT_EQ(CheckUnchanged(DefaultFs(), kit->files[0]).code(), ErrorCode::kCorrupt);
}

TEST(BuildVersionsFile, FiltersChannels) {
  std::vector<K3sVersion> v = {*ParseK3sVersion("v1.30.4+k3s1")};
  K3sVersionsFile input;
  input.channels = {{"stable", "1.30.4"}, {"latest", "1.31.1"}, {"bad name!", "1.30.4"}};
  auto out = BuildVersionsFile(v, input);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->channels, (std::map<std::string, std::string>{{"stable", "1.30.4"}}));
  EXPECT_EQ(out->versions, std::vector<std::string>{"v1.30.4+k3s1"});
}

}  // namespace
}  // namespace rdbundle::packer
