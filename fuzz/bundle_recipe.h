// The structure-aware bundle fuzzer's input language (fuzz_bundle_structured.cc).
//
// A fuzz input is a recipe: an 8-byte header, then operations, each `kind len args[len]`, so a
// mutation of one operation does not change the meaning of the others:
//   header  b0  k3s versions (bits 0-3 pick from a fixed list), arches (bits 4-5),
//               bit 6: run the install a second time, bit 7: inject a filesystem fault
//           b1  kubectl platforms (bitmask over a fixed list)
//           b2  size of each binary/images file / 4;  b3  content seed
//           b4  target os (% 3), bit 2: arm64, bit 3: --all-platforms, bit 4: --force,
//               bit 5: --dry-run, bit 6: prefetch thread (when b3 % 4 == 0),
//               bit 7: odd destination paths (b5 bits 4-6 pick them)
//           b5  bundle read size;  b6  which filesystem operation fails;  b7  free space
//   ops     applied in phases, in input order within a phase:
//     1. kit contents (replace, xor, resize, regenerate the sha256sum files, k3s-versions.json)
//     2. manifest model (file fields, header fields, summaries, file list)
//     3. manifest bytes (overwrite/insert/erase: JSON the signature still covers)
//     4. signature (trusted/untrusted comment, untrusted key, legacy "Ed", signed bytes, raw)
//     5. tar (entry type, header size, pax records, magic/checksum/mode, data, entry list,
//        end-of-archive blocks and trailing bytes)
//     6. zstd (level, window, content size, raw frames, frame splits, garbage, truncation)
//     7. destination contents before the install (existing files, records, obstacles)
// The manifest is signed with the fixed fuzz key after phases 2-3, so the reader gets past
// the signature and every later check runs for real; nothing in the production code is
// weakened.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "fuzz/bundle_harness.h"
#include "fuzz/mem_fs.h"

namespace rdbundle::fuzz {

namespace recipe {
// Operation kinds, in phase order (the kind byte is taken modulo kNumKinds).
enum Kind : std::uint8_t {
  // 1. kit contents
  kContentSet, kContentXor, kContentResize, kFixSums, kVersionsJson,
  // 2. manifest model
  kFileField, kHeaderField, kSummaries, kFileList,
  // 3. manifest bytes
  kManifestBytes,
  // 4. signature
  kSignature,
  // 5. tar
  kEntryType, kEntryHeaderSize, kEntryPax, kEntryFlags, kEntryData, kEntryList, kTarEnd,
  // 6. zstd
  kZstdOptions, kStreamBytes,
  // 7. destination before the install
  kPreexisting,
  kNumKinds
};
}  // namespace recipe

struct BuiltRecipe {
  std::string bundle;
  InstallSetup setup;
  bool second_run = false;
  bool standard_paths = true;  // the default destination directories
  bool preexisting = false;  // the destination was not empty before the install
  // Puts the recipe's pre-existing destination contents into a filesystem.
  std::function<void(MemFs&)> populate;
};

// Interprets `data`. False when the recipe cannot be built (e.g. a path the tar writer cannot
// encode); such inputs are skipped.
bool BuildRecipe(const std::uint8_t* data, std::size_t size, BuiltRecipe* out);

}  // namespace rdbundle::fuzz
