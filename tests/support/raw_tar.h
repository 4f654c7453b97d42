// A byte-exact tar and zstd writer for tests: full control over every header field, so tests
// can build the hostile archives a real writer never would (links, devices, pax tricks, bad
// sizes, trailing garbage, zstd windows beyond the limit).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rdbundle::testsupport {

struct RawTarEntry {
  std::string path;
  std::string data;
  char typeflag = '0';     // '0' file, '1' hardlink, '2' symlink, '3' char, '4' block, '5' dir,
                           // '6' fifo, 'x' pax, 'g' global pax, 'L' GNU long name, 'S' sparse
  std::string linkname;
  std::uint32_t mode = 0644;
  // Size written in the header when it should differ from data.size() (the data written is
  // still `data`, padded to 512).
  std::optional<std::uint64_t> header_size;
  // pax records ("key", "value") emitted as an 'x' header right before this entry.
  std::vector<std::pair<std::string, std::string>> pax;
  bool gnu_magic = false;  // "ustar  \0" instead of "ustar\0" "00"
  bool bad_checksum = false;
};

struct RawTarOptions {
  int end_zero_blocks = 2;      // blocks of the end-of-archive marker
  std::string after_end;        // bytes appended after the marker
  bool pad_to_record = true;    // pad to a 10240-byte record, as tar does
};

// One 512-byte ustar header (ustar\0 00 magic), name split into prefix/name when needed.
std::string UstarHeader(const RawTarEntry& e, std::uint64_t size);
std::string PaxRecords(const std::vector<std::pair<std::string, std::string>>& records);
std::string BuildRawTar(const std::vector<RawTarEntry>& entries, const RawTarOptions& opts = {});

struct ZstdOptions {
  int level = 3;
  int window_log = 0;            // 0: library default for the level
  bool pledge_size = true;       // write the content size into the frame header
};
std::string ZstdCompress(std::string_view data, const ZstdOptions& opts = {});
// A hand-made zstd frame of raw (stored) blocks that declares a window of 2^window_log bytes
// and no content size: libzstd's encoder would shrink the window for small inputs.
std::string ZstdRawFrame(std::string_view data, int window_log);

}  // namespace rdbundle::testsupport
