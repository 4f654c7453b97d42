// Reads the bundle's tar stream with libarchive (format-spec 3.2), fed from a ChunkSource
// through a read callback that enforces a metadata budget: libarchive may not buffer more
// than kMaxTarHeaderBytes between two entries' data, so a pax header cannot make it allocate
// without bound, and a zstd bomb cannot be inflated through tar metadata.
#pragma once

#include <archive.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>

#include "common/base/status.h"
#include "common/format/c_handles.h"
#include "unpacker/chunk_source.h"

namespace rdbundle::unpacker {

struct TarEntry {
  std::string path;
  std::uint64_t size = 0;
};

class TarReader {
 public:
  // `what` names the bundle in messages.
  TarReader(ChunkSource& src, std::string what);
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;

  // The next entry, or nullopt at the end-of-archive marker. Rejects (kCorrupt) anything
  // that is not a plain regular file of a ustar/pax header: directories, symlinks, hard
  // links, devices, FIFOs, sparse files, xattrs/ACLs, GNU/v7 headers. The caller checks the
  // path and size against the manifest before reading data.
  Result<std::optional<TarEntry>> Next();

  // The next block of the current entry's data (zero-copy; valid until the next call); an
  // empty span at the entry's end.
  Result<std::span<const std::uint8_t>> ReadData();

  // After Next() returned nullopt: checks that the end-of-archive marker (two zero blocks) is
  // there and is followed only by zero padding (at most kMaxTarTrailerBytes), then that the
  // decompressed stream ends (which also checks the end of the zstd stream).
  Status CheckEnd();

  // Decompressed bytes handed to libarchive so far.
  std::uint64_t delivered() const { return delivered_; }

 private:
  static la_ssize_t ReadCallback(archive* a, void* self, const void** buf);
  la_ssize_t Feed(const void** buf);
  Status ArchiveError(std::string_view doing);
  Status CheckEntryType(archive_entry* e, const std::string& path);
  Status CheckZeros(std::uint64_t from, std::uint64_t to);
  // The header blocks in [from, to) of the stream (an entry's ustar header and the pax or other
  // records before it), as libarchive read them: a global pax header ('g'), which libarchive
  // applies silently, is rejected (format-spec 3.2).
  Status CheckHeaderBlocks(std::uint64_t from, std::uint64_t to);
  // Copies stream bytes [offset, offset + n) from the retained chunks; false when not there.
  bool CopyFromHistory(std::uint64_t offset, std::size_t n, std::uint8_t* out) const;
  std::uint64_t Consumed();

  ChunkSource& src_;
  const std::string what_;
  ArchiveReadPtr a_;
  bool opened_ = false;
  bool at_eof_ = false;
  // Stream offsets: bytes handed to libarchive, and how far it may read.
  std::uint64_t delivered_ = 0;
  std::uint64_t allowance_end_ = 0;
  bool budget_exceeded_ = false;
  Status source_error_;
  // The undelivered rest of the current chunk, and the last chunks with their offsets.
  std::span<const std::uint8_t> pending_;
  struct Seen {
    std::uint64_t start;
    std::span<const std::uint8_t> bytes;
  };
  std::deque<Seen> history_;
  std::uint64_t stream_end_ = 0;  // offset after the last chunk taken from src_
  // Entry bookkeeping for the end-of-archive check.
  std::uint64_t data_offset_ = 0;  // next expected offset within the current entry
  std::uint64_t data_end_ = 0;     // stream offset where the last entry's data ended
};

}  // namespace rdbundle::unpacker
