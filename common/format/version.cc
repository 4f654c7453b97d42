#include "common/format/version.h"
#include "common/base/quote.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdio>
#include <map>
#include <optional>
#include <tuple>

namespace rdbundle {
namespace {

// Longest version string considered at all; anything longer is rejected before splitting.
constexpr std::size_t kMaxVersionTextBytes = 128;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool AllDigits(std::string_view s) { return std::all_of(s.begin(), s.end(), IsDigit); }

// One numeric field: decimal digits only (from_chars alone would take a '-'), no leading zero
// unless the field is "0", whole field consumed, at most kMaxVersionNumber. On failure
// returns nullopt and sets `reason`.
std::optional<int> ParseNumber(std::string_view field, std::string_view name, std::string& reason) {
  if (field.empty() || !AllDigits(field)) {
    reason = std::string(name) + " is not a decimal number";
    return std::nullopt;
  }
  if (field.size() > 1 && field[0] == '0') {
    reason = std::string(name) + " has a leading zero";
    return std::nullopt;
  }
  int value = 0;
  auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || ptr != field.data() + field.size() || value > kMaxVersionNumber) {
    reason = std::string(name) + " is larger than " + std::to_string(kMaxVersionNumber);
    return std::nullopt;
  }
  return value;
}

// MAJOR.MINOR.PATCH into out[0..2].
bool ParseCore(std::string_view core, int out[3], std::string& reason) {
  static constexpr std::string_view kNames[3] = {"major", "minor", "patch"};
  for (int i = 0; i < 3; ++i) {
    std::size_t dot = core.find('.');
    if ((i < 2) != (dot != std::string_view::npos)) {
      reason = "expected <major>.<minor>.<patch>";
      return false;
    }
    std::optional<int> n = ParseNumber(core.substr(0, dot), kNames[i], reason);
    if (!n) return false;
    out[i] = *n;
    core = i < 2 ? core.substr(dot + 1) : std::string_view();
  }
  return true;
}

// Semver prerelease: dot-separated, non-empty identifiers of [0-9A-Za-z-]; numeric identifiers
// without leading zeros.
bool ValidPrerelease(std::string_view pre, std::string& reason) {
  if (pre.empty() || pre.size() > kMaxPrereleaseBytes) {
    reason = "prerelease must be 1 to " + std::to_string(kMaxPrereleaseBytes) + " characters";
    return false;
  }
  std::size_t start = 0;
  while (start <= pre.size()) {
    std::size_t dot = std::min(pre.find('.', start), pre.size());
    std::string_view id = pre.substr(start, dot - start);
    bool chars_ok =
        std::all_of(id.begin(), id.end(), [](char c) { return IsAlnum(c) || c == '-'; });
    if (id.empty() || !chars_ok) {
      reason = "prerelease identifiers must be non-empty [0-9A-Za-z-]";
      return false;
    }
    if (id.size() > 1 && id[0] == '0' && AllDigits(id)) {
      reason = "numeric prerelease identifier has a leading zero";
      return false;
    }
    start = dot + 1;
  }
  return true;
}

// Compares two digit strings as numbers of any length.
int CompareDigits(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a[0] == '0') a.remove_prefix(1);
  while (b.size() > 1 && b[0] == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

std::string_view TakeDigits(std::string_view s, std::size_t& i) {
  std::size_t start = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  return s.substr(start, i - start);
}

// "Natural" order: runs of digits compare numerically, other characters by byte.
int CompareNatural(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (IsDigit(a[i]) && IsDigit(b[j])) {
      if (int c = CompareDigits(TakeDigits(a, i), TakeDigits(b, j)); c != 0) return c;
      continue;
    }
    if (a[i] != b[j])
      return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
    ++i, ++j;
  }
  if (i == a.size() && j == b.size()) return 0;
  return i == a.size() ? -1 : 1;
}

// Semver identifier precedence, with natural order for alphanumeric identifiers.
int CompareIdentifier(std::string_view a, std::string_view b) {
  bool an = AllDigits(a), bn = AllDigits(b);
  if (an && bn) return CompareDigits(a, b);
  if (an != bn) return an ? -1 : 1;  // numeric identifiers have lower precedence
  return CompareNatural(a, b);
}

std::string_view NextIdentifier(std::string_view s, std::size_t& pos) {
  std::size_t dot = std::min(s.find('.', pos), s.size());
  std::string_view id = s.substr(pos, dot - pos);
  pos = dot + 1;
  return id;
}

// A release (empty) sorts after every prerelease of the same version.
int ComparePrerelease(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return a.empty() == b.empty() ? 0 : (a.empty() ? 1 : -1);
  std::size_t i = 0, j = 0;
  while (i <= a.size() && j <= b.size()) {
    if (int c = CompareIdentifier(NextIdentifier(a, i), NextIdentifier(b, j)); c != 0) return c;
  }
  if (i > a.size() && j > b.size()) return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
  return i > a.size() ? -1 : 1;  // fewer identifiers first
}

Status InvalidVersion(std::string_view kind, std::string_view s, std::string_view reason) {
  return Status::Corrupt("invalid " + std::string(kind) + " version " + QuoteForMessage(s) + " (" +
                         std::string(reason) + ")");
}

}  // namespace

