// Issue 13, items 1 and 5: below the destination roots nothing follows a symlink (a user whose
// home root installs into cannot redirect root's writes or deletes), while the roots themselves
// may be symlinks (a cache moved to a bigger disk).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "tests/support/fault_fs.h"
#include "tests/unpacker/unpack_fixture.h"
#include "unpacker/doctor.h"

namespace rdbundle::unpacker {
namespace {

using testsupport::FaultFs;
using testsupport::FsOp;
using testsupport::MakeValidBundle;
using testsupport::PathExists;
using testsupport::ReadFileOrDie;
using testsupport::SnapshotTree;
using testsupport::WriteFileOrDie;

class InstallSymlinkTest : public UnpackFixture {
 protected:
  void SetUp() override {
    UnpackFixture::SetUp();
    victim_ = tmp_.Sub("victim");
    WriteFileOrDie(victim_ + "/k3s", "precious", 0755);
    WriteFileOrDie(victim_ + "/kubectl1.30.4", "precious", 0755);
  }
  void Link(const std::string& target, const std::string& at) {
    std::filesystem::create_directories(DirName(at));
    ASSERT_EQ(::symlink(target.c_str(), at.c_str()), 0) << at;
  }
  std::string victim_;
};

TEST_F(InstallSymlinkTest, SymlinkedKuberlrPlatformDirIsRefusedNotFollowed) {
  std::filesystem::remove_all(KuberlrDir() + "/linux-amd64");
  Link(victim_, KuberlrDir() + "/linux-amd64");
  const auto before = SnapshotTree(victim_);
  Status s = Install(MakeValidBundle());
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_EQ(s.message(), KuberlrDir() + "/linux-amd64: is a symbolic link; refusing to follow it "
                                        "below a destination root (replace it with a directory)");
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(victim_)), "");
  // Nothing of the bundle was published either (everything is checked before the renames).
  EXPECT_FALSE(PathExists(CacheDir() + "/k3s/v1.30.4+k3s1"));
}

TEST_F(InstallSymlinkTest, SymlinkedVersionDirIsRefusedNotFollowed) {
  Link(victim_, CacheDir() + "/k3s/v1.30.4+k3s1");
  const auto before = SnapshotTree(victim_);
  Status s = Install(MakeValidBundle());
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_EQ(s.message(), CacheDir() + "/k3s/v1.30.4+k3s1: is a symbolic link; refusing to follow "
                                      "it below a destination root (replace it with a directory)");
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(victim_)), "");
}

// The race of item 1: a leftover staging directory's subdirectory is swapped for a symlink to
// a victim while the cleanup runs. Path-based cleanup then deleted the victim's files.
TEST_F(InstallSymlinkTest, CleanupRaceCannotDeleteThroughASwappedSymlink) {
  const std::string stage = KuberlrDir() + "/.rdbundle-staging-0123";
  WriteFileOrDie(stage + "/sub/k3s", "x");
  WriteFileOrDie(stage + "/sub/kubectl1.30.4", "x");
  FaultFs fs(DefaultFs());
  fs.OnCall(FsOp::kRemove, 2, [&] {  // after the first file went: swap the directory
    std::filesystem::rename(stage + "/sub", tmp_.Sub("moved"));
    ASSERT_EQ(::symlink(victim_.c_str(), (stage + "/sub").c_str()), 0);
  });
  (void)Install(MakeValidBundle(), fs);  // may fail: the swapped link is not a directory
  EXPECT_EQ(ReadFileOrDie(victim_ + "/k3s"), "precious");
  EXPECT_EQ(ReadFileOrDie(victim_ + "/kubectl1.30.4"), "precious");
  EXPECT_GE(fs.calls(FsOp::kRemove), 2);  // the race really ran
  // The next run removes the leftover (the symlink itself, never its target).
  ASSERT_TRUE(Install(MakeValidBundle()).ok());
  EXPECT_FALSE(PathExists(stage));
  EXPECT_EQ(ReadFileOrDie(victim_ + "/k3s"), "precious");
}

// Item 5: roots moved to another disk and linked back are followed (once).
TEST_F(InstallSymlinkTest, SymlinkedRootsAreFollowed) {
  const std::string disk = tmp_.Sub("bigdisk");
  std::filesystem::create_directories(disk);
  std::filesystem::rename(CacheDir(), disk + "/cache");
  Link(disk + "/cache", CacheDir());
  std::filesystem::rename(CacheDir() + "/k3s", disk + "/k3s");
  Link(disk + "/k3s", CacheDir() + "/k3s");
  std::filesystem::rename(KuberlrDir(), disk + "/kuberlr");
  Link(disk + "/kuberlr", KuberlrDir());
  Status s = Install(MakeValidBundle());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(PathExists(disk + "/k3s/v1.30.4+k3s1/k3s"));
  EXPECT_TRUE(PathExists(disk + "/k3s/v1.29.8+k3s1/k3s"));
  EXPECT_TRUE(PathExists(disk + "/kuberlr/linux-amd64/kubectl1.30.4"));
  EXPECT_TRUE(PathExists(disk + "/cache/k3s-versions.json"));
  for (const auto& [path, desc] : SnapshotTree(disk)) {
    EXPECT_EQ(path.find(".rdbundle-"), std::string::npos) << path;
  }
  // Doctor --fix through the same symlinked cache (it failed with ELOOP).
  std::filesystem::remove(disk + "/cache/k3s-versions.json");
  DoctorCommand d;
  d.dest.home = home_;
  d.dest.os = TargetOs::kLinux;
  d.dest.arch = Arch::kAmd64;
  d.fix = true;
  auto r = RunDoctorChecks(DefaultFs(), d, DoctorEnv{});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_TRUE(PathExists(disk + "/cache/k3s-versions.json"));
}

}  // namespace
}  // namespace rdbundle::unpacker
