// The bundle container writer (format-spec/rdbundle-v1.md section 3): a POSIX ustar archive
// written by libarchive, compressed on the fly into one zstd frame, into a WritableFile.
//
//   entries --libarchive (ustar; pax only for a file of 8 GiB or more; unblocked: the
//           caller's buffers go straight through)--> write callback
//           --ZSTD_compressStream2 (nbWorkers >= 1, level, window cap, content checksum)-->
//           [BLAKE2b-512]
//           --> WritableFile (writeback started as it goes)
//
// Deterministic: the same entries, contents, mtime and level give the same bytes, whatever the
// thread count (zstd's multi-threaded mode splits jobs by size, not by thread count, and is
// used even with one thread) and however the data is chunked by the caller. Entries carry uid
// and gid 0, empty user and group names and the given mtime; libarchive's blocking is set so
// the archive ends with the end-of-archive marker and no padding after it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/format/c_handles.h"
#include "common/format/hash.h"
#include "common/format/limits.h"
#include "common/os/fs.h"

namespace rdbundle::packer {

struct TarZstdOptions {
  int level = 3;        // zstd level, 1..22
  // The frame's window is capped at 2^max_window_log bytes (below it, the level's own window
  // is kept), so a reader with the default limit reads a bundle of any level
  // (format-spec/rdbundle-v1.md, "Limits").
  int max_window_log = kDefaultMaxWindowLog;
  int threads = 1;      // zstd workers, >= 1
  std::int64_t mtime = 0;  // every entry's mtime (the manifest's `created`)
  // The exact size of the tar stream, when known (UstarArchiveBytes): zstd then records the
  // content size in the frame header (`zstd -l` shows it) and checks it at the end.
  std::optional<std::uint64_t> tar_bytes;
  // Compute digest() (BLAKE2b-512 of the output, for a detached signature). It costs about a
  // core-second per GB, so only when a detached signature is wanted.
  bool digest = true;
};

// The largest size a ustar header holds (11 octal digits); larger files need a pax header.
inline constexpr std::uint64_t kMaxUstarSize = 077777777777ull;

// Size of the tar stream TarZstdWriter produces for entries of these sizes, or nullopt when
// one of them needs a pax header (size > kMaxUstarSize).
std::optional<std::uint64_t> UstarArchiveBytes(const std::vector<std::uint64_t>& entry_sizes);

class TarZstdWriter {
 public:
  // Takes ownership of `out` (an empty file). kUsage for a level or thread count out of range,
  // kInternal when libzstd lacks multi-threading.
  static Result<std::unique_ptr<TarZstdWriter>> Create(std::unique_ptr<WritableFile> out,
                                                       const TarZstdOptions& options);
  ~TarZstdWriter();
  TarZstdWriter(const TarZstdWriter&) = delete;
  TarZstdWriter& operator=(const TarZstdWriter&) = delete;

  // Starts a regular-file entry. REQUIRES: the previous entry is complete (all its bytes
  // written); `path` is a valid payload path (ASCII, at most 255 bytes); mode 0644 or 0755.
  Status BeginEntry(std::string_view path, std::uint64_t size, std::uint32_t mode);
  // Appends entry data. More than the declared size is kInternal.
  Status Write(const void* data, std::size_t n);
  // BeginEntry + Write + the size check, for small in-memory files.
  Status AddEntry(std::string_view path, std::string_view content, std::uint32_t mode);

  // Writes the end-of-archive marker and ends the zstd frame; the last entry must be complete.
  // Does not sync or close the file: TakeFile() and do that, then rename.
  Status Finish();
  std::unique_ptr<WritableFile> TakeFile() { return std::move(out_); }

  // Compressed bytes written so far, and (after Finish, with options.digest) their
  // BLAKE2b-512, for a detached minisign signature of the whole file.
  std::uint64_t compressed_bytes() const { return compressed_bytes_; }
  const Blake2b512Digest& digest() const { return digest_; }

 private:
  TarZstdWriter(std::unique_ptr<WritableFile> out, ZstdCCtxPtr cctx);
  Status Open();
  Status ArchiveError(std::string_view what);
  // libarchive's write callback: compresses and writes one block of tar bytes.
  static la_ssize_t OnWrite(archive* a, void* self, const void* buf, size_t n);
  Status Compress(const void* data, std::size_t n, ZSTD_EndDirective mode);
  Status Emit(const void* data, std::size_t n);

  std::unique_ptr<WritableFile> out_;
  ZstdCCtxPtr cctx_;
  ArchiveWritePtr archive_;
  std::vector<std::uint8_t> zbuf_;
  Status error_;  // first failure inside a callback; sticky
  bool finished_ = false;
  bool digest_wanted_ = true;
  std::uint64_t entry_left_ = 0;
  std::int64_t mtime_ = 0;
  std::uint64_t compressed_bytes_ = 0;
  WritebackPacer writeback_;  // for out_
  Blake2b512 blake_;
  Blake2b512Digest digest_{};
};

}  // namespace rdbundle::packer
