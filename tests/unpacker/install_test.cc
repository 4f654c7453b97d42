// Installing verified bundles: layouts per target OS, modes, k3s-versions.json merge,
// idempotent re-install, platform selection, free space, leftovers, injected faults.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "common/format/hash.h"
#include "common/rd/k3s_versions.h"
#include "tests/support/fault_fs.h"
#include "tests/unpacker/unpack_fixture.h"
#include "unpacker/doctor.h"
#include "unpacker/state.h"

namespace rdbundle::unpacker {
namespace {

using testsupport::DefaultTestKey;
using testsupport::FaultFs;
using testsupport::FsOp;
using testsupport::KitSpec;
using testsupport::MakeValidBundle;
using testsupport::ReadFileOrDie;
using testsupport::SnapshotTree;
using testsupport::WriteFileOrDie;

bool Exists(const std::string& path) { return std::filesystem::exists(path); }

// `path` has permission bits `mode` (Windows has none: there, that it exists).
void ExpectMode(const std::string& path, std::uint32_t mode) {
  auto info = DefaultFs().Stat(path);
  ASSERT_TRUE(info.has_value()) << path << ": " << info.error().message();
#if defined(_WIN32)
  (void)mode;
#else
  EXPECT_EQ(info->mode, mode) << path;
#endif
}

KitSpec TwoArchKit() {
  KitSpec spec;
  spec.versions = {"v1.30.4+k3s1", "v1.31.1+k3s1"};
  spec.arches = {Arch::kAmd64, Arch::kArm64};
  spec.kubectls = {{"1.30.4", TargetOs::kLinux, Arch::kAmd64},
                   {"1.31.1", TargetOs::kDarwin, Arch::kArm64},
                   {"1.31.1", TargetOs::kWindows, Arch::kAmd64}};
  return spec;
}

class InstallTest : public UnpackFixture {};

TEST_F(InstallTest, LinuxLayoutAndModes) {
  ASSERT_TRUE(Install(MakeValidBundle(TwoArchKit())).ok());
  const std::string v = CacheDir() + "/k3s/v1.30.4+k3s1/";
  ExpectMode(v + "k3s", 0755);
  ExpectMode(v + "sha256sum-amd64.txt", 0644);
  ExpectMode(v + "k3s-airgap-images-amd64.tar.zst", 0644);
  ExpectMode(KuberlrDir() + "/linux-amd64/kubectl1.30.4", 0755);
  // Only the target platform: no arm64 k3s, no darwin/windows kubectl.
  EXPECT_FALSE(Exists(v + "k3s-arm64"));
  EXPECT_FALSE(Exists(KuberlrDir() + "/darwin-arm64"));
  EXPECT_FALSE(Exists(KuberlrDir() + "/windows-amd64"));
  // No staging leftovers.
  for (const auto& [path, desc] : SnapshotTree(home_)) {
    EXPECT_EQ(path.find(".rdbundle-"), std::string::npos) << path;
  }
}

TEST_F(InstallTest, DarwinArm64Layout) {
  InstallCommand c = MakeInstallCommand(bundle_path_);
  c.dest.os = TargetOs::kDarwin;
  c.dest.arch = Arch::kArm64;
  ASSERT_TRUE(Install(MakeValidBundle(TwoArchKit()), c).ok());
  const std::string cache = home_ + "/Library/Caches/rancher-desktop";
  ExpectMode(cache + "/k3s/v1.31.1+k3s1/k3s-arm64", 0755);
  EXPECT_TRUE(Exists(cache + "/k3s/v1.31.1+k3s1/sha256sum-arm64.txt"));
  EXPECT_FALSE(Exists(cache + "/k3s/v1.31.1+k3s1/k3s"));
  ExpectMode(KuberlrDir() + "/darwin-arm64/kubectl1.31.1", 0755);
  EXPECT_FALSE(Exists(KuberlrDir() + "/darwin-aarch64"));
}

TEST_F(InstallTest, WindowsLayoutOnAMountedHome) {
  InstallCommand c = MakeInstallCommand(bundle_path_);
  c.dest.os = TargetOs::kWindows;
  ASSERT_TRUE(Install(MakeValidBundle(TwoArchKit()), c).ok());
  const std::string cache = home_ + "/AppData/Local/rancher-desktop/cache";
  EXPECT_TRUE(Exists(cache + "/k3s/v1.31.1+k3s1/k3s-airgap-images-amd64.tar.zst"));
  EXPECT_TRUE(Exists(cache + "/k3s-versions.json"));
  EXPECT_TRUE(Exists(KuberlrDir() + "/windows-amd64/kubectl1.31.1.exe"));
  EXPECT_FALSE(Exists(KuberlrDir() + "/linux-amd64/kubectl1.30.4"));
}

TEST_F(InstallTest, AllPlatforms) {
  InstallCommand c = MakeInstallCommand(bundle_path_);
  c.all_platforms = true;
  ASSERT_TRUE(Install(MakeValidBundle(TwoArchKit()), c).ok());
  EXPECT_TRUE(Exists(CacheDir() + "/k3s/v1.31.1+k3s1/k3s-arm64"));
  EXPECT_TRUE(Exists(KuberlrDir() + "/darwin-arm64/kubectl1.31.1"));
  EXPECT_TRUE(Exists(KuberlrDir() + "/windows-amd64/kubectl1.31.1.exe"));
}

TEST_F(InstallTest, MergesK3sVersionsKeepingExistingChannels) {
  ASSERT_TRUE(Install(MakeValidBundle(TwoArchKit())).ok());
  auto f = ParseK3sVersionsFile(ReadFileOrDie(CacheDir() + "/k3s-versions.json"), "k3s-versions.json");
  ASSERT_TRUE(f.has_value()) << f.error().message();
  EXPECT_EQ(f->cache_version, 2);
  EXPECT_EQ(f->versions,
            (std::vector<std::string>{"v1.29.8+k3s1", "v1.30.4+k3s1", "v1.31.1+k3s1"}));
  EXPECT_EQ(f->channels.at("stable"), "1.29.8");  // existing channel kept
  EXPECT_EQ(f->channels.at("v1.31"), "1.31.1");   // new channel added
  EXPECT_EQ(f->channels.at("latest"), "1.31.1");
}

TEST_F(InstallTest, VersionWithoutFilesForTheTargetArchIsNotListed) {
  KitSpec spec;
  spec.arches = {Arch::kArm64};
  spec.kubectls = {};
  ASSERT_TRUE(Install(MakeValidBundle(spec)).ok());  // target amd64
  auto f = ParseK3sVersionsFile(ReadFileOrDie(CacheDir() + "/k3s-versions.json"), "x",
                                K3sVersionsParseMode::kUserCache);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->versions, std::vector<std::string>{"v1.29.8+k3s1"});
  EXPECT_FALSE(Exists(CacheDir() + "/k3s/v1.30.4+k3s1"));
}

TEST_F(InstallTest, InvalidExistingVersionsFileIsReplaced) {
  WriteFileOrDie(CacheDir() + "/k3s-versions.json", "{\"cacheVersion\":1}");
  ASSERT_TRUE(Install(MakeValidBundle()).ok());
  auto f = ParseK3sVersionsFile(ReadFileOrDie(CacheDir() + "/k3s-versions.json"), "x");
  ASSERT_TRUE(f.has_value()) << f.error().message();
  EXPECT_EQ(f->versions, std::vector<std::string>{"v1.30.4+k3s1"});
}

// ---- k3s-versions.json follows Rancher Desktop's rules (issue 14; common/rd/versions_merge.h) --

std::vector<std::string> ListedVersions(const std::string& path) {
  auto f = ParseK3sVersionsFile(ReadFileOrDie(path), "x", K3sVersionsParseMode::kUserCache);
  EXPECT_TRUE(f.has_value()) << (f.has_value() ? "" : f.error().message());
  return f.has_value() ? f->versions : std::vector<std::string>{};
}

// What RD reads for amd64 in CACHE/k3s/<v> (k3sHelper.ts ensureK3sImages), hand-copied.
// A cached version as RD leaves it: the sums file has a line for each file, which matches.
void WriteCompleteAmd64Dir(const std::string& dir) {
  WriteFileOrDie(dir + "/k3s", "k3s", 0755);
  WriteFileOrDie(dir + "/sha256sum-amd64.txt",
                 Sha256::HexOf("images") + "  k3s-airgap-images-amd64.tar\n" +
                     Sha256::HexOf("k3s") + "  k3s\n");
  WriteFileOrDie(dir + "/k3s-airgap-images-amd64.tar", "images");
}

// Item 1: RD keys versions by X.Y.Z, keeps the last build listed and looks only in its
// directory (k3sHelper.ts readCache, ensureK3sImages): a listed k3s2 without files would hide
// the bundled, complete k3s1.
TEST_F(InstallTest, ListedBuildShadowingTheBundledOneIsDropped) {
  WriteFileOrDie(CacheDir() + "/k3s-versions.json",
                 "{\"cacheVersion\":2,\"versions\":[\"v1.29.8+k3s1\",\"v1.30.4+k3s2\"],"
                 "\"channels\":{\"stable\":\"1.29.8\"}}");
  ASSERT_TRUE(Install(MakeValidBundle()).ok());
  EXPECT_EQ(ListedVersions(CacheDir() + "/k3s-versions.json"),
            (std::vector<std::string>{"v1.29.8+k3s1", "v1.30.4+k3s1"}));
}

// Item 3: without a k3s-versions.json RD (>= 1.17) offers its built-in list, which shows
// hand-copied version directories (filterVersionsAgainstCache); the file install creates lists
// them too. Incomplete ones and symlinks (never followed) are not listed.
TEST_F(InstallTest, CreatedVersionsFileListsCompleteCachedVersions) {
  std::filesystem::remove(CacheDir() + "/k3s-versions.json");
  WriteCompleteAmd64Dir(CacheDir() + "/k3s/v1.28.9+k3s1");
  WriteCompleteAmd64Dir(tmp_.path() + "/elsewhere/v1.27.3+k3s1");
  std::filesystem::create_directory_symlink(tmp_.path() + "/elsewhere/v1.27.3+k3s1",
                                            CacheDir() + "/k3s/v1.27.3+k3s1");
  ASSERT_TRUE(Install(MakeValidBundle()).ok());
  // v1.29.8+k3s1 (the fixture's) has only its binary.
  EXPECT_EQ(ListedVersions(CacheDir() + "/k3s-versions.json"),
            (std::vector<std::string>{"v1.28.9+k3s1", "v1.30.4+k3s1"}));
}

// Issue 14 (d): install and doctor agree on what a complete cached version is. Install used to
// call complete any directory with the three files present, and listed it in the
// k3s-versions.json it created, while doctor (CheckK3sVersionDir) fails a version whose sums
// file has no line for a file or whose binary does not match its line: RD, k3sHelper.ts
// ensureK3sImages, hashes the binary and images against sha256sum-<arch>.txt on every start and
// downloads the version again on a mismatch, which fails offline. Every variant: listed by
// install exactly when doctor finds nothing to fail for it.
TEST_F(InstallTest, InstallAndDoctorAgreeOnCompleteCachedVersions) {
  struct Variant {
    const char* version;
    std::function<void(const std::string&)> damage;
    bool complete;
  };
  const std::vector<Variant> variants = {
      {"v1.28.9+k3s1", [](const std::string&) {}, true},
      {"v1.28.8+k3s1", [](const std::string& d) { WriteFileOrDie(d + "/k3s", "other k3s", 0755); },
       false},
      {"v1.28.7+k3s1", [](const std::string& d) { WriteFileOrDie(d + "/sha256sum-amd64.txt",
                                                                   "sums"); },
       false},
      {"v1.28.6+k3s1",
       [](const std::string& d) {
         WriteFileOrDie(d + "/sha256sum-amd64.txt", Sha256::HexOf("k3s") + "  k3s\n");
       },
       false},
      // RD takes the .tar.zst when it exists, whatever it is.
      {"v1.28.5+k3s1",
       [](const std::string& d) {
         std::filesystem::create_directory(d + "/k3s-airgap-images-amd64.tar.zst");
       },
       false},
  };
  std::filesystem::remove(CacheDir() + "/k3s-versions.json");
  for (const auto& v : variants) {
    const std::string dir = CacheDir() + "/k3s/" + v.version;
    WriteCompleteAmd64Dir(dir);
    v.damage(dir);
  }
  ASSERT_TRUE(Install(MakeValidBundle()).ok());
  const auto listed = ListedVersions(CacheDir() + "/k3s-versions.json");
  DoctorCommand dc;
  dc.dest = MakeInstallCommand(bundle_path_).dest;
  auto report = RunDoctorChecks(DefaultFs(), dc, DoctorEnv{});
  ASSERT_TRUE(report.has_value()) << report.error().message();
  for (const auto& v : variants) {
    SCOPED_TRACE(v.version);
    const bool is_listed = std::find(listed.begin(), listed.end(), v.version) != listed.end();
    bool doctor_fails = false;
    for (const auto& item : report->items) {
      if (item.subject == v.version && item.status == CheckStatus::kFail &&
          (item.check == "k3s-files" || item.check == "k3s-sha256")) {
        doctor_fails = true;
      }
    }
    EXPECT_EQ(is_listed, v.complete);
    EXPECT_EQ(doctor_fails, !v.complete);
  }
}

// Item 4: RD's readCache skips an entry semver.parse rejects (null) and uses the rest, so the
// file is merged, keeping the user's versions and channels.
TEST_F(InstallTest, FileRdAcceptsIsMergedNotReplaced) {
  WriteFileOrDie(CacheDir() + "/k3s-versions.json",
                 "{\"cacheVersion\":2,\"versions\":[null,\"v1.29.8+k3s1\"],"
                 "\"channels\":{\"stable\":\"1.29.8\"}}");
  ASSERT_TRUE(Install(MakeValidBundle()).ok());
  auto f = ParseK3sVersionsFile(ReadFileOrDie(CacheDir() + "/k3s-versions.json"), "x");
  ASSERT_TRUE(f.has_value()) << f.error().message();
  EXPECT_EQ(f->versions, (std::vector<std::string>{"v1.29.8+k3s1", "v1.30.4+k3s1"}));
  EXPECT_EQ(f->channels.at("stable"), "1.29.8");
}

// Item 5: --all-platforms writes the arm64 files, but RD on an amd64 target reads the amd64
// ones only.
TEST_F(InstallTest, AllPlatformsListsOnlyVersionsCompleteForTheTargetArch) {
  KitSpec spec;
  spec.arches = {Arch::kArm64};
  spec.kubectls = {};
  InstallCommand c = MakeInstallCommand(bundle_path_);
  c.all_platforms = true;
  ASSERT_TRUE(Install(MakeValidBundle(spec), c).ok());
  EXPECT_TRUE(Exists(CacheDir() + "/k3s/v1.30.4+k3s1/k3s-arm64"));
  EXPECT_EQ(ListedVersions(CacheDir() + "/k3s-versions.json"),
            std::vector<std::string>{"v1.29.8+k3s1"});
}

TEST_F(InstallTest, ReinstallIsANoOp) {
  const std::string bundle = MakeValidBundle(TwoArchKit());
  ASSERT_TRUE(Install(bundle).ok());
  const auto first = SnapshotTree(home_);
  const std::string k3s = CacheDir() + "/k3s/v1.30.4+k3s1/k3s";
  auto before = DefaultFs().Stat(k3s);
  ASSERT_TRUE(before.has_value());
  ASSERT_TRUE(Install(bundle).ok());
  auto after = DefaultFs().Stat(k3s);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(before->inode, after->inode);  // not rewritten
  EXPECT_EQ(before->mtime_ns, after->mtime_ns);
  EXPECT_EQ(testsupport::DiffSnapshots(first, SnapshotTree(home_)), "");
}

TEST_F(InstallTest, ReinstallRepairsAModifiedFile) {
  const std::string bundle = MakeValidBundle();
  ASSERT_TRUE(Install(bundle).ok());
  const auto good = SnapshotTree(home_);
  const std::string k3s = CacheDir() + "/k3s/v1.30.4+k3s1/k3s";
  WriteFileOrDie(k3s, "tampered", 0755);
  ASSERT_TRUE(Install(bundle).ok());
  auto now = SnapshotTree(home_);
  EXPECT_EQ(now.at(".cache/rancher-desktop/k3s/v1.30.4+k3s1/k3s"),
            good.at(".cache/rancher-desktop/k3s/v1.30.4+k3s1/k3s"));
  now.erase(".cache/rancher-desktop/rdbundle-installed.json");  // gains a second record
  auto want = good;
  want.erase(".cache/rancher-desktop/rdbundle-installed.json");
  EXPECT_EQ(testsupport::DiffSnapshots(want, now), "");
}

TEST_F(InstallTest, RecordsTheInstall) {
  ASSERT_TRUE(Install(MakeValidBundle()).ok());
  std::string warning;
  InstallState st = LoadInstallState(DefaultFs(), CacheDir(), &warning);
  EXPECT_EQ(warning, "");
  ASSERT_EQ(st.installs.size(), 1u);
  EXPECT_EQ(st.installs[0].bundle_id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(st.installs[0].key_id, KeyIdString(DefaultTestKey().pub.key_id));
  EXPECT_EQ(st.installs[0].target, "linux-amd64");
  EXPECT_EQ(st.files.count(CacheDir() + "/k3s/v1.30.4+k3s1/k3s"), 1u);
  ListInstalledCommand c;
  c.dest.home = home_;
  c.dest.os = TargetOs::kLinux;
  std::FILE* out = std::fopen(tmp_.Sub("list.txt").c_str(), "wb");
  ASSERT_NE(out, nullptr);
  ASSERT_TRUE(RunListInstalled(DefaultFs(), c, out).ok());
  std::fclose(out);
  EXPECT_NE(ReadFileOrDie(tmp_.Sub("list.txt")).find("bundle 0123456789abcdef0123456789abcdef"),
            std::string::npos);
}

// Issue 13 item 10: different bytes under the same version name are a mix-up or an attack.
TEST_F(InstallTest, DifferentBytesAtAnInstalledPathNeedForce) {
  ASSERT_TRUE(Install(MakeValidBundle()).ok());
  KitSpec other;
  other.seed = 2;  // same versions and names, other bytes
  const auto before = SnapshotTree(home_);
  Status s = Install(MakeValidBundle(other));
  EXPECT_EQ(s.code(), ErrorCode::kCheckFailed);
  const std::string k3s = CacheDir() + "/k3s/v1.30.4+k3s1/";
  EXPECT_TRUE(s.message().starts_with(k3s)) << s.message();
  EXPECT_NE(s.message().find(": installed earlier with different bytes (sha256 "), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("refusing to replace it (--force replaces it anyway)"),
            std::string::npos);
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
  InstallCommand c = MakeInstallCommand(bundle_path_);
  c.force = true;
  ASSERT_TRUE(Install(MakeValidBundle(other), c).ok());
}

TEST_F(InstallTest, DryRunWritesNothing) {
  const auto before = SnapshotTree(home_);
  InstallCommand c = MakeInstallCommand(bundle_path_);
  c.dry_run = true;
  ASSERT_TRUE(Install(MakeValidBundle(), c).ok());
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
}

TEST_F(InstallTest, DryRunStillVerifies) {
  InstallCommand c = MakeInstallCommand(bundle_path_);
  c.dry_run = true;
  std::string bad = MakeValidBundle();
  bad.resize(bad.size() - 3);
  EXPECT_EQ(Install(bad, c).code(), ErrorCode::kCorrupt);
}

TEST_F(InstallTest, LeftoversOfAnInterruptedRunAreRemoved) {
  WriteFileOrDie(CacheDir() + "/.rdbundle-staging-0a1b2c/k3s/v1.30.4+k3s1/k3s", "partial");
  WriteFileOrDie(CacheDir() + "/.rdbundle-tmp-abcdef", "partial json");
  WriteFileOrDie(KuberlrDir() + "/.rdbundle-staging-99/linux-amd64/kubectl1.30.4", "partial");
  ASSERT_TRUE(Install(MakeValidBundle()).ok());
  EXPECT_FALSE(Exists(CacheDir() + "/.rdbundle-staging-0a1b2c"));
  EXPECT_FALSE(Exists(CacheDir() + "/.rdbundle-tmp-abcdef"));
  EXPECT_FALSE(Exists(KuberlrDir() + "/.rdbundle-staging-99"));
}

TEST_F(InstallTest, NotEnoughSpaceIsCheckedBeforeWriting) {
  FaultFs fs(DefaultFs());
  fs.SetFreeBytes(1000);
  const auto before = SnapshotTree(home_);
  Status s = Install(MakeValidBundle(), fs);
  EXPECT_EQ(s.code(), ErrorCode::kNoSpace);
  EXPECT_EQ(Msg(s), home_ + "/.cache/rancher-desktop: not enough free space: need 4.01 MiB, available 1000 B");
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
}

TEST_F(InstallTest, FreshHomeIsLeftEmptyOnRejection) {
  home_ = tmp_.Sub("fresh-home");
  std::string bad = MakeValidBundle();
  bad[bad.size() / 2] ^= 1;
  EXPECT_FALSE(Install(bad).ok());
  EXPECT_FALSE(Exists(home_ + "/.cache"));
  EXPECT_FALSE(Exists(home_ + "/.kuberlr"));
}

// Every new file after a failed install is a complete file of the bundle (never partial).
void ExpectOnlyCompleteFiles(const std::map<std::string, std::string>& before,
                             const std::map<std::string, std::string>& after,
                             const std::map<std::string, std::string>& good) {
  for (const auto& [path, desc] : after) {
    if (path.find(".rdbundle-") != std::string::npos) continue;  // staging: cleaned next run
    if (path.ends_with("rdbundle-installed.json")) continue;     // the record, written whole
    auto b = before.find(path);
    if (b != before.end() && b->second == desc) continue;
    auto g = good.find(path);
    EXPECT_TRUE(g != good.end() && (g->second == desc || desc.starts_with("dir")))
        << path << ": " << desc;
  }
}

TEST_F(InstallTest, InjectedFaultsLeaveOnlyCompleteFiles) {
  const std::string bundle = MakeValidBundle(TwoArchKit());
  testsupport::ScopedTempDir ref;
  std::string good_home = home_;
  std::map<std::string, std::string> good;
  {  // The tree a successful install produces, for comparison.
    home_ = ref.Sub("home");
    PopulateHome();
    ASSERT_TRUE(Install(bundle).ok());
    good = SnapshotTree(home_);
    home_ = good_home;
  }
  for (FsOp op : {FsOp::kCreate, FsOp::kAppend, FsOp::kSync, FsOp::kClose, FsOp::kRename,
                  FsOp::kSyncDir, FsOp::kMakeDir}) {
    for (int nth = 1; nth <= 6; ++nth) {
      SCOPED_TRACE("op " + std::to_string(static_cast<int>(op)) + " call " + std::to_string(nth));
      const auto before = SnapshotTree(home_);
      FaultFs fs(DefaultFs());
      fs.FailAt(op, nth, EIO);
      Status s = Install(bundle, fs);
      if (s.ok()) continue;  // fewer than nth calls of this op
      EXPECT_EQ(s.code(), ErrorCode::kIo) << s.message();
      ExpectOnlyCompleteFiles(before, SnapshotTree(home_), good);
      // The next run recovers fully.
      ASSERT_TRUE(Install(bundle).ok());
      auto now = SnapshotTree(home_);
      now.erase(".cache/rancher-desktop/rdbundle-installed.json");
      auto want = good;
      want.erase(".cache/rancher-desktop/rdbundle-installed.json");
      EXPECT_EQ(testsupport::DiffSnapshots(want, now), "");
      // Start the next case from the pre-install state.
      std::filesystem::remove_all(home_);
      PopulateHome();
    }
  }
}

}  // namespace
}  // namespace rdbundle::unpacker
