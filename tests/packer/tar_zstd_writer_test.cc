// The container writer: exact ustar layout, one zstd frame with checksum and content size,
// and output independent of the thread count and of how the caller chunks its writes.
#include "packer/tar_zstd_writer.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <cstring>

#include "tests/support/sample_kit.h"
#include "tests/support/temp_dir.h"

namespace rdbundle::packer {
namespace {

using testsupport::ReadFileOrDie;

struct Entry {
  std::string path;
  std::string data;
  std::uint32_t mode = 0644;
};

std::string Incompressible(std::size_t n, std::uint64_t seed) {
  std::string s;
  EXPECT_TRUE(testsupport::GenerateSampleContent(testsupport::SampleContent::kIncompressible, n,
                                                 seed, [&](const void* p, std::size_t k) {
                                                   s.append(static_cast<const char*>(p), k);
                                                   return Status::Ok();
                                                 })
                  .ok());
  return s;
}

// Writes `entries` to a file with `threads` workers, feeding data in `chunk`-byte writes.
std::string WriteBundle(const std::string& path, const std::vector<Entry>& entries, int threads,
                        std::size_t chunk, bool pledge = true, TarZstdOptions o = {}) {
  auto file = DefaultFs().CreateNew(path, 0600);
  EXPECT_TRUE(file.has_value());
  o.threads = threads;
  o.mtime = 1700000000;
  std::vector<std::uint64_t> sizes;
  for (const auto& e : entries) sizes.push_back(e.data.size());
  if (pledge) o.tar_bytes = UstarArchiveBytes(sizes);
  auto w = TarZstdWriter::Create(std::move(*file), o);
  EXPECT_TRUE(w.has_value()) << w.error().message();
  for (const auto& e : entries) {
    EXPECT_TRUE((*w)->BeginEntry(e.path, e.data.size(), e.mode).ok());
    for (std::size_t off = 0; off < e.data.size(); off += chunk) {
      const std::size_t n = std::min(chunk, e.data.size() - off);
      EXPECT_TRUE((*w)->Write(e.data.data() + off, n).ok());
    }
  }
  Status s = (*w)->Finish();
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE((*w)->TakeFile()->Close().ok());
  std::string bytes = ReadFileOrDie(path);
  EXPECT_EQ((*w)->compressed_bytes(), bytes.size());
  EXPECT_EQ((*w)->digest(), Blake2b512::Of(bytes));
  return bytes;
}

std::string Decompress(const std::string& z) {
  std::string out;
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZSTD_inBuffer in{z.data(), z.size(), 0};
  std::vector<char> buf(1 << 16);
  std::size_t r = 1;
  while (in.pos < in.size || r != 0) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    r = ZSTD_decompressStream(d, &o, &in);
    EXPECT_FALSE(ZSTD_isError(r)) << ZSTD_getErrorName(r);
    if (ZSTD_isError(r)) break;
    out.append(buf.data(), o.pos);
    if (o.pos == 0 && in.pos == in.size) break;
  }
  ZSTD_freeDCtx(d);
  return out;
}

// Whether a reader that caps the window at 2^window_log decodes all of `z`.
bool DecodesWithin(const std::string& z, int window_log) {
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, window_log);
  ZSTD_inBuffer in{z.data(), z.size(), 0};
  std::vector<char> buf(1 << 16);
  std::size_t r = 1;
  while (!ZSTD_isError(r) && (in.pos < in.size || r != 0)) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    r = ZSTD_decompressStream(d, &o, &in);
    if (!ZSTD_isError(r) && o.pos == 0 && in.pos == in.size && r != 0) break;  // truncated
  }
  ZSTD_freeDCtx(d);
  return r == 0;
}

std::string Field(const std::string& h, std::size_t off, std::size_t len) {
  std::string f = h.substr(off, len);
  return f.substr(0, f.find('\0'));
}

