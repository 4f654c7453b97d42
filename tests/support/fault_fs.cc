#include "tests/support/fault_fs.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <signal.h>
#include <unistd.h>
#endif

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

class FaultDir final : public Dir {
 public:
  FaultDir(FaultFs& fs, std::unique_ptr<Dir> base) : fs_(fs), base_(std::move(base)) {}
  const std::string& path() const override { return base_->path(); }
  Result<FileInfo> Info() override { return base_->Info(); }
  Result<FileInfo> Stat(std::string_view name) override { return base_->Stat(name); }
  Result<std::vector<std::string>> List() override { return base_->List(); }
  Result<std::unique_ptr<Dir>> OpenDir(std::string_view name) override {
    RDB_ASSIGN_OR_RETURN(auto d, base_->OpenDir(name));
    return fs_.Wrap(std::move(d));
  }
  Status MakeDir(std::string_view name, std::uint32_t mode) override {
    RDB_RETURN_IF_ERROR(fs_.Hit(FsOp::kMakeDir, Sub(name)));
    return base_->MakeDir(name, mode);
  }
  Result<std::unique_ptr<ReadableFile>> OpenFile(std::string_view name) override {
    return base_->OpenFile(name);
  }
  Result<std::unique_ptr<WritableFile>> CreateNew(std::string_view name,
                                                  std::uint32_t mode) override {
    RDB_RETURN_IF_ERROR(fs_.Hit(FsOp::kCreate, Sub(name)));
    RDB_ASSIGN_OR_RETURN(auto f, base_->CreateNew(name, mode));
    return fs_.WrapFile(std::move(f));
  }
  Result<std::unique_ptr<WritableFile>> CreateTemp(std::string_view prefix) override {
    RDB_RETURN_IF_ERROR(fs_.Hit(FsOp::kCreate, path()));
    RDB_ASSIGN_OR_RETURN(auto f, base_->CreateTemp(prefix));
    return fs_.WrapFile(std::move(f));
  }
  Status Link(std::string_view name, Dir& to_dir, std::string_view to) override {
    RDB_RETURN_IF_ERROR(fs_.Hit(FsOp::kCreate, Sub(name)));
    return base_->Link(name, to_dir, to);
  }
  Status Rename(std::string_view from, Dir& to_dir, std::string_view to) override {
    RDB_RETURN_IF_ERROR(fs_.Hit(FsOp::kRename, Sub(from)));
    return base_->Rename(from, to_dir, to);
  }
  Status RenameNoReplace(std::string_view from, Dir& to_dir, std::string_view to) override {
    RDB_RETURN_IF_ERROR(fs_.Hit(FsOp::kRename, Sub(from)));
    return base_->RenameNoReplace(from, to_dir, to);
  }
  Result<bool> Exchange(std::string_view a, Dir& to_dir, std::string_view b) override {
    RDB_RETURN_IF_ERROR(fs_.Hit(FsOp::kRename, Sub(a)));
    if (fs_.no_exchange()) return false;
    return base_->Exchange(a, to_dir, b);
  }
  Status Unlink(std::string_view name) override {
    RDB_RETURN_IF_ERROR(fs_.Hit(FsOp::kRemove, Sub(name)));
    return base_->Unlink(name);
  }
  Status RemoveDir(std::string_view name) override {
    RDB_RETURN_IF_ERROR(fs_.Hit(FsOp::kRemove, Sub(name)));
    return base_->RemoveDir(name);
  }
  Status Sync() override {
    RDB_RETURN_IF_ERROR(fs_.Hit(FsOp::kSyncDir, path()));
    return base_->Sync();
  }
  Status SetOwner(std::string_view name, Owner owner) override {
    return base_->SetOwner(name, owner);
  }
  Status SetMode(std::string_view name, std::uint32_t mode) override {
    return base_->SetMode(name, mode);
  }
  Result<std::uint64_t> FreeBytes() override {
    if (fs_.free_bytes()) return *fs_.free_bytes();
    return base_->FreeBytes();
  }
  Result<std::unique_ptr<FileLock>> TryLock() override { return base_->TryLock(); }
  Dir& Base() override { return base_->Base(); }

 private:
  std::string Sub(std::string_view name) const { return JoinPath(path(), name); }
  FaultFs& fs_;
  std::unique_ptr<Dir> base_;
};

}  // namespace

std::unique_ptr<Dir> FaultFs::Wrap(std::unique_ptr<Dir> dir) {
  return std::unique_ptr<Dir>(new FaultDir(*this, std::move(dir)));
}

std::unique_ptr<WritableFile> FaultFs::WrapFile(std::unique_ptr<WritableFile> file) {
  return std::unique_ptr<WritableFile>(new FaultFile(*this, std::move(file)));
}

Result<std::unique_ptr<Dir>> FaultFs::OpenRoot(const std::string& path) {
  RDB_ASSIGN_OR_RETURN(auto d, base_.OpenRoot(path));
  return Wrap(std::move(d));
}

Result<std::unique_ptr<ReadableFile>> FaultFs::OpenRegular(const std::string& path) {
  return base_.OpenRegular(path);
}

void FaultFs::FailAt(FsOp op, int nth, int err) { triggers_[op] = {counts_[op] + nth, err}; }
void FaultFs::KillAt(FsOp op, int nth) { triggers_[op] = {counts_[op] + nth, 0}; }
int FaultFs::calls(FsOp op) const {
  auto it = counts_.find(op);
  return it == counts_.end() ? 0 : it->second;
}

void FaultFs::OnCall(FsOp op, int nth, std::function<void()> fn) {
  hooks_[op] = {counts_[op] + nth, std::move(fn)};
}

Status FaultFs::Hit(FsOp op, const std::string& path) {
  for (FsOp key : {op, FsOp::kAny}) {
    int n = ++counts_[key];
    if (auto h = hooks_.find(key); h != hooks_.end() && h->second.first == n) h->second.second();
    auto it = triggers_.find(key);
    if (it == triggers_.end() || it->second.nth != n) continue;
    if (it->second.err == 0) {
#if defined(_WIN32)
      // As abrupt as SIGKILL: no handlers, no flushing, no DLL detach (InstallAndDie's child).
      ::TerminateProcess(::GetCurrentProcess(), 137);
#else
      ::kill(::getpid(), SIGKILL);
#endif
    }
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
