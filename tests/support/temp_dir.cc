#include "tests/support/temp_dir.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace rdbundle::testsupport {

namespace fs = std::filesystem;

namespace {

// $TMPDIR, else /tmp (Windows: GetTempPath, '/'-separated like every path of the tests).
std::string TempBase() {
  const char* base = std::getenv("TMPDIR");
  if (base != nullptr && *base) return base;
#if defined(_WIN32)
  std::error_code ec;
  std::string t = fs::temp_directory_path(ec).generic_string();
  while (t.size() > 3 && t.back() == '/') t.pop_back();
  if (!ec && !t.empty()) return t;
#endif
  return "/tmp";
}

}  // namespace

ScopedTempDir::ScopedTempDir() {
  // As mkdtemp: a random name, created only if it did not exist.
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string path = TempBase() + "/rdbundle-test-";
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (int i = 0; i < 8; ++i) path += kChars[randombytes_uniform(sizeof kChars - 1)];
    std::error_code ec;
    if (fs::create_directory(path, ec)) {
#if !defined(_WIN32)
      fs::permissions(path, fs::perms::owner_all, ec);
#endif
      path_ = path;
      return;
    }
    if (ec) {
      std::fprintf(stderr, "ScopedTempDir: %s: %s\n", path.c_str(), ec.message().c_str());
      std::abort();
    }
  }
  std::fprintf(stderr, "ScopedTempDir: no unique name under %s\n", TempBase().c_str());
  std::abort();
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ec;
  // Tests may leave read-only directories behind; make them writable first.
  for (auto it = fs::recursive_directory_iterator(path_, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      fs::permissions(it->path(), fs::perms::owner_all | fs::perms::group_read |
                                      fs::perms::group_exec | fs::perms::others_read |
                                      fs::perms::others_exec, ec);
    }
  }
  fs::remove_all(path_, ec);
}

void WriteFileOrDie(const std::string& path, const std::string& content, unsigned mode) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  std::error_code perm_ec;
  fs::permissions(path, static_cast<fs::perms>(mode & 07777), perm_ec);
  if (!out || perm_ec) {
    std::fprintf(stderr, "WriteFileOrDie: %s failed\n", path.c_str());
    std::abort();
  }
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "ReadFileOrDie: %s failed\n", path.c_str());
    std::abort();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool PathExists(const std::string& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

}  // namespace rdbundle::testsupport
