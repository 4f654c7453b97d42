#include "tests/support/tree_snapshot.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/format/hash.h"

namespace rdbundle::testsupport {

std::map<std::string, std::string> SnapshotTree(const std::string& root) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(root, ec))) return out;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string path = it->path().string();
    const std::string rel = fs::relative(it->path(), root).string();
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    if (S_ISDIR(st.st_mode)) {
      out[rel] = std::string("dir ") + mode;
    } else if (S_ISLNK(st.st_mode)) {
      out[rel] = "link -> " + fs::read_symlink(it->path(), ec).string();
    } else {
      std::ifstream in(path, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out[rel] = std::string("file ") + mode + " " + std::to_string(st.st_size) + " " +
                 Sha256::HexOf(ss.str());
    }
  }
  return out;
}

std::string DiffSnapshots(const std::map<std::string, std::string>& before,
                          const std::map<std::string, std::string>& after) {
  std::string diff;
  for (const auto& [path, desc] : before) {
    auto it = after.find(path);
    if (it == after.end()) {
      diff += "- " + path + " (" + desc + ")\n";
    } else if (it->second != desc) {
      diff += "~ " + path + ": " + desc + " -> " + it->second + "\n";
    }
  }
  for (const auto& [path, desc] : after) {
    if (!before.count(path)) diff += "+ " + path + " (" + desc + ")\n";
  }
  return diff;
}

}  // namespace rdbundle::testsupport
