#include "unpacker/tar_reader.h"

#include <archive_entry.h>

#include <algorithm>
#include <cerrno>

#include "common/base/quote.h"
#include "common/format/limits.h"

namespace rdbundle::unpacker {
namespace {

constexpr std::uint64_t kBlock = 512;

std::uint64_t RoundUpToBlock(std::uint64_t n) { return (n + kBlock - 1) / kBlock * kBlock; }

const char* FileTypeName(unsigned type) {
  switch (type) {
    case AE_IFDIR: return "a directory";
    case AE_IFLNK: return "a symbolic link";
    case AE_IFCHR: return "a character device";
    case AE_IFBLK: return "a block device";
    case AE_IFIFO: return "a FIFO";
    case AE_IFSOCK: return "a socket";
    default: return "not a regular file";
  }
}

struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

}  // namespace

TarReader::TarReader(ChunkSource& src, std::string what)
    : src_(src), what_(std::move(what)), a_(archive_read_new()) {
  if (!a_) throw std::bad_alloc();
  archive_read_support_format_tar(a_.get());  // tar only: no other formats, no filters
}

la_ssize_t TarReader::ReadCallback(archive*, void* self, const void** buf) {
  return static_cast<TarReader*>(self)->Feed(buf);
}

la_ssize_t TarReader::Feed(const void** buf) {
  if (pending_.empty()) {
    auto chunk = src_.NextChunk();
    if (!chunk.has_value()) {
      source_error_ = chunk.error();
      archive_set_error(a_.get(), EIO, "%s", source_error_.message().c_str());
      return -1;
    }
    if (chunk->empty()) return 0;
    history_.push_back({stream_end_, *chunk});
    while (history_.size() > static_cast<std::size_t>(ChunkSource::kRetainedChunks)) {
      history_.pop_front();
    }
    stream_end_ += chunk->size();
    pending_ = *chunk;
  }
  const std::uint64_t allowed = allowance_end_ > delivered_ ? allowance_end_ - delivered_ : 0;
  if (allowed == 0) {
    budget_exceeded_ = true;
    archive_set_error(a_.get(), EFBIG, "tar metadata budget exceeded");
    return -1;
  }
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(pending_.size(), allowed));
  *buf = pending_.data();
  pending_ = pending_.subspan(n);
  delivered_ += n;
  return static_cast<la_ssize_t>(n);
}

std::uint64_t TarReader::Consumed() {
  la_int64_t c = archive_filter_bytes(a_.get(), 0);
  return c < 0 ? 0 : static_cast<std::uint64_t>(c);
}

Status TarReader::ArchiveError(std::string_view doing) {
  if (!source_error_.ok()) return source_error_;
  if (budget_exceeded_) {
    return Status::Limit(what_ + ": tar header larger than " + std::to_string(kMaxTarHeaderBytes) +
                         " bytes");
  }
  const char* msg = archive_error_string(a_.get());
  return Status::Corrupt(what_ + ": bad tar " + std::string(doing) + ": " +
                         (msg != nullptr ? msg : "damaged or unsupported tar data"));
}

Status TarReader::CheckEntryType(archive_entry* e, const std::string& path) {
  auto reject = [&](std::string_view why) {
    return Status::Corrupt(what_ + ": " + EscapeForMessage(path) + ": " + std::string(why) +
                           " (only regular files are allowed)");
  };
  const int format = archive_format(a_.get());
  if (format != ARCHIVE_FORMAT_TAR_USTAR && format != ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE &&
      format != ARCHIVE_FORMAT_TAR_PAX_RESTRICTED) {
    return Status::Corrupt(what_ + ": " + EscapeForMessage(path) + ": not a ustar/pax header (" +
                           (archive_format_name(a_.get()) ? archive_format_name(a_.get()) : "?") +
                           ")");
  }
  if (archive_entry_hardlink(e) != nullptr) return reject("a hard link");
  if (archive_entry_symlink(e) != nullptr) return reject("a symbolic link");
  const unsigned type = archive_entry_filetype(e);
  if (type != AE_IFREG) return reject(FileTypeName(type));
  if (archive_entry_sparse_count(e) > 0) return reject("a sparse file");
  if (archive_entry_xattr_count(e) > 0 || archive_entry_acl_types(e) != 0) {
    return reject("carries extended attributes or ACLs");
  }
  if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0) return reject("has no size");
  return Status::Ok();
}

bool TarReader::CopyFromHistory(std::uint64_t offset, std::size_t n, std::uint8_t* out) const {
  std::size_t copied = 0;
  for (const Seen& s : history_) {
    const std::uint64_t lo = std::max(offset, s.start);
    const std::uint64_t hi = std::min<std::uint64_t>(offset + n, s.start + s.bytes.size());
    if (lo >= hi) continue;
    std::copy_n(s.bytes.begin() + static_cast<std::ptrdiff_t>(lo - s.start), hi - lo,
                out + (lo - offset));
    copied += static_cast<std::size_t>(hi - lo);
  }
  return copied == n;
}

Status TarReader::CheckHeaderBlocks(std::uint64_t from, std::uint64_t to) {
  std::uint8_t block[kBlock];
  for (std::uint64_t pos = from; pos + kBlock <= to;) {
    if (!CopyFromHistory(pos, kBlock, block)) {
      return Status::Internal(what_ + ": tar header no longer buffered for its check");
    }
    const char type = static_cast<char>(block[156]);
    if (type == 'g') {
      return Status::Corrupt(what_ + ": a global pax header ('g'), which bundles must not "
                                     "carry (format-spec 3.2)");
    }
    if (type != 'x' && type != 'X' && type != 'L' && type != 'K') {
      pos += kBlock;
      continue;
    }
    // A record before the entry: skip its data (an octal size; libarchive accepted it).
    std::uint64_t size = 0;
    int i = 124;
    while (i < 136 && block[i] == ' ') ++i;
    for (; i < 136 && block[i] >= '0' && block[i] <= '7'; ++i) {
      size = size * 8 + (block[i] - '0');
    }
    pos += kBlock + RoundUpToBlock(size);
  }
  return Status::Ok();
}

