// UTF-8 validation (Unicode 15, section 3.9, Table 3-7): what JSON and minisign comments accept.
#pragma once

#include <string_view>

namespace rdbundle {

// True when `text` is well-formed UTF-8: no overlong forms, surrogates, code points above
// U+10FFFF or truncated sequences (what a strict JSON writer accepts).
bool IsUtf8(std::string_view text);

// IsUtf8, and no control characters (C0 except tab, DEL, C1).
bool IsPrintableUtf8(std::string_view text);

}  // namespace rdbundle
