// ParseManifest on arbitrary bytes (the signed manifest.json is parsed only after the signature
// verified, but the parser must be safe on anything a key holder or a bug could sign).
// For accepted inputs: the manifest validates, its canonical serialization parses back to the
// same manifest, serializing is stable, and the trusted comment round-trips.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/format/limits.h"
#include "common/format/manifest.h"
#include "fuzz/fuzz_util.h"

namespace {
constexpr std::size_t kMaxInputBytes = 1 << 20;  // the format allows 4 MiB; keep runs fast
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  if (size > kMaxInputBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto m = ParseManifest(text);
  if (!m.has_value()) {
    fuzz::CheckRejection(m.error(), {}, "manifest.json: ");
    return 0;
  }
  FUZZ_CHECK(ValidateManifest(*m).ok(), "accepted manifest does not validate");
  FUZZ_CHECK(!m->files.empty() && m->files.size() <= kMaxFiles, "file count out of range");
  FUZZ_CHECK(m->TotalBytes() <= kMaxBundlePayloadBytes, "total size over the limit");
  const std::string canonical = SerializeManifest(*m);
  auto again = ParseManifest(canonical);
  FUZZ_CHECK(again.has_value(), "canonical form does not parse: " + again.error().message());
  FUZZ_CHECK(*again == *m, "canonical form parses to a different manifest");
  FUZZ_CHECK(SerializeManifest(*again) == canonical, "serialization is not stable");
  FUZZ_CHECK(CheckManifestTrustedComment(ManifestTrustedComment(*m), *m).ok(),
             "own trusted comment rejected");
  Manifest copy = *m;
  FUZZ_CHECK(FillManifestSummaries(copy).ok() && copy == *m, "summaries are not what files imply");
  return 0;
}
