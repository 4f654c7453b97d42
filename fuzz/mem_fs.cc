#include "fuzz/mem_fs.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "common/format/hash.h"
#include "common/os/platform.h"

namespace rdbundle::fuzz {
namespace {

constexpr std::uint32_t kUmask = 022;

std::string Parent(const std::string& norm) {
  const std::size_t slash = norm.rfind('/');
  return slash == 0 ? "/" : norm.substr(0, slash);
}

std::string ChildPrefix(const std::string& norm) { return norm == "/" ? "/" : norm + "/"; }

class MemReadableFile final : public ReadableFile {
 public:
  MemReadableFile(std::string data, std::string path, std::size_t max_read)
      : data_(std::move(data)), path_(std::move(path)), max_read_(max_read) {}
  Result<std::size_t> Read(void* buf, std::size_t n) override {
    if (max_read_ != 0) n = std::min(n, max_read_);
    n = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  const std::string& path() const override { return path_; }

 private:
  std::string data_;
  std::string path_;
  std::size_t max_read_;
  std::size_t pos_ = 0;
};

class MemWritableFile final : public WritableFile {
 public:
  MemWritableFile(MemFs& fs, std::shared_ptr<MemFs::Inode> inode, std::string path)
      : fs_(fs), inode_(std::move(inode)), path_(std::move(path)) {}
  Status Append(const void* data, std::size_t n) override {
    RDB_RETURN_IF_ERROR(Check("write"));
    inode_->data.append(static_cast<const char*>(data), n);
    inode_->mtime_ns = fs_.Tick();
    return Status::Ok();
  }
  Status Sync() override { return Check("fsync"); }
  Status SetMode(std::uint32_t mode) override {
    RDB_RETURN_IF_ERROR(Check("chmod"));
    inode_->mode = mode & 07777;
    return Status::Ok();
  }
  Status Close() override {
    if (closed_) return Status::FromErrno(path_ + ": close", EBADF);
    closed_ = true;
    return fs_.Mutate(path_ + ": close");
  }
  const std::string& path() const override { return path_; }

 private:
  Status Check(std::string_view op) {
    if (closed_) return Status::FromErrno(path_ + ": " + std::string(op), EBADF);
    return fs_.Mutate(path_ + ": " + std::string(op));
  }
  MemFs& fs_;
  std::shared_ptr<MemFs::Inode> inode_;
  std::string path_;
  bool closed_ = false;
};

class MemLock final : public FileLock {
 public:
  MemLock(std::shared_ptr<std::set<std::string>> locked, std::string path)
      : locked_(std::move(locked)), path_(std::move(path)) {}
  ~MemLock() override { locked_->erase(path_); }

