// The whole reader on raw bytes: `verify` (writes nothing), then `install` into a fresh
// in-memory filesystem (fuzz/mem_fs.h) with the invariants of fuzz/bundle_harness.h, and the
// two must agree. The seeds are valid bundles signed with the key this target trusts
// (fuzz/fixed_keys.h).
//
// Two input modes, by the low bit of the first byte:
//   0: the input is the .rdbundle file itself (a zstd frame starts with 0x28): the zstd layer
//      is fuzzed, but most mutations break the compressed stream before the tar layer;
//   1: the rest of the input is the decompressed tar stream, compressed here (zstd level 1)
//      before the reader gets it: mutations of payload headers, pax records, sizes, data and
//      what follows the end-of-archive marker keep the signature of the first two entries
//      valid, so the reader's tar, order, size and hash checks see them under a good signature.
// The reader code is the same in both modes; fuzz_bundle_structured goes further.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/bundle_harness.h"
#include "fuzz/mem_fs.h"
#include "tests/support/raw_tar.h"

namespace {
// A few valid bundles with small payloads are 5-30 KB; a zstd stream can expand 1000x, and
// the reader bounds what it reads before the signature (4 MiB manifest), so this stays fast.
constexpr std::size_t kMaxInputBytes = 256 * 1024;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle::fuzz;
  if (size > kMaxInputBytes || size == 0) return 0;
  std::string bundle(reinterpret_cast<const char*>(data), size);
  if (data[0] & 1) {
    rdbundle::testsupport::ZstdOptions zo;
    zo.level = 1;
    bundle = rdbundle::testsupport::ZstdCompress(std::string_view(bundle).substr(1), zo);
  }
  InstallSetup setup;
  const rdbundle::Status verify = VerifyBundle(bundle, setup);
  MemFs fs;
  const Outcome install = InstallAndCheck(bundle, fs, setup);
  CheckAgreement(verify, install, setup.dry_run);
  return 0;
}
