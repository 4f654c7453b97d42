#include "unpacker/roots.h"

#include "common/os/platform.h"

namespace rdbundle::unpacker {

Result<OwnerPlan> DecideOwner(unsigned euid, const FileInfo& home_info, const std::string& home) {
  if (home_info.uid == euid) return OwnerPlan{};
  if (euid == 0) return OwnerPlan{Owner{home_info.uid, home_info.gid}};
  const std::string uid = std::to_string(home_info.uid);
  return Status::Usage(home + ": belongs to uid " + uid + ", but rdbundle-unpack runs as uid " +
                       std::to_string(euid) +
                       ", which cannot give that user what it creates: run it as that user "
                       "(sudo -u '#" + uid + "' rdbundle-unpack install ...) or as root");
}

Result<OwnerPlan> DecideOwnerFor(Fs& fs, const Destinations& dest) {
  const std::string ref = dest.home.empty() ? dest.cache_dir : dest.home;
  RDB_ASSIGN_OR_RETURN(std::string existing, NearestExistingDir(fs, ref));
  RDB_ASSIGN_OR_RETURN(auto dir, fs.OpenRoot(existing));
  RDB_ASSIGN_OR_RETURN(FileInfo info, dir->Info());
  return DecideOwner(CurrentUid(), info, existing);
}

Status Root::Resolve(Fs& fs) {
  chain_.clear();
  missing_.clear();
  created_.clear();
  dir_ = nullptr;
  std::string p = path_;
  std::vector<std::string> missing;
  for (;;) {
    auto d = fs.OpenRoot(p);
    if (d.has_value()) {
      chain_.push_back(std::move(d).value());
      break;
    }
    if (d.error().code() != ErrorCode::kNotFound) return d.error();
    const std::string parent = DirName(p);
    if (parent == p) return d.error();
    missing.push_back(BaseName(p));
    p = parent;
  }
  missing_.assign(missing.rbegin(), missing.rend());
  if (missing_.empty()) dir_ = chain_.back().get();
  return Status::Ok();
}

Status Root::Create(const OwnerPlan& owner) {
  for (std::size_t i = created_.size(); i < missing_.size(); ++i) {
    bool made = false;
    RDB_ASSIGN_OR_RETURN(auto sub, OpenOrMakeDir(*chain_.back(), missing_[i], owner.get(), &made));
    created_.push_back(made);
    chain_.push_back(std::move(sub));
  }
  dir_ = chain_.back().get();
  return Status::Ok();
}

Status Root::CheckSymlinks(Fs& fs, const std::string& home, const OwnerPlan& owner) {
  if (!owner.chown_to) return Status::Ok();
  Dir& target = existing();
  const std::string& target_path = target.path();
  // Every path component from the home (exclusive) down to the directory that was opened.
  std::vector<std::string> prefixes;
  if (!home.empty() && target_path.size() > home.size() && target_path.starts_with(home) &&
      target_path[home.size()] == '/') {
    for (std::size_t pos = home.size() + 1; pos <= target_path.size(); ++pos) {
      if (pos == target_path.size() || target_path[pos] == '/') {
        prefixes.push_back(target_path.substr(0, pos));
      }
    }
  } else {
    prefixes.push_back(target_path);
  }
  bool symlinked = false;
  for (const auto& p : prefixes) {
    auto info = fs.Stat(p);
    if (info.has_value() && info->type == FileInfo::Type::kSymlink) symlinked = true;
  }
  if (!symlinked) return Status::Ok();
  RDB_ASSIGN_OR_RETURN(FileInfo info, target.Info());
  if (info.uid == owner.chown_to->uid) return Status::Ok();
  const std::string uid = std::to_string(owner.chown_to->uid);
  return Status::Io(target_path + ": reached through a symbolic link and owned by uid " +
                    std::to_string(info.uid) + ", not by the home's owner (uid " + uid +
                    "); refusing to write there as root (link it to a directory that uid " + uid +
                    " owns)");
}

void Root::RemoveCreated() {
  // chain_[i + 1] is the directory for missing_[i], in chain_[i].
  for (std::size_t i = created_.size(); i-- > 0;) {
    chain_.pop_back();
    if (created_[i]) (void)chain_[i]->RemoveDir(missing_[i]);
  }
  created_.clear();
  dir_ = missing_.empty() && !chain_.empty() ? chain_.back().get() : nullptr;
}

Result<std::unique_ptr<Dir>> OpenK3sDir(Fs& fs, Dir& cache, const OwnerPlan& owner,
                                        bool* created) {
  if (created != nullptr) *created = false;
  auto st = cache.Stat("k3s");
  if (!st.has_value() || st->type != FileInfo::Type::kSymlink) {
    return OpenOrMakeDir(cache, "k3s", owner.get(), created);
  }
  // A root the user moved elsewhere (issue 13 item 5): followed, once.
  RDB_ASSIGN_OR_RETURN(auto dir, fs.OpenRoot(JoinPath(cache.path(), "k3s")));
  if (owner.chown_to) {
    RDB_ASSIGN_OR_RETURN(FileInfo info, dir->Info());
    if (info.uid != owner.chown_to->uid) {
      const std::string uid = std::to_string(owner.chown_to->uid);
      return Status::Io(dir->path() + ": a symbolic link to a directory owned by uid " +
                        std::to_string(info.uid) + ", not by the home's owner (uid " + uid +
                        "); refusing to write there as root (link it to a directory that uid " +
                        uid + " owns)");
    }
  }
  return dir;
}

}  // namespace rdbundle::unpacker
