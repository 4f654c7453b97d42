// Untrusted strings in messages.
#pragma once

#include <string>
#include <string_view>

namespace rdbundle {

// For error messages about untrusted strings: `s` in double quotes, bytes outside printable
// ASCII shown as \xNN, cut to 64 bytes with "..." so a message stays one short line.
std::string QuoteForMessage(std::string_view s);

}  // namespace rdbundle
