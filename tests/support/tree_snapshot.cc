#include "tests/support/tree_snapshot.h"

#include <cstdio>
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
    const std::string rel = fs::relative(it->path(), root).generic_string();
    const fs::file_status st = fs::symlink_status(it->path(), ec);
    if (ec || !fs::exists(st)) continue;
    // std::filesystem's perms have the POSIX values (Windows: what the read-only bit gives).
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.permissions()) & 07777u);
    if (fs::is_directory(st)) {
      out[rel] = std::string("dir ") + mode;
    } else if (fs::is_symlink(st)) {
      out[rel] = "link -> " + fs::read_symlink(it->path(), ec).string();
    } else {
      std::ifstream in(it->path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out[rel] = std::string("file ") + mode + " " + std::to_string(fs::file_size(it->path(), ec)) + " " +
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
