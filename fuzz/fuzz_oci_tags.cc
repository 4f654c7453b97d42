// ParseOciTags: GET /v2/<name>/tags/list from a registry (ls). Every accepted tag is valid, so
// it can go into a manifest URL as it is.
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
  auto tags = ParseOciTags(text, "tags");
  if (!tags.has_value()) {
    fuzz::CheckRejection(tags.error(), {ErrorCode::kCorrupt, ErrorCode::kLimitExceeded}, "tags: ");
    return 0;
  }
  FUZZ_CHECK(tags->size() <= kMaxOciTags, "too many tags");
  for (const auto& t : *tags) FUZZ_CHECK(IsValidTag(t), "invalid tag accepted: " + t);
  return 0;
}