TEST(TarZstdWriter, UstarLayoutAndFrame) {
  testsupport::ScopedTempDir tmp;
  const std::vector<Entry> entries = {
      {"manifest.json", "{}\n"},
      {"manifest.json.minisig", "sig\n"},
      {"cache/k3s/v1.30.4+k3s1/k3s", std::string(1000, 'x'), 0755},
      {"kuberlr/windows-amd64/kubectl1.30.4.exe", ""},
  };
  const std::string z = WriteBundle(tmp.Sub("b"), entries, 1, 7);
  // One frame, with its content size and checksum flag.
  EXPECT_EQ(ZSTD_findFrameCompressedSize(z.data(), z.size()), z.size());
  std::vector<std::uint64_t> sizes = {3, 4, 1000, 0};
  EXPECT_EQ(ZSTD_getFrameContentSize(z.data(), z.size()), *UstarArchiveBytes(sizes));
  // Frame_Header_Descriptor (RFC 8878 3.1.1.1.1), after the 4-byte magic: bit 2 is the
  // Content_Checksum_flag.
  EXPECT_NE(static_cast<unsigned char>(z[4]) & 0x04, 0);

  const std::string tar = Decompress(z);
  ASSERT_EQ(tar.size(), *UstarArchiveBytes(sizes));
  std::size_t off = 0;
  for (const Entry& e : entries) {
    const std::string h = tar.substr(off, 512);
    EXPECT_EQ(Field(h, 0, 100), e.path);  // all our paths fit the name field
    EXPECT_EQ(h[156], '0');               // regular file, no pax header
    EXPECT_EQ(h.substr(257, 8), std::string("ustar\0" "00", 8));
    EXPECT_EQ(std::stoul(Field(h, 100, 8), nullptr, 8), e.mode);
    EXPECT_EQ(std::stoul(Field(h, 108, 8), nullptr, 8), 0u);  // uid
    EXPECT_EQ(std::stoul(Field(h, 116, 8), nullptr, 8), 0u);  // gid
    EXPECT_EQ(std::stoull(Field(h, 124, 12), nullptr, 8), e.data.size());
    EXPECT_EQ(std::stoull(Field(h, 136, 12), nullptr, 8), 1700000000u);
    EXPECT_EQ(Field(h, 265, 32), "");  // uname
    EXPECT_EQ(Field(h, 297, 32), "");  // gname
    EXPECT_EQ(tar.substr(off + 512, e.data.size()), e.data);
    off += 512 + (e.data.size() + 511) / 512 * 512;
  }
  // The end-of-archive marker and nothing after it.
  EXPECT_EQ(tar.substr(off), std::string(1024, '\0'));
}

TEST(TarZstdWriter, LongPathUsesPrefixField) {
  testsupport::ScopedTempDir tmp;
  const std::string version = "v1.30.4-" + std::string(60, 'r') + "+k3s1";
  const std::string path = "cache/k3s/" + version + "/k3s-airgap-images-amd64.tar.zst";
  ASSERT_GT(path.size(), 100u);
  const std::string tar = Decompress(WriteBundle(tmp.Sub("b"), {{path, "data"}}, 1, 4096));
  EXPECT_EQ(tar[156], '0');
  EXPECT_EQ(Field(tar, 345, 155) + "/" + Field(tar, 0, 100), path);
}

// Big enough for several zstd jobs, so worker threads really run in parallel.
TEST(TarZstdWriter, SameBytesForAnyThreadCountAndChunking) {
  testsupport::ScopedTempDir tmp;
  const std::vector<Entry> entries = {
      {"manifest.json", "{}\n"},
      {"cache/k3s/v1.30.4+k3s1/k3s-airgap-images-amd64.tar.zst", Incompressible(20 << 20, 1)},
      {"kuberlr/linux-amd64/kubectl1.30.4", std::string(3 << 20, 'k'), 0755},
  };
  const std::string one = WriteBundle(tmp.Sub("t1"), entries, 1, 1 << 20);
  EXPECT_EQ(WriteBundle(tmp.Sub("t2"), entries, 2, 1 << 20), one);
  EXPECT_EQ(WriteBundle(tmp.Sub("t4"), entries, 4, 12345), one);
  EXPECT_EQ(Decompress(one).size(), 512 + 512 + (20u << 20) + 512 + (3u << 20) + 1024 + 512);
}

// With no content size, zstd takes the window from the level (2^27 at level 22 in libzstd 1.5,
// more in a future table); the writer caps it, and keeps a level's smaller window as it is.
TEST(TarZstdWriter, WindowCappedAtAnyLevel) {
  testsupport::ScopedTempDir tmp;
  const std::vector<Entry> entries = {{"manifest.json", "{}\n"},
                                      {"k3s", Incompressible(1 << 20, 2)}};
  TarZstdOptions o;
  o.level = ZSTD_maxCLevel();
  std::string z = WriteBundle(tmp.Sub("max"), entries, 1, 1 << 16, /*pledge=*/false, o);
  EXPECT_TRUE(DecodesWithin(z, kDefaultMaxWindowLog));
  o.max_window_log = 20;  // below the level's own window: the cap decides
  z = WriteBundle(tmp.Sub("capped"), entries, 1, 1 << 16, /*pledge=*/false, o);
  EXPECT_TRUE(DecodesWithin(z, 20));
  EXPECT_FALSE(DecodesWithin(z, 19));
  o.level = 1;  // level 1 uses 2^19: not raised to the cap
  o.max_window_log = kDefaultMaxWindowLog;
  z = WriteBundle(tmp.Sub("one"), entries, 1, 1 << 16, /*pledge=*/false, o);
  EXPECT_TRUE(DecodesWithin(z, 19));
  EXPECT_EQ(Decompress(z).size(), 512 + 512 + 512 + (1u << 20) + 1024);
}

