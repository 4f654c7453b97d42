// A full listing of a directory tree with content hashes, to assert "the destination is
// byte-for-byte as before" after a rejected or interrupted install.
#pragma once

#include <map>
#include <string>

namespace rdbundle::testsupport {

// path (relative to root) -> "dir 0755" | "file 0644 <size> <sha256>" | "link -> <target>".
// A missing root is an empty map.
std::map<std::string, std::string> SnapshotTree(const std::string& root);

// Human-readable differences, empty when equal (for assertion messages).
std::string DiffSnapshots(const std::map<std::string, std::string>& before,
                          const std::map<std::string, std::string>& after);

}  // namespace rdbundle::testsupport