Result<std::optional<TarEntry>> TarReader::Next() {
  if (at_eof_) return std::optional<TarEntry>();
  // Where this entry's header blocks start: after the previous entry's padded data.
  const std::uint64_t header_start = opened_ ? RoundUpToBlock(data_end_) : 0;
  if (!opened_) {
    allowance_end_ = kMaxTarHeaderBytes;
    if (archive_read_open(a_.get(), this, nullptr, &TarReader::ReadCallback, nullptr) !=
        ARCHIVE_OK) {
      return ArchiveError("stream");
    }
    opened_ = true;
  } else {
    // The previous entry's padding plus the next header(s).
    allowance_end_ = Consumed() + kBlock + kMaxTarHeaderBytes;
  }
  archive_entry* e = nullptr;
  const int rc = archive_read_next_header(a_.get(), &e);
  if (rc == ARCHIVE_EOF) {
    RDB_RETURN_IF_ERROR(CheckHeaderBlocks(header_start, Consumed()));
    at_eof_ = true;
    return std::optional<TarEntry>();
  }
  if (rc != ARCHIVE_OK) return ArchiveError("header");
  RDB_RETURN_IF_ERROR(CheckHeaderBlocks(header_start, Consumed()));
  const char* name = archive_entry_pathname(e);
  if (name == nullptr) return Status::Corrupt(what_ + ": tar entry without a path");
  TarEntry entry{name, 0};
  RDB_RETURN_IF_ERROR(CheckEntryType(e, entry.path));
  entry.size = static_cast<std::uint64_t>(archive_entry_size(e));
  data_offset_ = 0;
  const std::uint64_t data_start = Consumed();
  // Enough to read the data and look ahead into the next header; sizes were already capped
  // by the caller's manifest check only after this returns, so cap here as well.
  allowance_end_ = data_start + std::min<std::uint64_t>(entry.size, kMaxFileBytes) + kBlock +
                   kMaxTarHeaderBytes;
  data_end_ = data_start + entry.size;
  return std::optional<TarEntry>(std::move(entry));
}

Result<std::span<const std::uint8_t>> TarReader::ReadData() {
  const void* buf = nullptr;
  std::size_t size = 0;
  la_int64_t offset = 0;
  const int rc = archive_read_data_block(a_.get(), &buf, &size, &offset);
  if (rc == ARCHIVE_EOF) return std::span<const std::uint8_t>();
  if (rc != ARCHIVE_OK) return ArchiveError("data");
  if (offset < 0 || static_cast<std::uint64_t>(offset) != data_offset_) {
    return Status::Corrupt(what_ + ": tar entry data is not contiguous (sparse or damaged)");
  }
  data_offset_ += size;
  return std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(buf), size);
}

// Bytes [from, to) of the decompressed stream must be zero. They lie in the retained chunks
// (already delivered) or in pending_ / later chunks (checked by CheckEnd's drain).
Status TarReader::CheckZeros(std::uint64_t from, std::uint64_t to) {
  for (const Seen& s : history_) {
    const std::uint64_t lo = std::max(from, s.start);
    const std::uint64_t hi = std::min(to, s.start + s.bytes.size());
    if (lo >= hi) continue;
    auto part = s.bytes.subspan(lo - s.start, hi - lo);
    if (std::any_of(part.begin(), part.end(), [](std::uint8_t b) { return b != 0; })) {
      return Status::Corrupt(what_ + ": trailing data after the tar end-of-archive marker");
    }
  }
  if (!history_.empty() && from < history_.front().start) {
    return Status::Internal(what_ + ": cannot check the bytes after the tar end-of-archive marker");
  }
  return Status::Ok();
}

Status TarReader::CheckEnd() {
  if (!at_eof_) return Status::Internal("TarReader::CheckEnd before the end of the archive");
  const std::uint64_t marker = RoundUpToBlock(data_end_);
  const std::uint64_t consumed = Consumed();
  // libarchive consumes the zero blocks of the marker (and checks they are zero).
  if (consumed < marker + 2 * kBlock) {
    return Status::Corrupt(what_ + ": missing tar end-of-archive marker (truncated bundle?)");
  }
  RDB_RETURN_IF_ERROR(CheckZeros(consumed, delivered_));
  std::uint64_t trailer = delivered_ - marker;
  auto check_chunk = [&](std::span<const std::uint8_t> bytes) -> Status {
    trailer += bytes.size();
    if (trailer > kMaxTarTrailerBytes + 2 * kBlock) {
      return Status::Corrupt(what_ + ": more than " + std::to_string(kMaxTarTrailerBytes) +
                             " bytes of padding after the tar end-of-archive marker");
    }
    if (std::any_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b != 0; })) {
      return Status::Corrupt(what_ + ": trailing data after the tar end-of-archive marker");
    }
    return Status::Ok();
  };
  RDB_RETURN_IF_ERROR(check_chunk(pending_));
  pending_ = {};
  for (;;) {
    RDB_ASSIGN_OR_RETURN(auto chunk, src_.NextChunk());
    if (chunk.empty()) return Status::Ok();
    RDB_RETURN_IF_ERROR(check_chunk(chunk));
  }
}

}  // namespace rdbundle::unpacker
