#include "common/os/fs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

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

TEST(FsTest, WriteFileAtomicFailModeKeepsTheFile) {
  ScopedTempDir tmp;
  Fs& fs = DefaultFs();
  const std::string path = tmp.Sub("key");
  ASSERT_TRUE(WriteFileAtomic(fs, path, "first", 0600, IfExists::kFail).ok());
  EXPECT_EQ(fs.Stat(path)->mode, 0600u);
  EXPECT_FALSE(WriteFileAtomic(fs, path, "second", 0600, IfExists::kFail).ok());
  EXPECT_EQ(ReadFileOrDie(path), "first");
  EXPECT_EQ(fs.ListDir(tmp.path()).value(), std::vector<std::string>{"key"});
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

// ---- Dir: handles below a destination root (issue 13, item 1) --------------------------------

std::unique_ptr<Dir> OpenRootOrDie(const std::string& path) {
  auto d = DefaultFs().OpenRoot(path);
  EXPECT_TRUE(d.has_value()) << d.error().message();
  return std::move(d).value();
}

TEST(DirTest, OpenDirRefusesASymlinkWithAClearMessage) {
  ScopedTempDir tmp;
  WriteFileOrDie(tmp.Sub("victim/file"), "x");
  ASSERT_EQ(::symlink(tmp.Sub("victim").c_str(), tmp.Sub("link").c_str()), 0);
  auto root = OpenRootOrDie(tmp.path());
  auto d = root->OpenDir("link");
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().message(), tmp.Sub("link") +
                                     ": is a symbolic link; refusing to follow it below a "
                                     "destination root (replace it with a directory)");
  EXPECT_FALSE(root->OpenFile("link").has_value());
  WriteFileOrDie(tmp.Sub("plain"), "x");
  EXPECT_EQ(root->OpenDir("plain").error().message(), tmp.Sub("plain") + ": exists and is not a directory");
  EXPECT_EQ(root->OpenDir("missing").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(root->OpenDir("a/b").error().code(), ErrorCode::kInternal);  // one component only
}

TEST(DirTest, OpenRootFollowsASymlinkedRoot) {
  ScopedTempDir tmp;
  WriteFileOrDie(tmp.Sub("disk/cache/file"), "x");
  ASSERT_EQ(::symlink(tmp.Sub("disk/cache").c_str(), tmp.Sub("cache").c_str()), 0);
  auto root = OpenRootOrDie(tmp.Sub("cache"));
  EXPECT_EQ(root->path(), tmp.Sub("cache"));
  EXPECT_EQ(*ReadFileToString(*root, "file", 10), "x");
}

TEST(DirTest, FifoIsRefusedWithoutBlocking) {
  ScopedTempDir tmp;
  ASSERT_EQ(::mkfifo(tmp.Sub("fifo").c_str(), 0644), 0);
  auto root = OpenRootOrDie(tmp.path());
  auto f = root->OpenFile("fifo");
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().message(), tmp.Sub("fifo") + ": not a regular file");
  auto g = DefaultFs().OpenRegular(tmp.Sub("fifo"));
  ASSERT_FALSE(g.has_value());
  EXPECT_EQ(g.error().message(), tmp.Sub("fifo") + ": not a regular file");
}

TEST(DirTest, RemoveTreeAtNeverFollowsASymlink) {
  ScopedTempDir tmp;
  WriteFileOrDie(tmp.Sub("victim/keep"), "keep");
  WriteFileOrDie(tmp.Sub("root/stage/sub/f"), "x");
  ASSERT_EQ(::symlink(tmp.Sub("victim").c_str(), tmp.Sub("root/stage/link").c_str()), 0);
  ASSERT_EQ(::symlink(tmp.Sub("victim/keep").c_str(), tmp.Sub("root/stage/sub/flink").c_str()), 0);
  auto root = OpenRootOrDie(tmp.Sub("root"));
  ASSERT_TRUE(RemoveTreeAt(*root, "stage").ok());
  EXPECT_FALSE(testsupport::PathExists(tmp.Sub("root/stage")));
  EXPECT_EQ(ReadFileOrDie(tmp.Sub("victim/keep")), "keep");
  EXPECT_TRUE(RemoveTreeAt(*root, "stage").ok());  // gone: fine
}

