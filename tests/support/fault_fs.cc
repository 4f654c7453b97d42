#include "tests/support/fault_fs.h"

#include <signal.h>
#include <unistd.h>

namespace rdbundle::testsupport {
namespace {

class FaultFile final : public WritableFile {
 public:
  FaultFile(FaultFs& fs, std::unique_ptr<WritableFile> base) : fs_(fs), base_(std::move(base)) {}
  Status Append(const void* data, std::size_t n) override {
    RDB_RETURN_IF_ERROR(fs_.Hit(FsOp::kAppend, path()));
    return base_->Append(data, n);
  }
  Status Sync() override {
    RDB_RETURN_IF_ERROR(fs_.Hit(FsOp::kSync, path()));
    return base_->Sync();
  }
  Status SetMode(std::uint32_t mode) override { return base_->SetMode(mode); }
  Status Close() override {
    RDB_RETURN_IF_ERROR(fs_.Hit(FsOp::kClose, path()));
    return base_->Close();
  }
  const std::string& path() const override { return base_->path(); }

 private:
  FaultFs& fs_;
  std::unique_ptr<WritableFile> base_;
};

}  // namespace

void FaultFs::FailAt(FsOp op, int nth, int err) { triggers_[op] = {counts_[op] + nth, err}; }
void FaultFs::KillAt(FsOp op, int nth) { triggers_[op] = {counts_[op] + nth, 0}; }
int FaultFs::calls(FsOp op) const {
  auto it = counts_.find(op);
  return it == counts_.end() ? 0 : it->second;
}

Status FaultFs::Hit(FsOp op, const std::string& path) {
  for (FsOp key : {op, FsOp::kAny}) {
    int n = ++counts_[key];
    auto it = triggers_.find(key);
    if (it == triggers_.end() || it->second.nth != n) continue;
    if (it->second.err == 0) ::kill(::getpid(), SIGKILL);
    return Status::FromErrno(path + ": injected fault", it->second.err);
  }
  return Status::Ok();
}

Result<std::unique_ptr<ReadableFile>> FaultFs::OpenForRead(const std::string& path) {
  return base_.OpenForRead(path);
}

Result<std::unique_ptr<WritableFile>> FaultFs::CreateTemp(const std::string& dir,
                                                          std::string_view prefix) {
  RDB_RETURN_IF_ERROR(Hit(FsOp::kCreate, dir));
  RDB_ASSIGN_OR_RETURN(auto f, base_.CreateTemp(dir, prefix));
  return std::unique_ptr<WritableFile>(new FaultFile(*this, std::move(f)));
}

Result<std::unique_ptr<WritableFile>> FaultFs::CreateNew(const std::string& path,
                                                         std::uint32_t mode) {
  RDB_RETURN_IF_ERROR(Hit(FsOp::kCreate, path));
  RDB_ASSIGN_OR_RETURN(auto f, base_.CreateNew(path, mode));
  return std::unique_ptr<WritableFile>(new FaultFile(*this, std::move(f)));
}

Status FaultFs::Rename(const std::string& from, const std::string& to) {
  RDB_RETURN_IF_ERROR(Hit(FsOp::kRename, to));
  return base_.Rename(from, to);
}

Status FaultFs::RenameNoReplace(const std::string& from, const std::string& to) {
  RDB_RETURN_IF_ERROR(Hit(FsOp::kRename, to));
  return base_.RenameNoReplace(from, to);
}

Status FaultFs::SyncDir(const std::string& dir) {
  RDB_RETURN_IF_ERROR(Hit(FsOp::kSyncDir, dir));
  return base_.SyncDir(dir);
}

Status FaultFs::RemoveFile(const std::string& path) {
  RDB_RETURN_IF_ERROR(Hit(FsOp::kRemove, path));
  return base_.RemoveFile(path);
}

Status FaultFs::RemoveDir(const std::string& path) {
  RDB_RETURN_IF_ERROR(Hit(FsOp::kRemove, path));
  return base_.RemoveDir(path);
}

Status FaultFs::MakeDir(const std::string& path, std::uint32_t mode) {
  RDB_RETURN_IF_ERROR(Hit(FsOp::kMakeDir, path));
  return base_.MakeDir(path, mode);
}

Status FaultFs::Chmod(const std::string& path, std::uint32_t mode) { return base_.Chmod(path, mode); }
Result<FileInfo> FaultFs::Stat(const std::string& path) { return base_.Stat(path); }
Result<std::vector<std::string>> FaultFs::ListDir(const std::string& path) {
  return base_.ListDir(path);
}
Result<std::uint64_t> FaultFs::FreeBytes(const std::string& path) {
  if (free_bytes_) return *free_bytes_;
  return base_.FreeBytes(path);
}
Result<std::unique_ptr<FileLock>> FaultFs::TryLock(const std::string& path) {
  return base_.TryLock(path);
}

}  // namespace rdbundle::testsupport
