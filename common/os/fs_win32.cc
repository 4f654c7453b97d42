// Win32 implementation of Fs and Dir (the POSIX one is fs_posix.cc). UTF-8 paths inside,
// UTF-16 "\\?\" long paths at the API (win32_util.h).
//
// Below a destination root nothing follows a reparse point (symbolic link, junction): entries
// are opened with FILE_FLAG_OPEN_REPARSE_POINT and their attributes checked, so a link is
// refused (OpenDir, OpenFile) or reported as kSymlink (Stat), never followed. A Dir keeps a
// handle on its directory; the operations below it go by its path (Win32 has no *at calls).
//
// Replacing a file that another process holds open (Rancher Desktop running, an antivirus
// scan) fails with a sharing violation: Rename retries for kReplaceRetryMs, then says which
// file and to close Rancher Desktop.
#include <windows.h>
// windows.h first: these need its types
#include <aclapi.h>
#include <fcntl.h>
#include <io.h>
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include "common/base/hex.h"
#include "common/os/fs.h"
#include "common/os/platform.h"
#include "common/os/win32_util.h"

namespace rdbundle {
namespace {

using win32::FromWinError;
using win32::Handle;
using win32::LongPath;

// How long a replacing rename waits for a target held open by another process.
constexpr DWORD kReplaceRetryMs = 3000;
constexpr DWORD kRetrySleepMs = 100;

constexpr DWORD kShareAll = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

// 100 ns intervals between 1601-01-01 and 1970-01-01.
constexpr std::int64_t kEpochDiff100ns = 116444736000000000LL;

std::int64_t ToUnixNs(FILETIME ft) {
  const std::int64_t t = (static_cast<std::int64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime;
  return (t - kEpochDiff100ns) * 100;
}

FileInfo ToFileInfo(const BY_HANDLE_FILE_INFORMATION& bh) {
  FileInfo info;
  const DWORD a = bh.dwFileAttributes;
  if (a & FILE_ATTRIBUTE_REPARSE_POINT) {
    info.type = FileInfo::Type::kSymlink;
  } else if (a & FILE_ATTRIBUTE_DIRECTORY) {
    info.type = FileInfo::Type::kDirectory;
  } else if (a & FILE_ATTRIBUTE_DEVICE) {
    info.type = FileInfo::Type::kOther;
  } else {
    info.type = FileInfo::Type::kRegular;
  }
  info.size = (static_cast<std::uint64_t>(bh.nFileSizeHigh) << 32) | bh.nFileSizeLow;
  // No POSIX modes: what the attributes say (read-only or not); directories searchable.
  const bool dir = info.type == FileInfo::Type::kDirectory;
  info.mode = (a & FILE_ATTRIBUTE_READONLY) ? (dir ? 0555 : 0444) : (dir ? 0755 : 0644);
  info.mtime_ns = ToUnixNs(bh.ftLastWriteTime);
  info.inode = (static_cast<std::uint64_t>(bh.nFileIndexHigh) << 32) | bh.nFileIndexLow;
  info.device = bh.dwVolumeSerialNumber;
  return info;
}

Result<FileInfo> InfoOf(HANDLE h, const std::string& path) {
  BY_HANDLE_FILE_INFORMATION bh;
  if (!::GetFileInformationByHandle(h, &bh)) return FromWinError(path, ::GetLastError());
  FileInfo info = ToFileInfo(bh);
  // A character device or pipe (NUL, CON, a named pipe) is no regular file.
  const DWORD type = ::GetFileType(h);
  if (type != FILE_TYPE_DISK && type != FILE_TYPE_UNKNOWN) info.type = FileInfo::Type::kOther;
  return info;
}

// Opens `path` for `access`; `follow`: whether a reparse point at the last component is
// followed (the user's own inputs and roots) or opened itself (everything below a root).
Result<Handle> OpenHandle(const std::string& path, DWORD access, DWORD disposition, bool follow,
                          DWORD share = kShareAll) {
  DWORD flags = FILE_FLAG_BACKUP_SEMANTICS;  // directories too
  if (!follow) flags |= FILE_FLAG_OPEN_REPARSE_POINT;
  Handle h(::CreateFileW(LongPath(path).c_str(), access, share, nullptr, disposition, flags,
                         nullptr));
  if (!h.valid()) return FromWinError(path, ::GetLastError());
  return h;
}

class Win32ReadableFile final : public ReadableFile {
 public:
  Win32ReadableFile(Handle h, std::string path) : h_(std::move(h)), path_(std::move(path)) {}

  Result<std::size_t> Read(void* buf, std::size_t n) override {
    if (InterruptSignal() != 0) {
      return Status::Interrupted(path_ + ": interrupted by signal " +
                                 std::to_string(InterruptSignal()));
    }
    const DWORD want = static_cast<DWORD>(std::min<std::size_t>(n, 1u << 30));
    DWORD got = 0;
    if (!::ReadFile(h_.get(), buf, want, &got, nullptr)) {
      const DWORD err = ::GetLastError();
      if (err == ERROR_BROKEN_PIPE || err == ERROR_HANDLE_EOF) return std::size_t{0};  // EOF
      return FromWinError(path_ + ": read", err);
    }
    return static_cast<std::size_t>(got);
  }
  const std::string& path() const override { return path_; }
  Result<std::string> WhoElseCanRead() override;

 private:
  Handle h_;
  std::string path_;
};

// The groups whose read access makes a secret readable by others, with their English names.
struct WellKnownReader {
  WELL_KNOWN_SID_TYPE type;
  const char* name;
};
constexpr WellKnownReader kWellKnownReaders[] = {
    {WinWorldSid, "Everyone"},
    {WinBuiltinUsersSid, "BUILTIN\\Users"},
    {WinAuthenticatedUserSid, "NT AUTHORITY\\Authenticated Users"},
};

// The DACL's ACEs that allow reading the data to one of kWellKnownReaders (ACEs that only
// pass on to children are not the file's own). No DACL at all (FAT, or set so) is everyone.
Result<std::string> Win32ReadableFile::WhoElseCanRead() {
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  const DWORD rc = ::GetSecurityInfo(h_.get(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr,
                                     nullptr, &dacl, nullptr, &sd);
  if (rc != ERROR_SUCCESS) return FromWinError(path_ + ": read its access control list", rc);
  std::string who;
  if (dacl == nullptr) {
    who = "everyone (it has no access control list)";
  } else {
    for (DWORD i = 0; i < dacl->AceCount; ++i) {
      void* ace = nullptr;
      if (!::GetAce(dacl, i, &ace)) continue;
      const auto* header = static_cast<const ACE_HEADER*>(ace);
      if (header->AceType != ACCESS_ALLOWED_ACE_TYPE || (header->AceFlags & INHERIT_ONLY_ACE)) {
        continue;
      }
      auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(ace);
      if ((allowed->Mask & (FILE_READ_DATA | GENERIC_READ | GENERIC_ALL)) == 0) continue;
      for (const WellKnownReader& r : kWellKnownReaders) {
        if (::IsWellKnownSid(&allowed->SidStart, r.type) && who.find(r.name) == std::string::npos) {
          who += (who.empty() ? "" : ", ") + std::string(r.name);
        }
      }
    }
  }
  ::LocalFree(sd);
  if (who.empty()) return who;
  return who + " can read it (its access control list; fix: icacls \"" + path_ +
         "\" /inheritance:r /grant:r \"%USERNAME%:F\")";
}

class Win32WritableFile final : public WritableFile {
 public:
  Win32WritableFile(Handle h, std::string path) : h_(std::move(h)), path_(std::move(path)) {}

  Status Append(const void* data, std::size_t n) override {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(n, 1u << 30));
      DWORD w = 0;
      if (!::WriteFile(h_.get(), p, chunk, &w, nullptr)) {
        return FromWinError(path_ + ": write", ::GetLastError());
      }
      p += w;
      n -= w;
    }
    return Status::Ok();
  }
  Status Sync() override {
    if (!::FlushFileBuffers(h_.get())) return FromWinError(path_ + ": flush", ::GetLastError());
    return Status::Ok();
  }
  // No POSIX modes on Windows: a file inherits its directory's ACL.
  Status SetMode(std::uint32_t) override { return Status::Ok(); }
  Status Close() override {
    HANDLE h = h_.release();
    if (!::CloseHandle(h)) return FromWinError(path_ + ": close", ::GetLastError());
    return Status::Ok();
  }
  const std::string& path() const override { return path_; }

 private:
  Handle h_;
  std::string path_;
};

// The install lock: a named mutex per directory (its volume serial and file index), owned
// until the lock is destroyed or the process dies (WAIT_ABANDONED: the holder died, ours now).
// Directories cannot be locked with LockFileEx, and a lock file would leave a stray entry in
// the user's cache.
class Win32Lock final : public FileLock {
 public:
  explicit Win32Lock(Handle m) : m_(std::move(m)) {}
  ~Win32Lock() override { ::ReleaseMutex(m_.get()); }

