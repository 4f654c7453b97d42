// The upstream k3s checksum file, sha256sum-<arch>.txt
// (docs/rancher-desktop.md#per-version-directory): one line per release asset of that arch,
// "<64 lowercase hex>  <file name>\n", as GNU sha256sum writes it (the k3s
// release workflow concatenates `sha256sum` outputs, images first and the binary last). RD
// hashes the k3s binary and the image archive it uses and compares them with these lines on
// every start (k3sHelper.ts ensureK3sImages), so the file is carried byte for byte and only
// the lines of files actually present are checked.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace rdbundle {

struct Sha256SumLine {
  std::string hex;   // 64 lowercase hex digits
  std::string name;  // a bare file name

  bool operator==(const Sha256SumLine&) const = default;
};

// Parses the whole file. Accepts only lines matching ^[0-9a-f]{64}  <name>\n$ where <name> is
// 1..kMaxPathBytes bytes of printable ASCII, contains no '/' or '\\', is not "." or "..", and
// neither starts nor ends with a space (RD trims lines, so it would see a different name).
// Every line, the last included, must end in "\n": sha256sum always writes it, and a file
// without it was cut short or edited. At least one line; no name twice (RD would silently use
// the last). Upper-case hex is rejected: upstream files are lower-case, RD's case-insensitive
// comparison never needs it, and one spelling keeps digests comparable as strings everywhere.
// Errors (kCorrupt) name the file and line: "<what>:<line>: <reason>", e.g.
//   "sha256sum-amd64.txt:3: malformed line (expected \"<64 hex>  <name>\")".
// Text larger than kMaxSumsFileBytes is kLimitExceeded.
Result<std::vector<Sha256SumLine>> ParseSha256Sums(std::string_view text, std::string_view what);

// The line for `name`, or nullptr. Exact, case-sensitive name match (as RD's lookup).
const Sha256SumLine* FindSum(const std::vector<Sha256SumLine>& lines, std::string_view name);

}  // namespace rdbundle
