// The Win32 OS layer (common/os/*_win32.cc), built and run only in the Windows suite (under
// Wine here). What Wine cannot show: reparse points (its CreateSymbolicLinkW does nothing and
// it follows Unix symlinks), DACLs, NTFS durability, Defender's locks.
#include <windows.h>

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <thread>

#include "common/os/fs.h"
#include "common/os/platform.h"
#include "common/os/win32_util.h"
#include "common/rd/layout.h"
#include "tests/support/temp_dir.h"

namespace rdbundle {
namespace {

using testsupport::ReadFileOrDie;
using testsupport::ScopedTempDir;
using testsupport::WriteFileOrDie;

class FsWin32Test : public ::testing::Test {
 protected:
  std::unique_ptr<Dir> Root() {
    auto d = DefaultFs().OpenRoot(tmp_.path());
    EXPECT_TRUE(d.has_value()) << d.error().message();
    return std::move(d).value();
  }
  ScopedTempDir tmp_;
};

TEST_F(FsWin32Test, DirOperations) {
  auto root = Root();
  ASSERT_TRUE(root->MakeDir("sub", 0755).ok());
  auto sub = root->OpenDir("sub");
  ASSERT_TRUE(sub.has_value()) << sub.error().message();
  ASSERT_TRUE(WriteFileAtomic(**sub, "a.txt", "one", 0644).ok());
  EXPECT_EQ(ReadFileOrDie(tmp_.Sub("sub/a.txt")), "one");
  // Replacing rename, then a rename that must not replace.
  ASSERT_TRUE(WriteFileAtomic(**sub, "a.txt", "two", 0644).ok());
  EXPECT_EQ(ReadFileOrDie(tmp_.Sub("sub/a.txt")), "two");
  ASSERT_TRUE(WriteFileAtomic(**sub, "b.txt", "bee", 0644).ok());
  Status s = (*sub)->RenameNoReplace("b.txt", **sub, "a.txt");
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_EQ(s.message(), "rename " + tmp_.path() + "/sub/b.txt -> " + tmp_.path() +
                             "/sub/a.txt: File exists");
  auto names = (*sub)->List();
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(*names, (std::vector<std::string>{"a.txt", "b.txt"}));  // no staging files left
  auto info = (*sub)->Stat("a.txt");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->type, FileInfo::Type::kRegular);
  EXPECT_EQ(info->size, 3u);
  EXPECT_EQ(root->Stat("sub")->type, FileInfo::Type::kDirectory);
  EXPECT_EQ(root->Stat("missing").error().code(), ErrorCode::kNotFound);
  // A file where a directory is expected, and the reverse.
  EXPECT_EQ((*sub)->OpenDir("a.txt").error().message(),
            tmp_.path() + "/sub/a.txt: exists and is not a directory");
  EXPECT_EQ(root->OpenFile("sub").error().message(), tmp_.path() + "/sub: is a directory");
  ASSERT_TRUE((*sub)->Unlink("a.txt").ok());
  ASSERT_TRUE((*sub)->Unlink("b.txt").ok());
  sub->reset();
  ASSERT_TRUE(root->RemoveDir("sub").ok());
  EXPECT_FALSE(testsupport::PathExists(tmp_.Sub("sub")));
}

TEST_F(FsWin32Test, NamesAreSingleComponents) {
  auto root = Root();
  for (const char* name : {"a/b", "a\\b", "a:stream", "..", "."}) {
    EXPECT_EQ(root->MakeDir(name, 0755).code(), ErrorCode::kInternal) << name;
  }
}

TEST_F(FsWin32Test, Utf8NamesAndLongPaths) {
  auto root = Root();
  const std::string name = "k\xC3\xA9y-\xE2\x9C\x93";  // "kéy-✓"
  ASSERT_TRUE(WriteFileAtomic(*root, name, "utf8", 0644).ok());
  auto names = root->List();
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(*names, std::vector<std::string>{name});
  // Well past MAX_PATH (260): "\\?\" paths carry it.
  std::string path = tmp_.path();
  std::unique_ptr<Dir> dir = Root();
  for (int i = 0; i < 12; ++i) {
    auto sub = OpenOrMakeDir(*dir, std::string(40, static_cast<char>('a' + i)), nullptr);
    ASSERT_TRUE(sub.has_value()) << sub.error().message();
    dir = std::move(sub).value();
    path += "/" + std::string(40, static_cast<char>('a' + i));
  }
  ASSERT_GT(path.size(), 400u);
  ASSERT_TRUE(WriteFileAtomic(*dir, "deep.txt", "deep", 0644).ok());
  auto text = ReadRegularFileToString(DefaultFs(), path + "/deep.txt", 100);
  ASSERT_TRUE(text.has_value()) << text.error().message();
  EXPECT_EQ(*text, "deep");
  dir.reset();
  EXPECT_TRUE(RemoveTreeAt(*root, std::string(40, 'a')).ok());
  EXPECT_FALSE(testsupport::PathExists(tmp_.Sub(std::string(40, 'a'))));
}

TEST_F(FsWin32Test, BackslashesAndDriveLetters) {
  WriteFileOrDie(tmp_.Sub("x.txt"), "x");
  std::string back = tmp_.path() + "\\x.txt";
  auto f = DefaultFs().OpenRegular(back);
  ASSERT_TRUE(f.has_value()) << f.error().message();
  const std::wstring full = win32::LongPath(tmp_.path());
  EXPECT_EQ(full.rfind(L"\\\\?\\", 0), 0u);
  EXPECT_EQ(full.find(L'/'), std::wstring::npos);
  EXPECT_EQ(win32::LongPath("\\\\server\\share\\kit.rdbundle"),
            L"\\\\?\\UNC\\server\\share\\kit.rdbundle");
  EXPECT_EQ(win32::LongPath("E:/kit.rdbundle"), L"\\\\?\\E:\\kit.rdbundle");
  EXPECT_EQ(win32::LongPath("E:\\a\\..\\kit.rdbundle"), L"\\\\?\\E:\\kit.rdbundle");
}

TEST_F(FsWin32Test, ErrorsNameTheFileAndMapToCodes) {
  auto missing = DefaultFs().OpenRegular(tmp_.Sub("nope"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message().rfind(tmp_.Sub("nope") + ": ", 0), 0u)
      << missing.error().message();
  EXPECT_EQ(win32::FromWinError("f", ERROR_DISK_FULL).code(), ErrorCode::kNoSpace);
  EXPECT_EQ(win32::FromWinError("f", ERROR_ACCESS_DENIED).code(), ErrorCode::kIo);
  EXPECT_EQ(win32::FromWinError("f", ERROR_PATH_NOT_FOUND).code(), ErrorCode::kNotFound);
  EXPECT_EQ(win32::ErrorText(ERROR_FILE_NOT_FOUND).find('\n'), std::string::npos);
}

// RD holds its files open without FILE_SHARE_DELETE while it runs: replacing one fails after
// the bounded retry with one line that names it and says what to do; the file keeps its old
// bytes and no staging file is left.
TEST_F(FsWin32Test, HeldOpenTargetFailsCleanly) {
  WriteFileOrDie(tmp_.Sub("k3s"), "old");
  const std::wstring target = win32::LongPath(tmp_.Sub("k3s"));
  win32::Handle held(::CreateFileW(target.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr,
                                   OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
  ASSERT_TRUE(held.valid());
  auto root = Root();
  const DWORD start = ::GetTickCount();
  Status s = WriteFileAtomic(*root, "k3s", "new", 0755);
  const DWORD waited = ::GetTickCount() - start;
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_EQ(s.message(), tmp_.path() + "/k3s: in use by another program (Rancher Desktop?): "
                                       "close Rancher Desktop and run again");
  EXPECT_GE(waited, 2500u);  // retried first (an antivirus scan lets go soon)
  held.reset();
  EXPECT_EQ(ReadFileOrDie(tmp_.Sub("k3s")), "old");
  EXPECT_EQ(*root->List(), std::vector<std::string>{"k3s"});
  // Once it is closed, the same replacement works.
  ASSERT_TRUE(WriteFileAtomic(*root, "k3s", "new", 0755).ok());
  EXPECT_EQ(ReadFileOrDie(tmp_.Sub("k3s")), "new");
}

TEST_F(FsWin32Test, LockIsExclusiveUntilReleased) {
  auto root = Root();
  auto lock = root->TryLock();
  ASSERT_TRUE(lock.has_value());
  ASSERT_NE(*lock, nullptr);
  // Another thread (as another process) does not get it while it is held.
  std::unique_ptr<FileLock> other;
  bool got = true;
  std::thread([&] {
    auto l = DefaultFs().TryLock(tmp_.path());
    got = l.has_value() && *l != nullptr;
  }).join();
  EXPECT_FALSE(got);
  lock->reset();
  std::thread([&] {
    auto l = DefaultFs().TryLock(tmp_.path());
    got = l.has_value() && *l != nullptr;
  }).join();
  EXPECT_TRUE(got);
}

// The lock lives in the namespace every session shares (Global\\), so a fleet tool running as
// SYSTEM in session 0 and the user's own run in session 1 exclude each other; a Local\\ name
// would give each session its own lock.
TEST_F(FsWin32Test, LockIsVisibleToEverySession) {
  auto root = Root();
  auto lock = root->TryLock();
  ASSERT_TRUE(lock.has_value());
  ASSERT_NE(*lock, nullptr);
  win32::Handle dir(::CreateFileW(win32::Widen(tmp_.path()).c_str(), FILE_READ_ATTRIBUTES,
                                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                  OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  ASSERT_TRUE(dir.valid());
  BY_HANDLE_FILE_INFORMATION bh;
  ASSERT_TRUE(::GetFileInformationByHandle(dir.get(), &bh));
  char name[96];
  std::snprintf(name, sizeof name, "Global\\rdbundle-lock-%08lx-%08lx%08lx",
                static_cast<unsigned long>(bh.dwVolumeSerialNumber),
                static_cast<unsigned long>(bh.nFileIndexHigh),
                static_cast<unsigned long>(bh.nFileIndexLow));
  win32::Handle held(::OpenMutexW(SYNCHRONIZE, FALSE, win32::Widen(name).c_str()));
  ASSERT_TRUE(held.valid()) << name << ": " << ::GetLastError();
  DWORD waited = 0;  // from another thread: the owning one would just own it again
  std::thread([&] { waited = ::WaitForSingleObject(held.get(), 0); }).join();
  EXPECT_EQ(waited, static_cast<DWORD>(WAIT_TIMEOUT));
  lock->reset();
  held.reset();
  win32::Handle gone(::OpenMutexW(SYNCHRONIZE, FALSE, win32::Widen(name).c_str()));
  EXPECT_FALSE(gone.valid());  // no handle left: the name is gone with the last run
}

TEST_F(FsWin32Test, FreeSpace) {
  auto free = DefaultFs().FreeBytes(tmp_.path());
  ASSERT_TRUE(free.has_value()) << free.error().message();
  EXPECT_GT(*free, 0u);
  EXPECT_EQ(*Root()->FreeBytes(), *free);
}

// The defaults of RD and kuberlr on Windows (issue 17): the cache in the local application
// data folder, kuberlr's home from %HOME%, else %USERPROFILE%, windows-amd64.
TEST(LayoutWin32Test, DefaultsAsRdAndKuberlrComputeThem) {
  auto local = LocalAppDataDir();
  ASSERT_TRUE(local.has_value());
  const std::map<std::string, std::string> env = {{"USERPROFILE", "C:\\Users\\u"}};
  auto getenv = [&env](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto d = ResolveDestinations({}, getenv);
  ASSERT_TRUE(d.has_value()) << d.error().message();
  EXPECT_EQ(d->os, TargetOs::kWindows);
  EXPECT_EQ(d->arch, Arch::kAmd64);
  EXPECT_EQ(d->home, "C:\\Users\\u");
  EXPECT_EQ(d->kuberlr_dir, "C:\\Users\\u/.kuberlr");
  EXPECT_EQ(d->cache_dir, JoinPath(*local, "rancher-desktop/cache"));
  EXPECT_TRUE(d->is_host);
  // %HOME% first, as kuberlr reads it.
  auto with_home = [&getenv](const char* name) -> std::optional<std::string> {
    if (std::string_view(name) == "HOME") return std::string("D:\\home");
    return getenv(name);
  };
  EXPECT_EQ(ResolveDestinations({}, with_home)->kuberlr_dir, "D:\\home/.kuberlr");
  // Neither: a usage error that says which.
  auto none = ResolveDestinations({}, [](const char*) { return std::optional<std::string>(); });
  EXPECT_EQ(none.error().message(),
            "neither HOME nor USERPROFILE is set: pass --home, or --cache-dir and --kuberlr-dir");
}

}  // namespace
}  // namespace rdbundle
