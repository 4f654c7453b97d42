// Untrusted strings in messages.
#pragma once

#include <string>
#include <string_view>

namespace rdbundle {

// For error messages about untrusted strings: `s` in double quotes, bytes outside printable
// ASCII shown as \xNN, cut to 64 bytes with "..." so a message stays one short line.
std::string QuoteForMessage(std::string_view s);

// For names in messages that are usually plain (tar entry paths): `s` as it is when it is
// printable ASCII without quotes or backslashes, else QuoteForMessage(s). Either way no escape
// sequence, newline or NUL of an untrusted name reaches the terminal (issue 13 item 6).
std::string EscapeForMessage(std::string_view s);

}  // namespace rdbundle