 private:
  std::shared_ptr<std::set<std::string>> locked_;
  std::string path_;
};

}  // namespace

MemFs::MemFs() { nodes_["/"] = Node{true, 0755, nullptr}; }

std::string MemFs::Normalize(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string out;
  for (std::string_view p : parts) {
    out += '/';
    out += p;
  }
  return out.empty() ? "/" : out;
}

MemFs::Node* MemFs::Get(const std::string& norm) {
  auto it = nodes_.find(norm);
  return it == nodes_.end() ? nullptr : &it->second;
}

const MemFs::Node* MemFs::Find(const std::string& path) const {
  auto it = nodes_.find(Normalize(path));
  return it == nodes_.end() ? nullptr : &it->second;
}

bool MemFs::HasChildren(const std::string& norm) const {
  // Not upper_bound(norm): "/a-b" sorts between "/a" and "/a/x".
  const std::string prefix = ChildPrefix(norm);
  auto it = nodes_.upper_bound(prefix);
  return it != nodes_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

Status MemFs::Mutate(std::string_view what) {
  if (++ops_ == fail_at_) {
    fault_fired_ = true;
    return Status::FromErrno(std::string(what) + ": injected fault", EIO);
  }
  return Status::Ok();
}

// ENOENT when the nearest existing ancestor is a directory, ENOTDIR when it is a file.
static int MissingErrno(const std::map<std::string, MemFs::Node>& nodes, std::string norm) {
  while (norm != "/") {
    norm = Parent(norm);
    auto it = nodes.find(norm);
    if (it != nodes.end()) return it->second.dir ? ENOENT : ENOTDIR;
  }
  return ENOENT;
}

Status MemFs::CheckParent(const std::string& norm, std::string_view context) {
  if (norm == "/") return Status::FromErrno(std::string(context), EEXIST);
  const Node* parent = Get(Parent(norm));
  if (parent == nullptr) return Status::FromErrno(std::string(context), MissingErrno(nodes_, norm));
  if (!parent->dir) return Status::FromErrno(std::string(context), ENOTDIR);
  return Status::Ok();
}

Result<std::unique_ptr<WritableFile>> MemFs::Create(const std::string& norm, std::uint32_t mode) {
  auto inode = std::make_shared<Inode>();
  inode->mode = mode & 07777 & ~kUmask;
  inode->mtime_ns = Tick();
  inode->ino = next_ino_++;
  nodes_[norm] = Node{false, 0, inode};
  return std::unique_ptr<WritableFile>(new MemWritableFile(*this, inode, norm));
}

void MemFs::PutDir(const std::string& path) {
  const std::string norm = Normalize(path);
  if (norm != "/") PutDir(Parent(norm));
  Node& n = nodes_[norm];
  if (!n.dir) n = Node{true, 0755, nullptr};
}

void MemFs::PutFile(const std::string& path, std::string_view data, std::uint32_t mode) {
  const std::string norm = Normalize(path);
  PutDir(Parent(norm));
  auto inode = std::make_shared<Inode>();
  inode->data = std::string(data);
  inode->mode = mode;
  inode->mtime_ns = Tick();
  inode->ino = next_ino_++;
  nodes_[norm] = Node{false, 0, inode};
}

std::map<std::string, std::string> MemFs::Listing() const {
  std::map<std::string, std::string> out;
  for (const auto& [path, n] : nodes_) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", n.dir ? n.dir_mode : n.file->mode);
    out[path] = n.dir ? std::string("dir ") + mode
                      : std::string("file ") + mode + " " + std::to_string(n.file->data.size()) +
                            " " + Sha256::HexOf(n.file->data);
  }
  return out;
}

Result<std::unique_ptr<Dir>> MemFs::OpenRoot(const std::string& path) {
  RDB_ASSIGN_OR_RETURN(FileInfo info, Stat(path));
  if (info.type != FileInfo::Type::kDirectory) {
    return Status::Io(path + ": exists and is not a directory");
  }
  return MakePathDir(*this, path);
}

Result<std::unique_ptr<ReadableFile>> MemFs::OpenRegular(const std::string& path) {
  RDB_ASSIGN_OR_RETURN(FileInfo info, Stat(path));
  if (info.type == FileInfo::Type::kDirectory) return Status::Io(path + ": is a directory");
  return OpenForRead(path);
}

Result<std::unique_ptr<ReadableFile>> MemFs::OpenForRead(const std::string& path) {
  const std::string norm = Normalize(path);
  const Node* n = Get(norm);
  if (n == nullptr) return Status::FromErrno(path, MissingErrno(nodes_, norm));
  if (n->dir) return Status::Io(path + ": is a directory");
  return MemReadable(n->file->data, path);
}

Result<std::unique_ptr<WritableFile>> MemFs::CreateTemp(const std::string& dir,
                                                        std::string_view prefix) {
  RDB_RETURN_IF_ERROR(Mutate(dir + ": create temporary file"));
  for (int attempt = 0; attempt < 16; ++attempt) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%012llx",
                  static_cast<unsigned long long>(++temp_counter_));
    const std::string path = JoinPath(dir, std::string(prefix) + suffix);
    const std::string norm = Normalize(path);
    RDB_RETURN_IF_ERROR(CheckParent(norm, dir + ": create temporary file"));
    if (Get(norm) != nullptr) continue;
    RDB_ASSIGN_OR_RETURN(auto f, Create(norm, 0600));
    return std::unique_ptr<WritableFile>(new MemWritableFile(
        *this, nodes_[norm].file, path));  // keep the caller's spelling of the path
  }
  return Status::Io(dir + ": could not create a unique temporary file");
}

