// Runs the real reader and installer over a bundle held in memory and checks the invariants
// of format-spec/rdbundle-v1.md section 9.2 on an in-memory filesystem (MemFs):
//  - verify writes nothing;
//  - a failure before Commit leaves every destination exactly as it was (listing compare;
//    leftovers of interrupted runs in the destination roots may be removed, nothing added);
//  - on success (and on a failure inside Commit, for what it did write) every file written is
//    a manifest file at its expected place with exactly the signed size, SHA-256 and mode,
//    nothing else was created, changed or removed apart from the merged k3s-versions.json and
//    the install record, files of other platforms were left alone, k3s-versions.json holds the
//    union of what was there and the bundle's usable versions, and no staging files remain;
//  - no error is ever kInternal ("a bug").
// Every violation abort()s (FUZZ_CHECK).
#pragma once

#include <cstdint>
#include <string>

#include "common/base/status.h"
#include "common/format/paths.h"
#include "fuzz/mem_fs.h"

namespace rdbundle::fuzz {

inline constexpr const char* kFuzzBundleName = "fuzz.rdbundle";

struct InstallSetup {
  TargetOs os = TargetOs::kLinux;
  Arch arch = Arch::kAmd64;
  std::string home = "/fz/home";
  std::string cache_dir = "/fz/home/.cache/rancher-desktop";
  std::string kuberlr_dir = "/fz/home/.kuberlr";
  bool all_platforms = false;
  bool force = false;
  bool dry_run = false;
  int prefetch_depth = 0;      // BundleReaderOptions::prefetch_depth (0: no thread)
  std::size_t max_read = 0;    // bundle read size (0: as much as asked)
  int fail_at = 0;             // MemFs::FailAt (0: no fault)
  std::uint64_t free_bytes = 1ull << 40;
};

enum class Stage { kPreamble, kPrepare, kPayload, kCommit, kDone };

struct Outcome {
  Status status;
  Stage stage = Stage::kPreamble;  // where it stopped (kDone on success)
  bool fault_fired = false;
};

// Full verification, as `rdbundle-unpack verify`: returns its status (never kInternal).
Status VerifyBundle(const std::string& bundle, const InstallSetup& setup);

// `rdbundle-unpack install` into `fs` with the invariants above.
Outcome InstallAndCheck(const std::string& bundle, MemFs& fs, const InstallSetup& setup);

// On a fresh filesystem without faults, verify and install must agree: both OK, or both
// failing with the same code when the install failed while reading the bundle.
void CheckAgreement(const Status& verify, const Outcome& install, bool dry_run);

}  // namespace rdbundle::fuzz
