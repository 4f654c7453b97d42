// Helpers built on the Fs interface (no direct OS calls here).
#include "common/os/fs.h"

namespace rdbundle {

Status ReadableFile::Skip(std::uint64_t n) {
  char buf[1 << 16];
  while (n > 0) {
    const std::size_t want = n < sizeof buf ? static_cast<std::size_t>(n) : sizeof buf;
    RDB_ASSIGN_OR_RETURN(std::size_t got, Read(buf, want));
    if (got == 0) return Status::Ok();
    n -= got;
  }
  return Status::Ok();
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty() || a == ".") return std::string(b);
  std::string out(a);
  if (out.back() != '/') out += '/';
  out += b;
  return out;
}

std::string DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  std::size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

Result<std::unique_ptr<WritableFile>> Fs::OpenForAppend(const std::string& path) {
  return Status::Io(path + ": appending is not supported by this filesystem layer");
}

namespace {

Result<std::string> ReadAll(ReadableFile& file, std::size_t max_bytes) {
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    RDB_ASSIGN_OR_RETURN(std::size_t n, file.Read(buf, sizeof buf));
    if (n == 0) break;
    if (out.size() + n > max_bytes) {
      return Status::Limit(file.path() + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, n);
  }
  return out;
}

}  // namespace

Result<std::string> ReadFileToString(Fs& fs, const std::string& path, std::size_t max_bytes) {
  RDB_ASSIGN_OR_RETURN(auto file, fs.OpenForRead(path));
  return ReadAll(*file, max_bytes);
}

Result<std::string> ReadRegularFileToString(Fs& fs, const std::string& path,
                                            std::size_t max_bytes) {
  RDB_ASSIGN_OR_RETURN(auto file, fs.OpenRegular(path));
  return ReadAll(*file, max_bytes);
}

Status WriteFileAtomic(Fs& fs, const std::string& path, std::string_view content,
                       std::uint32_t mode, IfExists if_exists) {
  const std::string dir = DirName(path);
  RDB_ASSIGN_OR_RETURN(auto tmp, (mode & 077) == 0 ? fs.CreatePrivateTemp(dir, ".rdbundle-tmp-")
                                                   : fs.CreateTemp(dir, ".rdbundle-tmp-"));
  const std::string tmp_path = tmp->path();
  Status s = tmp->Append(content.data(), content.size());
  if (s.ok()) s = tmp->SetMode(mode);
  if (s.ok()) s = tmp->Sync();
  if (s.ok()) s = tmp->Close();
  if (s.ok()) {
    s = if_exists == IfExists::kReplace ? fs.Rename(tmp_path, path)
                                        : fs.RenameNoReplace(tmp_path, path);
  }
  if (!s.ok()) {
    tmp.reset();
    (void)fs.RemoveFile(tmp_path);
    return s;
  }
  return fs.SyncDir(dir);
}

Status MakeDirs(Fs& fs, const std::string& path, std::vector<std::string>* created) {
  auto info = fs.Stat(path);
  if (info.has_value()) {
    if (info->type == FileInfo::Type::kDirectory) return Status::Ok();
    return Status::Io(path + ": exists and is not a directory");
  }
  if (info.error().code() != ErrorCode::kNotFound) return info.error();
  const std::string parent = DirName(path);
  if (parent != path) RDB_RETURN_IF_ERROR(MakeDirs(fs, parent, created));
  Status s = fs.MakeDir(path, 0755);
  if (!s.ok()) {
    // Lost a race with another creator: fine if it is a directory now.
    auto again = fs.Stat(path);
    if (again.has_value() && again->type == FileInfo::Type::kDirectory) return Status::Ok();
    return s;
  }
  if (created != nullptr) created->push_back(path);
  return Status::Ok();
}

Result<std::vector<std::string>> ListDirIfExists(Fs& fs, const std::string& path) {
  auto names = fs.ListDir(path);
  if (!names.has_value() && names.error().code() == ErrorCode::kNotFound) {
    return std::vector<std::string>{};
  }
  return names;
}

Status RemoveTree(Fs& fs, const std::string& path) {
  auto info = fs.Stat(path);
  if (!info.has_value()) {
    return info.error().code() == ErrorCode::kNotFound ? Status::Ok() : info.error();
  }
  if (info->type != FileInfo::Type::kDirectory) return fs.RemoveFile(path);
  RDB_ASSIGN_OR_RETURN(auto names, fs.ListDir(path));
  for (const auto& name : names) RDB_RETURN_IF_ERROR(RemoveTree(fs, JoinPath(path, name)));
  return fs.RemoveDir(path);
}