Result<std::unique_ptr<WritableFile>> MemFs::CreateNew(const std::string& path,
                                                       std::uint32_t mode) {
  RDB_RETURN_IF_ERROR(Mutate(path + ": create"));
  const std::string norm = Normalize(path);
  RDB_RETURN_IF_ERROR(CheckParent(norm, path));
  if (Get(norm) != nullptr) return Status::FromErrno(path, EEXIST);
  RDB_ASSIGN_OR_RETURN(auto f, Create(norm, mode));
  return std::unique_ptr<WritableFile>(new MemWritableFile(*this, nodes_[norm].file, path));
}

Status MemFs::Rename(const std::string& from, const std::string& to) {
  const std::string context = "rename " + from + " -> " + to;
  RDB_RETURN_IF_ERROR(Mutate(context));
  const std::string f = Normalize(from), t = Normalize(to);
  const Node* src = Get(f);
  if (src == nullptr) return Status::FromErrno(context, MissingErrno(nodes_, f));
  if (f == "/" || t == "/") return Status::FromErrno(context, EBUSY);
  if (src->dir && t.compare(0, f.size() + 1, f + "/") == 0) {
    return Status::FromErrno(context, EINVAL);  // into its own subtree
  }
  RDB_RETURN_IF_ERROR(CheckParent(t, context));
  if (f == t) return Status::Ok();
  if (const Node* dst = Get(t)) {
    if (src->dir) {
      if (!dst->dir) return Status::FromErrno(context, ENOTDIR);
      if (HasChildren(t)) return Status::FromErrno(context, ENOTEMPTY);
    } else if (dst->dir) {
      return Status::FromErrno(context, EISDIR);
    }
    nodes_.erase(t);
  }
  // Move `f` and everything below it.
  std::vector<std::pair<std::string, Node>> moved;
  moved.emplace_back(t, std::move(nodes_[f]));
  nodes_.erase(f);
  const std::string prefix = f + "/";
  for (auto it = nodes_.lower_bound(prefix); it != nodes_.end();) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    moved.emplace_back(t + it->first.substr(f.size()), std::move(it->second));
    it = nodes_.erase(it);
  }
  for (auto& [path, node] : moved) nodes_[path] = std::move(node);
  return Status::Ok();
}

Status MemFs::RenameNoReplace(const std::string& from, const std::string& to) {
  if (Get(Normalize(to)) != nullptr) {
    RDB_RETURN_IF_ERROR(Mutate("rename " + from + " -> " + to));
    return Status::FromErrno("rename " + from + " -> " + to, EEXIST);
  }
  return Rename(from, to);
}

Status MemFs::SyncDir(const std::string& dir) {
  RDB_RETURN_IF_ERROR(Mutate(dir + ": fsync directory"));
  const std::string norm = Normalize(dir);
  const Node* n = Get(norm);
  if (n == nullptr) return Status::FromErrno(dir + ": open directory", MissingErrno(nodes_, norm));
  if (!n->dir) return Status::FromErrno(dir + ": open directory", ENOTDIR);
  return Status::Ok();
}

Status MemFs::RemoveFile(const std::string& path) {
  RDB_RETURN_IF_ERROR(Mutate(path + ": remove"));
  const std::string norm = Normalize(path);
  const Node* n = Get(norm);
  if (n == nullptr) return Status::FromErrno(path + ": remove", MissingErrno(nodes_, norm));
  if (n->dir) return Status::FromErrno(path + ": remove", EISDIR);
  nodes_.erase(norm);
  return Status::Ok();
}

