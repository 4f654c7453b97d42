// ZSTD_getCParams (exported by libzstd, declared in the "static" section of zstd.h).
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "packer/tar_zstd_writer.h"

#include <archive_entry.h>

#include <algorithm>
#include <string>


namespace rdbundle::packer {
namespace {

constexpr std::size_t kTarBlock = 512;
// No tar records: libarchive hands the callback each header and the caller's data buffers as
// they are (no copy into 10240-byte records, one zstd call per buffer instead of one per
// record), and nothing is padded, so the archive ends right after the two zero blocks of the
// end-of-archive marker (the same bytes as with records and bytes_in_last_block 1).
constexpr int kBytesPerRecord = 0;
constexpr std::size_t kEndOfArchiveBytes = 2 * kTarBlock;
// Compressed output is written in pieces of up to this size.
constexpr std::size_t kOutBufBytes = 1u << 20;

struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

std::uint64_t PaddedToBlock(std::uint64_t n) { return (n + kTarBlock - 1) / kTarBlock * kTarBlock; }

Status ZstdError(std::string_view what, std::size_t code) {
  return Status::Internal("zstd: " + std::string(what) + ": " + ZSTD_getErrorName(code));
}

Status SetParam(ZSTD_CCtx* c, ZSTD_cParameter p, int v, std::string_view what) {
  const std::size_t r = ZSTD_CCtx_setParameter(c, p, v);
  return ZSTD_isError(r) ? ZstdError(what, r) : Status::Ok();
}

}  // namespace

std::optional<std::uint64_t> UstarArchiveBytes(const std::vector<std::uint64_t>& entry_sizes) {
  std::uint64_t total = kEndOfArchiveBytes;
  for (std::uint64_t size : entry_sizes) {
    if (size > kMaxUstarSize) return std::nullopt;
    total += kTarBlock + PaddedToBlock(size);
  }
  return total;
}

Result<std::unique_ptr<TarZstdWriter>> TarZstdWriter::Create(std::unique_ptr<WritableFile> out,
                                                             const TarZstdOptions& o) {
  if (o.level < 1 || o.level > ZSTD_maxCLevel()) {
    return Status::Usage("zstd level " + std::to_string(o.level) + " is not from 1 to " +
                         std::to_string(ZSTD_maxCLevel()));
  }
  if (o.threads < 1) return Status::Usage("zstd needs at least one worker thread");
  ZstdCCtxPtr cctx(ZSTD_createCCtx());
  if (!cctx) return Status::Internal("zstd: cannot allocate a compression context");
  RDB_RETURN_IF_ERROR(SetParam(cctx.get(), ZSTD_c_compressionLevel, o.level, "level"));
  // Cap the window: a larger one makes a frame readers refuse by default. The level's window
  // for an unknown size is the largest it uses (a known size only shrinks it); libzstd 1.5's
  // level 22 picks exactly 2^27, but the tables are not frozen. Below the cap nothing is set,
  // so the output is what the level alone gives.
  const int level_window_log =
      static_cast<int>(ZSTD_getCParams(o.level, ZSTD_CONTENTSIZE_UNKNOWN, 0).windowLog);
  if (level_window_log > o.max_window_log) {
    RDB_RETURN_IF_ERROR(SetParam(cctx.get(), ZSTD_c_windowLog, o.max_window_log, "window log"));
  }
  RDB_RETURN_IF_ERROR(SetParam(cctx.get(), ZSTD_c_checksumFlag, 1, "checksum flag"));
  // Multi-threaded mode even for one thread: its output differs from single-threaded mode's
  // and must not depend on the machine's core count (format-spec section 8).
  if (Status s = SetParam(cctx.get(), ZSTD_c_nbWorkers, o.threads, "workers"); !s.ok()) {
    return Status::Internal(s.message() + " (libzstd built without multi-threading?)");
  }
  if (o.tar_bytes) {
    const std::size_t r = ZSTD_CCtx_setPledgedSrcSize(cctx.get(), *o.tar_bytes);
    if (ZSTD_isError(r)) return ZstdError("content size", r);
  }
  std::unique_ptr<TarZstdWriter> w(new TarZstdWriter(std::move(out), std::move(cctx)));
  w->mtime_ = o.mtime;
  w->digest_wanted_ = o.digest;
  RDB_RETURN_IF_ERROR(w->Open());
  return w;
}

TarZstdWriter::TarZstdWriter(std::unique_ptr<WritableFile> out, ZstdCCtxPtr cctx)
    : out_(std::move(out)), cctx_(std::move(cctx)),
      zbuf_(std::max(ZSTD_CStreamOutSize(), kOutBufBytes)) {}

TarZstdWriter::~TarZstdWriter() {
  // An abandoned writer: make archive_write_free's implicit close a no-op for the file.
  if (error_.ok()) error_ = Status::Internal("writer abandoned");
  archive_.reset();  // before error_ and the zstd context go away: it may call OnWrite
}

Status TarZstdWriter::Open() {
  archive_.reset(archive_write_new());
  if (!archive_) return Status::Internal("libarchive: cannot allocate a writer");
  archive* a = archive_.get();
  // pax_restricted writes plain ustar headers and adds a pax header only where ustar cannot
  // hold a value; for our entries that is a size of 8 GiB or more (spec section 3.2).
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(a, kBytesPerRecord) != ARCHIVE_OK ||
      archive_write_open(a, this, nullptr, &TarZstdWriter::OnWrite, nullptr) != ARCHIVE_OK) {
    return ArchiveError("open");
  }
  return Status::Ok();
}

