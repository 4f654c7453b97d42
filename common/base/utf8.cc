#include "common/base/utf8.h"

#include <cstddef>

namespace rdbundle {
namespace {

// Length in bytes of the well-formed UTF-8 sequence at s[i] (and, when `printable`, not a
// control character), or 0. Table 3-7 of the Unicode standard gives the valid second-byte
// ranges.
std::size_t SequenceLength(std::string_view s, std::size_t i, bool printable) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return !printable || (c >= 0x20 && c != 0x7f) || c == '\t' ? 1 : 0;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    if (c == 0xc2 && printable) lo = 0xa0;  // U+0080..U+009F are the C1 control characters
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() - i < len || b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (b(k) < 0x80 || b(k) > 0xbf) return 0;
  }
  return len;
}

bool AllSequences(std::string_view text, bool printable) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = SequenceLength(text, i, printable);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace

bool IsUtf8(std::string_view text) { return AllSequences(text, false); }

bool IsPrintableUtf8(std::string_view text) { return AllSequences(text, true); }

}  // namespace rdbundle
