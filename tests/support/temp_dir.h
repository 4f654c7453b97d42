// A temporary directory for one test, removed (recursively) with the object.
#pragma once

#include <string>

namespace rdbundle::testsupport {

class ScopedTempDir {
 public:
  // mkdtemp under $TMPDIR (or /tmp). Aborts the test binary if that fails.
  ScopedTempDir();
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + rel
  std::string Sub(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// Whole-file helpers for tests (abort on failure).
void WriteFileOrDie(const std::string& path, const std::string& content, unsigned mode = 0644);
std::string ReadFileOrDie(const std::string& path);
// True when something (even a dangling symlink) is at `path` (lstat).
bool PathExists(const std::string& path);

}  // namespace rdbundle::testsupport
