// POSIX implementation of Fs. The only file with open/rename/fsync/statvfs/flock calls.
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#if defined(__linux__)
#include <sys/syscall.h>  // SYS_renameat2 (macOS has no <sys/syscall.h>: renameatx_np)
#endif
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <limits>

#include "common/base/hex.h"
#include "common/base/quote.h"
#include "common/os/fs.h"
#include "common/os/platform.h"

namespace rdbundle {
namespace {

// F_FULLFSYNC on macOS: fsync there does not flush the drive's cache.
int SyncFd(int fd) {
#if defined(__APPLE__)
  if (::fcntl(fd, F_FULLFSYNC) == 0) return 0;
  return ::fsync(fd);
#elif defined(__linux__)
  return ::fdatasync(fd);
#else
  return ::fsync(fd);
#endif
}

class PosixReadableFile final : public ReadableFile {
 public:
  PosixReadableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixReadableFile() override { ::close(fd_); }

  Result<std::size_t> Read(void* buf, std::size_t n) override {
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) return static_cast<std::size_t>(r);
      if (errno != EINTR) return Status::FromErrno(path_ + ": read", errno);
      if (int sig = InterruptSignal()) {
        return Status::Interrupted(path_ + ": interrupted by signal " + std::to_string(sig));
      }
    }
  }
  Status Skip(std::uint64_t n) override {
    if (n > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
      return Status::Io(path_ + ": cannot skip " + std::to_string(n) + " bytes");
    }
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) >= 0) return Status::Ok();
    if (errno != ESPIPE) return Status::FromErrno(path_ + ": lseek", errno);
    return ReadableFile::Skip(n);  // a pipe
  }
  const std::string& path() const override { return path_; }
  Result<std::string> WhoElseCanRead() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return Status::FromErrno(path_ + ": fstat", errno);
    if ((st.st_mode & 044) == 0) return std::string();
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    const char* who = (st.st_mode & 004) == 0   ? "its group"
                      : (st.st_mode & 040) == 0 ? "others"
                                                : "its group and others";
    return std::string(who) + " can read it (mode " + mode + "; fix: chmod 600 " +
           QuoteForMessage(path_) + ")";
  }

 private:
  int fd_;
  std::string path_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(const void* data, std::size_t n) override {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(path_ + ": write", errno);
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    return Status::Ok();
  }
  Status Sync() override {
    if (SyncFd(fd_) != 0) return Status::FromErrno(path_ + ": fsync", errno);
    return Status::Ok();
  }
  void StartWriteback() override {
#if defined(__linux__)
    // The whole file (length 0: to its end): only its dirty pages are looked at, and pages
    // already being written are skipped. Errors are left to Sync().
    (void)::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
  }
  Status SetMode(std::uint32_t mode) override {
    if (::fchmod(fd_, mode) != 0) return Status::FromErrno(path_ + ": chmod", errno);
    return Status::Ok();
  }
  Status Close() override {
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return Status::FromErrno(path_ + ": close", errno);
    return Status::Ok();
  }
  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
};

class PosixLock final : public FileLock {
 public:
  explicit PosixLock(int fd) : fd_(fd) {}
  ~PosixLock() override {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
  }

 private:
  int fd_;
};

FileInfo ToFileInfo(const struct stat& st) {
  FileInfo info;
  if (S_ISREG(st.st_mode)) {
    info.type = FileInfo::Type::kRegular;
  } else if (S_ISDIR(st.st_mode)) {
    info.type = FileInfo::Type::kDirectory;
  } else if (S_ISLNK(st.st_mode)) {
    info.type = FileInfo::Type::kSymlink;
  }
  info.size = static_cast<std::uint64_t>(st.st_size);
  info.mode = st.st_mode & 07777;
#if defined(__APPLE__)
  info.mtime_ns = st.st_mtimespec.tv_sec * 1000000000LL + st.st_mtimespec.tv_nsec;
#else
  info.mtime_ns = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
#endif
  info.inode = st.st_ino;
  info.device = st.st_dev;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  return info;
}

