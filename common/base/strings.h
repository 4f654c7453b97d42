// Small string helpers shared by messages and output.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rdbundle {

// `parts` with `sep` between them: Join({"a", "b"}, ", ") is "a, b"; {} gives "".
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

// ASCII lowercase (header names, hosts, schemes); other bytes unchanged.
std::string AsciiLower(std::string_view s);

// A digest for messages: its first 12 characters and "…" ("1d0b3c9e41aa…").
std::string ShortHex(std::string_view hex);

}  // namespace rdbundle