Result<K3sVersion> ParseK3sVersion(std::string_view s) {
  constexpr std::string_view kKind = "k3s";
  if (s.size() > kMaxVersionTextBytes) return InvalidVersion(kKind, s, "too long");
  if (!s.starts_with('v')) return InvalidVersion(kKind, s, "must start with \"v\"");
  std::size_t plus = s.find('+');
  if (plus == std::string_view::npos || s.substr(plus + 1, 3) != "k3s") {
    return InvalidVersion(kKind, s, "missing \"+k3s<N>\" build suffix");
  }
  std::string_view main = s.substr(1, plus - 1);
  std::size_t dash = main.find('-');
  std::string reason;
  int core[3];
  if (!ParseCore(main.substr(0, dash), core, reason)) return InvalidVersion(kKind, s, reason);
  K3sVersion v{core[0], core[1], core[2], "", 0, std::string(s)};
  if (dash != std::string_view::npos) {
    v.prerelease = std::string(main.substr(dash + 1));
    if (!ValidPrerelease(v.prerelease, reason)) return InvalidVersion(kKind, s, reason);
  }
  std::optional<int> build = ParseNumber(s.substr(plus + 4), "k3s build", reason);
  if (!build) return InvalidVersion(kKind, s, reason);
  v.build = *build;
  return v;
}

bool IsK3sVersionWithoutBuild(std::string_view s) {
  return s.find('+') == std::string_view::npos &&
         ParseK3sVersion(std::string(s) + "+k3s1").has_value();
}

std::strong_ordering operator<=>(const K3sVersion& a, const K3sVersion& b) {
  if (auto c = std::tie(a.major, a.minor, a.patch) <=> std::tie(b.major, b.minor, b.patch);
      c != 0) {
    return c;
  }
  if (int c = ComparePrerelease(a.prerelease, b.prerelease); c != 0) {
    return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  return a.build <=> b.build;
}

bool operator==(const K3sVersion& a, const K3sVersion& b) { return (a <=> b) == 0; }

std::string ChannelValue(const K3sVersion& v) {
  std::string out =
      std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch);
  if (!v.prerelease.empty()) out += "-" + v.prerelease;
  return out;
}

Result<KubectlVersion> ParseKubectlVersion(std::string_view s) {
  constexpr std::string_view kKind = "kubectl";
  if (s.size() > kMaxVersionTextBytes) return InvalidVersion(kKind, s, "too long");
  std::string_view core = s.starts_with('v') ? s.substr(1) : s;
  std::string reason;
  int n[3];
  if (!ParseCore(core, n, reason)) return InvalidVersion(kKind, s, reason);
  return KubectlVersion{n[0], n[1], n[2]};
}

std::string KubectlVersion::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::string KubectlVersion::ToTag() const { return "v" + ToString(); }

Result<RdVersion> ParseRdVersion(std::string_view s) {
  constexpr std::string_view kKind = "Rancher Desktop";
  if (s.size() > kMaxVersionTextBytes) return InvalidVersion(kKind, s, "too long");
  std::string reason;
  int n[3];
  if (!ParseCore(s, n, reason)) return InvalidVersion(kKind, s, reason);
  return RdVersion{n[0], n[1], n[2]};
}

std::string RdVersion::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::string Minor::ToString() const { return std::to_string(major) + "." + std::to_string(minor); }

Minor MinorOf(const K3sVersion& v) { return {v.major, v.minor}; }
Minor MinorOf(const KubectlVersion& v) { return {v.major, v.minor}; }

}  // namespace rdbundle
