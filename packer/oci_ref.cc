#include "packer/oci_ref.h"

#include <charconv>
#include <optional>

#include "common/base/quote.h"

namespace rdbundle::packer {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool IsValidComponent(std::string_view s) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (std::size_t i = 0; i < s.size();) {
    if (IsLowerAlnum(s[i])) {
      ++i;
      continue;
    }
    // A separator: ".", "_", "__" or a run of "-", always between alphanumerics.
    std::size_t j = i;
    if (s[i] == '.') {
      j = i + 1;
    } else if (s[i] == '_') {
      j = i + 1;
      if (j < s.size() && s[j] == '_') ++j;
    } else if (s[i] == '-') {
      while (j < s.size() && s[j] == '-') ++j;
    } else {
      return false;
    }
    if (j >= s.size() || !IsLowerAlnum(s[j])) return false;
    i = j;
  }
  return true;
}

// A DNS name (labels of [A-Za-z0-9-], not starting or ending with '-'), an IPv4 address, or
// an IPv6 address in brackets.
bool IsValidHost(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  if (h.front() == '[') {
    if (h.size() < 4 || h.back() != ']') return false;
    for (char c : h.substr(1, h.size() - 2)) {
      if (!IsHex(c) && c != ':' && c != '.') return false;
    }
    return true;
  }
  std::size_t start = 0;
  while (start <= h.size()) {
    std::size_t dot = h.find('.', start);
    if (dot == std::string_view::npos) dot = h.size();
    const std::string_view label = h.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!IsAlnum(c) && c != '-') return false;
    }
    start = dot + 1;
  }
  return true;
}

std::optional<int> ParsePort(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s.size() > 5 || ec != std::errc() || p != s.data() + s.size() || v < 1 ||
      v > 65535 || s.front() == '0') {
    return std::nullopt;
  }
  return v;
}

}  // namespace

bool IsValidRepository(std::string_view s) {
  if (s.empty() || s.size() > kMaxRepositoryBytes) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = s.find('/', start);
    if (!IsValidComponent(s.substr(start, slash == std::string_view::npos ? s.npos : slash - start))) {
      return false;
    }
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool IsValidTag(std::string_view s) {
  if (s.empty() || s.size() > kMaxTagBytes) return false;
  if (!IsAlnum(s.front()) && s.front() != '_') return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

bool IsValidSha256Digest(std::string_view s) {
  if (!s.starts_with("sha256:") || s.size() != 7 + 64) return false;
  for (char c : s.substr(7)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string OciRef::Registry() const {
  return port == 0 ? host : host + ":" + std::to_string(port);
}

std::string OciRef::ToString() const {
  std::string s = "oci://" + Registry() + "/" + repository;
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

bool OciRef::IsLoopback() const {
  if (host == "localhost" || host == "[::1]") return true;
  // 127.0.0.0/8: four decimal octets, the first 127.
  if (!host.starts_with("127.")) return false;
  int parts = 0;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t dot = host.find('.', start);
    if (dot == std::string::npos) dot = host.size();
    const std::string_view octet = std::string_view(host).substr(start, dot - start);
    int v = 0;
    auto [p, ec] = std::from_chars(octet.data(), octet.data() + octet.size(), v);
    if (octet.empty() || octet.size() > 3 || ec != std::errc() ||
        p != octet.data() + octet.size() || v > 255) {
      return false;
    }
    ++parts;
    start = dot + 1;
  }
  return parts == 4;
}

Result<OciRef> ParseOciRef(std::string_view text, OciRefKind kind) {
  const auto bad = [&](std::string_view why) {
    return Status::Usage(QuoteForMessage(text.substr(0, 200)) + ": " + std::string(why));
  };
  if (text.size() > kMaxOciRefBytes) return bad("longer than 1024 bytes");
  if (!text.starts_with("oci://")) return bad("a registry reference starts with oci://");
  std::string_view rest = text.substr(6);
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return bad("no repository (oci://HOST[:PORT]/REPO)");
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = rest.substr(slash + 1);
  OciRef ref;
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    auto port = ParsePort(authority.substr(colon + 1));
    if (!port) return bad("the port must be a number from 1 to 65535");
    ref.port = *port;
    authority = authority.substr(0, colon);
  }
  if (!IsValidHost(authority)) return bad("not a valid host name or address");
  ref.host = std::string(authority);
  if (const std::size_t at = path.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(path.substr(at + 1));
    path = path.substr(0, at);
    if (!IsValidSha256Digest(ref.digest)) return bad("the digest must be sha256:<64 lowercase hex>");
  }
  if (const std::size_t c = path.rfind(':'); c != std::string_view::npos) {
    ref.tag = std::string(path.substr(c + 1));
    path = path.substr(0, c);
    if (!IsValidTag(ref.tag)) {
      return bad("a tag is 1 to 128 of [A-Za-z0-9_.-], not starting with '.' or '-'");
    }
  }
  if (!IsValidRepository(path)) {
    return bad("the repository must be lowercase path components of [a-z0-9] joined by '.', "
               "'_', '__' or '-' (at most 255 bytes)");
  }
  ref.repository = std::string(path);
  if (kind == OciRefKind::kRepository && (!ref.tag.empty() || !ref.digest.empty())) {
    return bad("expected a repository without a tag or digest (oci://HOST[:PORT]/REPO)");
  }
  if (kind == OciRefKind::kManifest && ref.tag.empty() && ref.digest.empty()) {
    return bad("expected a tag or a digest (oci://HOST[:PORT]/REPO:TAG or @sha256:...)");
  }
  return ref;
}

}  // namespace rdbundle::packer
