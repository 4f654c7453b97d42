// `rdbundle-pack build`: one signed .rdbundle from a local kit, this machine's Rancher Desktop,
// or upstream (a mirror): without --from/--from-rd-cache it fetches (packer/fetch.h) into a
// download dir and packs that tree exactly like --from, each fetched file with its source.
//
// Order of work (format-spec/rdbundle-v1.md section 8):
//  1. check the options and the output (an existing OUT is refused without --force);
//  2. load the signing key (asks for a password, before any long download); fetch when
//     fetching; find and select the inputs (DiscoverKit);
//  3. read every input once (CheckKit: SHA-256, executable headers, sha256sum lines); a
//     fetched file must still have the digest it was verified against upstream;
//  4. the kubectl cover check (warning, or exit 1 with --require-kubectl-cover);
//  5. build, validate and sign the manifest; --dry-run prints it here and stops;
//  6. write <OUT>.part (manifest.json, manifest.json.minisig, payloads in manifest order),
//     re-checking each input's identity before copying it, fsync, rename to OUT, fsync the
//     directory; then <OUT>.minisig with --detached-sig.
// On any failure or SIGINT/SIGTERM the .part file is removed: OUT is either the old file (or
// absent) or the complete new bundle, never a partial one.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "common/base/status.h"
#include "common/format/manifest.h"
#include "common/os/fs.h"
#include "common/rd/layout.h"
#include "packer/fetch.h"
#include "packer/kit.h"
#include "packer/password.h"

namespace rdbundle::packer {

struct BuildOptions {
  std::string output;                     // -o OUT
  std::optional<std::string> secret_key;  // -s KEY (required unless dry_run)
  // Inputs: --from DIR, or (from_rd_cache) RD's cache and ~/.kuberlr resolved from `rd`.
  // Neither: `fetch` (upstream or a mirror, through a download dir); its request is the
  // selection then, and `selection` stays empty.
  std::optional<std::string> from_dir;
  bool from_rd_cache = false;
  std::optional<FetchOptions> fetch;
  DestinationOptions rd;  // --home, --cache-dir, --kuberlr-dir (os/arch: this machine)
  KitSelection selection;
  int level = 3;
  int threads = 0;  // 0: one per core
  bool detached_sig = false;
  bool require_kubectl_cover = false;
  bool dry_run = false;
  bool force = false;
  std::optional<bool> progress;  // default: on when stderr is a terminal
  PasswordSource password;       // --password-file, RDBUNDLE_PASSWORD, the terminal
  GetEnvFn getenv = GetEnvReal;  // SOURCE_DATE_EPOCH, HOME, XDG_CACHE_HOME
};

// Runs the build. The summary goes to `out` (stdout), notes and warnings to `err` (stderr).
// Errors are one line naming the file: kUsage (options, SOURCE_DATE_EPOCH), kNotFound,
// kCorrupt/kHashMismatch (a broken input), kCheckFailed (--require-kubectl-cover), kBadKey
// (key or password), kIo, kInterrupted; fetching adds kNetwork (URL and reason) and
// kHashMismatch (URL, expected and actual digest).
Status RunBuild(Fs& fs, const BuildOptions& options, std::FILE* out, std::FILE* err);

// The manifest of `kit` (CheckKit done: sizes and digests known), validated: `created` also
// names the bundle's time; reproducible: bundleId derived from the content (format-spec
// section 8), else random. kInternal when it would not validate.
Result<Manifest> MakeManifest(const Kit& kit, const std::string& key_id, std::int64_t created,
                              bool reproducible);

// SOURCE_DATE_EPOCH (reproducible-builds.org): nullopt when unset; kUsage unless it is a
// decimal integer from 0 to 8589934591 (the largest mtime a ustar header holds, year 2242).
Result<std::optional<std::int64_t>> SourceDateEpoch(const GetEnvFn& getenv);

}  // namespace rdbundle::packer
