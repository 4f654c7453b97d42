// Crash safety: an install killed with SIGKILL (Windows: TerminateProcess) at any point leaves
// no partial file under a real name, and the next run removes the leftovers and completes.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/fault_fs.h"
#include "tests/unpacker/unpack_fixture.h"

namespace rdbundle::unpacker {
namespace {

using testsupport::FsOp;
using testsupport::SnapshotTree;

class CrashTest : public UnpackFixture {
 protected:
  static std::map<std::string, std::string> WithoutRecord(std::map<std::string, std::string> t) {
    t.erase(".cache/rancher-desktop/rdbundle-installed.json");
    return t;
  }
};

TEST_F(CrashTest, KilledAnywhereThenRecovered) {
  testsupport::KitSpec spec;
  spec.versions = {"v1.30.4+k3s1", "v1.31.1+k3s1"};
  spec.file_bytes = 200 << 10;
  const std::string bundle = testsupport::MakeValidBundle(spec);
  const auto pristine = SnapshotTree(home_);
  ASSERT_TRUE(Install(bundle).ok());
  const auto good = WithoutRecord(SnapshotTree(home_));

  int kills = 0;
  for (FsOp op : {FsOp::kCreate, FsOp::kAppend, FsOp::kSync, FsOp::kRename, FsOp::kSyncDir,
                  FsOp::kRemove}) {
    for (int nth : {1, 2, 4, 7}) {
      SCOPED_TRACE("op " + std::to_string(static_cast<int>(op)) + " call " + std::to_string(nth));
      std::filesystem::remove_all(home_);
      PopulateHome();
      if (!InstallAndDie(bundle, op, nth)) continue;
      ++kills;
      // Visible under real names: only what was there before, or complete bundle files.
      for (const auto& [path, desc] : SnapshotTree(home_)) {
        if (path.find(".rdbundle-") != std::string::npos) continue;
        if (path.ends_with("rdbundle-installed.json")) continue;
        auto p = pristine.find(path);
        auto g = good.find(path);
        const bool old_file = p != pristine.end() && p->second == desc;
        const bool new_file = g != good.end() && (g->second == desc || desc.starts_with("dir"));
        EXPECT_TRUE(old_file || new_file) << path << ": " << desc;
      }
      ASSERT_TRUE(Install(bundle).ok());
      EXPECT_EQ(testsupport::DiffSnapshots(good, WithoutRecord(SnapshotTree(home_))), "");
    }
  }
  EXPECT_GE(kills, 15);  // the points above are really reached
}

}  // namespace
}  // namespace rdbundle::unpacker
