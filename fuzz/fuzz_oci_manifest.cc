// ParseOciManifest and FindBundleLayers: an image manifest as a registry returns it (pull,
// ls). Accepted manifests re-serialize to bytes that parse to the same model; found layers
// have checked digests and sizes within the limits; a title becomes a file name only when safe.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "packer/oci_manifest.h"
#include "packer/oci_ref.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  using namespace rdbundle::packer;
  if (size > 512 * 1024) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto m = ParseOciManifest(text, "manifest");
  if (!m.has_value()) {
    fuzz::CheckRejection(m.error(), {ErrorCode::kCorrupt, ErrorCode::kLimitExceeded}, "manifest: ");
    return 0;
  }
  FUZZ_CHECK(IsValidSha256Digest(m->config.digest), "config digest");
  for (const auto& l : m->layers) FUZZ_CHECK(IsValidSha256Digest(l.digest), "layer digest");
  const std::string bytes = SerializeOciManifest(*m);
  auto again = ParseOciManifest(bytes, "again");
  FUZZ_CHECK(again.has_value(), "re-serialized manifest does not parse: " + again.error().message());
  OciManifest expected = *m;
  if (expected.media_type.empty()) expected.media_type = std::string(kOciManifestMediaType);
  FUZZ_CHECK(*again == expected, "round trip changed the manifest");
  FUZZ_CHECK(SerializeOciManifest(*again) == bytes, "serialization not stable");
  auto layers = FindBundleLayers(*m, "manifest");
  if (!layers.has_value()) {
    fuzz::CheckRejection(layers.error(), {ErrorCode::kCorrupt, ErrorCode::kLimitExceeded}, "manifest: ");
    return 0;
  }
  FUZZ_CHECK(layers->bundle != nullptr && layers->bundle->size <= kMaxOciBlobBytes, "bundle layer");
  FUZZ_CHECK(layers->signature == nullptr || layers->signature->size <= kMaxSignatureBlobBytes, "sig");
  FUZZ_CHECK(layers->file_name.empty() || IsSafeFileName(layers->file_name), "unsafe file name");
  FUZZ_CHECK(layers->file_name.find('/') == std::string::npos, "file name with a slash");
  return 0;
}