// Opens a regular file for reading without blocking on a FIFO (O_NONBLOCK; no effect on
// regular files) and checks its type on the descriptor, so nothing can be swapped in between.
Result<std::unique_ptr<ReadableFile>> OpenRegularAt(int dirfd, const std::string& name,
                                                    const std::string& path, int extra_flags) {
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | extra_flags);
  if (fd < 0) {
    if (errno == ELOOP && (extra_flags & O_NOFOLLOW)) {
      return Status::Io(path + ": is a symbolic link; refusing to follow it");
    }
    return Status::FromErrno(path, errno);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::FromErrno(path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Io(path + (S_ISDIR(st.st_mode) ? ": is a directory" : ": not a regular file"));
  }
  // Back to blocking reads (a regular file never blocks, but keep the descriptor ordinary).
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return std::unique_ptr<ReadableFile>(new PosixReadableFile(fd, path));
}

bool ValidName(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

class PosixDir final : public Dir {
 public:
  PosixDir(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixDir() override { ::close(fd_); }

  const std::string& path() const override { return path_; }

  Result<FileInfo> Info() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Status::FromErrno(path_, errno);
    return ToFileInfo(st);
  }

  Result<FileInfo> Stat(std::string_view name) override {
    RDB_RETURN_IF_ERROR(Check(name));
    struct stat st;
    if (::fstatat(fd_, std::string(name).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return Status::FromErrno(Sub(name), errno);
    }
    return ToFileInfo(st);
  }

  Result<std::vector<std::string>> List() override {
    const int fd = ::openat(fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(path_, errno);
    DIR* d = ::fdopendir(fd);
    if (d == nullptr) {
      const int err = errno;
      ::close(fd);
      return Status::FromErrno(path_, err);
    }
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name(e->d_name);
      if (name != "." && name != "..") names.emplace_back(name);
    }
    const int err = errno;
    ::closedir(d);
    if (err != 0) return Status::FromErrno(path_ + ": readdir", err);
    std::sort(names.begin(), names.end());
    return names;
  }

  Result<std::unique_ptr<Dir>> OpenDir(std::string_view name) override {
    RDB_RETURN_IF_ERROR(Check(name));
    const std::string sub = Sub(name);
    const int fd = ::openat(fd_, std::string(name).c_str(),
                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      struct stat st;
      if ((err == ELOOP || err == ENOTDIR) &&
          ::fstatat(fd_, std::string(name).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode)) {
          return Status::Io(sub + ": is a symbolic link; refusing to follow it below a "
                                  "destination root (replace it with a directory)");
        }
        return Status::Io(sub + ": exists and is not a directory");
      }
      return Status::FromErrno(sub, err);
    }
    return std::unique_ptr<Dir>(new PosixDir(fd, sub));
  }

  Status MakeDir(std::string_view name, std::uint32_t mode) override {
    RDB_RETURN_IF_ERROR(Check(name));
    if (::mkdirat(fd_, std::string(name).c_str(), mode) != 0) {
      return Status::FromErrno(Sub(name) + ": mkdir", errno);
    }
    return Status::Ok();
  }

  Result<std::unique_ptr<ReadableFile>> OpenFile(std::string_view name) override {
    RDB_RETURN_IF_ERROR(Check(name));
    return OpenRegularAt(fd_, std::string(name), Sub(name), O_NOFOLLOW);
  }

  Result<std::unique_ptr<WritableFile>> CreateNew(std::string_view name,
                                                  std::uint32_t mode) override {
    RDB_RETURN_IF_ERROR(Check(name));
    const int fd = ::openat(fd_, std::string(name).c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return Status::FromErrno(Sub(name), errno);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, Sub(name)));
  }

  Result<std::unique_ptr<WritableFile>> CreateTemp(std::string_view prefix) override {
    for (int attempt = 0; attempt < 16; ++attempt) {
      std::uint8_t rnd[6];
      randombytes_buf(rnd, sizeof rnd);
      const std::string name = std::string(prefix) + HexEncode(rnd);
      const int fd = ::openat(fd_, name.c_str(),
                              O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd >= 0) return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, Sub(name)));
      if (errno != EEXIST) return Status::FromErrno(path_ + ": create temporary file", errno);
    }
    return Status::Io(path_ + ": could not create a unique temporary file");
  }

  Status Link(std::string_view name, Dir& to_dir, std::string_view to) override {
    RDB_ASSIGN_OR_RETURN(PosixDir & other, Peer(name, to_dir, to));
    if (::linkat(fd_, std::string(name).c_str(), other.fd_, std::string(to).c_str(), 0) != 0) {
      return Status::FromErrno("link " + Sub(name) + " -> " + other.Sub(to), errno);
    }
    return Status::Ok();
  }

  Status Rename(std::string_view from, Dir& to_dir, std::string_view to) override {
    RDB_ASSIGN_OR_RETURN(PosixDir & other, Peer(from, to_dir, to));
    if (::renameat(fd_, std::string(from).c_str(), other.fd_, std::string(to).c_str()) != 0) {
      return Status::FromErrno("rename " + Sub(from) + " -> " + other.Sub(to), errno);
    }
    return Status::Ok();
  }

  Status RenameNoReplace(std::string_view from, Dir& to_dir, std::string_view to) override {
    RDB_ASSIGN_OR_RETURN(PosixDir & other, Peer(from, to_dir, to));
    const std::string f(from), t(to);
    const std::string what = "rename " + Sub(from) + " -> " + other.Sub(to);
#if defined(__linux__) && defined(SYS_renameat2)
    if (::syscall(SYS_renameat2, fd_, f.c_str(), other.fd_, t.c_str(), 1 /* RENAME_NOREPLACE */) ==
        0) {
      return Status::Ok();
    }
    if (errno != EINVAL && errno != ENOSYS) return Status::FromErrno(what, errno);
    // Filesystem without RENAME_NOREPLACE (e.g. some FUSE/9p mounts): check, then rename.
#elif defined(__APPLE__)
    if (::renameatx_np(fd_, f.c_str(), other.fd_, t.c_str(), RENAME_EXCL) == 0) {
      return Status::Ok();
    }
    if (errno != ENOTSUP && errno != EINVAL) return Status::FromErrno(what, errno);
#endif
    struct stat st;
    if (::fstatat(other.fd_, t.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      return Status::FromErrno(what, EEXIST);
    }
    if (::renameat(fd_, f.c_str(), other.fd_, t.c_str()) != 0) {
      return Status::FromErrno(what, errno);
    }
    return Status::Ok();
  }

  Result<bool> Exchange(std::string_view a, Dir& to_dir, std::string_view b) override {
    RDB_ASSIGN_OR_RETURN(PosixDir & other, Peer(a, to_dir, b));
    const std::string x(a), y(b);
    const std::string what = "exchange " + Sub(a) + " <-> " + other.Sub(b);
#if defined(__linux__) && defined(SYS_renameat2)
    if (::syscall(SYS_renameat2, fd_, x.c_str(), other.fd_, y.c_str(), 2 /* RENAME_EXCHANGE */) ==
        0) {
      return true;
    }
    if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) return false;
    return Status::FromErrno(what, errno);
#elif defined(__APPLE__)
    if (::renameatx_np(fd_, x.c_str(), other.fd_, y.c_str(), RENAME_SWAP) == 0) return true;
    if (errno == ENOTSUP || errno == EINVAL) return false;
    return Status::FromErrno(what, errno);
#else
    return false;
#endif
  }

  Status Unlink(std::string_view name) override {
    RDB_RETURN_IF_ERROR(Check(name));
    if (::unlinkat(fd_, std::string(name).c_str(), 0) != 0) {
      return Status::FromErrno(Sub(name) + ": remove", errno);
    }
    return Status::Ok();
  }

  Status RemoveDir(std::string_view name) override {
    RDB_RETURN_IF_ERROR(Check(name));
    if (::unlinkat(fd_, std::string(name).c_str(), AT_REMOVEDIR) != 0) {
      return Status::FromErrno(Sub(name) + ": remove directory", errno);
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (SyncFd(fd_) != 0 && errno != EINVAL && errno != ENOTSUP && errno != EBADF) {
      return Status::FromErrno(path_ + ": fsync directory", errno);
    }
    return Status::Ok();
  }

  Status SetOwner(std::string_view name, Owner owner) override {
    int rc;
    if (name.empty()) {
      rc = ::fchown(fd_, owner.uid, owner.gid);
    } else {
      RDB_RETURN_IF_ERROR(Check(name));
      rc = ::fchownat(fd_, std::string(name).c_str(), owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW);
    }
    if (rc != 0) {
      return Status::FromErrno((name.empty() ? path_ : Sub(name)) + ": chown to " +
                                   std::to_string(owner.uid) + ":" + std::to_string(owner.gid),
                               errno);
    }
    return Status::Ok();
  }

  Status SetMode(std::string_view name, std::uint32_t mode) override {
    RDB_RETURN_IF_ERROR(Check(name));
    struct stat st;
    if (::fstatat(fd_, std::string(name).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return Status::FromErrno(Sub(name), errno);
    }
    if (S_ISLNK(st.st_mode)) return Status::Io(Sub(name) + ": is a symbolic link");
    if (::fchmodat(fd_, std::string(name).c_str(), mode, 0) != 0) {
      return Status::FromErrno(Sub(name) + ": chmod", errno);
    }
    return Status::Ok();
  }

  Result<std::uint64_t> FreeBytes() override {
    struct statvfs vfs;
    if (::fstatvfs(fd_, &vfs) != 0) return Status::FromErrno(path_ + ": statvfs", errno);
    return static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  }

  Result<std::unique_ptr<FileLock>> TryLock() override {
    const int fd = ::openat(fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(path_ + ": open for lock", errno);
    return LockFd(fd, path_);
  }

  static Result<std::unique_ptr<FileLock>> LockFd(int fd, const std::string& path) {
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      if (err == EWOULDBLOCK) {
        ::close(fd);
        return std::unique_ptr<FileLock>();
      }
      if (err != ENOLCK && err != ENOTSUP && err != EINVAL) {
        ::close(fd);
        return Status::FromErrno(path + ": lock", err);
      }
      // No locking on this filesystem: proceed unlocked.
    }
    return std::unique_ptr<FileLock>(new PosixLock(fd));
  }

 private:
  std::string Sub(std::string_view name) const { return JoinPath(path_, name); }
  // For operations on two directories: both names checked, and the other's POSIX handle.
  Result<std::reference_wrapper<PosixDir>> Peer(std::string_view a, Dir& other, std::string_view b) {
    RDB_RETURN_IF_ERROR(Check(a));
    RDB_RETURN_IF_ERROR(Check(b));
    return std::ref(static_cast<PosixDir&>(other.Base()));
  }
  Status Check(std::string_view name) const {
    if (ValidName(name)) return Status::Ok();
    return Status::Internal(path_ + ": not a single path component: \"" + std::string(name) +
                            "\"");
  }

  int fd_;
  std::string path_;
};

class PosixFs final : public Fs {
 public:
  Result<std::unique_ptr<Dir>> OpenRoot(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOTDIR) return Status::Io(path + ": exists and is not a directory");
      return Status::FromErrno(path, errno);
    }
    return std::unique_ptr<Dir>(new PosixDir(fd, path));
  }

  Result<std::unique_ptr<ReadableFile>> OpenRegular(const std::string& path) override {
    return OpenRegularAt(AT_FDCWD, path, path, 0);
  }

  Result<std::unique_ptr<ReadableFile>> OpenForRead(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno(path, err);
    }
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      return Status::Io(path + ": is a directory");
    }
    return std::unique_ptr<ReadableFile>(new PosixReadableFile(fd, path));
  }

  Result<std::unique_ptr<WritableFile>> CreateTemp(const std::string& dir,
                                                   std::string_view prefix) override {
    for (int attempt = 0; attempt < 16; ++attempt) {
      std::uint8_t rnd[6];
      randombytes_buf(rnd, sizeof rnd);
      std::string path = JoinPath(dir, std::string(prefix) + HexEncode(rnd));
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd >= 0) return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, path));
      if (errno != EEXIST) return Status::FromErrno(dir + ": create temporary file", errno);
    }
    return Status::Io(dir + ": could not create a unique temporary file");
  }

  Result<std::unique_ptr<WritableFile>> CreateNew(const std::string& path,
                                                  std::uint32_t mode) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return Status::FromErrno(path, errno);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, path));
  }

  Result<std::unique_ptr<WritableFile>> OpenForAppend(const std::string& path) override {
    // O_NONBLOCK: a FIFO in the way fails (ENXIO) instead of blocking; no effect on files.
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return Status::FromErrno(path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return Status::FromErrno(path, err);
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      return Status::Io(path + ": not a regular file");
    }
    return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, path));
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return Status::FromErrno("rename " + from + " -> " + to, errno);
    }
    return Status::Ok();
  }

  Status RenameNoReplace(const std::string& from, const std::string& to) override {
#if defined(__linux__) && defined(SYS_renameat2)
    if (::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(),
                  1 /* RENAME_NOREPLACE */) == 0) {
      return Status::Ok();
    }
    if (errno != EINVAL && errno != ENOSYS) {
      return Status::FromErrno("rename " + from + " -> " + to, errno);
    }
    // Filesystem without RENAME_NOREPLACE (e.g. some FUSE/9p mounts): check, then rename.
