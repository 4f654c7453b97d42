// Install on Windows (run under Wine in the Windows suite): a file Rancher Desktop holds open
// (without FILE_SHARE_DELETE, as RD holds its files) makes the install fail with one line that
// names it and says to close Rancher Desktop (issue 17), and the renames before it (the k3s
// version directory, the kubectl) are undone: the destination is as it was (found under Wine;
// install_atomic_test.cc FailedRenameUndoesTheCommit fails every rename on POSIX).
#include <windows.h>

#include <gtest/gtest.h>

#include "common/os/win32_util.h"
#include "tests/unpacker/unpack_fixture.h"

namespace rdbundle::unpacker {
namespace {

class InstallWin32Test : public UnpackFixture {
 protected:
  // The install merges its k3s version into RD's k3s-versions.json, replacing that file.
  win32::Handle HoldVersionsJson() {
    return win32::Handle(::CreateFileW(win32::LongPath(CacheDir() + "/k3s-versions.json").c_str(),
                                       GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                                       FILE_ATTRIBUTE_NORMAL, nullptr));
  }
  std::string Bundle() {
    return testsupport::AssembleBundle(testsupport::MakeBundleParts(
        testsupport::MakeKitFiles({}), testsupport::DefaultTestKey()));
  }
};

TEST_F(InstallWin32Test, HeldOpenFileFailsWithOneLine) {
  const std::string bundle = Bundle();
  win32::Handle held = HoldVersionsJson();
  ASSERT_TRUE(held.valid());
  Status s = Install(bundle);
  EXPECT_EQ(s.code(), ErrorCode::kIo) << s.message();
  EXPECT_NE(s.message().find("/k3s-versions.json: in use by another program (Rancher "
                             "Desktop?): close Rancher Desktop and run again"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
  held.reset();
  s = Install(bundle);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST_F(InstallWin32Test, HeldOpenFileLeavesDestinationUnchanged) {
  const std::string bundle = Bundle();
  win32::Handle held = HoldVersionsJson();
  ASSERT_TRUE(held.valid());
  const auto before = testsupport::SnapshotTree(home_);
  Status s = Install(bundle);
  EXPECT_EQ(s.code(), ErrorCode::kIo) << s.message();
  EXPECT_EQ(testsupport::DiffSnapshots(before, testsupport::SnapshotTree(home_)), "");
}

}  // namespace
}  // namespace rdbundle::unpacker
