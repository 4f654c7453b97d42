#include "fuzz/bundle_recipe.h"

#include <sodium.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "common/format/hash.h"
#include "common/format/limits.h"
#include "common/format/manifest.h"
#include "common/format/version.h"
#include "common/rd/k3s_versions.h"
#include "common/signing/signing.h"
#include "fuzz/fixed_keys.h"
#include "fuzz/fuzz_util.h"
#include "tests/support/raw_tar.h"
#include "tests/support/test_bundle.h"
#include "unpacker/state.h"

namespace rdbundle::fuzz {
namespace {

using testsupport::RawTarEntry;
using testsupport::RawTarOptions;
using testsupport::TestFile;
using testsupport::TestKey;
using testsupport::ZstdOptions;

using namespace recipe;

struct Op {
  Kind kind;
  std::string args;
};

const char* const kVersionChoices[] = {"v1.30.4+k3s1", "v1.30.10+k3s2", "v1.31.0-rc1+k3s1",
                                       "v1.25.3+k3s1"};
struct KubectlChoice {
  const char* version;
  TargetOs os;
  Arch arch;
};
const KubectlChoice kKubectlChoices[] = {
    {"1.30.4", TargetOs::kLinux, Arch::kAmd64},   {"1.29.8", TargetOs::kLinux, Arch::kArm64},
    {"1.30.4", TargetOs::kDarwin, Arch::kArm64},  {"1.31.0", TargetOs::kDarwin, Arch::kAmd64},
    {"1.30.4", TargetOs::kWindows, Arch::kAmd64}, {"1.28.15", TargetOs::kWindows, Arch::kArm64},
    {"1.31.2", TargetOs::kLinux, Arch::kAmd64},   {"1.30.10", TargetOs::kLinux, Arch::kAmd64}};

// Paths a hostile manifest or tar entry might use.
const char* const kTrickyPaths[] = {
    "cache/k3s-versions.json", "cache/k3s/v1.30.4+k3s1/k3s", "cache/k3s/v1.30.4+k3s1/k3s-arm64",
    "cache/k3s/v1.30.4+k3s1/sha256sum-amd64.txt", "cache/k3s/v1.30.4+k3s1/sha256sum-arm64.txt",
    "cache/k3s/v1.30.4+k3s1/k3s-airgap-images-amd64.tar",
    "cache/k3s/v1.30.4+k3s1/k3s-airgap-images-amd64.tar.zst", "cache/k3s/V1.30.4+k3s1/k3s",
    "Cache/k3s-versions.json", "cache/K3s-versions.json", "kuberlr/linux-amd64/kubectl1.30.4",
    "kuberlr/Linux-amd64/kubectl1.30.4", "kuberlr/windows-amd64/kubectl1.30.4.exe",
    "kuberlr/windows-amd64/kubectl1.30.4", "kuberlr/linux-amd64/kubectl1.30.4.exe",
    "kuberlr/darwin-aarch64/kubectl1.30.4", "kuberlr/linux-amd64/kubectlv1.30.4",
    "kuberlr/linux-amd64/../../x", "../cache/k3s-versions.json", "/cache/k3s-versions.json",
    "cache//k3s-versions.json", "cache/./k3s-versions.json", "cache/k3s/v1.30.4+k3s1/k3s/",
    "cache/k3s/v1.30.4+k3s1/k3s\\x", "manifest.json", "manifest.json.minisig",
    "cache/k3s/v1.30.4+k3s1", "cache/k3s/..", "kuberlr/linux-amd64", "cache/rdbundle-installed.json",
    "cache/.rdbundle-staging-x/k3s", "kuberlr/linux-amd64/kubectl01.30.4",
    "cache/k3s/v1.30.04+k3s1/k3s", "cache/k3s/v1.30.4+k3s01/k3s", "cache/k3s/v1.30.4+k3s1/k3s.",
    "cache/k3s/v1.30.10+k3s2/k3s", "cache/k3s/v1.31.0-rc1+k3s1/k3s", "", "./manifest.json"};

const char* const kPaxKeys[] = {
    "path", "linkpath", "size", "mtime", "uid", "gid", "uname", "gname", "SCHILY.xattr.user.a",
    "LIBARCHIVE.xattr.user.a", "SCHILY.acl.access", "SCHILY.acl.default", "GNU.sparse.size",
    "GNU.sparse.map", "GNU.sparse.major", "GNU.sparse.minor", "GNU.sparse.name",
    "GNU.sparse.realsize", "GNU.sparse.numblocks", "GNU.sparse.offset", "GNU.sparse.numbytes",
    "SCHILY.filetype", "SCHILY.realsize", "SCHILY.dev", "SCHILY.ino", "SCHILY.nlink",
    "SCHILY.fflags", "hdrcharset", "charset", "comment", "atime", "ctime",
    "LIBARCHIVE.creationtime", "LIBARCHIVE.symlinktype", "SUN.holesdata", "SCHILY.acl.ace"};
const char* const kPaxValues[] = {"0", "1", "-1", "512", "4096", "99999999999999999999", "1.5",
                                  "../x", "/etc/passwd", "cache/k3s-versions.json", "", "dir",
                                  "symlink", "BINARY", "1.0", "0,512,1024,0", "user::rwx"};

struct Ctx {
  std::vector<TestFile> files;
  Manifest m;
  std::string manifest_bytes;
  std::string signature;
  std::vector<RawTarEntry> entries;
  RawTarOptions tar;
  std::string stream;
  InstallSetup setup;
};

std::size_t Index(FuzzInput& a, std::size_t n) { return n == 0 ? 0 : a.Byte() % n; }

std::optional<PayloadPath> Classify(const std::string& path) {
  auto p = ClassifyPayloadPath(path);
  if (!p.has_value()) return std::nullopt;
  return *p;
}

std::string PickPath(FuzzInput& a, const Ctx& c) {
  switch (a.Byte() % 4) {
    case 0: return a.Rest();
    case 1: return a.Pick(kTrickyPaths);
    case 2: return c.files.empty() ? std::string() : c.files[Index(a, c.files.size())].path;
    default: {
      std::string p = c.files.empty() ? std::string("cache/x") : c.files[Index(a, c.files.size())].path;
      if (!p.empty()) {
        char& ch = p[a.U16() % p.size()];
        ch = static_cast<char>(ch ^ 0x20);  // case flip (or a neighbouring byte)
      }
      return p;
    }
  }
}

// ---- 1. kit contents ---------------------------------------------------------------------

void FixSums(std::vector<TestFile>& files) {
  for (TestFile& sums : files) {
    auto p = Classify(sums.path);
    if (!p || p->role != FileRole::kK3sSums) continue;
    std::string text;
    for (int pass = 0; pass < 2; ++pass) {  // upstream order: images first, the binary last
      for (const TestFile& f : files) {
        auto q = Classify(f.path);
        if (!q || q->k3s_version != p->k3s_version || q->arch != p->arch) continue;
        if (q->role != (pass == 0 ? FileRole::kK3sImages : FileRole::kK3sBinary)) continue;
        text += Sha256::HexOf(f.content) + "  " + BaseName(f.path) + "\n";
      }
    }
    sums.content = text;
  }
}

void VersionsJson(FuzzInput& a, Ctx& c, const std::vector<std::string>& kit_versions) {
  const std::uint8_t flags = a.Byte();
  K3sVersionsFile vf;
  for (const auto& v : kit_versions) {
    if (!(flags & 1) || a.Bool()) vf.versions.push_back(v);
  }
  static const char* const kExtra[] = {"v1.29.0+k3s1", "v1.30.4+k3s2", "garbage", "v1.30.4+k3s1"};
  if (flags & 2) vf.versions.push_back(a.Pick(kExtra));
  static const char* const kNames[] = {"stable", "latest", "v1.30", "bad name!", "", "testing"};
  static const char* const kValues[] = {"1.30.4", "1.30.10", "1.31.0-rc1", "9.9.9", "v1.30.4"};
  for (int n = a.Byte() % 4; n > 0; --n) vf.channels[a.Pick(kNames)] = a.Pick(kValues);
  vf.cache_version = (flags & 4) ? 3 : 2;
  std::string text = SerializeK3sVersionsFile(vf);
  if (flags & 8) text.insert(1, "\"extra\": 1,");
  if (flags & 16) {
    if (auto pos = text.find("\"cacheVersion\": 2"); pos != std::string::npos) {
      text.insert(pos + 17, ".0");
    }
  }
  for (TestFile& f : c.files) {
    if (f.path == kK3sVersionsBundlePath) {
      f.content = text;
      return;
    }
  }
  if (flags & 32) c.files.push_back({std::string(kK3sVersionsBundlePath), text});
}

void ApplyContent(const Op& op, Ctx& c, const std::vector<std::string>& kit_versions) {
  FuzzInput a(reinterpret_cast<const std::uint8_t*>(op.args.data()), op.args.size());
  if (op.kind == kFixSums) return FixSums(c.files);
  if (op.kind == kVersionsJson) return VersionsJson(a, c, kit_versions);
  if (c.files.empty()) return;
  std::string& content = c.files[Index(a, c.files.size())].content;
  switch (op.kind) {
    case kContentSet:
      content = a.Rest();
      break;
    case kContentXor: {
      const std::size_t off = a.U16();
      const std::uint8_t x = a.Byte();
      if (!content.empty()) content[off % content.size()] ^= static_cast<char>(x ? x : 1);
      break;
    }
    case kContentResize: {
      // Now and then past the reader's 1 MiB chunk size, so entries straddle chunks.
      const std::uint8_t sel = a.Byte();
      const std::size_t n = sel < 224 ? a.U16() % 5000 : (1u << 20) - 2048 + a.U16() % 4096;
      content.resize(n, static_cast<char>(a.Byte()));
      break;
    }
    default:
      break;
  }
}

// ---- 2. manifest model ---------------------------------------------------------------------

void EditFile(FuzzInput& a, Ctx& c) {
  if (c.m.files.empty()) return;
  const std::size_t n = c.m.files.size();
  ManifestFile& f = c.m.files[Index(a, n)];
  switch (a.Byte() % 7) {
    case 0: {
      const std::uint64_t choices[] = {a.U32(), f.size + 1, f.size - 1, 0, kMaxFileBytes + 1,
                                       UINT64_MAX, kMaxSumsFileBytes + 1,
                                       static_cast<std::uint64_t>(a.U32()) << 32 | a.U32()};
      f.size = a.Pick(choices);
      break;
    }
    case 1:
      switch (a.Byte() % 4) {
        case 0: {
          char& ch = f.sha256[a.Byte() % 64];
          ch = ch == '0' ? '1' : '0';
          break;
        }
        case 1:
          std::transform(f.sha256.begin(), f.sha256.end(), f.sha256.begin(), ::toupper);
          break;
        case 2: f.sha256 = c.m.files[Index(a, n)].sha256; break;
        default: f.sha256 = a.Take(64);
      }
      break;
    case 2: f.mode = a.Bool() ? (f.mode == 0755 ? 0644 : 0755) : (a.U16() & 07777); break;
    case 3: f.role = static_cast<FileRole>(a.Byte() % 5); break;
    case 4: f.path = PickPath(a, c); break;
    case 5: {
      static const char* const kUrls[] = {
          "https://github.com/k3s-io/k3s/releases/download/v1.30.4%2Bk3s1/k3s", "http://x",
          "ftp://mirror/k3s", "https://", "https://a b", "file:///etc/passwd"};
      FileSource src;
      const std::uint8_t sel = a.Byte();
      src.url = sel < 200 ? a.Pick(kUrls) : sel < 230 ? "https://" + std::string(2100, 'a') : a.Bytes(128);
      const std::uint8_t sha = a.Byte() % 4;
      if (sha == 1) src.sha256 = f.sha256;
      if (sha == 2) src.sha256 = std::string(64, 'A');
      if (sha == 3) src.sha256 = a.Rest();
      f.source = src;
      break;
    }
    default: f.source.reset();
  }
}

void EditHeader(FuzzInput& a, Ctx& c) {
  Manifest& m = c.m;
  switch (a.Byte() % 5) {
    case 0: {
      const std::uint8_t sel = a.Byte() % 4;
      if (sel == 0) m.bundle_id = a.Rest();
      if (sel == 1) std::transform(m.bundle_id.begin(), m.bundle_id.end(), m.bundle_id.begin(), ::toupper);
      if (sel == 2 && !m.bundle_id.empty()) m.bundle_id.pop_back();  // emptied by an earlier edit
      if (sel == 3) m.bundle_id = std::string(32, 'f');
      break;
    }
    case 1: {
      static const char* const kTimes[] = {"2026-11-25T12:00:00Z", "2026-13-01T00:00:00Z",
                                           "2026-11-25T12:00:00+01:00", "2026-02-31T00:00:00Z",
                                           "0000-00-00T24:00:60Z", "2026-11-25 12:00:00Z"};
      m.created = a.Bool() ? std::string(a.Pick(kTimes)) : a.Rest();
      break;
    }
    case 2: m.generator = a.Bool() ? std::string(129, 'g') : a.Rest(); break;
    case 3: {
      const std::uint8_t sel = a.Byte() % 3;
      if (sel == 0) m.key_id = KeyIdString(OtherFuzzKey().pub.key_id);
      if (sel == 1) std::transform(m.key_id.begin(), m.key_id.end(), m.key_id.begin(), ::tolower);
      if (sel == 2) m.key_id = a.Rest();
      break;
    }
    default: {
      const int versions[] = {0, 3, -1, 1000, INT_MAX, 1, 2};
      m.format_version = a.Pick(versions);
    }
  }
}

void EditSummaries(FuzzInput& a, Ctx& c) {
  Manifest& m = c.m;
  switch (a.Byte() % 6) {
    case 0:
      if (!m.k3s_versions.empty()) m.k3s_versions.erase(m.k3s_versions.begin() + Index(a, m.k3s_versions.size()));
      break;
    case 1: m.k3s_versions.push_back(a.Bool() ? std::string(a.Pick(kVersionChoices)) : a.Bytes(64)); break;
    case 2: std::reverse(m.k3s_versions.begin(), m.k3s_versions.end()); break;
    case 3: {
      const std::uint8_t sel = a.Byte() % 4;
      if (sel == 0) m.k3s_arches.push_back(Arch::kArm64);
      if (sel == 1) m.k3s_arches.push_back(Arch::kAmd64);
      if (sel == 2) m.k3s_arches.clear();
      if (sel == 3) std::reverse(m.k3s_arches.begin(), m.k3s_arches.end());
      break;
    }
    case 4: {
      const std::uint8_t sel = a.Byte() % 3;
      if (sel == 0 && !m.kubectl.empty()) m.kubectl.erase(m.kubectl.begin() + Index(a, m.kubectl.size()));
      if (sel == 1) {
        const KubectlChoice& k = a.Pick(kKubectlChoices);
        m.kubectl.push_back({k.version, k.os, k.arch});
      }
      if (sel == 2) std::reverse(m.kubectl.begin(), m.kubectl.end());
      break;
    }
    default: (void)FillManifestSummaries(m);
  }
}

void EditFileList(FuzzInput& a, Ctx& c) {
  auto& files = c.m.files;
  const std::size_t n = files.size();
  switch (a.Byte() % 6) {
    case 0:
      if (n > 1) std::swap(files[Index(a, n)], files[Index(a, n)]);
      break;
    case 1:
      if (n > 0) {
        const std::size_t i = Index(a, n);
        files.insert(files.begin() + i, files[i]);
      }
      break;
    case 2:
      if (n > 0) files.erase(files.begin() + Index(a, n));
      break;
    case 3: {
      ManifestFile f;
      f.path = PickPath(a, c);
      f.size = a.U16() % 64;
      f.sha256 = Sha256::HexOf(std::string(f.size, '\0'));
      f.role = static_cast<FileRole>(a.Byte() % 5);
      f.mode = ModeForRole(f.role);
      files.insert(files.begin() + (n == 0 ? 0 : Index(a, n + 1)), f);
      break;
    }
    case 4:
      std::sort(files.begin(), files.end(), [](const auto& x, const auto& y) { return x.path < y.path; });
      break;
    default: std::reverse(files.begin(), files.end());
  }
}

// ---- 3./4. manifest bytes and signature ------------------------------------------------------

void EditBytes(FuzzInput& a, std::string& s) {
  const std::uint8_t sel = a.Byte() % 4;
  const std::size_t off = s.empty() ? 0 : a.U16() % (s.size() + 1);
  switch (sel) {
    case 0: {
      const std::string r = a.Rest();
      s.replace(off, r.size(), r);
      break;
    }
    case 1: s.insert(off, a.Rest()); break;
    case 2: s.erase(off, a.Byte() + 1u); break;
    default: s += a.Rest();
  }
}

struct SigPlan {
  const TestKey* key = nullptr;
  std::string trusted, untrusted = "rdbundle manifest signature";
  bool legacy = false;
  std::optional<std::string> signed_bytes;
  std::vector<Op> raw;  // edits of the finished file
};

std::string MakeSignature(const SigPlan& plan, const std::string& message) {
  if (!plan.legacy) {
    auto sig = Sign(plan.key->secret, message, plan.trusted, plan.untrusted);
    if (!sig.has_value()) throw std::runtime_error("cannot sign: " + sig.error().message());
    return SerializeSignatureFile(*sig);
  }
  if (!CheckTrustedComment(plan.trusted).ok() || !CheckUntrustedComment(plan.untrusted).ok()) {
    throw std::runtime_error("comment");
  }
  Signature s;  // legacy "Ed": Ed25519 over the message itself
  s.alg = {'E', 'd'};
  s.key_id = plan.key->secret.key_id();
  s.untrusted_comment = plan.untrusted;
  s.trusted_comment = plan.trusted;
  const std::uint8_t* sk = plan.key->secret.secret_bytes().data();
  crypto_sign_detached(s.sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), sk);
  std::string global(reinterpret_cast<const char*>(s.sig.data()), s.sig.size());
  global += s.trusted_comment;
  crypto_sign_detached(s.global_sig.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(global.data()), global.size(), sk);
  return SerializeSignatureFile(s);
}

void PlanSignature(FuzzInput& a, SigPlan& plan, const Op& op) {
  switch (a.Byte() % 6) {
    case 0: plan.trusted = a.Rest(); break;
    case 1: plan.key = &OtherFuzzKey(); break;
    case 2: plan.legacy = true; break;
    case 3: plan.signed_bytes = a.Rest(); break;
    case 4: plan.untrusted = a.Rest(); break;
    default: plan.raw.push_back({op.kind, a.Rest()});
  }
}

// ---- 5. tar ------------------------------------------------------------------------------

void EditTar(const Op& op, FuzzInput& a, Ctx& c) {
  auto& e = c.entries;
  const std::size_t n = e.size();
  if (op.kind == kTarEnd) {
    c.tar.end_zero_blocks = a.Byte() % 5;
    c.tar.pad_to_record = a.Bool();
    switch (a.Byte() % 4) {
      case 1: c.tar.after_end = std::string(a.U16() * 2u % 70000, '\0'); break;
      case 2: c.tar.after_end = a.Rest(); break;
      case 3: c.tar.after_end = std::string(a.U16(), '\0') + "\x01"; break;
      default: break;
    }
    return;
  }
  if (n == 0) return;
  RawTarEntry& t = e[Index(a, n)];
  switch (op.kind) {
    case kEntryType: {
      static const char kTypes[] = {'0', '1', '2', '3', '4', '5', '6', '7', 'x', 'g', 'L', 'K', 'S',
                                    'V', 'M', 'A', 'D', 'N', '\0'};
      const std::uint8_t sel = a.Byte();
      t.typeflag = sel < 200 ? kTypes[sel % sizeof kTypes] : static_cast<char>(a.Byte());
      if (a.Bool()) t.linkname = a.Take(100);
      break;
    }
    case kEntryHeaderSize: {
      const std::uint64_t size = t.data.size();
      const std::uint64_t choices[] = {size + 1, size - 1, a.U32(), (1ull << 33) + a.U16(), 0,
                                       size + 512, size - 512};
      t.header_size = a.Pick(choices);
      break;
    }
    case kEntryPax: {
      std::string key = a.Byte() < 200 ? std::string(a.Pick(kPaxKeys)) : a.Bytes(64);
      const std::uint8_t sel = a.Byte();
      std::string value;
      if (sel < 150) {
        value = a.Pick(kPaxValues);
      } else if (sel < 170) {
        value = t.path;
      } else if (sel < 190) {
        value = e[Index(a, n)].path;
      } else if (sel < 200) {
        value = std::to_string(t.data.size() + a.Byte());
      } else {
        value = a.Rest();
      }
      t.pax.emplace_back(std::move(key), std::move(value));
      break;
    }
    case kEntryFlags: {
      const std::uint8_t flags = a.Byte();
      t.gnu_magic = flags & 1;
      t.bad_checksum = flags & 2;
      if (flags & 4) t.mode = a.U16();
      break;
    }
    case kEntryData:
      switch (a.Byte() % 4) {
        case 0: {
          const std::size_t off = a.U16();
          if (!t.data.empty()) t.data[off % t.data.size()] ^= static_cast<char>(a.Byte() | 1);
          break;
        }
        case 1: t.data.resize(t.data.empty() ? 0 : a.U16() % t.data.size()); break;
        case 2: t.data += a.Rest(); break;
        default: t.data = a.Rest();
      }
      break;
    case kEntryList:
      switch (a.Byte() % 6) {
        case 0: std::swap(e[Index(a, n)], e[Index(a, n)]); break;
        case 1: {
          const std::size_t i = Index(a, n);
          e.insert(e.begin() + i, e[i]);
          break;
        }
        case 2: e.erase(e.begin() + Index(a, n)); break;
        case 3: {
          RawTarEntry fresh{PickPath(a, c), ""};
          fresh.data = a.Rest();
          e.insert(e.begin() + Index(a, n + 1), fresh);
          break;
        }
        case 4: t.path = PickPath(a, c); break;
        default: {  // payload entries exactly as the (edited) manifest lists them
          e.resize(std::min<std::size_t>(n, 2));
          for (const ManifestFile& f : c.m.files) {
            RawTarEntry entry{f.path, ""};
            for (const TestFile& tf : c.files) {
              if (tf.path == f.path) entry.data = tf.content;
            }
            entry.mode = f.mode;
            e.push_back(std::move(entry));
          }
        }
      }
      break;
    default:
      break;
  }
}

// ---- 6. zstd -----------------------------------------------------------------------------

std::string Compress(const std::string& tar, const std::vector<Op>& ops) {
  ZstdOptions zo;
  bool raw = false;
  int raw_window = 17;
  std::optional<std::size_t> split;
  for (const Op& op : ops) {
    if (op.kind != kZstdOptions) continue;
    FuzzInput a(reinterpret_cast<const std::uint8_t*>(op.args.data()), op.args.size());
    static const int kLevels[] = {1, 2, 3, 3, 5, 9, -1, -7};
    static const int kWindows[] = {0, 0, 10, 15, 20, 27};
    static const int kRawWindows[] = {10, 17, 20, 27, 28, 30, 31};
    zo.level = a.Pick(kLevels);
    zo.window_log = a.Pick(kWindows);
    zo.pledge_size = a.Bool();
    raw = a.Byte() % 4 == 0;
    raw_window = a.Pick(kRawWindows);
    if (a.Bool()) split = a.U32() % (tar.size() + 1);
  }
  if (raw) return testsupport::ZstdRawFrame(tar, raw_window);
  if (split) {
    return testsupport::ZstdCompress(std::string_view(tar).substr(0, *split), zo) +
           testsupport::ZstdCompress(std::string_view(tar).substr(*split), zo);
  }
  return testsupport::ZstdCompress(tar, zo);
}

void EditStream(FuzzInput& a, std::string& s) {
  switch (a.Byte() % 6) {
    case 0: s += a.Rest(); break;
    case 1: {  // skippable frame
      const std::string data = a.Bytes(255);
      s += static_cast<char>(0x50 + (a.Byte() & 0xf));
      s += "\x2a\x4d\x18";
      for (int i = 0; i < 4; ++i) s += static_cast<char>((data.size() >> (8 * i)) & 0xff);
      s += data;
      break;
    }
    case 2: s.resize(s.size() - std::min<std::size_t>(s.size(), a.U16() % 64 + 1)); break;
    case 3:
      if (!s.empty()) s[a.U16() % s.size()] ^= static_cast<char>(a.Byte() | 1);
      break;
    case 4: s += testsupport::ZstdCompress(std::string(a.U16() * 2u, '\0')); break;
    default: s += testsupport::ZstdRawFrame("", 10);
  }
}

// ---- 7. destination before the install -----------------------------------------------------

std::optional<std::string> FinalPath(const InstallSetup& s, const std::string& path) {
  auto p = Classify(path);
  if (!p) return std::nullopt;
  return JoinPath(p->dest == Destination::kCache ? s.cache_dir : s.kuberlr_dir, p->relative);
}

using Action = std::function<void(MemFs&, unpacker::InstallState&)>;

void PlanPreexisting(FuzzInput& a, const Ctx& c, std::vector<Action>& actions) {
  const InstallSetup& s = c.setup;
  const std::string versions = JoinPath(s.cache_dir, "k3s-versions.json");
  const std::string state = JoinPath(s.cache_dir, std::string(unpacker::kStateFileName));
  const ManifestFile* f = c.m.files.empty() ? nullptr : &c.m.files[Index(a, c.m.files.size())];
  const std::optional<std::string> fp = f ? FinalPath(s, f->path) : std::nullopt;
  switch (a.Byte() % 8) {
    case 0:
      actions.push_back([versions, text = a.Rest()](MemFs& fs, auto&) { fs.PutFile(versions, text); });
      break;
    case 1: {
      static const char* const kOld[] = {"v1.29.0+k3s1", "v1.30.4+k3s1", "v1.30.4+k3s2", "not-semver",
                                         "v1.31.0-rc1+k3s1"};
      K3sVersionsFile vf;
      for (int n = a.Byte() % 4; n > 0; --n) vf.versions.push_back(a.Pick(kOld));
      static const char* const kValues[] = {"1.29.0", "1.30.4", "0.0.1"};
      if (a.Bool()) vf.channels["stable"] = a.Pick(kValues);
      if (a.Bool()) vf.channels["custom"] = a.Pick(kValues);
      actions.push_back([versions, text = SerializeK3sVersionsFile(vf)](MemFs& fs, auto&) {
        fs.PutFile(versions, text);
      });
      break;
    }
    case 2:
      actions.push_back([state, text = a.Rest()](MemFs& fs, auto&) { fs.PutFile(state, text); });
      break;
    case 3: {  // a file already there, and (usually) an install record saying so
      if (!fp) break;
      std::string content = a.Bool() ? a.Rest() : std::string();
      for (const TestFile& t : c.files) {
        if (t.path == f->path && content.empty()) content = t.content;
      }
      const bool record = a.Byte() % 4 != 0, lie = a.Byte() % 8 == 0;
      const std::string bundle_id = c.m.bundle_id;
      actions.push_back([=, mode = f->mode, sha = f->sha256](MemFs& fs, unpacker::InstallState& st) {
        fs.PutFile(*fp, content, mode);
        if (!record) return;
        const auto* node = fs.Find(*fp);
        st.files[*fp] = {lie ? sha : Sha256::HexOf(content), content.size(), node->file->mtime_ns,
                         node->file->ino, bundle_id};
        st.installs.push_back({bundle_id, "", "", "", "", "", 0, 0});
      });
      break;
    }
    case 4: {  // a file where a directory must go
      if (!fp) break;
      std::string where = DirName(*fp);
      for (int up = a.Byte() % 4; up > 0; --up) where = DirName(where);
      actions.push_back([where](MemFs& fs, auto&) { fs.PutFile(where, "not a directory"); });
      break;
    }
    case 5: {  // leftovers of an interrupted run
      const std::string root = a.Bool() ? s.cache_dir : s.kuberlr_dir;
      actions.push_back([root](MemFs& fs, auto&) {
        fs.PutFile(JoinPath(root, ".rdbundle-staging-0123456789ab/k3s/v1/k3s"), "junk");
        fs.PutFile(JoinPath(root, ".rdbundle-tmp-0123456789ab"), "junk");
      });
      break;
    }
    case 6:
      if (fp) actions.push_back([fp](MemFs& fs, auto&) { fs.PutDir(*fp); });
      break;
    default:
      if (fp) {
        actions.push_back([dir = DirName(*fp), text = a.Rest()](MemFs& fs, auto&) {
          fs.PutFile(JoinPath(dir, "other-file"), text);
        });
      }
  }
}

InstallSetup SetupFrom(const std::uint8_t h[8]) {
  InstallSetup s;
  s.os = static_cast<TargetOs>(h[4] % 3);
  s.arch = (h[4] & 4) ? Arch::kArm64 : Arch::kAmd64;
  s.all_platforms = h[4] & 8;
  s.force = h[4] & 16;
  s.dry_run = h[4] & 32;
  // The prefetch thread allocates several 1 MiB buffers per run: only now and then.
  s.prefetch_depth = (h[4] & 64) && h[3] % 4 == 0 ? 3 : 0;
  static const std::size_t kReads[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 511, 512, 4096, 65536, 131073};
  s.max_read = kReads[h[5] & 15];
  if (h[4] & 128) {  // unusual but legal destinations
    switch ((h[5] >> 4) % 5) {
      case 0: s.cache_dir = "/fz/home/.cache/rancher-desktop/"; s.kuberlr_dir = "/fz/home/.kuberlr/"; break;
      case 1: s.cache_dir = s.kuberlr_dir = "/fz/shared"; break;
      case 2: s.cache_dir = "/fz/home/c"; s.kuberlr_dir = "/fz/home/c/kuberlr"; break;
      case 3: s.cache_dir = "/fz/h\xffme/cache"; s.kuberlr_dir = "/fz/h\xffme/.kuberlr"; break;
      default: s.cache_dir = "fz/relative/cache"; s.kuberlr_dir = "fz/relative/kuberlr"; break;
    }
  }
  if (h[0] & 128) s.fail_at = h[6] + 1;
  if (h[7] < 16) s.free_bytes = (4u << 20) + h[7] * 1024u;
  return s;
}

}  // namespace

