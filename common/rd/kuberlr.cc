#include "common/rd/kuberlr.h"

#include <cstdint>

namespace rdbundle {
namespace {

// Go fmt's scan state over one string: just what Sscanf("kubectl%d.%d[.%d]") needs.
class GoScan {
 public:
  explicit GoScan(std::string_view s) : s_(s) {}

  bool Literal(std::string_view lit) {
    if (!s_.substr(pos_).starts_with(lit)) return false;
    pos_ += lit.size();
    return true;
  }

  // %d into a uint64: ss.SkipSpace, then scanNumber(decimalDigits), strconv.ParseUint(tok, 10, 64).
  std::optional<std::uint64_t> Uint() {
    SkipSpace();
    if (failed_) return std::nullopt;
    std::size_t start = pos_;
    std::uint64_t n = 0;
    bool overflow = false;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      const std::uint64_t d = static_cast<std::uint64_t>(s_[pos_] - '0');
      if (n > (UINT64_MAX - d) / 10) overflow = true;
      n = n * 10 + d;
      ++pos_;
    }
    if (pos_ == start || overflow) return std::nullopt;  // "expected integer" / out of range
    return n;
  }

 private:
  // Go's isSpace table (fmt/scan.go), UTF-8 encoded; "\r\n" and "\n" end the scan with
  // "unexpected newline" (Sscanf: nlIsSpace is false).
  void SkipSpace() {
    for (;;) {
      std::string_view rest = s_.substr(pos_);
      if (rest.empty()) return;
      if (rest.starts_with("\r\n") || rest[0] == '\n') {
        failed_ = true;
        return;
      }
      const unsigned char c = static_cast<unsigned char>(rest[0]);
      if ((c >= 0x09 && c <= 0x0d) || c == 0x20) {
        ++pos_;
        continue;
      }
      std::size_t n = UnicodeSpaceBytes(rest);
      if (n == 0) return;
      pos_ += n;
    }
  }

  static std::size_t UnicodeSpaceBytes(std::string_view s) {
    auto b = [&](std::size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u; };
    if (b(0) == 0xc2 && (b(1) == 0x85 || b(1) == 0xa0)) return 2;           // U+0085, U+00A0
    if (b(0) == 0xe1 && b(1) == 0x9a && b(2) == 0x80) return 3;             // U+1680
    if (b(0) == 0xe2 && b(1) == 0x80 &&
        ((b(2) >= 0x80 && b(2) <= 0x8a) || b(2) == 0xa8 || b(2) == 0xa9 || b(2) == 0xaf))
      return 3;                                                             // U+2000-200A, 2028, 2029, 202F
    if (b(0) == 0xe2 && b(1) == 0x81 && b(2) == 0x9f) return 3;             // U+205F
    if (b(0) == 0xe3 && b(1) == 0x80 && b(2) == 0x80) return 3;             // U+3000
    return 0;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

// Sscanf(name, "kubectl%d.%d" [+ ".%d"]): the numbers, or nullopt unless every verb matched.
std::optional<KubectlVersion> Scan(std::string_view name, bool with_patch) {
  GoScan s(name);
  if (!s.Literal("kubectl")) return std::nullopt;
  auto major = s.Uint();
  if (!major || !s.Literal(".")) return std::nullopt;
  auto minor = s.Uint();
  if (!minor) return std::nullopt;
  std::uint64_t patch = 0;
  if (with_patch) {
    if (!s.Literal(".")) return std::nullopt;
    auto p = s.Uint();
    if (!p) return std::nullopt;
    patch = *p;
  }
  const auto max = static_cast<std::uint64_t>(kMaxVersionNumber);
  if (*major > max || *minor > max) return std::nullopt;
  return KubectlVersion{static_cast<int>(*major), static_cast<int>(*minor),
                        static_cast<int>(patch > max ? max : patch)};
}

}  // namespace

std::optional<KubectlVersion> KuberlrVersionOfName(std::string_view name, TargetOs os) {
  // osexec.TrimExt: strings.TrimSuffix(filename, ".exe") on Windows, unchanged elsewhere.
  std::string_view trimmed = name;
  if (os == TargetOs::kWindows && trimmed.ends_with(".exe")) trimmed.remove_suffix(4);
  if (auto v = Scan(trimmed, /*with_patch=*/true)) return v;
  // inferSystemKubectlVersion: the untrimmed name (TrimExt again; same result).
  return Scan(trimmed, /*with_patch=*/false);
}

bool KuberlrAccepts(const KubectlVersion& k, int server_major, int server_minor) {
  if (k.major != server_major) return false;
  const int low = server_minor > 0 ? server_minor - 1 : 0;
  return k.minor >= low && k.minor < server_minor + 2;
}

}  // namespace rdbundle
