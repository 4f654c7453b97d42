// The destination roots of an install (RD's cache, CACHE/k3s, kuberlr's directory) and who
// owns what an install creates. Issue 13, items 1, 4 and 5:
//  - A root is the path the user configured (or derived from HOME). It is resolved ONCE,
//    following symlinks (a cache moved to a bigger disk and linked back works); everything
//    below it goes through Dir handles and never follows a symlink.
//  - Missing roots are created one directory at a time through handles, and every directory
//    and file an install creates in a home that belongs to another user (root installing into
//    /home/alice) is given to that user; nothing else of the home is touched.
//  - In such a home, a root reached through a symlink must lead to a directory the home's
//    owner owns: otherwise the user could point root's writes anywhere.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/os/fs.h"
#include "common/rd/layout.h"

namespace rdbundle::unpacker {

// Who owns what an install creates. `chown_to` is empty when created files may keep the
// process's owner (the home is the process's own, or there is no home to go by).
struct OwnerPlan {
  std::optional<Owner> chown_to;
  const Owner* get() const { return chown_to ? &*chown_to : nullptr; }
};

// The rule (pure, for tests): running as `euid` into a home owned by `home_info`:
//   same user          -> nothing to change
//   root (euid 0)      -> everything created gets the home's uid and gid
//   another non-root   -> refused, saying how to run it
Result<OwnerPlan> DecideOwner(unsigned euid, const FileInfo& home_info, const std::string& home);

// Resolves the reference directory (the home, else the cache root's nearest existing
// ancestor) and applies DecideOwner with the process's euid.
Result<OwnerPlan> DecideOwnerFor(Fs& fs, const Destinations& dest);

// One destination root.
class Root {
 public:
  explicit Root(std::string path) : path_(std::move(path)) {}
  Root(const Root&) = delete;
  Root& operator=(const Root&) = delete;

  // Opens the root when it exists, else its nearest existing ancestor (for free space).
  // A regular file (or anything not a directory) in the way fails here.
  Status Resolve(Fs& fs);
  // Creates the missing directories below the ancestor through handles, given to `owner`.
  Status Create(const OwnerPlan& owner);
  // Refuses a root (or any existing directory on its way from `home`) that is a symlink to a
  // directory not owned by the plan's owner (only when the plan changes owners).
  Status CheckSymlinks(Fs& fs, const std::string& home, const OwnerPlan& owner);
  // Removes the directories Create made (innermost first) when they are empty.
  void RemoveCreated();

  const std::string& path() const { return path_; }
  bool exists() const { return dir_ != nullptr; }
  Dir& dir() { return *dir_; }  // REQUIRES: exists()
  // The root, or its nearest existing ancestor before Create.
  Dir& existing() { return dir_ ? *dir_ : *chain_.back(); }

 private:
  std::string path_;
  Dir* dir_ = nullptr;  // chain_.back() once the root exists
  // chain_[0] is the nearest existing ancestor (the root itself when it existed); after
  // Create, chain_[i + 1] is the directory for missing_[i].
  std::vector<std::unique_ptr<Dir>> chain_;
  std::vector<std::string> missing_;
  std::vector<bool> created_;  // per missing_ entry opened by Create: made by this run
};

// CACHE/k3s: a symlink there is a root moved elsewhere too (item 5), so it is opened by path,
// following it, and then checked like a root; otherwise opened or created below the cache.
Result<std::unique_ptr<Dir>> OpenK3sDir(Fs& fs, Dir& cache, const OwnerPlan& owner,
                                        bool* created);

}  // namespace rdbundle::unpacker
