#include "tests/support/raw_tar.h"

#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace rdbundle::testsupport {
namespace {

void PutField(std::string& h, std::size_t off, std::size_t len, std::string_view v) {
  // An empty view may have data() == nullptr, which memcpy must not get even for 0 bytes (UBSan).
  if (!v.empty()) std::memcpy(h.data() + off, v.data(), std::min(len, v.size()));
}

void PutOctal(std::string& h, std::size_t off, std::size_t len, std::uint64_t v) {
  // Values that do not fit in len-1 octal digits use the base-256 (GNU/star) encoding.
  if (len < 12 || v < (1ull << (3 * (len - 1)))) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%0*llo", static_cast<int>(len - 1),
                  static_cast<unsigned long long>(v));
    PutField(h, off, len - 1, buf);
    return;
  }
  h[off] = static_cast<char>(0x80);
  for (std::size_t i = len - 1; i > 0; --i) {
    h[off + i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

std::string Pad512(std::string s) {
  s.resize((s.size() + 511) / 512 * 512, '\0');
  return s;
}

}  // namespace

std::string UstarHeader(const RawTarEntry& e, std::uint64_t size) {
  std::string h(512, '\0');
  std::string_view name = e.path, prefix;
  if (name.size() > 100) {
    std::size_t slash = name.rfind('/', name.size() - 1);
    while (slash != std::string_view::npos && name.size() - slash - 1 > 100) {
      slash = name.rfind('/', slash - 1);
    }
    if (slash == std::string_view::npos || slash > 155) throw std::runtime_error("path too long");
    prefix = name.substr(0, slash);
    name = name.substr(slash + 1);
  }
  PutField(h, 0, 100, name);
  PutOctal(h, 100, 8, e.mode);
  PutOctal(h, 108, 8, 0);
  PutOctal(h, 116, 8, 0);
  PutOctal(h, 124, 12, size);
  PutOctal(h, 136, 12, 1700000000);
  h[156] = e.typeflag;
  PutField(h, 157, 100, e.linkname);
  if (e.gnu_magic) {
    PutField(h, 257, 8, std::string_view("ustar  \0", 8));
  } else {
    PutField(h, 257, 6, std::string_view("ustar\0", 6));
    PutField(h, 263, 2, "00");
  }
  PutField(h, 345, 155, prefix);
  std::memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  if (e.bad_checksum) sum += 1;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06o", sum);
  std::memcpy(h.data() + 148, buf, 7);  // six digits, NUL, space
  h[155] = ' ';
  return h;
}

std::string PaxRecords(const std::vector<std::pair<std::string, std::string>>& records) {
  std::string out;
  for (const auto& [key, value] : records) {
    // "<len> key=value\n" where len counts itself.
    const std::size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
    std::size_t len = body + 1;
    while (std::to_string(len).size() + body != len) ++len;
    out += std::to_string(len) + " " + key + "=" + value + "\n";
  }
  return out;
}

std::string BuildRawTar(const std::vector<RawTarEntry>& entries, const RawTarOptions& opts) {
  std::string out;
  for (const auto& e : entries) {
    if (!e.pax.empty()) {
      RawTarEntry pax{"PaxHeaders/" + e.path.substr(0, 60), PaxRecords(e.pax), 'x'};
      out += UstarHeader(pax, pax.data.size());
      out += Pad512(pax.data);
    }
    out += UstarHeader(e, e.header_size.value_or(e.data.size()));
    out += Pad512(e.data);
  }
  out.append(static_cast<std::size_t>(opts.end_zero_blocks) * 512, '\0');
  if (opts.pad_to_record) out.resize((out.size() + 10239) / 10240 * 10240, '\0');
  out += opts.after_end;
  return out;
}

std::string ZstdCompress(std::string_view data, const ZstdOptions& opts) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, opts.level);
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  if (opts.window_log > 0) ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, opts.window_log);
  if (opts.pledge_size) ZSTD_CCtx_setPledgedSrcSize(c, data.size());
  std::string out(ZSTD_compressBound(data.size()), '\0');
  std::size_t n = ZSTD_compress2(c, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(c);
  if (ZSTD_isError(n)) throw std::runtime_error(ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::string ZstdRawFrame(std::string_view data, int window_log) {
  std::string out("\x28\xb5\x2f\xfd", 4);
  out += '\0';                                             // descriptor: no size, no checksum
  out += static_cast<char>((window_log - 10) << 3);          // window descriptor, mantissa 0
  const std::size_t kMaxBlock = 128 * 1024;
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min(kMaxBlock, data.size() - pos);
    const bool last = pos + n == data.size();
    const std::uint32_t header = static_cast<std::uint32_t>(n << 3) | (last ? 1u : 0u);  // raw
    out += static_cast<char>(header & 0xff);
    out += static_cast<char>((header >> 8) & 0xff);
    out += static_cast<char>((header >> 16) & 0xff);
    out.append(data.substr(pos, n));
    pos += n;
  } while (pos < data.size());
  return out;
}

}  // namespace rdbundle::testsupport