namespace {

class PathDir final : public Dir {
 public:
  PathDir(Fs& fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  const std::string& path() const override { return path_; }
  Result<FileInfo> Info() override { return fs_.Stat(path_); }
  Result<FileInfo> Stat(std::string_view name) override { return fs_.Stat(Sub(name)); }
  Result<std::vector<std::string>> List() override { return fs_.ListDir(path_); }
  Result<std::unique_ptr<Dir>> OpenDir(std::string_view name) override {
    RDB_ASSIGN_OR_RETURN(FileInfo info, fs_.Stat(Sub(name)));
    if (info.type == FileInfo::Type::kSymlink) {
      return Status::Io(Sub(name) + ": is a symbolic link; refusing to follow it below a "
                                    "destination root (replace it with a directory)");
    }
    if (info.type != FileInfo::Type::kDirectory) {
      return Status::Io(Sub(name) + ": exists and is not a directory");
    }
    return std::unique_ptr<Dir>(new PathDir(fs_, Sub(name)));
  }
  Status MakeDir(std::string_view name, std::uint32_t mode) override {
    return fs_.MakeDir(Sub(name), mode);
  }
  Result<std::unique_ptr<ReadableFile>> OpenFile(std::string_view name) override {
    RDB_ASSIGN_OR_RETURN(FileInfo info, fs_.Stat(Sub(name)));
    if (info.type == FileInfo::Type::kDirectory) return Status::Io(Sub(name) + ": is a directory");
    if (info.type != FileInfo::Type::kRegular) return Status::Io(Sub(name) + ": not a regular file");
    return fs_.OpenForRead(Sub(name));
  }
  Result<std::unique_ptr<WritableFile>> CreateNew(std::string_view name,
                                                  std::uint32_t mode) override {
    return fs_.CreateNew(Sub(name), mode);
  }
  Result<std::unique_ptr<WritableFile>> CreateTemp(std::string_view prefix) override {
    return fs_.CreateTemp(path_, prefix);
  }
  Status Link(std::string_view name, Dir&, std::string_view) override {
    return Status::Io(Sub(name) + ": hard links are not supported here");
  }
  Status Rename(std::string_view from, Dir& to_dir, std::string_view to) override {
    return fs_.Rename(Sub(from), JoinPath(to_dir.path(), to));
  }
  Status RenameNoReplace(std::string_view from, Dir& to_dir, std::string_view to) override {
    return fs_.RenameNoReplace(Sub(from), JoinPath(to_dir.path(), to));
  }
  Result<bool> Exchange(std::string_view, Dir&, std::string_view) override { return false; }
  Status Unlink(std::string_view name) override { return fs_.RemoveFile(Sub(name)); }
  Status RemoveDir(std::string_view name) override { return fs_.RemoveDir(Sub(name)); }
  Status Sync() override { return fs_.SyncDir(path_); }
  Status SetOwner(std::string_view, Owner) override { return Status::Ok(); }
  Status SetMode(std::string_view name, std::uint32_t mode) override {
    return fs_.Chmod(Sub(name), mode);
  }
  Result<std::uint64_t> FreeBytes() override { return fs_.FreeBytes(path_); }
  Result<std::unique_ptr<FileLock>> TryLock() override { return fs_.TryLock(path_); }

 private:
  std::string Sub(std::string_view name) const { return JoinPath(path_, name); }
  Fs& fs_;
  std::string path_;
};

}  // namespace

std::unique_ptr<Dir> MakePathDir(Fs& fs, std::string path) {
  return std::unique_ptr<Dir>(new PathDir(fs, std::move(path)));
}

Result<std::string> ReadFileToString(Dir& dir, std::string_view name, std::size_t max_bytes) {
  RDB_ASSIGN_OR_RETURN(auto file, dir.OpenFile(name));
  return ReadAll(*file, max_bytes);
}

Status WriteFileAtomic(Dir& dir, std::string_view name, std::string_view content,
                       std::uint32_t mode, const Owner* owner) {
  RDB_ASSIGN_OR_RETURN(auto tmp, dir.CreateTemp(".rdbundle-tmp-"));
  const std::string tmp_name = BaseName(tmp->path());
  Status s = tmp->Append(content.data(), content.size());
  if (s.ok()) s = tmp->SetMode(mode);
  if (s.ok() && owner != nullptr) s = dir.SetOwner(tmp_name, *owner);
  if (s.ok()) s = tmp->Sync();
  if (s.ok()) s = tmp->Close();
  if (s.ok()) s = dir.Rename(tmp_name, dir, name);
  if (!s.ok()) {
    tmp.reset();
    (void)dir.Unlink(tmp_name);
    return s;
  }
  return dir.Sync();
}

Status RemoveTreeAt(Dir& dir, std::string_view name) {
  auto info = dir.Stat(name);
  if (!info.has_value()) {
    return info.error().code() == ErrorCode::kNotFound ? Status::Ok() : info.error();
  }
  if (info->type != FileInfo::Type::kDirectory) return dir.Unlink(name);
  {
    // OpenDir refuses a symlink swapped in since the Stat; below, every operation is relative
    // to the descriptor of the directory that was opened.
    RDB_ASSIGN_OR_RETURN(auto sub, dir.OpenDir(name));
    RDB_ASSIGN_OR_RETURN(auto names, sub->List());
    for (const auto& n : names) RDB_RETURN_IF_ERROR(RemoveTreeAt(*sub, n));
  }
  return dir.RemoveDir(name);
}

Result<std::unique_ptr<Dir>> OpenOrMakeDir(Dir& dir, std::string_view name, const Owner* owner,
                                           bool* created) {
  if (created != nullptr) *created = false;
  auto sub = dir.OpenDir(name);
  if (sub.has_value() || sub.error().code() != ErrorCode::kNotFound) return sub;
  Status s = dir.MakeDir(name, 0755);
  if (!s.ok()) {
    // Lost a race with another creator: fine if it is a directory now.
    auto again = dir.OpenDir(name);
    if (again.has_value()) return again;
    return s;
  }
  if (created != nullptr) *created = true;
  if (owner != nullptr) RDB_RETURN_IF_ERROR(dir.SetOwner(name, *owner));
  return dir.OpenDir(name);
}

Result<std::string> NearestExistingDir(Fs& fs, const std::string& path) {
  std::string p = path;
  for (;;) {
    auto info = fs.Stat(p);
    if (info.has_value()) return p;
    if (info.error().code() != ErrorCode::kNotFound) return info.error();
    std::string parent = DirName(p);
    if (parent == p) return info.error();
    p = parent;
  }
}

}  // namespace rdbundle