 private:
  Handle m_;
};

// The mutex's name in the `Global\` namespace, which every session shares: a fleet tool in
// session 0 (SYSTEM) and the user's own run in session 1 must exclude each other, which
// `Local\` (one namespace per session) does not. Creating a mutex there needs no privilege
// (only file mappings do). It keeps the creator's default DACL, so a run as another user gets
// ERROR_ACCESS_DENIED for an existing one: the mutex exists only while a run holds a handle to
// it, so that means busy. Where `Global\` cannot be used at all (an AppContainer, say) the
// session's own namespace is the fallback.
std::string LockName(const char* space, const BY_HANDLE_FILE_INFORMATION& bh) {
  char name[96];
  std::snprintf(name, sizeof name, "%s\\rdbundle-lock-%08lx-%08lx%08lx", space,
                static_cast<unsigned long>(bh.dwVolumeSerialNumber),
                static_cast<unsigned long>(bh.nFileIndexHigh),
                static_cast<unsigned long>(bh.nFileIndexLow));
  return name;
}

Result<std::unique_ptr<FileLock>> LockHandle(HANDLE h, const std::string& path) {
  BY_HANDLE_FILE_INFORMATION bh;
  if (!::GetFileInformationByHandle(h, &bh)) return FromWinError(path, ::GetLastError());
  constexpr DWORD kAccess = SYNCHRONIZE | MUTEX_MODIFY_STATE;  // wait and release, nothing more
  Handle m(::CreateMutexExW(nullptr, win32::Widen(LockName("Global", bh)).c_str(), 0, kAccess));
  if (!m.valid() && ::GetLastError() == ERROR_ACCESS_DENIED) {
    return std::unique_ptr<FileLock>();  // another user's run holds it
  }
  if (!m.valid()) {
    m = Handle(::CreateMutexExW(nullptr, win32::Widen(LockName("Local", bh)).c_str(), 0, kAccess));
    if (!m.valid()) return FromWinError(path + ": lock", ::GetLastError());
  }
  const DWORD rc = ::WaitForSingleObject(m.get(), 0);
  if (rc == WAIT_TIMEOUT) return std::unique_ptr<FileLock>();
  if (rc != WAIT_OBJECT_0 && rc != WAIT_ABANDONED) {
    return FromWinError(path + ": lock", ::GetLastError());
  }
  return std::unique_ptr<FileLock>(new Win32Lock(std::move(m)));
}

// A regular file for reading; `follow` as in OpenHandle. A reparse point not followed is
// refused, and anything but a regular file ("<path>: not a regular file").
Result<std::unique_ptr<ReadableFile>> OpenRegularFile(const std::string& path, bool follow) {
  RDB_ASSIGN_OR_RETURN(Handle h, OpenHandle(path, GENERIC_READ, OPEN_EXISTING, follow));
  RDB_ASSIGN_OR_RETURN(FileInfo info, InfoOf(h.get(), path));
  if (info.type == FileInfo::Type::kSymlink) {
    return Status::Io(path + ": is a symbolic link; refusing to follow it");
  }
  if (info.type == FileInfo::Type::kDirectory) return Status::Io(path + ": is a directory");
  if (info.type != FileInfo::Type::kRegular) return Status::Io(path + ": not a regular file");
  return std::unique_ptr<ReadableFile>(new Win32ReadableFile(std::move(h), path));
}

// A security descriptor whose protected DACL (no ACE inherited from the directory applies)
// has one ACE: the current user (the process token's), full access. The analogue of mode 0600.
class OwnerOnlySecurity {
 public:
  Status Init(const std::string& path) {
    HANDLE raw = nullptr;
    if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &raw)) {
      return FromWinError(path + ": the current user", ::GetLastError());
    }
    Handle token(raw);
    DWORD n = 0;
    (void)::GetTokenInformation(token.get(), TokenUser, nullptr, 0, &n);
    user_.resize(n / sizeof(std::uint64_t) + 1);
    if (!::GetTokenInformation(token.get(), TokenUser, user_.data(),
                               static_cast<DWORD>(user_.size() * sizeof(std::uint64_t)), &n)) {
      return FromWinError(path + ": the current user", ::GetLastError());
    }
    PSID sid = reinterpret_cast<TOKEN_USER*>(user_.data())->User.Sid;
    const DWORD acl_bytes = sizeof(ACL) + sizeof(ACCESS_ALLOWED_ACE) + ::GetLengthSid(sid);
    acl_.resize(acl_bytes / sizeof(std::uint64_t) + 1);
    auto* acl = reinterpret_cast<PACL>(acl_.data());
    if (!::InitializeAcl(acl, acl_bytes, ACL_REVISION) ||
        !::AddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS, sid) ||
        !::InitializeSecurityDescriptor(&sd_, SECURITY_DESCRIPTOR_REVISION) ||
        !::SetSecurityDescriptorDacl(&sd_, TRUE, acl, FALSE) ||
        !::SetSecurityDescriptorControl(&sd_, SE_DACL_PROTECTED, SE_DACL_PROTECTED)) {
      return FromWinError(path + ": owner-only access control list", ::GetLastError());
    }
    attributes_.nLength = sizeof attributes_;
    attributes_.lpSecurityDescriptor = &sd_;
    attributes_.bInheritHandle = FALSE;
    return Status::Ok();
  }
  SECURITY_ATTRIBUTES* attributes() { return &attributes_; }

 private:
  std::vector<std::uint64_t> user_;  // TOKEN_USER (8-byte aligned)
  std::vector<std::uint64_t> acl_;
  SECURITY_DESCRIPTOR sd_{};
  SECURITY_ATTRIBUTES attributes_{};
};

