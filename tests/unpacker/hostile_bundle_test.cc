// Hostile bundles, built byte by byte: every class of attack the format spec rejects, each
// checked for its error code, its exact one-line message, and an unchanged destination.
#include <gtest/gtest.h>

#include "common/format/hash.h"
#include "tests/unpacker/unpack_fixture.h"
#include "unpacker/bundle_reader.h"

namespace rdbundle::unpacker {
namespace {

using testsupport::AssembleBundle;
using testsupport::BundleParts;
using testsupport::BuildRawTar;
using testsupport::DefaultTestKey;
using testsupport::MakeBundleParts;
using testsupport::MakeKitFiles;
using testsupport::RawTarEntry;
using testsupport::RawTarOptions;
using testsupport::ZstdCompress;

class HostileBundleTest : public UnpackFixture {
 protected:
  BundleParts Parts(const std::function<void(Manifest&)>& edit = nullptr) {
    return MakeBundleParts(MakeKitFiles({}), DefaultTestKey(), edit);
  }
  // Path of payload entry i (entries 0 and 1 are the manifest and its signature).
  std::string PayloadPath(const BundleParts& p, std::size_t i) { return p.entries[2 + i].path; }
};

TEST_F(HostileBundleTest, ValidBundleInstalls) {
  ASSERT_TRUE(Verify(AssembleBundle(Parts())).ok());
  Status s = Install(AssembleBundle(Parts()));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(testsupport::ReadFileOrDie(CacheDir() + "/k3s/v1.30.4+k3s1/k3s").substr(0, 4),
            "\x7f" "ELF");
}

// ---- container: zstd ---------------------------------------------------------------------

TEST_F(HostileBundleTest, NotZstd) {
  ExpectRejected("this is not a bundle", ErrorCode::kCorrupt,
                 "B: not a zstd stream (bad magic number)");
}

// A bundle piped or redirected through PowerShell before 7.4 arrives converted as text
// (issue 17): one line that says so and what to do instead, not a bare "bad magic number".
TEST_F(HostileBundleTest, TextMangledBundleExplained) {
  const std::string good = AssembleBundle(Parts());
  std::string ascii, utf8, utf16 = "\xFF\xFE";
  for (char c : good) {
    const bool high = static_cast<unsigned char>(c) >= 0x80;
    ascii += c == '\n' ? std::string("\r\n") : std::string(1, high ? '?' : c);  // PowerShell 5 pipe
    utf8 += high ? std::string("\xEF\xBF\xBD") : std::string(1, c);                 // PowerShell 7.0-7.3
    utf16 += c;                                                                 // PowerShell 5 '>'
    utf16 += '\0';
  }
  const std::string advice =
      ": the bundle was converted as text on the way (PowerShell before 7.4 pipes text, not "
      "bytes); pass the file's name, or pipe with cmd /c \"type FILE | rdbundle-unpack install "
      "-\"";
  ExpectRejected(ascii, ErrorCode::kCorrupt,
                 "B: not a zstd stream: its non-ASCII bytes became '?'" + advice);
  ExpectRejected(utf8, ErrorCode::kCorrupt,
                 "B: not a zstd stream: its non-UTF-8 bytes became U+FFFD" + advice);
  ExpectRejected(utf16, ErrorCode::kCorrupt, "B: not a zstd stream: it is UTF-16 text" + advice);
  ExpectRejected("\xEF\xBB\xBF" + utf8, ErrorCode::kCorrupt,
                 "B: not a zstd stream: it starts with a UTF-8 byte order mark" + advice);
}

// Issue 18 item 5: a file that is not a bundle says what it is instead (the .minisig beside
// the bundle, the tar before compression, a gzip), so the user knows which file to pass.
TEST_F(HostileBundleTest, NotABundleSaysWhatItIs) {
  const std::string minisig =
      "untrusted comment: signature from rdbundle-pack\nRUQ...\ntrusted comment: x\nAAA\n";
  ExpectRejected(minisig, ErrorCode::kCorrupt,
                 "B: not a bundle but a minisign signature (.minisig): pass the .rdbundle it "
                 "signs");
  BundleParts p = Parts();
  ExpectRejected(BuildRawTar(p.entries, RawTarOptions{}), ErrorCode::kCorrupt,
                 "B: not a bundle but a plain tar (a bundle is a zstd-compressed tar written by "
                 "rdbundle-pack build)");
  ExpectRejected(std::string("\x1f\x8b\x08\x00rest", 8), ErrorCode::kCorrupt,
                 "B: not a bundle but gzip data (a bundle is zstd-compressed, written by "
                 "rdbundle-pack build)");
}

// Issue 18 item 5: damage found while streaming names the entry, where in the bundle it was
// noticed (the reader reads ahead: at or before that byte) and what to do about it.
TEST_F(HostileBundleTest, DamageNamesEntryOffsetAndWhatToDo) {
  BundleParts p = Parts();
  p.entries[3].data[100] ^= 1;
  const std::string bundle = AssembleBundle(p);
  Status s = Verify(bundle);
  ASSERT_EQ(s.code(), ErrorCode::kHashMismatch) << s.message();
  const std::string m = s.message();
  EXPECT_NE(m.find(PayloadPath(p, 1) + ": sha256 mismatch"), std::string::npos) << m;
  EXPECT_TRUE(m.ends_with("; (at or before byte " + std::to_string(bundle.size()) +
                          " of the bundle): the file is damaged, copy it again"))
      << m;
  // A cut inside the stream: the zstd error alone does not name the entry; the hint does.
  EXPECT_EQ(DamagedBundleHint("B: truncated zstd stream", "cache/k3s/v/k3s", 4096),
            "; in cache/k3s/v/k3s (at or before byte 4096 of the bundle): the file is damaged, "
            "copy it again");
}

TEST_F(HostileBundleTest, EmptyFile) {
  ExpectRejected("", ErrorCode::kCorrupt, "B: empty file, not a zstd stream");
}

TEST_F(HostileBundleTest, TruncatedAnywhereIsRejected) {
  const std::string good = AssembleBundle(Parts());
  for (std::size_t cut : {std::size_t{6}, good.size() / 3, good.size() / 2, good.size() - 1}) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    const auto before = testsupport::SnapshotTree(home_);
    Status s = Install(good.substr(0, cut));
    EXPECT_EQ(s.code(), ErrorCode::kCorrupt) << s.message();
    EXPECT_EQ(testsupport::DiffSnapshots(before, testsupport::SnapshotTree(home_)), "");
  }
  ExpectRejected(good.substr(0, good.size() - 1), ErrorCode::kCorrupt,
                 "B: truncated zstd stream");
}

TEST_F(HostileBundleTest, TrailingDataAfterZstd) {
  ExpectRejected(AssembleBundle(Parts()) + "garbage", ErrorCode::kCorrupt,
                 "B: trailing data after the zstd stream");
}

TEST_F(HostileBundleTest, ZstdWindowAboveLimitIsNotAllocated) {
  const std::string tar = BuildRawTar(Parts().entries);
  ExpectRejected(testsupport::ZstdRawFrame(tar, 30), ErrorCode::kLimitExceeded,
                 "B: zstd window 2^30 exceeds the limit 2^27 (a larger window needs more "
                 "memory; see --max-window-log)");
}

TEST_F(HostileBundleTest, ZstdWindowAtLimitIsFine) {
  EXPECT_TRUE(Verify(testsupport::ZstdRawFrame(BuildRawTar(Parts().entries), 27)).ok());
}

// ---- container: tar end and trailing data ------------------------------------------------

TEST_F(HostileBundleTest, ZeroBombAfterEndOfArchive) {
  RawTarOptions t;
  t.after_end = std::string(8 << 20, '\0');  // compresses to a few hundred bytes
  ExpectRejected(AssembleBundle(Parts(), t), ErrorCode::kCorrupt,
                 "B: more than 65536 bytes of padding after the tar end-of-archive marker");
}

TEST_F(HostileBundleTest, DataAfterEndOfArchive) {
  RawTarOptions t;
  t.after_end = BuildRawTar({{"kuberlr/linux-amd64/kubectl9.9.9", "hidden"}});
  ExpectRejected(AssembleBundle(Parts(), t), ErrorCode::kCorrupt,
                 "B: trailing data after the tar end-of-archive marker");
}

TEST_F(HostileBundleTest, MissingEndOfArchive) {
  RawTarOptions t;
  t.end_zero_blocks = 0;
  t.pad_to_record = false;
  ExpectRejected(AssembleBundle(Parts(), t), ErrorCode::kCorrupt,
                 "B: missing tar end-of-archive marker (truncated bundle?)");
}

// ---- entry order and accounting ---------------------------------------------------------

TEST_F(HostileBundleTest, FirstEntryMustBeManifest) {
  BundleParts p = Parts();
  std::swap(p.entries[0], p.entries[1]);
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: entry \"manifest.json.minisig\" where manifest.json must be (not an "
                 "rdbundle, or damaged)");
}

