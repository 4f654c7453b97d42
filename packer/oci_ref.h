// Registry references on the command line: oci://HOST[:PORT]/REPO[:TAG|@DIGEST]
// (format-spec/oci-artifact.md section 2). The grammar is the distribution spec's
// (opencontainers/distribution-spec spec.md "Pulling manifests": <name> is
// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*, a tag is
// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}), with sha256 as the only digest algorithm we accept.
// Every part is checked here, so that nothing from the command line reaches a URL unescaped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace rdbundle::packer {

inline constexpr std::size_t kMaxOciRefBytes = 1024;
inline constexpr std::size_t kMaxRepositoryBytes = 255;
inline constexpr std::size_t kMaxTagBytes = 128;

struct OciRef {
  std::string host;        // "registry.example.com", "10.0.0.5", "[::1]" (brackets kept)
  int port = 0;            // 0: the scheme's default
  std::string repository;  // "rd/kit"
  std::string tag;         // "2026-12", or "" (then digest, or a repository only)
  std::string digest;      // "sha256:<64 lowercase hex>", or ""

  // "host[:port]": the key of credentials in ~/.docker/config.json.
  std::string Registry() const;
  // "oci://host[:port]/repo[:tag][@digest]".
  std::string ToString() const;
  // The tag, else the digest: what goes after /manifests/.
  std::string Reference() const { return digest.empty() ? tag : digest; }
  // 127.0.0.0/8, ::1 or "localhost": plain http there needs no warning.
  bool IsLoopback() const;
};

enum class OciRefKind {
  kRepository,  // oci://HOST/REPO (ls): no tag or digest allowed
  kManifest,    // oci://HOST/REPO:TAG or @DIGEST (push needs a tag, pull either)
};

// Parses and checks `text`. Errors are kUsage: "<text>: <reason>", the text quoted.
Result<OciRef> ParseOciRef(std::string_view text, OciRefKind kind);

// The grammar pieces, for the registry's answers too (tags lists, digests).
bool IsValidRepository(std::string_view s);
bool IsValidTag(std::string_view s);
bool IsValidSha256Digest(std::string_view s);

}  // namespace rdbundle::packer
