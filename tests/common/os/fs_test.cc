#include "common/os/fs.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace rdbundle {
namespace {

using testsupport::ReadFileOrDie;
using testsupport::ScopedTempDir;
using testsupport::WriteFileOrDie;

// Counts StartWriteback calls; everything else succeeds and does nothing.
class WritebackCounter final : public WritableFile {
 public:
  Status Append(const void*, std::size_t) override { return Status::Ok(); }
  Status Sync() override { return Status::Ok(); }
  void StartWriteback() override { ++writebacks; }
  Status SetMode(std::uint32_t) override { return Status::Ok(); }
  Status Close() override { return Status::Ok(); }
  const std::string& path() const override { return path_; }
  int writebacks = 0;

 private:
  std::string path_ = "counter";
};

TEST(FsTest, WritebackPacerStartsWritebackEveryInterval) {
  WritebackCounter f;
  WritebackPacer pacer;
  const std::uint64_t step = WritebackPacer::kWritebackBytes / 4;
  for (int i = 0; i < 3; ++i) pacer.Appended(f, step);
  EXPECT_EQ(f.writebacks, 0);
  pacer.Appended(f, step);  // the interval is reached
  EXPECT_EQ(f.writebacks, 1);
  for (int i = 0; i < 7; ++i) pacer.Appended(f, step);
  EXPECT_EQ(f.writebacks, 2);  // counted again from the last writeback
  pacer.Appended(f, 3 * WritebackPacer::kWritebackBytes);  // one big append: one writeback
  EXPECT_EQ(f.writebacks, 3);
}

TEST(FsTest, PathHelpers) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
  EXPECT_EQ(BaseName("a/b/c"), "c");
}

TEST(FsTest, WriteFileAtomicReplacesAndLeavesNoTemp) {
  ScopedTempDir tmp;
  Fs& fs = DefaultFs();
  const std::string path = tmp.Sub("f.json");
  WriteFileOrDie(path, "old");
  ASSERT_TRUE(WriteFileAtomic(fs, path, "new", 0644).ok());
  EXPECT_EQ(ReadFileOrDie(path), "new");
  EXPECT_EQ(fs.ListDir(tmp.path()).value(), std::vector<std::string>{"f.json"});
  EXPECT_EQ(fs.Stat(path)->mode, 0644u);
}

TEST(FsTest, ReadFileToStringCaps) {
  ScopedTempDir tmp;
  WriteFileOrDie(tmp.Sub("big"), std::string(100, 'x'));
  auto r = ReadFileToString(DefaultFs(), tmp.Sub("big"), 99);
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(r.error().message(), tmp.Sub("big") + ": larger than 99 bytes");
  EXPECT_EQ(ReadFileToString(DefaultFs(), tmp.Sub("none"), 9).error().code(), ErrorCode::kNotFound);
}

TEST(FsTest, MakeDirsRecordsWhatItCreated) {
  ScopedTempDir tmp;
  std::vector<std::string> created;
  ASSERT_TRUE(MakeDirs(DefaultFs(), tmp.Sub("a/b/c"), &created).ok());
  EXPECT_EQ(created, (std::vector<std::string>{tmp.Sub("a"), tmp.Sub("a/b"), tmp.Sub("a/b/c")}));
  created.clear();
  ASSERT_TRUE(MakeDirs(DefaultFs(), tmp.Sub("a/b/c"), &created).ok());
  EXPECT_TRUE(created.empty());
  WriteFileOrDie(tmp.Sub("file"), "x");
  EXPECT_EQ(MakeDirs(DefaultFs(), tmp.Sub("file"), nullptr).message(),
            tmp.Sub("file") + ": exists and is not a directory");
  EXPECT_EQ(MakeDirs(DefaultFs(), tmp.Sub("file/d"), nullptr).message(),
            tmp.Sub("file/d") + ": Not a directory");
}

TEST(FsTest, RemoveTreeDoesNotFollowSymlinks) {
  ScopedTempDir tmp;
  WriteFileOrDie(tmp.Sub("keep/precious"), "x");
  WriteFileOrDie(tmp.Sub("gone/a/b"), "x");
  ASSERT_EQ(::symlink(tmp.Sub("keep").c_str(), tmp.Sub("gone/link").c_str()), 0);
  ASSERT_TRUE(RemoveTree(DefaultFs(), tmp.Sub("gone")).ok());
  EXPECT_EQ(ReadFileOrDie(tmp.Sub("keep/precious")), "x");
  EXPECT_EQ(DefaultFs().Stat(tmp.Sub("gone")).error().code(), ErrorCode::kNotFound);
}

TEST(FsTest, RenameNoReplaceRefusesAnExistingEmptyDirectory) {
  ScopedTempDir tmp;
  Fs& fs = DefaultFs();
  ASSERT_TRUE(fs.MakeDir(tmp.Sub("a"), 0755).ok());
  ASSERT_TRUE(fs.MakeDir(tmp.Sub("b"), 0755).ok());
  EXPECT_FALSE(fs.RenameNoReplace(tmp.Sub("a"), tmp.Sub("b")).ok());
  EXPECT_TRUE(fs.RenameNoReplace(tmp.Sub("a"), tmp.Sub("c")).ok());
}

TEST(FsTest, LockIsExclusive) {
  ScopedTempDir tmp;
  auto first = DefaultFs().TryLock(tmp.path());
  ASSERT_TRUE(first.has_value() && *first);
  auto second = DefaultFs().TryLock(tmp.path());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->get(), nullptr);
  first->reset();
  EXPECT_NE(DefaultFs().TryLock(tmp.path())->get(), nullptr);
}

TEST(FsTest, CreateTempIsPrivate) {
  ScopedTempDir tmp;
  auto f = DefaultFs().CreateTemp(tmp.path(), ".x-");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(DefaultFs().Stat((*f)->path())->mode, 0600u);
}

}  // namespace
}  // namespace rdbundle