TEST_F(HostileBundleTest, SignatureMissing) {
  BundleParts p = Parts();
  p.entries.erase(p.entries.begin() + 1);
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: entry \"" + PayloadPath(Parts(), 0) +
                     "\" where manifest.json.minisig must be (not an rdbundle, or damaged)");
}

TEST_F(HostileBundleTest, OversizeManifestIsNotRead) {
  BundleParts p = Parts();
  p.entries[0].data = std::string(5 << 20, ' ');
  ExpectRejected(AssembleBundle(p), ErrorCode::kLimitExceeded,
                 "B: manifest.json: 5242880 bytes exceeds the limit of 4194304");
}

TEST_F(HostileBundleTest, DuplicateEntry) {
  BundleParts p = Parts();
  p.entries.insert(p.entries.begin() + 3, p.entries[2]);
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: unexpected entry \"" + PayloadPath(p, 0) + "\" (expected " +
                     PayloadPath(p, 2) + ")");
}

TEST_F(HostileBundleTest, UnlistedEntryInTheMiddle) {
  BundleParts p = Parts();
  p.entries.insert(p.entries.begin() + 3, RawTarEntry{"cache/k3s/evil", "x"});
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: unexpected entry \"cache/k3s/evil\" (expected " + PayloadPath(Parts(), 1) +
                     ")");
}