Status MemFs::RemoveDir(const std::string& path) {
  RDB_RETURN_IF_ERROR(Mutate(path + ": remove directory"));
  const std::string norm = Normalize(path);
  const Node* n = Get(norm);
  if (n == nullptr) {
    return Status::FromErrno(path + ": remove directory", MissingErrno(nodes_, norm));
  }
  if (!n->dir) return Status::FromErrno(path + ": remove directory", ENOTDIR);
  if (norm == "/") return Status::FromErrno(path + ": remove directory", EBUSY);
  if (HasChildren(norm)) return Status::FromErrno(path + ": remove directory", ENOTEMPTY);
  nodes_.erase(norm);
  return Status::Ok();
}

Status MemFs::MakeDir(const std::string& path, std::uint32_t mode) {
  RDB_RETURN_IF_ERROR(Mutate(path + ": mkdir"));
  const std::string norm = Normalize(path);
  RDB_RETURN_IF_ERROR(CheckParent(norm, path + ": mkdir"));
  if (Get(norm) != nullptr) return Status::FromErrno(path + ": mkdir", EEXIST);
  nodes_[norm] = Node{true, mode & 07777 & ~kUmask, nullptr};
  return Status::Ok();
}

Status MemFs::Chmod(const std::string& path, std::uint32_t mode) {
  RDB_RETURN_IF_ERROR(Mutate(path + ": chmod"));
  const std::string norm = Normalize(path);
  Node* n = Get(norm);
  if (n == nullptr) return Status::FromErrno(path + ": chmod", MissingErrno(nodes_, norm));
  (n->dir ? n->dir_mode : n->file->mode) = mode & 07777;
  return Status::Ok();
}

Result<FileInfo> MemFs::Stat(const std::string& path) {
  const std::string norm = Normalize(path);
  const Node* n = Get(norm);
  if (n == nullptr) return Status::FromErrno(path, MissingErrno(nodes_, norm));
  FileInfo info;
  info.device = 1;
  info.uid = CurrentUid();  // everything belongs to the process: the installer changes no owner
  if (n->dir) {
    info.type = FileInfo::Type::kDirectory;
    info.mode = n->dir_mode;
    info.size = 4096;
  } else {
    info.type = FileInfo::Type::kRegular;
    info.mode = n->file->mode;
    info.size = n->file->data.size();
    info.mtime_ns = n->file->mtime_ns;
    info.inode = n->file->ino;
  }
  return info;
}

Result<std::vector<std::string>> MemFs::ListDir(const std::string& path) {
  const std::string norm = Normalize(path);
  const Node* n = Get(norm);
  if (n == nullptr) return Status::FromErrno(path, MissingErrno(nodes_, norm));
  if (!n->dir) return Status::FromErrno(path, ENOTDIR);
  const std::string prefix = ChildPrefix(norm);
  std::vector<std::string> names;
  for (auto it = nodes_.upper_bound(prefix); it != nodes_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    std::string_view rest = std::string_view(it->first).substr(prefix.size());
    if (!rest.empty() && rest.find('/') == std::string_view::npos) names.emplace_back(rest);
  }
  return names;  // map order is sorted order
}

Result<std::uint64_t> MemFs::FreeBytes(const std::string& path) {
  const std::string norm = Normalize(path);
  if (Get(norm) == nullptr) return Status::FromErrno(path + ": statvfs", MissingErrno(nodes_, norm));
  return free_bytes_;
}

Result<std::unique_ptr<FileLock>> MemFs::TryLock(const std::string& path) {
  const std::string norm = Normalize(path);
  if (Get(norm) == nullptr) {
    return Status::FromErrno(path + ": open for lock", MissingErrno(nodes_, norm));
  }
  if (!locked_->insert(norm).second) return std::unique_ptr<FileLock>();  // held elsewhere
  return std::unique_ptr<FileLock>(new MemLock(locked_, norm));
}

std::unique_ptr<ReadableFile> MemReadable(std::string data, std::string path,
                                          std::size_t max_read) {
  return std::make_unique<MemReadableFile>(std::move(data), std::move(path), max_read);
}

}  // namespace rdbundle::fuzz
