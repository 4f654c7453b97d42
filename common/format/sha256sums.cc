#include "common/format/sha256sums.h"

#include <algorithm>
#include <set>

#include "common/base/hex.h"
#include "common/format/limits.h"

namespace rdbundle {
namespace {

constexpr std::size_t kHexDigits = 64;
constexpr std::string_view kSeparator = "  ";  // text mode; " *" (binary mode) is not upstream's

Status LineError(std::string_view what, std::size_t line, std::string_view reason) {
  return Status::Corrupt(std::string(what) + ":" + std::to_string(line) + ": " +
                         std::string(reason));
}

bool IsUpperHexDigest(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) {
                       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                              (c >= 'A' && c <= 'F');
                     }) &&
         std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'F'; });
}

// Empty when `name` is acceptable, else the reason.
std::string NameProblem(std::string_view name) {
  if (name.empty()) return "empty file name";
  if (name.size() > kMaxPathBytes) {
    return "file name longer than " + std::to_string(kMaxPathBytes) + " bytes";
  }
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return "file name contains a control or non-ASCII byte";
    if (c == '/' || c == '\\') return "file name contains a path separator";
  }
  if (name == "." || name == "..") return "file name is \".\" or \"..\"";
  if (name.front() == ' ' || name.back() == ' ') return "file name starts or ends with a space";
  return {};
}

// One line without its "\n".
Result<Sha256SumLine> ParseLine(std::string_view line, std::string_view what, std::size_t n) {
  if (!line.empty() && line.back() == '\r') {
    return LineError(what, n, "carriage return at end of line (CRLF line endings)");
  }
  if (line.size() < kHexDigits + kSeparator.size() ||
      line.substr(kHexDigits, kSeparator.size()) != kSeparator) {
    return LineError(what, n, "malformed line (expected \"<64 hex>  <name>\")");
  }
  std::string_view hex = line.substr(0, kHexDigits);
  if (!IsLowerHex(hex, kHexDigits)) {
    return LineError(what, n,
                     IsUpperHexDigest(hex) ? "upper-case hex digest (upstream files are lower-case)"
                                           : "malformed line (expected \"<64 hex>  <name>\")");
  }
  std::string_view name = line.substr(kHexDigits + kSeparator.size());
  if (std::string problem = NameProblem(name); !problem.empty()) {
    return LineError(what, n, problem);
  }
  return Sha256SumLine{std::string(hex), std::string(name)};
}

}  // namespace

Result<std::vector<Sha256SumLine>> ParseSha256Sums(std::string_view text, std::string_view what) {
  if (text.size() > kMaxSumsFileBytes) {
    return Status::Limit(std::string(what) + ": " + std::to_string(text.size()) +
                         " bytes exceeds the limit of " + std::to_string(kMaxSumsFileBytes));
  }
  if (text.empty()) return Status::Corrupt(std::string(what) + ": empty file");
  std::vector<Sha256SumLine> lines;
  std::set<std::string> names;
  std::size_t pos = 0;
  for (std::size_t n = 1; pos < text.size(); ++n) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      return LineError(what, n, "missing newline at end of file");
    }
    RDB_ASSIGN_OR_RETURN(Sha256SumLine line, ParseLine(text.substr(pos, nl - pos), what, n));
    if (!names.insert(line.name).second) {
      return LineError(what, n, "duplicate file name \"" + line.name + "\"");
    }
    lines.push_back(std::move(line));
    pos = nl + 1;
  }
  return lines;
}

const Sha256SumLine* FindSum(const std::vector<Sha256SumLine>& lines, std::string_view name) {
  auto it = std::find_if(lines.begin(), lines.end(),
                         [&](const Sha256SumLine& l) { return l.name == name; });
  return it == lines.end() ? nullptr : &*it;
}

}  // namespace rdbundle