// `security`: nullptr for the directory's inherited ACL.
Result<std::unique_ptr<WritableFile>> CreateFileNew(const std::string& path,
                                                    SECURITY_ATTRIBUTES* security = nullptr) {
  Handle h(::CreateFileW(LongPath(path).c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE,
                         security, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!h.valid()) return FromWinError(path, ::GetLastError());
  return std::unique_ptr<WritableFile>(new Win32WritableFile(std::move(h), path));
}

Result<std::unique_ptr<WritableFile>> CreateTempIn(const std::string& dir, std::string_view prefix,
                                                   SECURITY_ATTRIBUTES* security = nullptr) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::uint8_t rnd[6];
    randombytes_buf(rnd, sizeof rnd);
    const std::string path = JoinPath(dir, std::string(prefix) + HexEncode(rnd));
    auto f = CreateFileNew(path, security);
    if (f.has_value()) return f;
    const DWORD err = ::GetLastError();
    if (err != ERROR_FILE_EXISTS && err != ERROR_ALREADY_EXISTS) {
      return Status(f.error().code(), dir + ": create temporary file: " + win32::ErrorText(err));
    }
  }
  return Status::Io(dir + ": could not create a unique temporary file");
}

bool InUse(DWORD err) { return err == ERROR_SHARING_VIOLATION || err == ERROR_LOCK_VIOLATION; }

