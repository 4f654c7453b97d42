// Small helpers shared by the fuzz targets (header-only, built with libFuzzer or replay_main).
//  - FUZZ_CHECK: an invariant that is never compiled out (zstd's FUZZ_ASSERT_MSG); prints the
//    condition and a message, then abort()s so libFuzzer records the input as a crash.
//  - CheckRejection: a parser's error is of an expected class and names the input.
//  - FuzzInput: consumes the fuzz input as typed values (a tiny FuzzedDataProvider that also
//    builds with GCC). Exhausted input reads as zeros, so every input is a complete recipe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/base/status.h"

#define FUZZ_CHECK(cond, msg)                                                                  \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, __LINE__, #cond,     \
                   std::string(msg).c_str());                                                  \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

namespace rdbundle::fuzz {

// A rejected input: the error must be one of `codes` (with none given: anything but
// kInternal, which would be a bug) and its message must start with `prefix`, the name the
// caller gave the input (every error names its file).
inline void CheckRejection(const Status& s, std::initializer_list<ErrorCode> codes,
                           std::string_view prefix) {
  const bool expected = codes.size() == 0
                            ? s.code() != ErrorCode::kInternal
                            : std::find(codes.begin(), codes.end(), s.code()) != codes.end();
  FUZZ_CHECK(expected, "unexpected error class: " + s.message());
  FUZZ_CHECK(s.message().starts_with(prefix), "the error does not name the input: " + s.message());
}

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}

  bool empty() const { return n_ == 0; }
  std::size_t remaining() const { return n_; }

  std::uint8_t Byte() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  bool Bool() { return (Byte() & 1) != 0; }
  std::uint16_t U16() { return static_cast<std::uint16_t>(Byte() | Byte() << 8); }
  std::uint32_t U32() { return static_cast<std::uint32_t>(U16()) | static_cast<std::uint32_t>(U16()) << 16; }
  // A value in [lo, hi] from as few bytes as the range needs.
  std::uint64_t Range(std::uint64_t lo, std::uint64_t hi) {
    const std::uint64_t span = hi - lo;
    std::uint64_t v = 0;
    for (std::uint64_t s = span; s != 0; s >>= 8) v = v << 8 | Byte();
    return span == UINT64_MAX ? v : lo + v % (span + 1);
  }
  template <class T, std::size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Range(0, N - 1)];
  }
  // A length-prefixed string of at most `max` bytes (one length byte when max < 256).
  std::string Bytes(std::size_t max) {
    const std::size_t len = std::min<std::size_t>(max < 256 ? Byte() : U16(), max);
    return Take(len);
  }
  std::string Take(std::size_t len) {
    len = std::min(len, n_);
    std::string s(reinterpret_cast<const char*>(p_), len);
    p_ += len;
    n_ -= len;
    return s;
  }
  std::string Rest() { return Take(n_); }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

}  // namespace rdbundle::fuzz
