// The write pass of `build`: a checked kit and a signed manifest become OUT, atomically.
//
// The bundle is written to "<OUT>.part" in OUT's directory (a name that does not look like a
// finished bundle), created exclusively with mode 0600 and flock'ed while it is written, then
// chmod 0644, fsync, rename to OUT, fsync of the directory (format-spec section 8). Any failure
// or SIGINT/SIGTERM removes the .part file. A .part left by a killed build (its lock died with
// it) is removed by the next build of the same OUT; one that is still locked belongs to a build
// that is running, and is an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/format/manifest.h"
#include "common/os/fs.h"
#include "common/signing/signing.h"
#include "packer/kit.h"

namespace rdbundle::packer {

struct BundleWriteOptions {
  std::string output;
  bool force = false;        // replace an existing OUT (and OUT.minisig)
  int level = 3;
  int threads = 1;
  std::int64_t mtime = 0;    // every tar entry's mtime: the manifest's `created`
  bool progress = false;
  bool detached_sig = false;  // also write OUT.minisig (minisign ED signature of OUT)
};

struct BundleWritten {
  std::uint64_t bytes = 0;                  // size of OUT
  std::optional<std::string> detached_sig;  // its path, when written
};

// Checked before any work: OUT's directory must exist (kNotFound "<OUT>: no directory D to
// write it in ...", kUsage when it is not a directory); OUT (and OUT.minisig when
// `detached_sig`) must not exist unless `force` (kUsage "<path>: already exists (use --force
// to overwrite)"), and must not be a directory.
Status CheckOutputPaths(Fs& fs, const std::string& output, bool detached_sig, bool force);

// Bytes about to be written below `dir` (it or its nearest existing ancestor), for `what`
// ("the bundle", "downloads").
struct SpaceNeed {
  std::string dir;
  std::uint64_t bytes = 0;
  std::string what;
};
// The cheap check before a long download or write (issue 18 item 1): per filesystem, the sum
// of the needs on it must fit its free space; else kNoSpace naming the directory, the
// estimate and what is available.
Status CheckFreeSpace(Fs& fs, const std::vector<SpaceNeed>& needs);

// Writes the bundle: manifest.json, manifest.json.minisig, then every kit file in manifest
// order, each input re-checked (CheckUnchanged) before and after it is copied. REQUIRES: `kit`
// passed CheckKit, `manifest` was made from it and validated, `manifest_bytes` is its
// serialization and `signature` the signature file of those bytes by `key`.
// The detached signature's trusted comment is "rdbundle-format:1 bundle-id:<id> file:<name>".
Result<BundleWritten> WriteBundle(Fs& fs, const Kit& kit, const Manifest& manifest,
                                  const std::string& manifest_bytes, const std::string& signature,
                                  const SecretKey& key, const BundleWriteOptions& options,
                                  const NoteFn& note);

}  // namespace rdbundle::packer
