// The filesystem/platform layer. Every OS call that touches files goes through Fs, so that
//  - tests can inject faults (tests/testutil FaultFs fails the Nth call, or kills the process),
//  - the POSIX specifics (O_EXCL temp files, fsync vs F_FULLFSYNC on macOS, renameat2, statvfs,
//    flock) live in one file (fs_posix.cc).
// Paths are '/'-separated strings; this layer never follows symlinks it did not ask for.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace rdbundle {

struct FileInfo {
  enum class Type { kRegular, kDirectory, kSymlink, kOther };
  Type type = Type::kOther;
  std::uint64_t size = 0;
  std::uint32_t mode = 0;  // permission bits only (07777)
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
  std::uint64_t device = 0;
};

class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads up to n bytes; returns 0 only at end of file. Retries EINTR.
  virtual Result<std::size_t> Read(void* buf, std::size_t n) = 0;
  virtual const std::string& path() const = 0;
};

class WritableFile {
 public:
  WritableFile() = default;
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;
  virtual ~WritableFile() = default;  // closes without syncing if Close() was not called

  // Writes all n bytes (retries short writes and EINTR).
  virtual Status Append(const void* data, std::size_t n) = 0;
  // Durable: F_FULLFSYNC on macOS, fdatasync elsewhere.
  virtual Status Sync() = 0;
  // A hint for streaming writers, no guarantee: starts writing back what was appended so far
  // without waiting for it (Linux: sync_file_range SYNC_FILE_RANGE_WRITE), so the device works
  // while the writer goes on and the Sync() at the end finds little left to do. Only Sync()
  // makes data durable. The default does nothing.
  virtual void StartWriteback() {}
  virtual Status SetMode(std::uint32_t mode) = 0;
  virtual Status Close() = 0;
  virtual const std::string& path() const = 0;
};

// For a streaming writer: starts the file's writeback (StartWriteback) every kWritebackBytes
// appended, so the device works while the stream goes on and the Sync() at the end waits only
// for the tail instead of writing the whole file while everything else stands still.
class WritebackPacer {
 public:
  static constexpr std::uint64_t kWritebackBytes = 8u << 20;

  // Call after appending n bytes to `file`.
  void Appended(WritableFile& file, std::uint64_t n) {
    pending_ += n;
    if (pending_ >= kWritebackBytes) {
      file.StartWriteback();
      pending_ = 0;
    }
  }

 private:
  std::uint64_t pending_ = 0;  // appended since the last StartWriteback
};

// An exclusive advisory lock; released when destroyed (or when the process dies).
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Fs {
 public:
  virtual ~Fs() = default;

  virtual Result<std::unique_ptr<ReadableFile>> OpenForRead(const std::string& path) = 0;
  // Creates "<dir>/<prefix><random>" with O_CREAT|O_EXCL, mode 0600.
  virtual Result<std::unique_ptr<WritableFile>> CreateTemp(const std::string& dir,
                                                           std::string_view prefix) = 0;
  // Creates `path` with O_CREAT|O_EXCL and the given mode; fails if it exists.
  virtual Result<std::unique_ptr<WritableFile>> CreateNew(const std::string& path,
                                                          std::uint32_t mode) = 0;
  // Opens an existing regular file for appending (O_APPEND, symlinks not followed), e.g. to
  // resume a partial download. kNotFound when absent. Implementations that cannot append
  // return kIo (the default).
  virtual Result<std::unique_ptr<WritableFile>> OpenForAppend(const std::string& path);
  // rename(2): atomically replaces a file at `to`.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Like Rename, but fails (kIo, "exists") when `to` exists, even as an empty directory.
  virtual Status RenameNoReplace(const std::string& from, const std::string& to) = 0;
  // fsync of a directory, so renames in it are durable. Filesystems that cannot sync a
  // directory (EINVAL/ENOTSUP, e.g. some network or Windows mounts) count as success.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual Status RemoveDir(const std::string& path) = 0;  // empty directory only
  virtual Status MakeDir(const std::string& path, std::uint32_t mode) = 0;
  virtual Status Chmod(const std::string& path, std::uint32_t mode) = 0;
  // lstat(2). kNotFound when absent.
  virtual Result<FileInfo> Stat(const std::string& path) = 0;
  // Entry names without "." and "..", sorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // Bytes available to an unprivileged user on the filesystem holding `path`.
  virtual Result<std::uint64_t> FreeBytes(const std::string& path) = 0;
  // Non-blocking exclusive lock on an existing file or directory. Returns nullptr when another
  // process holds it. Filesystems without locks give a lock that always succeeds.
  virtual Result<std::unique_ptr<FileLock>> TryLock(const std::string& path) = 0;
};

// The process-wide real filesystem (POSIX).
Fs& DefaultFs();

// Standard input as a ReadableFile named "<stdin>" (bundles can arrive through a pipe).
std::unique_ptr<ReadableFile> OpenStdin();

// ---- helpers built on Fs -------------------------------------------------------------------

std::string JoinPath(std::string_view a, std::string_view b);
// "a/b/c" -> "a/b"; "c" -> "."; "/c" -> "/".
std::string DirName(std::string_view path);
std::string BaseName(std::string_view path);

// Whole file, failing with kLimitExceeded ("<path>: larger than N bytes") above max_bytes.
Result<std::string> ReadFileToString(Fs& fs, const std::string& path, std::size_t max_bytes);

// Temp file in the same directory, write, fsync, chmod, rename over `path`, fsync the
// directory. Never leaves a partial file under `path`; removes the temp file on failure.
Status WriteFileAtomic(Fs& fs, const std::string& path, std::string_view content,
                       std::uint32_t mode);

// mkdir -p. Appends each directory it created (outermost first) to `created`, if given, so a
// caller can roll back; existing directories are not listed. A non-directory in the way fails.
Status MakeDirs(Fs& fs, const std::string& path, std::vector<std::string>* created);

// ListDir, but a missing directory is an empty list.
Result<std::vector<std::string>> ListDirIfExists(Fs& fs, const std::string& path);

// rm -r without following symlinks (a symlink is removed, not its target). NotFound is OK.
Status RemoveTree(Fs& fs, const std::string& path);

// Nearest existing ancestor of `path` (itself if it exists); used for free-space checks on
// destinations that do not exist yet.
Result<std::string> NearestExistingDir(Fs& fs, const std::string& path);

}  // namespace rdbundle
