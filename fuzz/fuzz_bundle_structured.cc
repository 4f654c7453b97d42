// The structure-aware bundle fuzzer: the input is a recipe (fuzz/bundle_recipe.h) for a kit,
// manifest edits, signature, tar and zstd mutations and the destination's prior contents. The
// manifest is signed with the fixed fuzz key, so the reader gets past the signature and the
// manifest checks, entry order, sizes, hashes, small-file checks and the installer all run
// for real. The install runs on an in-memory filesystem with the invariants of
// fuzz/bundle_harness.h (exact content on success, destination untouched on failure); on a
// clean destination `verify` must agree with `install`, and reinstalling a bundle that
// installed must succeed again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz/bundle_harness.h"
#include "fuzz/bundle_recipe.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/mem_fs.h"

namespace {
constexpr std::size_t kMaxInputBytes = 64 * 1024;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle::fuzz;
  if (size > kMaxInputBytes) return 0;
  BuiltRecipe r;
  if (!BuildRecipe(data, size, &r)) return 0;
  MemFs fs;
  if (r.populate) r.populate(fs);
  const Outcome first = InstallAndCheck(r.bundle, fs, r.setup);
  static const bool verbose = std::getenv("RDB_FUZZ_VERBOSE") != nullptr;  // replay: what happened
  if (verbose) {
    std::fprintf(stderr, "stage %d: %s\n", static_cast<int>(first.stage),
                 first.status.ok() ? "OK" : first.status.message().c_str());
  }
  if (!r.preexisting && !first.fault_fired && r.standard_paths && r.setup.free_bytes >= (1ull << 40)) {
    CheckAgreement(VerifyBundle(r.bundle, r.setup), first, r.setup.dry_run);
  }
  if (r.second_run) {
    InstallSetup again = r.setup;
    again.fail_at = 0;
    const Outcome second = InstallAndCheck(r.bundle, fs, again);
    FUZZ_CHECK(!first.status.ok() || second.status.ok(),
               "reinstalling a bundle that installed fails: " + second.status.message());
  }
  return 0;
}