TEST_F(HostileBundleTest, UnlistedEntryAtTheEnd) {
  BundleParts p = Parts();
  p.entries.push_back({"kuberlr/linux-amd64/kubectl1.31.0", "x"});
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: unexpected entry \"kuberlr/linux-amd64/kubectl1.31.0\" after the last "
                 "manifest file");
}

TEST_F(HostileBundleTest, MissingEntry) {
  BundleParts p = Parts();
  const std::string last = p.entries.back().path;
  p.entries.pop_back();
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: missing entry: " + last + " (bundle ends early)");
}

TEST_F(HostileBundleTest, ReorderedEntries) {
  BundleParts p = Parts();
  std::swap(p.entries[2], p.entries[3]);
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: unexpected entry \"" + PayloadPath(p, 0) + "\" (expected " +
                     PayloadPath(p, 1) + ")");
}

TEST_F(HostileBundleTest, SizeDiffersFromManifest) {
  BundleParts p = Parts();
  p.entries[3].data += "extra";
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: " + PayloadPath(p, 1) + ": size mismatch (manifest 3004, tar header 3009)");
}

TEST_F(HostileBundleTest, PayloadBitFlip) {
  BundleParts p = Parts();
  const std::string expected = Sha256::HexOf(p.entries[3].data);
  p.entries[3].data[100] ^= 1;
  const std::string got = Sha256::HexOf(p.entries[3].data);
  ExpectRejected(AssembleBundle(p), ErrorCode::kHashMismatch,
                 "B: " + PayloadPath(p, 1) + ": sha256 mismatch (expected " +
                     expected.substr(0, 12) + "…, got " + got.substr(0, 12) + "…)");
}

// ---- entry types -------------------------------------------------------------------------

struct TypeCase {
  char typeflag;
  const char* what;
};

TEST_F(HostileBundleTest, OnlyRegularFiles) {
  for (TypeCase c : {TypeCase{'1', "a hard link"}, TypeCase{'2', "a symbolic link"},
                     TypeCase{'3', "a character device"}, TypeCase{'4', "a block device"},
                     TypeCase{'5', "a directory"}, TypeCase{'6', "a FIFO"}}) {
    SCOPED_TRACE(c.what);
    BundleParts p = Parts();
    RawTarEntry& e = p.entries[2];
    e.typeflag = c.typeflag;
    e.linkname = c.typeflag <= '2' ? "/etc/passwd" : "";
    if (c.typeflag != '0') e.data.clear();
    ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                   "B: " + e.path + ": " + c.what + " (only regular files are allowed)");
  }
}