// MoveFileExW; `replace`: over an existing file. A target in use is retried for
// kReplaceRetryMs (an antivirus scan lets go soon; Rancher Desktop does not).
Status MoveFile(const std::string& from, const std::string& to, bool replace) {
  const std::wstring f = LongPath(from), t = LongPath(to);
  const DWORD flags = MOVEFILE_WRITE_THROUGH | (replace ? MOVEFILE_REPLACE_EXISTING : 0);
  DWORD waited = 0;
  for (;;) {
    if (::MoveFileExW(f.c_str(), t.c_str(), flags)) return Status::Ok();
    DWORD err = ::GetLastError();
    // Replacing a file open without FILE_SHARE_DELETE fails with "access denied" rather than a
    // sharing violation; tell the two apart by trying to open the target for deletion.
    if (replace && err == ERROR_ACCESS_DENIED) {
      Handle probe(::CreateFileW(t.c_str(), DELETE, kShareAll, nullptr, OPEN_EXISTING,
                                 FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
                                 nullptr));
      if (!probe.valid() && InUse(::GetLastError())) err = ERROR_SHARING_VIOLATION;
    }
    if (!InUse(err) && err != ERROR_ACCESS_DENIED) {
      if (err == ERROR_ALREADY_EXISTS || err == ERROR_FILE_EXISTS) {
        return Status::Io("rename " + from + " -> " + to + ": File exists");
      }
      return FromWinError("rename " + from + " -> " + to, err);
    }
    if (waited >= kReplaceRetryMs) {
      if (InUse(err)) {
        return Status::Io(to + ": in use by another program (Rancher Desktop?): close Rancher "
                               "Desktop and run again");
      }
      return FromWinError("rename " + from + " -> " + to, err);
    }
    ::Sleep(kRetrySleepMs);
    waited += kRetrySleepMs;
  }
}

