// An in-memory Fs for the bundle fuzzers (ninja's VirtualFileSystem, style.md item 12): no
// syscalls, nothing shared between runs, and every path the code under test touches is
// visible, including paths outside the destination it was given.
//
// POSIX semantics the installer relies on, kept here: O_EXCL creation, rename(2) replacing a
// file or an empty directory and moving whole directory trees, RENAME_NOREPLACE, rmdir only
// of empty directories, unlink not on directories, errno-style failures (ENOENT, ENOTDIR,
// EEXIST, EISDIR, ENOTEMPTY, EINVAL) through Status::FromErrno, the umask (022) on creation,
// open files that follow their inode across renames and unlinks. Paths are normalized
// lexically ("a/./b", "a/../b", "//"); there are no symlinks, so that is what the kernel
// would resolve too. Relative paths are taken relative to "/".
//
// TryLock is exclusive per path, like flock(2) on separately opened descriptors (also within
// one process).
//
// Fault injection: FailAt(n) makes the nth mutating operation from now (create, append, sync,
// set-mode, close, rename, mkdir, remove, chmod, sync-dir) fail with EIO, once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "common/os/fs.h"

namespace rdbundle::fuzz {

class MemFs final : public Fs {
 public:
  struct Inode {
    std::string data;
    std::uint32_t mode = 0644;
    std::int64_t mtime_ns = 0;
    std::uint64_t ino = 0;
  };
  struct Node {
    bool dir = false;
    std::uint32_t dir_mode = 0755;
    std::shared_ptr<Inode> file;  // regular files only
  };

  MemFs();

  // ---- test-side helpers (no fault injection, no umask) ----
  // Creates parent directories as needed. Replaces an existing file.
  void PutFile(const std::string& path, std::string_view data, std::uint32_t mode = 0644);
  void PutDir(const std::string& path);
  const Node* Find(const std::string& path) const;
  const std::map<std::string, Node>& nodes() const { return nodes_; }
  // path -> "dir 0755" or "file 0644 <size> <sha256>": the state a rollback must restore.
  std::map<std::string, std::string> Listing() const;
  void FailAt(int nth) { fail_at_ = nth > 0 ? ops_ + nth : 0; }
  bool fault_fired() const { return fault_fired_; }
  void set_free_bytes(std::uint64_t n) { free_bytes_ = n; }

  static std::string Normalize(std::string_view path);

  // ---- Fs ----
  // Roots and directories are MakePathDir over this Fs (there are no symlinks to refuse).
  Result<std::unique_ptr<Dir>> OpenRoot(const std::string& path) override;
  Result<std::unique_ptr<ReadableFile>> OpenRegular(const std::string& path) override;
  Result<std::unique_ptr<ReadableFile>> OpenForRead(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> CreateTemp(const std::string& dir,
                                                   std::string_view prefix) override;
  Result<std::unique_ptr<WritableFile>> CreateNew(const std::string& path,
                                                  std::uint32_t mode) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status RenameNoReplace(const std::string& from, const std::string& to) override;
  Status SyncDir(const std::string& dir) override;
  Status RemoveFile(const std::string& path) override;
  Status RemoveDir(const std::string& path) override;
  Status MakeDir(const std::string& path, std::uint32_t mode) override;
  Status Chmod(const std::string& path, std::uint32_t mode) override;
  Result<FileInfo> Stat(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Result<std::uint64_t> FreeBytes(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> TryLock(const std::string& path) override;

  // Counts one mutating operation; the failure to return when it is the injected one.
  Status Mutate(std::string_view what);
  std::int64_t Tick() { return ++clock_; }

 private:
  Node* Get(const std::string& norm);
  // The parent of `norm` must exist and be a directory.
  Status CheckParent(const std::string& norm, std::string_view context);
  bool HasChildren(const std::string& norm) const;
  Result<std::unique_ptr<WritableFile>> Create(const std::string& norm, std::uint32_t mode);

  std::map<std::string, Node> nodes_;
  std::uint64_t next_ino_ = 1;
  std::uint64_t temp_counter_ = 0;
  std::int64_t clock_ = 1'700'000'000'000'000'000;
  std::uint64_t free_bytes_ = 1ull << 40;
  std::uint64_t ops_ = 0;
  std::uint64_t fail_at_ = 0;
  bool fault_fired_ = false;
  std::shared_ptr<std::set<std::string>> locked_ = std::make_shared<std::set<std::string>>();
};

// A bundle held in memory as a ReadableFile, returned in reads of at most `max_read` bytes
// (0: no limit), so the zstd reader sees short reads too.
std::unique_ptr<ReadableFile> MemReadable(std::string data, std::string path,
                                          std::size_t max_read = 0);

}  // namespace rdbundle::fuzz