TEST(TarZstdWriter, RejectsMisuse) {
  testsupport::ScopedTempDir tmp;
  auto file = DefaultFs().CreateNew(tmp.Sub("b"), 0600);
  ASSERT_TRUE(file.has_value());
  TarZstdOptions o;
  o.level = 23;
  EXPECT_EQ(TarZstdWriter::Create(std::move(*file), o).error().code(), ErrorCode::kUsage);
  file = DefaultFs().CreateNew(tmp.Sub("c"), 0600);
  auto w = TarZstdWriter::Create(std::move(*file), TarZstdOptions());
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE((*w)->BeginEntry("a", 3, 0644).ok());
  EXPECT_EQ((*w)->Write("abcd", 4).code(), ErrorCode::kInternal);  // more than declared
  EXPECT_EQ((*w)->Finish().code(), ErrorCode::kInternal);          // entry incomplete
}

TEST(UstarArchiveBytes, NeedsPaxAbove8GiB) {
  EXPECT_EQ(UstarArchiveBytes({}), 1024u);
  EXPECT_EQ(UstarArchiveBytes({1, 512, 513}), 1024u + 3 * 512 + 512 + 512 + 1024);
  EXPECT_TRUE(UstarArchiveBytes({kMaxUstarSize}).has_value());
  EXPECT_FALSE(UstarArchiveBytes({kMaxUstarSize + 1}).has_value());
}

}  // namespace
}  // namespace rdbundle::packer

namespace rdbundle::packer {
namespace {

// A file of 8 GiB or more cannot be described by a ustar header: libarchive adds a pax header
// with its size (format-spec section 3.2), and only then. Streams 8 GiB of zeros (a few seconds).
TEST(TarZstdWriter, PaxHeaderOnlyForFilesOf8GiB) {
  testsupport::ScopedTempDir tmp;
  auto file = DefaultFs().CreateNew(tmp.Sub("big"), 0600);
  ASSERT_TRUE(file.has_value());
  TarZstdOptions o;
  o.level = 1;
  o.threads = 2;
  const std::uint64_t size = kMaxUstarSize + 1;
  EXPECT_FALSE(UstarArchiveBytes({3, size}).has_value());
  auto w = TarZstdWriter::Create(std::move(*file), o);
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE((*w)->AddEntry("manifest.json", "{}\n", 0644).ok());
  ASSERT_TRUE((*w)->BeginEntry("cache/k3s/v1.30.4+k3s1/k3s-airgap-images-amd64.tar", size, 0644).ok());
  const std::vector<char> zeros(8u << 20, 0);
  for (std::uint64_t left = size; left > 0;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, zeros.size()));
    ASSERT_TRUE((*w)->Write(zeros.data(), n).ok());
    left -= n;
  }
  ASSERT_TRUE((*w)->Finish().ok());
  ASSERT_TRUE((*w)->TakeFile()->Close().ok());
  // The first 4 KiB of the tar: manifest.json, then a pax header, then the big entry.
  const std::string z = ReadFileOrDie(tmp.Sub("big"));
  std::string head(4096, '\0');
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZSTD_inBuffer in{z.data(), z.size(), 0};
  ZSTD_outBuffer out{head.data(), head.size(), 0};
  while (out.pos < out.size) ASSERT_FALSE(ZSTD_isError(ZSTD_decompressStream(d, &out, &in)));
  ZSTD_freeDCtx(d);
  EXPECT_EQ(head[156], '0');
  EXPECT_EQ(head[1024 + 156], 'x');
  const std::size_t pax_size = std::stoul(head.substr(1024 + 124, 12), nullptr, 8);
  const std::string pax = head.substr(1536, pax_size);
  EXPECT_NE(pax.find("size=8589934592\n"), std::string::npos) << pax;
  const std::size_t entry = 1536 + (pax_size + 511) / 512 * 512;
  EXPECT_EQ(head[entry + 156], '0');
  EXPECT_EQ(head.substr(entry, 50).substr(0, head.substr(entry, 50).find('\0')),
            "cache/k3s/v1.30.4+k3s1/k3s-airgap-images-amd64.tar");
}

}  // namespace
}  // namespace rdbundle::packer
