// SHA-256 from the OS where the build has no OpenSSL: Windows CNG (BCrypt; hardware
// accelerated where the CPU has SHA extensions). Behind common/format/hash.h's Sha256; Windows
// only (sha256_cng_win32.cc).
#pragma once

#if defined(_WIN32)

#include <cstddef>
#include <cstdint>

namespace rdbundle {

class CngSha256 {
 public:
  CngSha256();  // throws std::bad_alloc when CNG cannot make a hash object
  ~CngSha256();
  CngSha256(const CngSha256&) = delete;
  CngSha256& operator=(const CngSha256&) = delete;
  CngSha256(CngSha256&& o) noexcept : hash_(o.hash_) { o.hash_ = nullptr; }
  CngSha256& operator=(CngSha256&& o) noexcept;

  void Update(const void* data, std::size_t n);
  // Writes the 32-byte digest and starts over.
  void Finish(std::uint8_t* out);

 private:
  void* hash_ = nullptr;  // BCRYPT_HASH_HANDLE
};

}  // namespace rdbundle

#endif  // _WIN32
