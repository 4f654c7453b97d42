// Streaming SHA-256 (OpenSSL EVP: uses the CPU's SHA extensions; on Windows the OS's CNG,
// common/os/sha256_cng.h) and BLAKE2b (libsodium).
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/format/c_handles.h"
#include "common/os/sha256_cng.h"

namespace rdbundle {

using Sha256Digest = std::array<std::uint8_t, 32>;
using Blake2b512Digest = std::array<std::uint8_t, 64>;

class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&&) = default;
  Sha256& operator=(Sha256&&) = default;

  void Update(const void* data, std::size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // Returns the digest and resets for reuse.
  Sha256Digest Finish();
  std::string FinishHex();

  static Sha256Digest Of(std::string_view data);
  static std::string HexOf(std::string_view data);

 private:
#if defined(_WIN32)
  CngSha256 cng_;
#else
  EvpMdCtxPtr ctx_;
#endif
};

// BLAKE2b-512, as minisign uses for its prehashed ("ED") signatures.
class Blake2b512 {
 public:
  Blake2b512();
  void Update(const void* data, std::size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  Blake2b512Digest Finish();
  static Blake2b512Digest Of(std::string_view data);

 private:
  crypto_generichash_state state_;
};

class ReadableFile;  // common/os/fs.h

// SHA-256, in hex, of what is left to read in `in`, in 1 MiB reads. With kStop it ends with
// kInterrupted ("<path>: interrupted") once SIGINT or SIGTERM came (common/os/platform.h), so
// that hashing a large file does not hold up a stop; an install's commit, which finishes
// whatever comes, hashes with kIgnore.
enum class OnInterrupt { kStop, kIgnore };
Result<std::string> Sha256HexOfFile(ReadableFile& in, OnInterrupt on_interrupt);

}  // namespace rdbundle
