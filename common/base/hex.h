// Hex and base64 encoding, strict decoding.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rdbundle {

// Lowercase hex.
std::string HexEncode(std::span<const std::uint8_t> bytes);
// Uppercase hex.
std::string HexEncodeUpper(std::span<const std::uint8_t> bytes);
// Decodes hex of either case; nullopt on odd length or a non-hex character.
std::optional<std::vector<std::uint8_t>> HexDecode(std::string_view hex);
// True when `s` is exactly `n` lowercase hex digits.
bool IsLowerHex(std::string_view s, std::size_t n);

// Standard base64 with padding (RFC 4648 section 4), as minisign writes it.
std::string Base64Encode(std::span<const std::uint8_t> bytes);
// True when every byte is in the standard base64 alphabet or '='. libsodium 1.0.18's decoder
// accepts bytes >= 0x80 as aliases of base64 characters, which would make signed files
// malleable: every decoder here checks this first.
bool IsBase64Text(std::string_view text);
// Strict: canonical padding, no whitespace, no other alphabet; nullopt otherwise.
std::optional<std::vector<std::uint8_t>> Base64Decode(std::string_view text);

}  // namespace rdbundle