Status TarZstdWriter::ArchiveError(std::string_view what) {
  if (!error_.ok()) return error_;  // the callback's own error says more
  const char* msg = archive_error_string(archive_.get());
  error_ = Status::Internal("libarchive: " + std::string(what) + ": " +
                            (msg != nullptr ? msg : "unknown error"));
  return error_;
}

la_ssize_t TarZstdWriter::OnWrite(archive*, void* self, const void* buf, size_t n) {
  auto* w = static_cast<TarZstdWriter*>(self);
  if (!w->error_.ok()) return -1;
  Status s = w->Compress(buf, n, ZSTD_e_continue);
  if (!s.ok()) {
    w->error_ = std::move(s);
    return -1;
  }
  return static_cast<la_ssize_t>(n);
}

// Feeds `n` bytes to zstd and writes whatever it produces. With ZSTD_e_end, loops until the
// frame is complete.
Status TarZstdWriter::Compress(const void* data, std::size_t n, ZSTD_EndDirective mode) {
  ZSTD_inBuffer in{data, n, 0};
  for (;;) {
    ZSTD_outBuffer zout{zbuf_.data(), zbuf_.size(), 0};
    const std::size_t left = ZSTD_compressStream2(cctx_.get(), &zout, &in, mode);
    if (ZSTD_isError(left)) return ZstdError("compress", left);
    RDB_RETURN_IF_ERROR(Emit(zbuf_.data(), zout.pos));
    const bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
    if (done) return Status::Ok();
  }
}

Status TarZstdWriter::Emit(const void* data, std::size_t n) {
  if (n == 0) return Status::Ok();
  if (digest_wanted_) blake_.Update(data, n);
  compressed_bytes_ += n;
  RDB_RETURN_IF_ERROR(out_->Append(data, n));
  // Let the device write while we compress, so the caller's final fsync finds little to do.
  writeback_.Appended(*out_, n);
  return Status::Ok();
}

Status TarZstdWriter::BeginEntry(std::string_view path, std::uint64_t size, std::uint32_t mode) {
  if (!error_.ok()) return error_;
  if (entry_left_ != 0 || finished_) return Status::Internal("tar: BeginEntry out of order");
  if (path.empty() || path.size() > kMaxPathBytes || (mode != 0644 && mode != 0755)) {
    return Status::Internal("tar: bad entry " + std::string(path));
  }
  std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
  if (!e) return Status::Internal("libarchive: cannot allocate an entry");
  archive_entry_copy_pathname(e.get(), std::string(path).c_str());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), mode);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  archive_entry_copy_uname(e.get(), "");
  archive_entry_copy_gname(e.get(), "");
  archive_entry_set_mtime(e.get(), static_cast<time_t>(mtime_), 0);
  if (archive_write_header(archive_.get(), e.get()) != ARCHIVE_OK) {
    return ArchiveError("header for " + std::string(path));
  }
  entry_left_ = size;
  return Status::Ok();
}

Status TarZstdWriter::Write(const void* data, std::size_t n) {
  if (!error_.ok()) return error_;
  if (n > entry_left_) return Status::Internal("tar: more data than the entry's size");
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const la_ssize_t w = archive_write_data(archive_.get(), p, n);
    if (w <= 0) return ArchiveError("write data");
    p += w;
    n -= static_cast<std::size_t>(w);
    entry_left_ -= static_cast<std::uint64_t>(w);
  }
  return Status::Ok();
}

Status TarZstdWriter::AddEntry(std::string_view path, std::string_view content,
                               std::uint32_t mode) {
  RDB_RETURN_IF_ERROR(BeginEntry(path, content.size(), mode));
  return Write(content.data(), content.size());
}

Status TarZstdWriter::Finish() {
  if (!error_.ok()) return error_;
  if (entry_left_ != 0) return Status::Internal("tar: last entry incomplete");
  if (finished_) return Status::Internal("tar: Finish called twice");
  finished_ = true;
  if (archive_write_close(archive_.get()) != ARCHIVE_OK) return ArchiveError("close");
  RDB_RETURN_IF_ERROR(Compress(nullptr, 0, ZSTD_e_end));
  if (digest_wanted_) digest_ = blake_.Finish();
  return Status::Ok();
}

}  // namespace rdbundle::packer
