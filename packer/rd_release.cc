#include "packer/rd_release.h"

#include <algorithm>

#include "common/base/quote.h"

namespace rdbundle::packer {
namespace {

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

Status Bad(std::string_view what, const std::string& reason) {
  return Status::Corrupt(std::string(what) + ": " + reason);
}

}  // namespace

Result<std::string> ParseSha512Sum(std::string_view text, std::string_view asset,
                                   std::string_view what) {
  if (text.size() > kMaxSha512SumBytes) {
    return Status::Limit(std::string(what) + ": larger than " + std::to_string(kMaxSha512SumBytes) +
                         " bytes: not a sha512sum file");
  }
  std::optional<std::string> found;
  std::size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == text.npos ? text.npos : nl - pos);
    pos = nl == text.npos ? text.size() : nl + 1;
    ++line_no;
    if (line.ends_with('\r')) line.remove_suffix(1);
    const std::string at = "line " + std::to_string(line_no);
    if (line.size() < 128 + 2 || !std::all_of(line.begin(), line.begin() + 128, IsHex) ||
        line[128] != ' ' || (line[129] != ' ' && line[129] != '*')) {
      return Bad(what, at + ": expected \"<128 hex digits>  <file name>\"");
    }
    const std::string_view name = line.substr(130);
    if (name != asset) continue;
    if (found) return Bad(what, at + ": a second line for " + QuoteForMessage(asset));
    std::string hex(line.substr(0, 128));
    std::transform(hex.begin(), hex.end(), hex.begin(),
                   [](char c) { return c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c; });
    found = std::move(hex);
  }
  if (!found) return Bad(what, "no line for " + QuoteForMessage(asset));
  return std::move(*found);
}

std::optional<RdVersion> LatestRdRelease(const std::vector<ReleaseInfo>& releases) {
  std::optional<RdVersion> best;
  for (const ReleaseInfo& r : releases) {
    if (r.draft || r.prerelease || !r.tag_name.starts_with('v')) continue;
    auto v = ParseRdVersion(std::string_view(r.tag_name).substr(1));
    if (v.has_value() && (!best || *best < *v)) best = *v;
  }
  return best;
}

const ReleaseInfo* FindRdRelease(const std::vector<ReleaseInfo>& releases, const RdVersion& version) {
  const std::string tag = "v" + version.ToString();
  for (const ReleaseInfo& r : releases) {
    if (r.tag_name == tag) return &r;
  }
  return nullptr;
}

}  // namespace rdbundle::packer
