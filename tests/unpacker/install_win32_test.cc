// Install on Windows (run under Wine in the Windows suite): a file Rancher Desktop holds open
// (without FILE_SHARE_DELETE, as RD holds its files) makes the install fail cleanly, with the
// destination unchanged and no staging files left (issue 17).
#include <windows.h>

#include <gtest/gtest.h>

#include "common/os/win32_util.h"
#include "tests/unpacker/unpack_fixture.h"

namespace rdbundle::unpacker {
namespace {

class InstallWin32Test : public UnpackFixture {};

TEST_F(InstallWin32Test, HeldOpenFileFailsCleanly) {
  const std::string bundle = testsupport::AssembleBundle(
      testsupport::MakeBundleParts(testsupport::MakeKitFiles({}), testsupport::DefaultTestKey()));
  // The install merges its k3s version into RD's k3s-versions.json, replacing that file.
  const std::string held_path = CacheDir() + "/k3s-versions.json";
  win32::Handle held(::CreateFileW(win32::LongPath(held_path).c_str(), GENERIC_READ,
                                   FILE_SHARE_READ, nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL,
                                   nullptr));
  ASSERT_TRUE(held.valid());
  const auto before = testsupport::SnapshotTree(home_);
  Status s = Install(bundle);
  EXPECT_EQ(s.code(), ErrorCode::kIo) << s.message();
  EXPECT_NE(s.message().find(": in use by another program (Rancher Desktop?): close Rancher "
                             "Desktop and run again"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
  EXPECT_EQ(testsupport::DiffSnapshots(before, testsupport::SnapshotTree(home_)), "");
  held.reset();
  s = Install(bundle);
  EXPECT_TRUE(s.ok()) << s.message();
}

}  // namespace
}  // namespace rdbundle::unpacker
