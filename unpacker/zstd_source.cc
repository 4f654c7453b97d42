// ZSTD_getFrameHeader (exported by libzstd, declared in the "static" section of zstd.h).
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/format/c_handles.h"
#include "unpacker/chunk_source.h"

namespace rdbundle::unpacker {
namespace {

// What a bundle looks like after it went through a text conversion (the zstd magic number is
// 28 B5 2F FD): PowerShell before 7.4 pipes and redirects text, not bytes. The reason, or
// empty when the start does not look like one of these.
std::string TextConversionHint(std::string_view head) {
  std::string what;
  if (head.starts_with("\xFF\xFE") || head.starts_with("\xFE\xFF")) {
    what = "it is UTF-16 text";  // PowerShell 5's '>' and Out-File
  } else if (head.starts_with("\xEF\xBB\xBF")) {
    what = "it starts with a UTF-8 byte order mark";
  } else if (head.starts_with("(?/?")) {
    what = "its non-ASCII bytes became '?'";  // PowerShell 5 pipes ASCII to programs
  } else if (head.starts_with("(\xEF\xBF\xBD/\xEF\xBF\xBD")) {
    what = "its non-UTF-8 bytes became U+FFFD";  // PowerShell 7 before 7.4
  } else {
    return what;
  }
  return what + ": the bundle was converted as text on the way (PowerShell before 7.4 pipes "
                "text, not bytes); pass the file's name, or pipe with cmd /c \"type FILE | "
                "rdbundle-unpack install -\"";
}

}  // namespace

struct ZstdSource::State {
  ZstdDCtxPtr dctx{ZSTD_createDCtx()};
  std::vector<std::uint8_t> in_buf = std::vector<std::uint8_t>(ZSTD_DStreamInSize());
  ZSTD_inBuffer in{nullptr, 0, 0};
  // Two output buffers used in turn: the previous chunk stays valid (kRetainedChunks).
  std::vector<std::uint8_t> out_bufs[ChunkSource::kRetainedChunks];
  int next_buf = 0;
  bool input_eof = false;
  // True between frames (and at the start): the last ZSTD_decompressStream returned 0.
  bool frame_done = true;
  bool at_start = true;
  bool finished = false;
};

ZstdSource::ZstdSource(std::unique_ptr<ReadableFile> in, int max_window_log, std::string what)
    : in_(std::move(in)), max_window_log_(max_window_log), what_(std::move(what)),
      st_(std::make_unique<State>()) {
  if (!st_->dctx) throw std::bad_alloc();
  ZSTD_DCtx_setParameter(st_->dctx.get(), ZSTD_d_windowLogMax, max_window_log_);
}

ZstdSource::~ZstdSource() = default;

// Reads more compressed input when the buffer is used up. Returns false at end of input.
Result<bool> ZstdSource::FillInput() {
  if (st_->in.pos < st_->in.size) return true;
  if (st_->input_eof) return false;
  RDB_ASSIGN_OR_RETURN(std::size_t n, in_->Read(st_->in_buf.data(), st_->in_buf.size()));
  if (n == 0) {
    st_->input_eof = true;
    return false;
  }
  input_bytes_ += n;
  st_->in = {st_->in_buf.data(), n, 0};
  return true;
}

std::string NotABundleReason(std::span<const std::uint8_t> head) {
  const std::string_view text(reinterpret_cast<const char*>(head.data()), head.size());
  if (text.starts_with("untrusted comment: ")) {
    return "not a bundle but a minisign signature (.minisig): pass the .rdbundle it signs";
  }
  if (head.size() >= 262 && std::memcmp(head.data() + 257, "ustar", 5) == 0) {
    return "not a bundle but a plain tar (a bundle is a zstd-compressed tar written by "
           "rdbundle-pack build)";
  }
  if (head.size() >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
    return "not a bundle but gzip data (a bundle is zstd-compressed, written by rdbundle-pack "
           "build)";
  }
  return "not a zstd stream (bad magic number)";
}

Status ZstdSource::DecodeError(std::size_t code) {
  const ZSTD_ErrorCode err = ZSTD_getErrorCode(code);
  if (err == ZSTD_error_frameParameter_windowTooLarge) {
    ZSTD_frameHeader zfh{};
    std::string window = "larger than 2^" + std::to_string(max_window_log_);
    if (ZSTD_getFrameHeader(&zfh, static_cast<const char*>(st_->in.src) + st_->in.pos,
                            st_->in.size - st_->in.pos) == 0 && zfh.windowSize > 0) {
      int log = 0;
      while ((1ull << log) < zfh.windowSize && log < 63) ++log;
      window = "2^" + std::to_string(log);
    }
    return Status::Limit(what_ + ": zstd window " + window + " exceeds the limit 2^" +
                         std::to_string(max_window_log_) +
                         " (a larger window needs more memory; see --max-window-log)");
  }
  if (err == ZSTD_error_prefix_unknown) {
    if (!st_->at_start) return Status::Corrupt(what_ + ": trailing data after the zstd stream");
    const std::string hint = TextConversionHint(std::string_view(
        static_cast<const char*>(st_->in.src), std::min<std::size_t>(st_->in.size, 8)));
    if (!hint.empty()) return Status::Corrupt(what_ + ": not a zstd stream: " + hint);
    // The first read is still in the buffer: say what the file is instead.
    return Status::Corrupt(what_ + ": " + NotABundleReason({st_->in_buf.data(), st_->in.size}));
  }
  return Status::Corrupt(what_ + ": corrupt zstd stream: " + ZSTD_getErrorName(code));
}

Result<std::size_t> ZstdSource::ReadInto(std::uint8_t* buf, std::size_t cap) {
  ZSTD_outBuffer out{buf, cap, 0};
  while (out.pos < out.size && !st_->finished) {
    RDB_ASSIGN_OR_RETURN(bool have_input, FillInput());
    if (!have_input) {
      if (!st_->frame_done || st_->at_start) {
        return Status::Corrupt(what_ + (st_->at_start ? ": empty file, not a zstd stream"
                                                      : ": truncated zstd stream"));
      }
      st_->finished = true;
      break;
    }
    // A new frame starts here: the stream continues with another frame or must be zstd.
    std::size_t ret = ZSTD_decompressStream(st_->dctx.get(), &out, &st_->in);
    if (ZSTD_isError(ret)) return DecodeError(ret);
    st_->at_start = false;
    st_->frame_done = (ret == 0);
  }
  return out.pos;
}

Result<std::span<const std::uint8_t>> ZstdSource::NextChunk() {
  auto& buf = st_->out_bufs[st_->next_buf];
  st_->next_buf = (st_->next_buf + 1) % kRetainedChunks;
  if (buf.empty()) buf.resize(kChunkBytes);
  RDB_ASSIGN_OR_RETURN(std::size_t n, ReadInto(buf.data(), buf.size()));
  return std::span<const std::uint8_t>(buf.data(), n);
}

}  // namespace rdbundle::unpacker
