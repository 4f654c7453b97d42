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
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

// The owner given to what an install creates in another user's home (item 4 of issue 13).
struct Owner {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads up to n bytes; returns 0 only at end of file. Retries EINTR.
  virtual Result<std::size_t> Read(void* buf, std::size_t n) = 0;
  // Moves n bytes ahead: lseek where the file can seek, else reads and drops them (the
  // default). Past the end is not an error; the next Read returns 0.
  virtual Status Skip(std::uint64_t n);
  virtual const std::string& path() const = 0;
  // For a secret: who besides its owner can read the file, as a message fragment that names
  // them and the fix ("its group and others can read it (mode 0644; fix: chmod 600 'k')";
  // Windows: from its DACL, read access for Everyone, Users or Authenticated Users). Empty
  // when nobody else can, and for files without permissions (stdin, in memory: the default).
  virtual Result<std::string> WhoElseCanRead() { return std::string(); }
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

// A handle on an open directory. Everything below a destination root goes through these:
// names are single path components (no '/'), resolved relative to the open directory, and a
// symlink is never followed (openat O_NOFOLLOW, fstatat AT_SYMLINK_NOFOLLOW, unlinkat,
// renameat), so swapping a directory for a symlink between a check and an act cannot redirect
// an operation elsewhere (issue 13, item 1). path() is for messages only; it is never reopened.
class Dir {
 public:
  Dir() = default;
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  virtual ~Dir() = default;

  virtual const std::string& path() const = 0;
  // The directory itself (fstat).
  virtual Result<FileInfo> Info() = 0;
  // An entry, without following a symlink (fstatat AT_SYMLINK_NOFOLLOW). kNotFound when absent.
  virtual Result<FileInfo> Stat(std::string_view name) = 0;
  // Entry names without "." and "..", sorted.
  virtual Result<std::vector<std::string>> List() = 0;
  // A subdirectory. A symlink is refused ("<path>/<name>: is a symbolic link; refusing to
  // follow it"), never followed; kNotFound when absent.
  virtual Result<std::unique_ptr<Dir>> OpenDir(std::string_view name) = 0;
  virtual Status MakeDir(std::string_view name, std::uint32_t mode) = 0;
  // A regular file for reading: O_NOFOLLOW|O_NONBLOCK (a FIFO never blocks), then fstat must
  // say regular file, else "<path>: not a regular file".
  virtual Result<std::unique_ptr<ReadableFile>> OpenFile(std::string_view name) = 0;
  // O_CREAT|O_EXCL|O_NOFOLLOW with `mode`; fails when the name exists.
  virtual Result<std::unique_ptr<WritableFile>> CreateNew(std::string_view name,
                                                          std::uint32_t mode) = 0;
  // "<prefix><random>", mode 0600; the name is BaseName(file->path()).
  virtual Result<std::unique_ptr<WritableFile>> CreateTemp(std::string_view prefix) = 0;
  // A hard link `to_dir/to` of the regular file `name` (linkat without AT_SYMLINK_FOLLOW).
  virtual Status Link(std::string_view name, Dir& to_dir, std::string_view to) = 0;
  // renameat(2): replaces a file at `to`.
  virtual Status Rename(std::string_view from, Dir& to_dir, std::string_view to) = 0;
  // Fails (kIo, EEXIST) when `to` exists, even as an empty directory.
  virtual Status RenameNoReplace(std::string_view from, Dir& to_dir, std::string_view to) = 0;
  // Swaps two existing entries atomically (Linux renameat2 RENAME_EXCHANGE, macOS
  // renameatx_np RENAME_SWAP). false when the filesystem or OS cannot (nothing was changed).
  virtual Result<bool> Exchange(std::string_view a, Dir& to_dir, std::string_view b) = 0;
  virtual Status Unlink(std::string_view name) = 0;     // a file or symlink, never a directory
  virtual Status RemoveDir(std::string_view name) = 0;  // an empty directory
  // fsync of the directory; filesystems that cannot (EINVAL/ENOTSUP) count as success.
  virtual Status Sync() = 0;
  // fchownat(AT_SYMLINK_NOFOLLOW); an empty name is the directory itself.
  virtual Status SetOwner(std::string_view name, Owner owner) = 0;
  virtual Status SetMode(std::string_view name, std::uint32_t mode) = 0;  // never a symlink
  // Bytes available to an unprivileged user on this directory's filesystem.
  virtual Result<std::uint64_t> FreeBytes() = 0;
  // Non-blocking exclusive lock on the directory; nullptr when another process holds it.
  virtual Result<std::unique_ptr<FileLock>> TryLock() = 0;