TEST_F(HostileBundleTest, GnuHeaderRejected) {
  BundleParts p = Parts();
  p.entries[2].gnu_magic = true;
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: " + PayloadPath(p, 0) + ": not a ustar/pax header (GNU tar format)");
}

TEST_F(HostileBundleTest, BadHeaderChecksum) {
  BundleParts p = Parts();
  p.entries[3].bad_checksum = true;
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: bad tar header: Damaged tar archive");
}

// ---- pax tricks --------------------------------------------------------------------------

TEST_F(HostileBundleTest, PaxPathOverrideToTraversal) {
  BundleParts p = Parts();
  p.entries[2].pax = {{"path", "../../.bashrc"}};
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: unexpected entry \"../../.bashrc\" (expected " + PayloadPath(p, 0) + ")");
}

TEST_F(HostileBundleTest, PaxHugeSize) {
  BundleParts p = Parts();
  p.entries[2].pax = {{"size", "1099511627776"}};
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: " + PayloadPath(p, 0) + ": size mismatch (manifest " +
                     std::to_string(p.manifest.files[0].size) + ", tar header 1099511627776)");
}

TEST_F(HostileBundleTest, OversizePaxHeaderIsNotBuffered) {
  BundleParts p = Parts();
  p.entries[2].pax = {{"comment", std::string(200 << 10, 'A')}};
  ExpectRejected(AssembleBundle(p), ErrorCode::kLimitExceeded,
                 "B: tar header larger than 65536 bytes");
}

TEST_F(HostileBundleTest, PaxLinkpathMakesASymlink) {
  BundleParts p = Parts();
  p.entries[2].pax = {{"linkpath", "/etc/shadow"}};
  p.entries[2].typeflag = '2';
  p.entries[2].data.clear();
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: " + PayloadPath(p, 0) + ": a symbolic link (only regular files are allowed)");
}

// Issue 13 item 6: names read before the signature check reach messages escaped: an escape
// sequence or a newline cannot paint a fake "OK" line, a NUL cannot cut the message.
TEST_F(HostileBundleTest, UntrustedNamesAreEscapedInMessages) {
  {
    BundleParts p = Parts();
    p.entries[0].path = std::string("manifest.json\n\x1b[2KOK: signature\0x", 31);
    ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                   "B: entry \"manifest.json\\x0a\\x1b[2KOK: signature\" where manifest.json must "
                   "be (not an rdbundle, or damaged)");
  }
  {
    BundleParts p = Parts();
    p.entries[0].path = "m\x1b]0;pwned\x07";
    p.entries[0].typeflag = '2';
    p.entries[0].linkname = "x";
    p.entries[0].data.clear();
    ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                   "B: \"m\\x1b]0;pwned\\x07\": a symbolic link (only regular files are allowed)");
  }
}

// Issue 13 item 9: libarchive applies a global header silently; format-spec 3.2 forbids it.
TEST_F(HostileBundleTest, GlobalPaxHeaderRejected) {
  for (std::size_t at : {std::size_t{0}, std::size_t{2}, std::size_t{3}}) {
    SCOPED_TRACE(at);
    BundleParts p = Parts();
    RawTarEntry g;
    g.path = "pax_global_header";
    g.typeflag = 'g';
    g.data = testsupport::PaxRecords({{"comment", "hello"}});
    p.entries.insert(p.entries.begin() + static_cast<long>(at), g);
    ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                   "B: a global pax header ('g'), which bundles must not carry (format-spec 3.2)");
  }
}

TEST_F(HostileBundleTest, PaxXattrsRejected) {
  BundleParts p = Parts();
  p.entries[2].pax = {{"SCHILY.xattr.security.capability", "x"}};
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: " + PayloadPath(p, 0) +
                     ": carries extended attributes or ACLs (only regular files are allowed)");
}

