// An Fs wrapper that injects failures (leveldb's FaultInjectionTestEnv, ninja's
// VirtualFileSystem): fail the Nth call of an operation with an errno, report little free
// space, or SIGKILL the process at the Nth call (for crash tests, in a forked child).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/os/fs.h"

namespace rdbundle::testsupport {

enum class FsOp { kCreate, kAppend, kSync, kClose, kRename, kSyncDir, kMakeDir, kRemove, kAny };

class FaultFs final : public Fs {
 public:
  explicit FaultFs(Fs& base) : base_(base) {}

  // The nth (1-based) call of `op` (counting from now) fails with errno `err`.
  void FailAt(FsOp op, int nth, int err);
  // The nth call of `op` raises SIGKILL (Windows: TerminateProcess, exit code 137) before
  // doing anything.
  void KillAt(FsOp op, int nth);
  // Runs `fn` at the nth call of `op`, just before the operation (to race it, e.g. swap a
  // directory for a symlink in the middle of a cleanup).
  void OnCall(FsOp op, int nth, std::function<void()> fn);
  void SetFreeBytes(std::uint64_t bytes) { free_bytes_ = bytes; }
  const std::optional<std::uint64_t>& free_bytes() const { return free_bytes_; }
  // Dir::Exchange reports "not supported", as on a filesystem without RENAME_EXCHANGE.
  void DisableExchange() { no_exchange_ = true; }
  bool no_exchange() const { return no_exchange_; }
  int calls(FsOp op) const;

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

  // Wraps a Dir so that its operations count and fail like the path-based ones (directories
  // opened through it are wrapped too).
  std::unique_ptr<Dir> Wrap(std::unique_ptr<Dir> dir);
  std::unique_ptr<WritableFile> WrapFile(std::unique_ptr<WritableFile> file);

  // Called by wrapped files too. Returns a failure status when one is due.
  Status Hit(FsOp op, const std::string& path);

 private:
  struct Trigger {
    int nth;
    int err;  // 0: SIGKILL
  };
  Fs& base_;
  std::map<FsOp, int> counts_;
  std::map<FsOp, Trigger> triggers_;
  std::optional<std::uint64_t> free_bytes_;
  bool no_exchange_ = false;
  std::map<FsOp, std::pair<int, std::function<void()>>> hooks_;
};

}  // namespace rdbundle::testsupport