  // For implementations that wrap another (tests/support/fault_fs): the innermost Dir, whose
  // type the cross-directory operations (Link, Rename, Exchange) of that implementation know.
  virtual Dir& Base() { return *this; }
};

class Fs {
 public:
  virtual ~Fs() = default;

  // A destination root the user configured (or derived from HOME): resolved ONCE, following
  // symlinks (a cache moved to a bigger disk and linked back is fine, issue 13 item 5). Below
  // it, use the Dir's operations only. kNotFound when absent.
  virtual Result<std::unique_ptr<Dir>> OpenRoot(const std::string& path) = 0;
  // A regular file by path (following symlinks, as a user-named input), without ever blocking
  // on a FIFO: "<path>: not a regular file". For trusted keys, k3s-versions.json, the record.
  virtual Result<std::unique_ptr<ReadableFile>> OpenRegular(const std::string& path) = 0;

  virtual Result<std::unique_ptr<ReadableFile>> OpenForRead(const std::string& path) = 0;
  // Creates "<dir>/<prefix><random>" with O_CREAT|O_EXCL, mode 0600.
  virtual Result<std::unique_ptr<WritableFile>> CreateTemp(const std::string& dir,
                                                           std::string_view prefix) = 0;
  // CreateTemp for a file that stays private (a secret key): on Windows created with a
  // protected DACL granting only the current user (the analogue of mode 0600, which CreateTemp
  // gives on POSIX, where SetMode opens it up later; Windows has no SetMode). The default is
  // CreateTemp.
  virtual Result<std::unique_ptr<WritableFile>> CreatePrivateTemp(const std::string& dir,
                                                                  std::string_view prefix) {
    return CreateTemp(dir, prefix);
  }
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

// The same through Fs::OpenRegular: only a regular file, never blocking on a FIFO (trusted keys,
// k3s-versions.json, the install record; issue 13 item 8).
Result<std::string> ReadRegularFileToString(Fs& fs, const std::string& path,
                                            std::size_t max_bytes);

// What WriteFileAtomic does when `path` exists: replace it (rename), or fail and leave it
// (RenameNoReplace: also when another writer creates it meanwhile).
enum class IfExists { kReplace, kFail };
// Temp file in the same directory, write, fsync, chmod, rename to `path`, fsync the
// directory. Never leaves a partial file under `path`; removes the temp file on failure. A
// `mode` without group or other bits (0600) makes it CreatePrivateTemp.
Status WriteFileAtomic(Fs& fs, const std::string& path, std::string_view content,
                       std::uint32_t mode, IfExists if_exists = IfExists::kReplace);

// mkdir -p. Appends each directory it created (outermost first) to `created`, if given, so a
// caller can roll back; existing directories are not listed. A non-directory in the way fails.
Status MakeDirs(Fs& fs, const std::string& path, std::vector<std::string>* created);

// ListDir, but a missing directory is an empty list.
Result<std::vector<std::string>> ListDirIfExists(Fs& fs, const std::string& path);

// rm -r without following symlinks (a symlink is removed, not its target). NotFound is OK.
Status RemoveTree(Fs& fs, const std::string& path);

// A Dir over `fs`'s path-based operations, for Fs implementations without symlinks (the
// fuzzers' in-memory MemFs), where a path cannot be redirected: no hard links (Link fails
// and callers copy), no exchange (Exchange returns false), no owners (SetOwner does nothing).
std::unique_ptr<Dir> MakePathDir(Fs& fs, std::string path);

// ---- helpers built on Dir ------------------------------------------------------------------

// Whole regular file `name` of `dir`, as ReadFileToString.
Result<std::string> ReadFileToString(Dir& dir, std::string_view name, std::size_t max_bytes);

// Temp file in `dir`, write, chmod, chown (when `owner`), fsync, rename over `name`, fsync the
// directory. Never leaves a partial file under `name`; removes the temp file on failure.
Status WriteFileAtomic(Dir& dir, std::string_view name, std::string_view content,
                       std::uint32_t mode, const Owner* owner = nullptr);

// rm -r of the entry `name` of `dir` through directory handles: a symlink anywhere below is
// unlinked, never followed; a directory swapped for a symlink meanwhile makes it fail, never
// delete elsewhere. NotFound is OK.
Status RemoveTreeAt(Dir& dir, std::string_view name);

// OpenDir, creating the directory (mode 0755, then `owner` when given) when absent. Sets
// *created when it made it.
Result<std::unique_ptr<Dir>> OpenOrMakeDir(Dir& dir, std::string_view name, const Owner* owner,
                                           bool* created = nullptr);

// Nearest existing ancestor of `path` (itself if it exists); used for free-space checks on
// destinations that do not exist yet.
Result<std::string> NearestExistingDir(Fs& fs, const std::string& path);

}  // namespace rdbundle
