// ParseOciRef: oci:// references from the command line (and, through them, every URL path the
// registry client builds). Accepted references must round-trip through ToString, and every
// accepted part must be free of what would change a URL (no '/', '?', '#', '%', space, '@').
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "packer/oci_ref.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  using namespace rdbundle::packer;
  if (size > 2048) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (OciRefKind kind : {OciRefKind::kRepository, OciRefKind::kManifest}) {
    auto ref = ParseOciRef(text, kind);
    if (!ref.has_value()) {
      FUZZ_CHECK(ref.error().code() == ErrorCode::kUsage, "not a usage error: " + ref.error().message());
      continue;
    }
    FUZZ_CHECK(ref->ToString() == text, "does not round-trip: " + ref->ToString());
    FUZZ_CHECK(IsValidRepository(ref->repository), "repository");
    FUZZ_CHECK(ref->tag.empty() || IsValidTag(ref->tag), "tag");
    FUZZ_CHECK(ref->digest.empty() || IsValidSha256Digest(ref->digest), "digest");
    FUZZ_CHECK(kind == OciRefKind::kRepository ? ref->Reference().empty() : !ref->Reference().empty(),
               "reference presence");
    for (char c : ref->repository + ref->tag + ref->host) {
      FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '?' && c != '#' && c != '%' && c != '@',
                 "a character that would change the URL");
    }
    auto again = ParseOciRef(ref->ToString(), kind);
    FUZZ_CHECK(again.has_value() && again->ToString() == ref->ToString(), "not stable");
  }
  return 0;
}
