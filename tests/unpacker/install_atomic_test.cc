// Issue 13, item 3: everything that can fail is done before the first rename, and a k3s
// version directory (RD's unit: it hashes the binary and images against the sums file) is
// replaced as a whole, so after any failure or kill it is entirely old or entirely new.
#include <gtest/gtest.h>

#if !defined(_WIN32)
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <filesystem>

#include "common/rd/rd_installer.h"
#include "tests/support/fault_fs.h"
#include "tests/unpacker/unpack_fixture.h"

namespace rdbundle::unpacker {
namespace {

using testsupport::FaultFs;
using testsupport::FsOp;
using testsupport::KitSpec;
using testsupport::MakeValidBundle;
using testsupport::PathExists;
using testsupport::SnapshotTree;
using testsupport::WriteFileOrDie;

using Tree = std::map<std::string, std::string>;

// The entries of `tree` below `dir` (relative to it).
Tree Below(const Tree& tree, const std::string& dir) {
  Tree out;
  for (const auto& [path, desc] : tree) {
    if (path.starts_with(dir + "/")) out[path.substr(dir.size() + 1)] = desc;
  }
  return out;
}

class InstallAtomicTest : public UnpackFixture {
 protected:
  const std::string kV1 = ".cache/rancher-desktop/k3s/v1.30.4+k3s1";
  const std::string kV2 = ".cache/rancher-desktop/k3s/v1.31.1+k3s1";

  static KitSpec Spec() {
    KitSpec spec;
    spec.versions = {"v1.30.4+k3s1", "v1.31.1+k3s1"};
    spec.arches = {Arch::kAmd64};
    return spec;
  }
  // Both version directories exist with other bytes (e.g. fetched by RD itself) plus a file of
  // another arch, so the install replaces them.
  void PopulateOldVersions() {
    for (const std::string& v : {kV1, kV2}) {
      WriteFileOrDie(home_ + "/" + v + "/k3s", "old k3s of " + v, 0755);
      WriteFileOrDie(home_ + "/" + v + "/sha256sum-amd64.txt", "old sums of " + v);
      WriteFileOrDie(home_ + "/" + v + "/k3s-arm64", "arm64 k3s kept", 0755);
    }
  }
  void KillAtEveryRename(bool exchange) {
    const std::string bundle = MakeValidBundle(Spec());
    PopulateOldVersions();
    const Tree old_tree = SnapshotTree(home_);
    ASSERT_TRUE(Install(bundle).ok());
    const Tree new_tree = SnapshotTree(home_);
    int kills = 0;
    for (int nth = 1; nth <= 8; ++nth) {
      SCOPED_TRACE("rename " + std::to_string(nth));
      std::filesystem::remove_all(home_);
      PopulateHome();
      PopulateOldVersions();
      if (!InstallAndDie(bundle, FsOp::kRename, nth, exchange)) continue;
      ++kills;
      const Tree now = SnapshotTree(home_);
      for (const std::string& v : {kV1, kV2}) {
        const Tree dir = Below(now, v);
        if (!exchange && dir.empty() && !PathExists(home_ + "/" + v)) {
          // Between the two renames of the journal: the old directory waits in staging and
          // the next run puts it back (checked below through the complete reinstall).
          continue;
        }
        EXPECT_TRUE(dir == Below(old_tree, v) || dir == Below(new_tree, v))
            << v << " is a mix of old and new:\n"
            << testsupport::DiffSnapshots(Below(old_tree, v), dir);
      }
      Status s = Install(bundle);
      ASSERT_TRUE(s.ok()) << s.message();
      for (const std::string& v : {kV1, kV2}) {
        EXPECT_EQ(testsupport::DiffSnapshots(Below(new_tree, v), Below(SnapshotTree(home_), v)), "");
      }
    }
    EXPECT_GE(kills, 3);
  }