TEST_F(HostileBundleTest, PaxSparseRejected) {
  // GNU sparse 0.1: the map is in the pax header; a hole of 1000 bytes, then 2004 stored bytes.
  // (A map that covers the whole file is not sparse: libarchive reads it as a plain file.)
  BundleParts p = Parts();
  const std::size_t size = p.entries[3].data.size();
  p.entries[3].pax = {{"GNU.sparse.size", std::to_string(size)},
                      {"GNU.sparse.numblocks", "1"},
                      {"GNU.sparse.offset", "1000"},
                      {"GNU.sparse.numbytes", std::to_string(size - 1000)}};
  p.entries[3].data.resize(size - 1000);
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: " + PayloadPath(p, 1) + ": a sparse file (only regular files are allowed)");
}

TEST_F(HostileBundleTest, PaxSparse10WithoutMapRejected) {
  // GNU sparse 1.0: the map would be at the start of the data; here it is garbage.
  BundleParts p = Parts();
  p.entries[2].pax = {{"GNU.sparse.major", "1"}, {"GNU.sparse.minor", "0"},
                      {"GNU.sparse.name", p.entries[2].path},
                      {"GNU.sparse.realsize", "3004"}};
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: bad tar header: damaged or unsupported tar data");
}

// ---- signature ---------------------------------------------------------------------------

TEST_F(HostileBundleTest, ManifestBitFlip) {
  BundleParts p = Parts();
  p.entries[0].data[50] ^= 0x20;
  ExpectRejected(AssembleBundle(p), ErrorCode::kBadSignature,
                 "B: manifest.json.minisig: signature verification failed");
}

TEST_F(HostileBundleTest, SignatureBitFlip) {
  BundleParts p = Parts();
  const std::size_t line2 = p.entries[1].data.find('\n') + 20;
  p.entries[1].data[line2] = p.entries[1].data[line2] == 'A' ? 'B' : 'A';
  ExpectRejected(AssembleBundle(p), ErrorCode::kBadSignature,
                 "B: manifest.json.minisig: signature verification failed");
}

TEST_F(HostileBundleTest, WrongKey) {
  testsupport::TestKey other = testsupport::MakeTestKey();
  std::string bundle = AssembleBundle(MakeBundleParts(MakeKitFiles({}), other));
  ExpectRejected(bundle, ErrorCode::kUntrustedKey,
                 "B: manifest.json.minisig: signed by key " + KeyIdString(other.pub.key_id) +
                     ", which is not among the 1 trusted key(s)");
}

TEST_F(HostileBundleTest, TrustedCommentFromAnotherBundle) {
  BundleParts p = Parts();
  Manifest other = p.manifest;
  other.bundle_id = "ffffffffffffffffffffffffffffffff";
  p.entries[1].data = testsupport::SignManifestBytes(p.manifest_bytes, other,
                                                     DefaultTestKey().secret);
  ExpectRejected(AssembleBundle(p), ErrorCode::kBadSignature,
                 "B: manifest.json.minisig: trusted comment \"rdbundle-format:1 "
                 "bundle-id:ffffffffffffffffffffffffffffffff\" does not match the manifest "
                 "(expected \"rdbundle-format:1 bundle-id:0123456789abcdef0123456789abcdef\")");
}

TEST_F(HostileBundleTest, UnknownFormatVersion) {
  BundleParts p = Parts([](Manifest& m) { m.format_version = 3; });
  ExpectRejected(AssembleBundle(p), ErrorCode::kUnsupportedVersion,
                 "B: manifest.json: unsupported format version 3 (this rdbundle reads versions "
                 "1 to 2; upgrade rdbundle)");
}

// ---- signed but wrong: a valid signature does not make a bad manifest acceptable ----------

TEST_F(HostileBundleTest, SignedTraversalPath) {
  BundleParts p = Parts([](Manifest& m) { m.files[0].path = "cache/../../.bashrc"; });
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: manifest.json: path \"cache/../../.bashrc\": contains \".\" or \"..\"");
}

TEST_F(HostileBundleTest, SignedAbsolutePath) {
  BundleParts p = Parts([](Manifest& m) { m.files[0].path = "/etc/cron.d/x"; });
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: manifest.json: path \"/etc/cron.d/x\": absolute");
}