TEST(DirTest, RemoveTreeAtWorksOnTheOpenedDirectoryEvenIfItIsSwapped) {
  // The attack of issue 13 item 1: the directory is swapped for a symlink after it was
  // opened. Everything below happens in the opened directory; the symlink is not followed.
  ScopedTempDir tmp;
  WriteFileOrDie(tmp.Sub("victim/keep"), "keep");
  WriteFileOrDie(tmp.Sub("root/sub/f"), "x");
  auto root = OpenRootOrDie(tmp.Sub("root"));
  auto sub = root->OpenDir("sub");
  ASSERT_TRUE(sub.has_value());
  ASSERT_EQ(::rename(tmp.Sub("root/sub").c_str(), tmp.Sub("moved").c_str()), 0);
  ASSERT_EQ(::symlink(tmp.Sub("victim").c_str(), tmp.Sub("root/sub").c_str()), 0);
  ASSERT_TRUE((*sub)->Unlink("f").ok());
  EXPECT_FALSE(testsupport::PathExists(tmp.Sub("moved/f")));
  EXPECT_EQ(ReadFileOrDie(tmp.Sub("victim/keep")), "keep");
  EXPECT_FALSE(root->RemoveDir("sub").ok());  // a symlink: ENOTDIR, not its target
  EXPECT_TRUE(RemoveTreeAt(*root, "sub").ok());  // unlinks the symlink itself
  EXPECT_EQ(ReadFileOrDie(tmp.Sub("victim/keep")), "keep");
}

TEST(DirTest, CreateRenameExchangeLink) {
  ScopedTempDir tmp;
  WriteFileOrDie(tmp.Sub("a/v/old"), "old");
  WriteFileOrDie(tmp.Sub("b/v/new"), "new");
  auto a = OpenRootOrDie(tmp.Sub("a"));
  auto b = OpenRootOrDie(tmp.Sub("b"));
  auto swapped = b->Exchange("v", *a, "v");
  ASSERT_TRUE(swapped.has_value()) << swapped.error().message();
  ASSERT_TRUE(*swapped);  // Linux with renameat2
  EXPECT_EQ(ReadFileOrDie(tmp.Sub("a/v/new")), "new");
  EXPECT_EQ(ReadFileOrDie(tmp.Sub("b/v/old")), "old");
  EXPECT_EQ(b->RenameNoReplace("v", *a, "v").code(), ErrorCode::kIo);  // exists
  auto f = a->CreateNew("x", 0640);
  ASSERT_TRUE(f.has_value());
  ASSERT_TRUE((*f)->Append("hi", 2).ok());
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_FALSE(a->CreateNew("x", 0640).has_value());  // O_EXCL
  ASSERT_TRUE(a->Link("x", *b, "y").ok());
  EXPECT_EQ(a->Stat("x")->inode, b->Stat("y")->inode);
  ASSERT_TRUE(a->Rename("x", *b, "z").ok());
  EXPECT_EQ(ReadFileOrDie(tmp.Sub("b/z")), "hi");
  auto t = a->CreateTemp(".tmp-");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(DirName((*t)->path()), tmp.Sub("a"));
  EXPECT_TRUE(BaseName((*t)->path()).starts_with(".tmp-"));
}

TEST(DirTest, WriteFileAtomicAndSetOwner) {
  ScopedTempDir tmp;
  auto root = OpenRootOrDie(tmp.path());
  const Owner nobody{54321, 54322};
  ASSERT_TRUE(WriteFileAtomic(*root, "f.json", "{}", 0644, &nobody).ok());
  struct stat st;
  ASSERT_EQ(::lstat(tmp.Sub("f.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  if (::geteuid() == 0) {
    EXPECT_EQ(st.st_uid, 54321u);
    EXPECT_EQ(st.st_gid, 54322u);
  }
  bool created = false;
  auto d = OpenOrMakeDir(*root, "d", &nobody, &created);
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(created);
  if (::geteuid() == 0) {
    EXPECT_EQ((*d)->Info()->uid, 54321u);
  }
}

}  // namespace
}  // namespace rdbundle
