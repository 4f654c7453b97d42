// The OCI image manifest that carries a bundle (format-spec/oci-artifact.md): model, writer,
// and the strict reader of what a registry returns (untrusted: bounded, typed, every digest
// checked before it is used in a URL), plus the registry's tag list.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/format/manifest.h"

namespace rdbundle::packer {

inline constexpr std::string_view kOciManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndexMediaType = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kBundleArtifactType = "application/vnd.rdbundle.bundle.v1";
inline constexpr std::string_view kBundleLayerMediaType = "application/vnd.rdbundle.bundle.v1.tar+zstd";
inline constexpr std::string_view kSignatureLayerMediaType = "application/vnd.rdbundle.signature.v1.minisign";
inline constexpr std::string_view kEmptyMediaType = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kEmptyDigest =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";  // of "{}"
inline constexpr std::string_view kTitleAnnotation = "org.opencontainers.image.title";
inline constexpr std::string_view kCreatedAnnotation = "org.opencontainers.image.created";
// Our annotations (values copied from the signed manifest.json).
inline constexpr std::string_view kAnnotationPrefix = "io.rdbundle.";
inline constexpr std::string_view kBundleIdAnnotation = "io.rdbundle.bundle-id";
inline constexpr std::string_view kFormatAnnotation = "io.rdbundle.format-version";
inline constexpr std::string_view kK3sVersionsAnnotation = "io.rdbundle.k3s-versions";
inline constexpr std::string_view kK3sArchesAnnotation = "io.rdbundle.k3s-arches";
inline constexpr std::string_view kKubectlAnnotation = "io.rdbundle.kubectl";
inline constexpr std::string_view kKeyIdAnnotation = "io.rdbundle.key-id";

// Limits on what a registry sends (distribution rejects manifests over 4 MiB itself).
inline constexpr std::size_t kMaxOciManifestBytes = 4u << 20;
inline constexpr std::size_t kMaxOciLayers = 64;
inline constexpr std::size_t kMaxOciAnnotations = 256;
inline constexpr std::size_t kMaxOciAnnotationBytes = 8192;
inline constexpr std::size_t kMaxOciTagsBytes = 8u << 20;
inline constexpr std::size_t kMaxOciTags = 100000;
// A layer of the size the bundle format allows (kMaxBundleBytes) is the most we download.
inline constexpr std::uint64_t kMaxOciBlobBytes = 64ull << 30;
inline constexpr std::uint64_t kMaxSignatureBlobBytes = 64u << 10;

struct OciDescriptor {
  std::string media_type;
  std::string digest;  // "sha256:<hex>" (checked)
  std::uint64_t size = 0;
  std::string artifact_type;  // "" when absent
  std::map<std::string, std::string> annotations;
  bool operator==(const OciDescriptor&) const = default;
};

struct OciManifest {
  std::string media_type;     // kOciManifestMediaType ("" when the registry's JSON has none)
  std::string artifact_type;  // "" when absent
  OciDescriptor config;
  std::vector<OciDescriptor> layers;
  std::optional<OciDescriptor> subject;
  std::map<std::string, std::string> annotations;
  bool operator==(const OciManifest&) const = default;
};

// Canonical bytes (fixed key order, no spaces): the digest of these bytes is the manifest's.
std::string SerializeOciManifest(const OciManifest& m);

// Parses an image manifest from a registry. Checks: size, JSON (strict), schemaVersion 2, the
// media type (when present) is an OCI or Docker v2 image manifest, descriptors typed and
// bounded, every digest sha256:<64 lowercase hex>, annotation maps of strings within limits.
// Unknown fields are ignored (other tools add their own). Errors kCorrupt/kLimitExceeded,
// "<what>: ...".
Result<OciManifest> ParseOciManifest(std::string_view bytes, std::string_view what);

// The artifact of one bundle: empty config, the bundle layer (title = file name) and, when
// given, the detached signature layer; annotations from the signed manifest.
OciManifest BundleArtifact(const Manifest& signed_manifest, const std::string& file_name,
                           const OciDescriptor& bundle, const std::optional<OciDescriptor>& sig);

struct BundleLayers {
  const OciDescriptor* bundle = nullptr;
  const OciDescriptor* signature = nullptr;  // may be null
  std::string file_name;  // the bundle layer's title when it is a plain file name, else ""
};
// Finds our layers in a pulled manifest: artifactType (or, for registries that drop it, the
// config's) is kBundleArtifactType, exactly one bundle layer, at most one signature layer.
// kCorrupt "<what>: ..." otherwise (e.g. "not an rdbundle artifact (artifactType ...)").
Result<BundleLayers> FindBundleLayers(const OciManifest& m, std::string_view what);

// A file name a title annotation may give the pulled file: one path component of printable
// ASCII without '/' or '\', not "." or "..", not hidden, at most 255 bytes.
bool IsSafeFileName(std::string_view name);

// GET /v2/<name>/tags/list: {"name": "...", "tags": [...]}; tags null is an empty list.
// Every tag must be valid (IsValidTag). Errors kCorrupt/kLimitExceeded "<what>: ...".
Result<std::vector<std::string>> ParseOciTags(std::string_view bytes, std::string_view what);

// "sha256:<hex>" of bytes.
std::string OciDigestOf(std::string_view bytes);

}  // namespace rdbundle::packer