Result<std::vector<std::string>> ListNames(const std::string& path) {
  std::wstring pattern = LongPath(path);
  if (!pattern.empty() && pattern.back() != L'\\') pattern += L'\\';
  pattern += L'*';
  WIN32_FIND_DATAW fd;
  HANDLE h = ::FindFirstFileExW(pattern.c_str(), FindExInfoBasic, &fd, FindExSearchNameMatch,
                                nullptr, 0);
  if (h == INVALID_HANDLE_VALUE) {
    const DWORD err = ::GetLastError();
    if (err == ERROR_FILE_NOT_FOUND) return std::vector<std::string>{};  // empty (a drive root)
    return FromWinError(path, err);
  }
  std::vector<std::string> names;
  DWORD err = ERROR_NO_MORE_FILES;
  do {
    const std::wstring_view n(fd.cFileName);
    if (n != L"." && n != L"..") names.push_back(win32::Narrow(n));
  } while (::FindNextFileW(h, &fd) || (err = ::GetLastError()) != ERROR_NO_MORE_FILES);
  ::FindClose(h);
  if (err != ERROR_NO_MORE_FILES) return FromWinError(path + ": list", err);
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::uint64_t> FreeBytesAt(const std::string& path) {
  ULARGE_INTEGER avail;
  std::wstring p = LongPath(path);
  if (!p.empty() && p.back() != L'\\') p += L'\\';
  if (!::GetDiskFreeSpaceExW(p.c_str(), &avail, nullptr, nullptr)) {
    return FromWinError(path + ": free space", ::GetLastError());
  }
  return static_cast<std::uint64_t>(avail.QuadPart);
}

Status RemoveFileAt(const std::string& path) {
  if (!::DeleteFileW(LongPath(path).c_str())) {
    return FromWinError(path + ": remove", ::GetLastError());
  }
  return Status::Ok();
}

Status RemoveDirAt(const std::string& path) {
  if (!::RemoveDirectoryW(LongPath(path).c_str())) {
    return FromWinError(path + ": remove directory", ::GetLastError());
  }
  return Status::Ok();
}

Status MakeDirAt(const std::string& path) {
  if (!::CreateDirectoryW(LongPath(path).c_str(), nullptr)) {
    const DWORD err = ::GetLastError();
    if (err == ERROR_ALREADY_EXISTS) return Status::Io(path + ": mkdir: File exists");
    return FromWinError(path + ": mkdir", err);
  }
  return Status::Ok();
}

// Single path components only: no separators of either kind and no ':' (an NTFS stream).
bool ValidName(std::string_view name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string_view("/\\:\0", 4)) == std::string_view::npos;
}

