// Format limits. Each number is also written in format-spec/rdbundle-v1.md ("Limits"); change
// both together. They keep a hostile bundle from making the reader allocate, write or loop
// without bound before (and after) its signature is checked.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rdbundle {

// Bundle format name and the versions this code reads and writes: 1 (format-spec/rdbundle-v1.md)
// and 2 (format-spec/rdbundle-v2.md: v1 plus Rancher Desktop installers). The writer writes the
// lowest version that can express a bundle (MinimumFormatVersion).
inline constexpr const char* kFormatName = "rdbundle";
inline constexpr int kMinFormatVersion = 1;
inline constexpr int kFormatVersion = 2;  // the newest

// manifest.json is read into memory before verification: keep it small. 4096 files with
// 255-byte paths and upstream URLs fit in well under 4 MiB.
inline constexpr std::size_t kMaxManifestBytes = 4u << 20;
// manifest.json.minisig: two comment lines (minisign caps the trusted comment at 8192 bytes)
// and two base64 lines.
inline constexpr std::size_t kMaxSignatureFileBytes = 16u << 10;
// Public/secret key files are a few hundred bytes; anything larger is not a key.
inline constexpr std::size_t kMaxKeyFileBytes = 4u << 10;
// Number of payload files in one bundle.
inline constexpr std::size_t kMaxFiles = 4096;
// Bytes in one payload path (tar ustar can hold 255 without a pax header).
inline constexpr std::size_t kMaxPathBytes = 255;
// One payload file: real k3s airgap image archives are about 1 GiB.
inline constexpr std::uint64_t kMaxFileBytes = 64ull << 30;
// All payload files together.
inline constexpr std::uint64_t kMaxBundlePayloadBytes = 1ull << 40;
// Tar metadata libarchive may buffer between two entries' data (ustar header plus any pax
// extended header). A pax header cannot make the reader allocate more than this.
inline constexpr std::size_t kMaxTarHeaderBytes = 64u << 10;
// Zero padding allowed after the tar end-of-archive marker (tar record padding is < 10240).
inline constexpr std::size_t kMaxTarTrailerBytes = 64u << 10;
// Default and largest zstd window log a reader accepts (2^27 = 128 MiB, zstd's own default
// limit for decompression without --long). Larger windows are rejected, never allocated.
inline constexpr int kDefaultMaxWindowLog = 27;
inline constexpr int kMaxAllowedWindowLog = 31;
// Small text files read whole (sha256sum files, k3s-versions.json, channel/release JSON).
inline constexpr std::size_t kMaxSumsFileBytes = 64u << 10;
inline constexpr std::size_t kMaxVersionsJsonBytes = 4u << 20;
// Nesting depth accepted by the strict JSON parser.
inline constexpr int kMaxJsonDepth = 16;

}  // namespace rdbundle