  // Whichever rename fails, down to the install record's (the last of the commit), the
  // destination is exactly as before: the renames before it are undone, replaced files come
  // back (the POSIX side of InstallWin32Test.HeldOpenFileLeavesDestinationUnchanged, issue 17).
  // Everything is replaced here: both version directories, the kubectl, an RD installer
  // (--force), k3s-versions.json and the record.
  void FailEveryRename(bool exchange) {
    const std::string bundle = testsupport::AssembleBundle(testsupport::MakeBundleParts(
        testsupport::WithFile(testsupport::MakeKitFiles(Spec()),
                              testsupport::MakeInstallerFile("1.19.3", RdPlatform::kLinux)),
        testsupport::DefaultTestKey()));
    InstallCommand cmd = MakeInstallCommand(bundle_path_);
    cmd.force = true;
    auto populate = [&] {
      std::filesystem::remove_all(home_);
      PopulateHome();
      PopulateOldVersions();
      WriteFileOrDie(KuberlrDir() + "/linux-amd64/kubectl1.30.4", "old kubectl", 0755);
      WriteFileOrDie(home_ + "/rancher-desktop-installers/rancher-desktop-linux-v1.19.3.zip",
                     "old zip");
      WriteFileOrDie(CacheDir() + "/rdbundle-installed.json", "an old record");
    };
    populate();
    const Tree before = SnapshotTree(home_);
    int renames = 0;
    {
      FaultFs fs(DefaultFs());
      if (!exchange) fs.DisableExchange();
      Status s = Install(bundle, cmd, fs);
      ASSERT_TRUE(s.ok()) << s.message();
      renames = fs.calls(FsOp::kRename);
    }
    ASSERT_GE(renames, 6);
    for (int nth = 1; nth <= renames; ++nth) {
      SCOPED_TRACE("rename " + std::to_string(nth) + " of " + std::to_string(renames));
      populate();
      FaultFs fs(DefaultFs());
      if (!exchange) fs.DisableExchange();
      fs.FailAt(FsOp::kRename, nth, EIO);
      Status s = Install(bundle, cmd, fs);
      EXPECT_EQ(s.code(), ErrorCode::kIo) << s.message();
      EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
      EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
    }
  }
};

TEST_F(InstallAtomicTest, KilledBetweenRenamesEveryVersionDirIsOldOrNew) {
#if defined(_WIN32)
  GTEST_SKIP() << "no atomic exchange of directories on Windows (Dir::Exchange says so): there "
                  "the journal completes a killed replacement on the next run "
                  "(WithoutExchangeTheJournalIsCompletedByTheNextRun)";
#endif
  KillAtEveryRename(true);
}

TEST_F(InstallAtomicTest, WithoutExchangeTheJournalIsCompletedByTheNextRun) {
  KillAtEveryRename(false);
}

TEST_F(InstallAtomicTest, OtherFilesOfAReplacedVersionDirAreKept) {
  PopulateOldVersions();
  ASSERT_TRUE(Install(MakeValidBundle(Spec())).ok());
  EXPECT_EQ(testsupport::ReadFileOrDie(home_ + "/" + kV1 + "/k3s-arm64"), "arm64 k3s kept");
  EXPECT_NE(testsupport::ReadFileOrDie(home_ + "/" + kV1 + "/k3s"), "old k3s of " + kV1);
}

TEST_F(InstallAtomicTest, FailedRenameUndoesTheCommit) { FailEveryRename(true); }

TEST_F(InstallAtomicTest, FailedRenameUndoesTheCommitWithoutExchange) { FailEveryRename(false); }

// A directory at k3s-versions.json (and a FIFO, item 8): refused before anything is placed.
TEST_F(InstallAtomicTest, UnusableVersionsJsonFailsBeforeAnythingIsPlaced) {
  std::filesystem::remove(CacheDir() + "/k3s-versions.json");
  std::filesystem::create_directories(CacheDir() + "/k3s-versions.json");
  auto before = SnapshotTree(home_);
  Status s = Install(MakeValidBundle(Spec()));
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_EQ(s.message(), CacheDir() + "/k3s-versions.json: is a directory");
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");

#if !defined(_WIN32)  // no FIFOs at a path on Windows
  std::filesystem::remove(CacheDir() + "/k3s-versions.json");
  ASSERT_EQ(::mkfifo((CacheDir() + "/k3s-versions.json").c_str(), 0644), 0);
  // (SnapshotTree would block reading the FIFO: compare the directories the install fills.)
  const auto k3s_before = SnapshotTree(CacheDir() + "/k3s");
  const auto kuberlr_before = SnapshotTree(KuberlrDir());
  s = Install(MakeValidBundle(Spec()));  // returns instead of hanging
  EXPECT_EQ(s.message(), CacheDir() + "/k3s-versions.json: not a regular file");
  EXPECT_EQ(testsupport::DiffSnapshots(k3s_before, SnapshotTree(CacheDir() + "/k3s")), "");
  EXPECT_EQ(testsupport::DiffSnapshots(kuberlr_before, SnapshotTree(KuberlrDir())), "");
#endif
}

// A failure after the payload is staged but before the renames (here: the install record's
// temporary file cannot be created) leaves the destination exactly as it was.
TEST_F(InstallAtomicTest, FailureWhileStagingTheRecordPublishesNothing) {
  PopulateOldVersions();
  const auto before = SnapshotTree(home_);
  FaultFs fs(DefaultFs());
  // Creates: 2 versions x 3 files + 1 kubectl while streaming (7), a hard link of each old
  // k3s-arm64 into the staged version directories (2), k3s-versions.json's temporary file
  // (10th), the record's (11th).
  fs.FailAt(FsOp::kCreate, 11, ENOSPC);
  Status s = Install(MakeValidBundle(Spec()), fs);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kNoSpace) << s.message();
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
}

}  // namespace
}  // namespace rdbundle::unpacker