#endif
    struct stat st;
    if (::lstat(to.c_str(), &st) == 0) {
      return Status::FromErrno("rename " + from + " -> " + to, EEXIST);
    }
    return Rename(from, to);
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(dir + ": open directory", errno);
    int rc = SyncFd(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0 && err != EINVAL && err != ENOTSUP && err != EBADF) {
      return Status::FromErrno(dir + ": fsync directory", err);
    }
    return Status::Ok();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return Status::FromErrno(path + ": remove", errno);
    return Status::Ok();
  }

  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return Status::FromErrno(path + ": remove directory", errno);
    return Status::Ok();
  }

  Status MakeDir(const std::string& path, std::uint32_t mode) override {
    if (::mkdir(path.c_str(), mode) != 0) return Status::FromErrno(path + ": mkdir", errno);
    return Status::Ok();
  }

  Status Chmod(const std::string& path, std::uint32_t mode) override {
    if (::chmod(path.c_str(), mode) != 0) return Status::FromErrno(path + ": chmod", errno);
    return Status::Ok();
  }

  Result<FileInfo> Stat(const std::string& path) override {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return Status::FromErrno(path, errno);
    return ToFileInfo(st);
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* d = ::opendir(path.c_str());
    if (d == nullptr) return Status::FromErrno(path, errno);
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name(e->d_name);
      if (name != "." && name != "..") names.emplace_back(name);
    }
    int err = errno;
    ::closedir(d);
    if (err != 0) return Status::FromErrno(path + ": readdir", err);
    std::sort(names.begin(), names.end());
    return names;
  }

  Result<std::uint64_t> FreeBytes(const std::string& path) override {
    struct statvfs vfs;
    if (::statvfs(path.c_str(), &vfs) != 0) return Status::FromErrno(path + ": statvfs", errno);
    return static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  }

  Result<std::unique_ptr<FileLock>> TryLock(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return Status::FromErrno(path + ": open for lock", errno);
    return PosixDir::LockFd(fd, path);
  }
};

}  // namespace

std::unique_ptr<ReadableFile> OpenStdin() {
  int fd = ::dup(STDIN_FILENO);
  return std::unique_ptr<ReadableFile>(new PosixReadableFile(fd < 0 ? STDIN_FILENO : fd, "<stdin>"));
}

Fs& DefaultFs() {
  static PosixFs* fs = new PosixFs();  // never destroyed: usable from atexit and signal paths
  return *fs;
}

}  // namespace rdbundle