class Win32Dir final : public Dir {
 public:
  Win32Dir(Handle h, std::string path) : h_(std::move(h)), path_(std::move(path)) {}

  const std::string& path() const override { return path_; }

  Result<FileInfo> Info() override { return InfoOf(h_.get(), path_); }

  Result<FileInfo> Stat(std::string_view name) override {
    RDB_RETURN_IF_ERROR(Check(name));
    const std::string sub = Sub(name);
    RDB_ASSIGN_OR_RETURN(Handle h, OpenHandle(sub, FILE_READ_ATTRIBUTES, OPEN_EXISTING, false));
    return InfoOf(h.get(), sub);
  }

  Result<std::vector<std::string>> List() override { return ListNames(path_); }

  Result<std::unique_ptr<Dir>> OpenDir(std::string_view name) override {
    RDB_RETURN_IF_ERROR(Check(name));
    const std::string sub = Sub(name);
    RDB_ASSIGN_OR_RETURN(Handle h, OpenHandle(sub, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES |
                                                       SYNCHRONIZE,
                                              OPEN_EXISTING, false));
    RDB_ASSIGN_OR_RETURN(FileInfo info, InfoOf(h.get(), sub));
    if (info.type == FileInfo::Type::kSymlink) {
      return Status::Io(sub + ": is a symbolic link; refusing to follow it below a "
                              "destination root (replace it with a directory)");
    }
    if (info.type != FileInfo::Type::kDirectory) {
      return Status::Io(sub + ": exists and is not a directory");
    }
    return std::unique_ptr<Dir>(new Win32Dir(std::move(h), sub));
  }

  Status MakeDir(std::string_view name, std::uint32_t) override {
    RDB_RETURN_IF_ERROR(Check(name));
    return MakeDirAt(Sub(name));
  }

  Result<std::unique_ptr<ReadableFile>> OpenFile(std::string_view name) override {
    RDB_RETURN_IF_ERROR(Check(name));
    return OpenRegularFile(Sub(name), false);
  }

  Result<std::unique_ptr<WritableFile>> CreateNew(std::string_view name, std::uint32_t) override {
    RDB_RETURN_IF_ERROR(Check(name));
    return CreateFileNew(Sub(name));
  }

  Result<std::unique_ptr<WritableFile>> CreateTemp(std::string_view prefix) override {
    return CreateTempIn(path_, prefix);
  }

  Status Link(std::string_view name, Dir& to_dir, std::string_view to) override {
    RDB_ASSIGN_OR_RETURN(Win32Dir & other, Peer(name, to_dir, to));
    const std::string from = Sub(name), dest = other.Sub(to);
    RDB_ASSIGN_OR_RETURN(FileInfo info, Stat(name));
    if (info.type != FileInfo::Type::kRegular) {
      return Status::Io("link " + from + " -> " + dest + ": not a regular file");
    }
    if (!::CreateHardLinkW(LongPath(dest).c_str(), LongPath(from).c_str(), nullptr)) {
      const DWORD err = ::GetLastError();
      if (err == ERROR_ALREADY_EXISTS) {
        return Status::Io("link " + from + " -> " + dest + ": File exists");
      }
      return FromWinError("link " + from + " -> " + dest, err);
    }
    return Status::Ok();
  }

