// ParseSha256Sums: the upstream sha256sum-<arch>.txt (from a mirror when packing; inside a
// signed bundle when installing). The format is exact, so an accepted file must be byte for
// byte the concatenation of its parsed lines, and every name must be found by FindSum.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/hex.h"
#include "common/format/limits.h"
#include "common/format/sha256sums.h"
#include "fuzz/fuzz_util.h"

namespace {
constexpr std::size_t kMaxInputBytes = 128 * 1024;  // the parser caps the file at 64 KiB
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  if (size > kMaxInputBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto lines = ParseSha256Sums(text, "sha256sum-amd64.txt");
  if (!lines.has_value()) {
    fuzz::CheckRejection(lines.error(), {ErrorCode::kCorrupt, ErrorCode::kLimitExceeded},
                         "sha256sum-amd64.txt:");
    return 0;
  }
  FUZZ_CHECK(size <= kMaxSumsFileBytes && !lines->empty(), "size or line count out of range");
  std::string rebuilt;
  for (const auto& l : *lines) {
    FUZZ_CHECK(IsLowerHex(l.hex, 64), "digest is not 64 lowercase hex digits");
    FUZZ_CHECK(!l.name.empty() && l.name.size() <= kMaxPathBytes &&
                   l.name.find_first_of("/\\") == std::string::npos,
               "bad name accepted: " + l.name);
    FUZZ_CHECK(FindSum(*lines, l.name) == &l, "FindSum does not find " + l.name);
    rebuilt += l.hex + "  " + l.name + "\n";
  }
  FUZZ_CHECK(rebuilt == text, "accepted text is not the canonical form of its lines");
  return 0;
}
