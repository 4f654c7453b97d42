// Byte streams as chunks: the decompressed bundle flows ZstdSource -> (PrefetchSource on its
// own thread) -> TarReader without copies and with memory independent of the bundle size.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/base/status.h"
#include "common/os/fs.h"

namespace rdbundle::unpacker {

class ChunkSource {
 public:
  // How many of the most recently returned chunks stay valid: the current one and the one
  // before it (TarReader needs the previous chunk to check bytes after the tar end marker).
  static constexpr int kRetainedChunks = 2;

  virtual ~ChunkSource() = default;
  // The next chunk; an empty span at the clean end of the stream. After an error the source
  // is unusable.
  virtual Result<std::span<const std::uint8_t>> NextChunk() = 0;
  // Compressed bytes read so far (for progress displays).
  virtual std::uint64_t input_bytes() const = 0;

  // For a consumer on another thread (BundleReader's hashing thread): keeps the buffer that
  // holds [p, p + n), part of a chunk returned by NextChunk, from being reused until
  // Unpin(token), even after kRetainedChunks further chunks were taken. Returns -1 when the
  // bytes are not in one of this source's buffers (e.g. libarchive's own copy of bytes that
  // straddle two chunks) or the source cannot pin; the caller then copies them. Thread-safe.
  virtual int Pin(const std::uint8_t* /*p*/, std::size_t /*n*/) { return -1; }
  virtual void Unpin(int /*token*/) {}
};

// Decompresses a zstd stream read from `in` (RFC 8878: one or more frames) with libzstd
// directly, so the window limit is ours: a frame whose window exceeds 2^max_window_log is
// rejected before the window is allocated. Errors name `what` (the bundle).
//   - not zstd at all:            "<what>: not a zstd stream (bad magic number)", or what it is
//                                 instead (NotABundleReason)
//   - window too large:           "<what>: zstd window 2^30 exceeds the limit 2^27 (...)"
//   - ends inside a frame:        "<what>: truncated zstd stream"
//   - garbage after last frame:   "<what>: trailing data after the zstd stream"
// Why `head`, the first bytes of a file that is not zstd, is not a bundle: a minisign
// signature, a plain tar, gzip, else "not a zstd stream (bad magic number)".
std::string NotABundleReason(std::span<const std::uint8_t> head);

class ZstdSource final : public ChunkSource {
 public:
  // Output chunk size: large chunks amortize per-call costs in libarchive and the hashers.
  static constexpr std::size_t kChunkBytes = 1 << 20;

  ZstdSource(std::unique_ptr<ReadableFile> in, int max_window_log, std::string what);
  ~ZstdSource() override;

  // Fills `buf` with up to `cap` bytes (less only at the end of the stream). 0 = end.
  Result<std::size_t> ReadInto(std::uint8_t* buf, std::size_t cap);

  Result<std::span<const std::uint8_t>> NextChunk() override;
  std::uint64_t input_bytes() const override { return input_bytes_; }

 private:
  Status DecodeError(std::size_t code);
  Result<bool> FillInput();

  std::unique_ptr<ReadableFile> in_;
  const int max_window_log_;
  const std::string what_;
  struct State;
  std::unique_ptr<State> st_;
  std::uint64_t input_bytes_ = 0;
};

// Runs `inner` on a background thread ("rdb-unzstd"), `depth` chunks ahead, so decompression
// overlaps with parsing, hashing and writing. Chunks are handed over without copies; each
// returned chunk stays valid until kRetainedChunks further chunks were taken and no Pin on it
// is left. REQUIRES: depth >= kRetainedChunks + 1.
std::unique_ptr<ChunkSource> MakePrefetchSource(std::unique_ptr<ZstdSource> inner, int depth);

}  // namespace rdbundle::unpacker