  Status Rename(std::string_view from, Dir& to_dir, std::string_view to) override {
    RDB_ASSIGN_OR_RETURN(Win32Dir & other, Peer(from, to_dir, to));
    return MoveFile(Sub(from), other.Sub(to), true);
  }

  Status RenameNoReplace(std::string_view from, Dir& to_dir, std::string_view to) override {
    RDB_ASSIGN_OR_RETURN(Win32Dir & other, Peer(from, to_dir, to));
    return MoveFile(Sub(from), other.Sub(to), false);
  }

  // No atomic exchange through Win32: callers fall back (nothing was changed).
  Result<bool> Exchange(std::string_view a, Dir& to_dir, std::string_view b) override {
    RDB_RETURN_IF_ERROR(Peer(a, to_dir, b).status());
    return false;
  }

  Status Unlink(std::string_view name) override {
    RDB_RETURN_IF_ERROR(Check(name));
    return RemoveFileAt(Sub(name));
  }

  Status RemoveDir(std::string_view name) override {
    RDB_RETURN_IF_ERROR(Check(name));
    return RemoveDirAt(Sub(name));
  }

  // NTFS journals directory changes, and every rename is MOVEFILE_WRITE_THROUGH; a directory
  // handle cannot be flushed without write access.
  Status Sync() override { return Status::Ok(); }

  // No POSIX owners: what an install creates belongs to the user who runs it.
  Status SetOwner(std::string_view name, Owner) override {
    return name.empty() ? Status::Ok() : Check(name);
  }

  Status SetMode(std::string_view name, std::uint32_t) override {
    RDB_ASSIGN_OR_RETURN(FileInfo info, Stat(name));
    if (info.type == FileInfo::Type::kSymlink) return Status::Io(Sub(name) + ": is a symbolic link");
    return Status::Ok();
  }

  Result<std::uint64_t> FreeBytes() override { return FreeBytesAt(path_); }

  Result<std::unique_ptr<FileLock>> TryLock() override { return LockHandle(h_.get(), path_); }

 private:
  std::string Sub(std::string_view name) const { return JoinPath(path_, name); }
  Result<std::reference_wrapper<Win32Dir>> Peer(std::string_view a, Dir& other, std::string_view b) {
    RDB_RETURN_IF_ERROR(Check(a));
    RDB_RETURN_IF_ERROR(Check(b));
    return std::ref(static_cast<Win32Dir&>(other.Base()));
  }
  Status Check(std::string_view name) const {
    if (ValidName(name)) return Status::Ok();
    return Status::Internal(path_ + ": not a single path component: \"" + std::string(name) +
                            "\"");
  }

  Handle h_;
  std::string path_;
};

class Win32Fs final : public Fs {
 public:
  Result<std::unique_ptr<Dir>> OpenRoot(const std::string& path) override {
    RDB_ASSIGN_OR_RETURN(Handle h, OpenHandle(path, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES |
                                                        SYNCHRONIZE,
                                              OPEN_EXISTING, true));
    RDB_ASSIGN_OR_RETURN(FileInfo info, InfoOf(h.get(), path));
    if (info.type != FileInfo::Type::kDirectory) {
      return Status::Io(path + ": exists and is not a directory");
    }
    return std::unique_ptr<Dir>(new Win32Dir(std::move(h), path));
  }

  Result<std::unique_ptr<ReadableFile>> OpenRegular(const std::string& path) override {
    return OpenRegularFile(path, true);
  }

  Result<std::unique_ptr<ReadableFile>> OpenForRead(const std::string& path) override {
    RDB_ASSIGN_OR_RETURN(Handle h, OpenHandle(path, GENERIC_READ, OPEN_EXISTING, true));
    RDB_ASSIGN_OR_RETURN(FileInfo info, InfoOf(h.get(), path));
    if (info.type == FileInfo::Type::kDirectory) return Status::Io(path + ": is a directory");
    return std::unique_ptr<ReadableFile>(new Win32ReadableFile(std::move(h), path));
  }

