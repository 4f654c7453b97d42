#include "common/base/quote.h"

#include <cstdio>

namespace rdbundle {

std::string QuoteForMessage(std::string_view s) {
  constexpr std::size_t kShown = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < kShown; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  out += s.size() > kShown ? "\"..." : "\"";
  return out;
}

std::string EscapeForMessage(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return QuoteForMessage(s);
  }
  return std::string(s);
}

}  // namespace rdbundle
