// POSIX implementation of Fs. The only file with open/rename/fsync/statvfs/flock calls.
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "common/base/hex.h"
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
  const std::string& path() const override { return path_; }

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

class PosixFs final : public Fs {
 public:
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
    return info;
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
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return Status::FromErrno(path + ": open for lock", errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
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