  Result<std::unique_ptr<WritableFile>> CreateTemp(const std::string& dir,
                                                   std::string_view prefix) override {
    return CreateTempIn(dir, prefix);
  }

  Result<std::unique_ptr<WritableFile>> CreatePrivateTemp(const std::string& dir,
                                                          std::string_view prefix) override {
    OwnerOnlySecurity security;
    RDB_RETURN_IF_ERROR(security.Init(dir));
    return CreateTempIn(dir, prefix, security.attributes());
  }

  Result<std::unique_ptr<WritableFile>> CreateNew(const std::string& path,
                                                  std::uint32_t) override {
    return CreateFileNew(path);
  }

  Result<std::unique_ptr<WritableFile>> OpenForAppend(const std::string& path) override {
    RDB_ASSIGN_OR_RETURN(Handle h, OpenHandle(path, FILE_APPEND_DATA | FILE_READ_ATTRIBUTES |
                                                        SYNCHRONIZE,
                                              OPEN_EXISTING, false,
                                              FILE_SHARE_READ | FILE_SHARE_DELETE));
    RDB_ASSIGN_OR_RETURN(FileInfo info, InfoOf(h.get(), path));
    if (info.type != FileInfo::Type::kRegular) return Status::Io(path + ": not a regular file");
    return std::unique_ptr<WritableFile>(new Win32WritableFile(std::move(h), path));
  }

  Status Rename(const std::string& from, const std::string& to) override {
    return MoveFile(from, to, true);
  }

  Status RenameNoReplace(const std::string& from, const std::string& to) override {
    return MoveFile(from, to, false);
  }

  Status SyncDir(const std::string&) override { return Status::Ok(); }  // see Win32Dir::Sync

  Status RemoveFile(const std::string& path) override { return RemoveFileAt(path); }
  Status RemoveDir(const std::string& path) override { return RemoveDirAt(path); }
  Status MakeDir(const std::string& path, std::uint32_t) override { return MakeDirAt(path); }
  Status Chmod(const std::string& path, std::uint32_t) override {
    return Stat(path).status();
  }

  Result<FileInfo> Stat(const std::string& path) override {
    RDB_ASSIGN_OR_RETURN(Handle h, OpenHandle(path, FILE_READ_ATTRIBUTES, OPEN_EXISTING, false));
    return InfoOf(h.get(), path);
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    RDB_ASSIGN_OR_RETURN(FileInfo info, Stat(path));
    if (info.type != FileInfo::Type::kDirectory) return Status::Io(path + ": not a directory");
    return ListNames(path);
  }

  Result<std::uint64_t> FreeBytes(const std::string& path) override { return FreeBytesAt(path); }

  Result<std::unique_ptr<FileLock>> TryLock(const std::string& path) override {
    RDB_ASSIGN_OR_RETURN(Handle h, OpenHandle(path, FILE_READ_ATTRIBUTES, OPEN_EXISTING, false));
    return LockHandle(h.get(), path);
  }
};

}  // namespace

// Binary mode (no CRLF translation, no ^Z end of file) for the C runtime's view too; the
// reads go to the handle.
std::unique_ptr<ReadableFile> OpenStdin() {
  (void)::_setmode(_fileno(stdin), _O_BINARY);
  HANDLE dup = INVALID_HANDLE_VALUE;
  HANDLE in = ::GetStdHandle(STD_INPUT_HANDLE);
  if (!::DuplicateHandle(::GetCurrentProcess(), in, ::GetCurrentProcess(), &dup, 0, FALSE,
                         DUPLICATE_SAME_ACCESS)) {
    dup = in;
  }
  return std::unique_ptr<ReadableFile>(new Win32ReadableFile(Handle(dup), "<stdin>"));
}

Fs& DefaultFs() {
  static Win32Fs* fs = new Win32Fs();  // never destroyed: usable from atexit and handlers
  return *fs;
}

}  // namespace rdbundle
