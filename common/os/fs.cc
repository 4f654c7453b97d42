// Helpers built on the Fs interface (no direct OS calls here).
#include "common/os/fs.h"

namespace rdbundle {

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

Result<std::string> ReadFileToString(Fs& fs, const std::string& path, std::size_t max_bytes) {
  RDB_ASSIGN_OR_RETURN(auto file, fs.OpenForRead(path));
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    RDB_ASSIGN_OR_RETURN(std::size_t n, file->Read(buf, sizeof buf));
    if (n == 0) break;
    if (out.size() + n > max_bytes) {
      return Status::Limit(path + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, n);
  }
  return out;
}

Status WriteFileAtomic(Fs& fs, const std::string& path, std::string_view content,
                       std::uint32_t mode) {
  const std::string dir = DirName(path);
  RDB_ASSIGN_OR_RETURN(auto tmp, fs.CreateTemp(dir, ".rdbundle-tmp-"));
  const std::string tmp_path = tmp->path();
  Status s = tmp->Append(content.data(), content.size());
  if (s.ok()) s = tmp->SetMode(mode);
  if (s.ok()) s = tmp->Sync();
  if (s.ok()) s = tmp->Close();
  if (s.ok()) s = fs.Rename(tmp_path, path);
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