bool BuildRecipe(const std::uint8_t* data, std::size_t size, BuiltRecipe* out) {
  FuzzInput in(data, size);
  std::uint8_t h[8];
  for (auto& b : h) b = in.Byte();
  std::vector<Op> ops;
  while (!in.empty()) {
    const Kind kind = static_cast<Kind>(in.Byte() % kNumKinds);
    std::size_t len = in.Byte();
    if (len == 255) len = in.U16();
    ops.push_back({kind, in.Take(len)});
  }
  try {
    Ctx c;
    testsupport::KitSpec spec;
    spec.versions.clear();
    for (int i = 0; i < 4; ++i) {
      if (h[0] & (1 << i)) spec.versions.push_back(kVersionChoices[i]);
    }
    const int arches = (h[0] >> 4) & 3;
    spec.arches = arches == 0 ? std::vector<Arch>{Arch::kAmd64}
                              : arches == 1 ? std::vector<Arch>{Arch::kArm64}
                                            : std::vector<Arch>{Arch::kAmd64, Arch::kArm64};
    spec.kubectls.clear();
    for (int i = 0; i < 8; ++i) {
      if (h[1] & (1 << i)) {
        spec.kubectls.push_back({kKubectlChoices[i].version, kKubectlChoices[i].os, kKubectlChoices[i].arch});
      }
    }
    if (spec.versions.empty() && spec.kubectls.empty()) {
      spec.kubectls.push_back({kKubectlChoices[0].version, kKubectlChoices[0].os, kKubectlChoices[0].arch});
    }
    spec.file_bytes = h[2] * 4u;
    spec.seed = h[3] + 1u;
    c.files = testsupport::MakeKitFiles(spec);
    c.setup = SetupFrom(h);

    for (const Op& op : ops) {
      if (op.kind <= kVersionsJson) ApplyContent(op, c, spec.versions);
    }
    std::sort(c.files.begin(), c.files.end(), [](const auto& x, const auto& y) { return x.path < y.path; });
    c.m = testsupport::MakeManifest(c.files, FuzzKey().pub);
    for (const Op& op : ops) {
      FuzzInput a(reinterpret_cast<const std::uint8_t*>(op.args.data()), op.args.size());
      if (op.kind == kFileField) EditFile(a, c);
      if (op.kind == kHeaderField) EditHeader(a, c);
      if (op.kind == kSummaries) EditSummaries(a, c);
      if (op.kind == kFileList) EditFileList(a, c);
    }
    c.manifest_bytes = SerializeManifest(c.m);  // throws on invalid UTF-8 in a string
    SigPlan sig;
    sig.key = &FuzzKey();
    sig.trusted = ManifestTrustedComment(c.m);
    for (const Op& op : ops) {
      FuzzInput a(reinterpret_cast<const std::uint8_t*>(op.args.data()), op.args.size());
      if (op.kind == kManifestBytes) EditBytes(a, c.manifest_bytes);
      if (op.kind == kSignature) PlanSignature(a, sig, op);
    }
    c.signature = MakeSignature(sig, sig.signed_bytes.value_or(c.manifest_bytes));
    for (const Op& op : sig.raw) {
      FuzzInput a(reinterpret_cast<const std::uint8_t*>(op.args.data()), op.args.size());
      EditBytes(a, c.signature);
    }

    c.entries.push_back({"manifest.json", c.manifest_bytes});
    c.entries.push_back({"manifest.json.minisig", c.signature});
    for (const TestFile& f : c.files) {
      RawTarEntry e{f.path, f.content};
      auto p = Classify(f.path);
      e.mode = ModeForRole(p ? p->role : FileRole::kK3sImages);
      c.entries.push_back(std::move(e));
    }
    for (const Op& op : ops) {
      FuzzInput a(reinterpret_cast<const std::uint8_t*>(op.args.data()), op.args.size());
      if (op.kind >= kEntryType && op.kind <= kTarEnd) EditTar(op, a, c);
    }
    const std::string tar = testsupport::BuildRawTar(c.entries, c.tar);  // throws on long paths
    c.stream = Compress(tar, ops);
    std::vector<Action> actions;
    for (const Op& op : ops) {
      FuzzInput a(reinterpret_cast<const std::uint8_t*>(op.args.data()), op.args.size());
      if (op.kind == kStreamBytes) EditStream(a, c.stream);
      if (op.kind == kPreexisting) PlanPreexisting(a, c, actions);
    }

    out->bundle = std::move(c.stream);
    out->setup = c.setup;
    out->second_run = h[0] & 64;
    out->standard_paths = !(h[4] & 128);
    out->preexisting = !actions.empty();
    const std::string state_path = JoinPath(c.setup.cache_dir, std::string(unpacker::kStateFileName));
    out->populate = [actions = std::move(actions), state_path](MemFs& fs) {
      unpacker::InstallState records;
      for (const Action& act : actions) act(fs, records);
      if (records.files.empty()) return;
      try {
        fs.PutFile(state_path, unpacker::SerializeInstallState(records));
      } catch (const std::exception&) {  // a non-UTF-8 destination path: no record then
      }
    };
    return true;
  } catch (const std::exception&) {
    return false;  // not encodable (a path ustar cannot hold, a comment Sign refuses, ...)
  }
}

}  // namespace rdbundle::fuzz