TEST_F(HostileBundleTest, SignedPathOutsideTheSchema) {
  BundleParts p = Parts([](Manifest& m) { m.files[0].path = "cache/autostart.sh"; });
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: manifest.json: path \"cache/autostart.sh\": not under cache/k3s/<version>/, "
                 "cache/k3s-versions.json, kuberlr/ or installers/");
}

TEST_F(HostileBundleTest, SignedManifestDisagreesWithStreamHash) {
  BundleParts p = Parts([](Manifest& m) { m.files[1].sha256 = std::string(64, 'b'); });
  ExpectRejected(AssembleBundle(p), ErrorCode::kHashMismatch,
                 "B: " + PayloadPath(p, 1) + ": sha256 mismatch (expected bbbbbbbbbbbb…, got " +
                     Sha256::HexOf(p.entries[3].data).substr(0, 12) + "…)");
}

TEST_F(HostileBundleTest, SignedManifestListsAFileTheStreamLacks) {
  BundleParts p = Parts();
  p.entries.erase(p.entries.begin() + 3);
  ExpectRejected(AssembleBundle(p), ErrorCode::kCorrupt,
                 "B: unexpected entry \"" + PayloadPath(p, 1) + "\" (expected " +
                     PayloadPath(Parts(), 1) + ")");
}

TEST_F(HostileBundleTest, SignedSumsFileThatRdWouldReject) {
  auto files = MakeKitFiles({});
  for (auto& f : files) {
    if (f.path.ends_with("sha256sum-amd64.txt")) f.content.replace(0, 4, "0000");
  }
  BundleParts p = MakeBundleParts(files, DefaultTestKey());
  const auto& images = p.manifest.files[2];
  ASSERT_TRUE(images.path.ends_with(".tar.zst")) << images.path;
  ExpectRejected(AssembleBundle(p), ErrorCode::kHashMismatch,
                 "B: cache/k3s/v1.30.4+k3s1/sha256sum-amd64.txt: line for "
                 "k3s-airgap-images-amd64.tar.zst (0000" + images.sha256.substr(4, 8) +
                     "…) does not match the bundled file (" + images.sha256.substr(0, 12) +
                     "…); Rancher Desktop would reject it");
}

TEST_F(HostileBundleTest, SignedVersionsJsonThatDisagrees) {
  auto files = MakeKitFiles({});
  for (auto& f : files) {
    if (f.path == kK3sVersionsBundlePath) {
      f.content = "{\"cacheVersion\":2,\"versions\":[\"v1.31.0+k3s1\"],\"channels\":{}}";
    }
  }
  ExpectRejected(AssembleBundle(MakeBundleParts(files, DefaultTestKey())), ErrorCode::kCorrupt,
                 "B: cache/k3s-versions.json: versions differ from the k3s versions in the "
                 "manifest");
}

// ---- every single-bit flip: rejected, or (ignored fields) the same installed tree ----------

TEST_F(HostileBundleTest, NoBitFlipChangesWhatGetsInstalled) {
  const BundleParts p = Parts();
  const std::string tar = BuildRawTar(p.entries);
  ASSERT_TRUE(Install(ZstdCompress(tar)).ok());
  const auto good = testsupport::SnapshotTree(home_);
  int rejected = 0, accepted = 0;
  for (std::size_t pos = 0; pos < tar.size(); pos += 97) {
    std::string bad = tar;
    bad[pos] ^= 0x04;
    Status s = Install(ZstdCompress(bad));
    if (s.ok()) {
      ++accepted;
    } else {
      ++rejected;
      EXPECT_NE(s.code(), ErrorCode::kInternal) << s.message();
    }
    // The install record changes (installedAt); every other file is the same.
    auto now = testsupport::SnapshotTree(home_);
    now.erase(".cache/rancher-desktop/rdbundle-installed.json");
    auto want = good;
    want.erase(".cache/rancher-desktop/rdbundle-installed.json");
    ASSERT_EQ(testsupport::DiffSnapshots(want, now), "") << "flip at " << pos;
  }
  EXPECT_GT(rejected, accepted);  // ignored fields (mtime, padding, comments) are the minority
}

}  // namespace
}  // namespace rdbundle::unpacker
