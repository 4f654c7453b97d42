// Issue 13, item 4: what an install creates in a home that belongs to another user (root
// installing into /home/alice) belongs to that user; nothing else of the home changes owner.
// The tests run as root here; a home chowned to an unused uid stands in for alice's.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "tests/unpacker/unpack_fixture.h"
#include "unpacker/roots.h"

namespace rdbundle::unpacker {
namespace {

using testsupport::MakeValidBundle;
using testsupport::SnapshotTree;

constexpr unsigned kAlice = 54321;
constexpr unsigned kAliceGroup = 54322;

struct stat LstatOrDie(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

TEST(DecideOwnerTest, TheRule) {
  FileInfo home;
  home.uid = 1000;
  home.gid = 1001;
  // The user's own home: nothing to change.
  auto own = DecideOwner(1000, home, "/home/alice");
  ASSERT_TRUE(own.has_value());
  EXPECT_FALSE(own->chown_to.has_value());
  // Root into alice's home: alice's uid and gid.
  auto root = DecideOwner(0, home, "/home/alice");
  ASSERT_TRUE(root.has_value());
  ASSERT_TRUE(root->chown_to.has_value());
  EXPECT_EQ(root->chown_to->uid, 1000u);
  EXPECT_EQ(root->chown_to->gid, 1001u);
  // Bob (not root) into alice's home: refused, saying how to run it.
  auto bob = DecideOwner(1002, home, "/home/alice");
  ASSERT_FALSE(bob.has_value());
  EXPECT_EQ(bob.error().code(), ErrorCode::kUsage);
  EXPECT_EQ(bob.error().message(),
            "/home/alice: belongs to uid 1000, but rdbundle-unpack runs as uid 1002, which cannot "
            "give that user what it creates: run it as that user (sudo -u '#1000' rdbundle-unpack "
            "install ...) or as root");
}

class InstallOwnerTest : public UnpackFixture {};

TEST_F(InstallOwnerTest, RootInstallingIntoAnotherUsersHomeGivesThemWhatItCreates) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  home_ = tmp_.Sub("alice");
  std::filesystem::create_directories(home_);
  ASSERT_EQ(::chown(home_.c_str(), kAlice, kAliceGroup), 0);
  // An existing file of alice's home that the install must not touch, owned by root.
  testsupport::WriteFileOrDie(home_ + "/.profile", "x");
  ASSERT_TRUE(Install(MakeValidBundle()).ok());
  int checked = 0;
  for (const auto& [rel, desc] : SnapshotTree(home_)) {
    const struct stat st = LstatOrDie(home_ + "/" + rel);
    if (rel == ".profile") {
      EXPECT_EQ(st.st_uid, 0u);  // untouched
      continue;
    }
    EXPECT_EQ(st.st_uid, kAlice) << rel;
    EXPECT_EQ(st.st_gid, kAliceGroup) << rel;
    ++checked;
  }
  EXPECT_GE(checked, 9);  // .cache, rancher-desktop, k3s, the version dir and files, .kuberlr...
  EXPECT_EQ(LstatOrDie(home_).st_uid, kAlice);
}

TEST_F(InstallOwnerTest, OwnHomeKeepsTheProcessOwner) {
  // The non-root case of the rule, as the process's own user: nothing is chowned.
  home_ = tmp_.Sub("own");
  std::filesystem::create_directories(home_);
  ASSERT_TRUE(Install(MakeValidBundle()).ok());
  for (const auto& [rel, desc] : SnapshotTree(home_)) {
    EXPECT_EQ(LstatOrDie(home_ + "/" + rel).st_uid, ::geteuid()) << rel;
  }
}

TEST_F(InstallOwnerTest, SymlinkedRootToADirectoryTheHomeOwnerDoesNotOwnIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  home_ = tmp_.Sub("alice");
  std::filesystem::create_directories(home_);
  ASSERT_EQ(::chown(home_.c_str(), kAlice, kAliceGroup), 0);
  const std::string system_dir = tmp_.Sub("usr-local-bin");  // root's
  std::filesystem::create_directories(system_dir);
  ASSERT_EQ(::symlink(system_dir.c_str(), (home_ + "/.kuberlr").c_str()), 0);
  Status s = Install(MakeValidBundle());
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_EQ(s.message(), home_ +
                             "/.kuberlr: reached through a symbolic link and owned by uid 0, not "
                             "by the home's owner (uid 54321); refusing to write there as root "
                             "(link it to a directory that uid 54321 owns)");
  EXPECT_TRUE(std::filesystem::is_empty(system_dir));
  // Linked to a directory alice owns: fine.
  const std::string alices = tmp_.Sub("alices-disk");
  std::filesystem::create_directories(alices);
  ASSERT_EQ(::chown(alices.c_str(), kAlice, kAliceGroup), 0);
  std::filesystem::remove(home_ + "/.kuberlr");
  ASSERT_EQ(::symlink(alices.c_str(), (home_ + "/.kuberlr").c_str()), 0);
  s = Install(MakeValidBundle());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(LstatOrDie(alices + "/linux-amd64/kubectl1.30.4").st_uid, kAlice);
}

}  // namespace
}  // namespace rdbundle::unpacker
