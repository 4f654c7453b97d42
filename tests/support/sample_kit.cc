#include "tests/support/sample_kit.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "common/cli/cli.h"
#include "common/format/hash.h"
#include "common/format/version.h"
#include "common/rd/k3s_versions.h"

namespace rdbundle::testsupport {
namespace {

constexpr std::size_t kChunk = 1u << 20;

// xoshiro256** seeded through splitmix64: fast, and the same on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9e3779b97f4a7c15ull;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
  }
  std::uint64_t Next() {
    const std::uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

 private:
  static std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> s_{};
};

// Executable-like filler, built from 64-byte segments: some random (code and data zstd cannot
// shrink), some from a 16-symbol alphabet (entropy-coded to about half), most repeats of a
// small set of segments (string tables, padding, repeated instruction sequences). The mix
// gives about 40% at zstd -3.
class Filler {
 public:
  static constexpr std::size_t kSegment = 64;
  explicit Filler(std::uint64_t seed) : rng_(seed) {
    for (auto& seg : dict_) Random(seg.data());
  }
  void Fill(std::uint8_t* out, std::size_t n) {
    while (n > 0) {
      std::uint8_t seg[kSegment];
      const std::uint64_t r = rng_.Next() % 100;
      if (r < 17) {
        Random(seg);
      } else if (r < 47) {
        LowEntropy(seg);
      } else {
        std::memcpy(seg, dict_[rng_.Next() % dict_.size()].data(), kSegment);
      }
      const std::size_t take = std::min(n, kSegment);
      std::memcpy(out, seg, take);
      out += take;
      n -= take;
    }
  }
  void Random(std::uint8_t* out) {
    for (std::size_t i = 0; i < kSegment; i += 8) {
      const std::uint64_t v = rng_.Next();
      std::memcpy(out + i, &v, 8);
    }
  }

 private:
  void LowEntropy(std::uint8_t* out) {
    static constexpr std::uint8_t kAlphabet[16] = {0x00, 0x48, 0x89, 0x8b, 0xe8, 0x0f, 0x24, 0x44,
                                                   0x4c, 0xc3, 0xff, 0x10, 0x20, 0x01, 0x74, 0x85};
    for (std::size_t i = 0; i < kSegment; i += 16) {
      std::uint64_t v = rng_.Next();
      for (std::size_t j = 0; j < 16; ++j, v >>= 4) out[i + j] = kAlphabet[v & 15];
    }
  }
  Rng rng_;
  std::array<std::array<std::uint8_t, kSegment>, 256> dict_{};
};

void PutLe16(std::string& s, std::size_t off, std::uint16_t v) {
  s[off] = static_cast<char>(v & 0xff);
  s[off + 1] = static_cast<char>(v >> 8);
}
void PutLe32(std::string& s, std::size_t off, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void PutLe64(std::string& s, std::size_t off, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::string ElfHeader(Arch arch) {
  std::string h(64, '\0');
  std::memcpy(h.data(), "\x7f" "ELF\x02\x01\x01", 7);  // 64-bit, little-endian, version 1
  PutLe16(h, 16, 2);                                        // ET_EXEC
  PutLe16(h, 18, arch == Arch::kAmd64 ? 62 : 183);          // EM_X86_64 / EM_AARCH64
  PutLe32(h, 20, 1);                                        // EV_CURRENT
  PutLe64(h, 24, 0x401000);                                 // e_entry
  PutLe64(h, 32, 64);                                       // e_phoff
  PutLe16(h, 52, 64);                                       // e_ehsize
  PutLe16(h, 54, 56);                                       // e_phentsize
  PutLe16(h, 58, 64);                                       // e_shentsize
  return h;
}

std::string MachOHeader(Arch arch) {
  std::string h(32, '\0');
  PutLe32(h, 0, 0xfeedfacf);                                   // MH_MAGIC_64
  PutLe32(h, 4, arch == Arch::kAmd64 ? 0x01000007 : 0x0100000c);  // CPU_TYPE_X86_64 / ARM64
  PutLe32(h, 8, arch == Arch::kAmd64 ? 3 : 0);                 // CPU_SUBTYPE_*_ALL
  PutLe32(h, 12, 2);                                           // MH_EXECUTE
  PutLe32(h, 24, 0x00200085);                                  // NOUNDEFS|DYLDLINK|TWOLEVEL|PIE
  return h;
}

std::string PeHeader(Arch arch) {
  constexpr std::size_t kLfanew = 0x80, kOptional = 0xf0;
  std::string h(kLfanew + 24 + kOptional, '\0');
  h[0] = 'M';
  h[1] = 'Z';
  PutLe32(h, 0x3c, kLfanew);
  const char* stub = "This program cannot be run in DOS mode.";
  std::memcpy(h.data() + 0x4e, stub, std::strlen(stub));
  std::memcpy(h.data() + kLfanew, "PE\0\0", 4);
  PutLe16(h, kLfanew + 4, arch == Arch::kAmd64 ? 0x8664 : 0xaa64);  // Machine
  PutLe16(h, kLfanew + 20, kOptional);                              // SizeOfOptionalHeader
  PutLe16(h, kLfanew + 22, 0x0022);  // EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE
  PutLe16(h, kLfanew + 24, 0x20b);   // PE32+
  return h;
}

std::uint64_t SeedFor(const SampleKitSpec& spec, const std::string& name) {
  std::uint64_t h = spec.seed * 0x100000001b3ull;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// Writes `size` bytes: `header` first (cut to `size`), then generated content. Returns the
// SHA-256 of what was written.
Result<std::string> WriteGenerated(Fs& fs, const std::string& path, const std::string& header,
                                   SampleContent kind, std::uint64_t size, std::uint64_t seed,
                                   std::uint32_t mode) {
  RDB_RETURN_IF_ERROR(MakeDirs(fs, DirName(path), nullptr));
  if (auto info = fs.Stat(path); info.has_value()) RDB_RETURN_IF_ERROR(fs.RemoveFile(path));
  RDB_ASSIGN_OR_RETURN(auto file, fs.CreateNew(path, mode));
  Sha256 sha;
  auto sink = [&](const void* p, std::size_t n) -> Status {
    sha.Update(p, n);
    return file->Append(p, n);
  };
  const std::size_t head = static_cast<std::size_t>(std::min<std::uint64_t>(header.size(), size));
  RDB_RETURN_IF_ERROR(sink(header.data(), head));
  RDB_RETURN_IF_ERROR(GenerateSampleContent(kind, size - head, seed, sink));
  RDB_RETURN_IF_ERROR(file->SetMode(mode));
  RDB_RETURN_IF_ERROR(file->Close());
  return sha.FinishHex();
}

std::string FakeDigest(const SampleKitSpec& spec, const std::string& name) {
  return Sha256::HexOf("fake digest " + std::to_string(spec.seed) + " " + name);
}

// The upstream sha256sum-<arch>.txt of one version, with real lines for the files present.
std::string SumsFile(const SampleKitSpec& spec, const std::string& version, Arch arch,
                     const std::string& images_name, const std::string& images_sha,
                     const std::string& binary_sha) {
  const std::string a(ArchName(arch));
  std::string out;
  for (const std::string ext : {".tar.gz", ".tar", ".tar.zst"}) {
    const std::string name = "k3s-airgap-images-" + a + ext;
    out += (name == images_name ? images_sha : FakeDigest(spec, version + name)) + "  " + name + "\n";
  }
  out += FakeDigest(spec, version + "k3s-images.txt") + "  k3s-images.txt\n";
  out += binary_sha + "  " + K3sBinaryName(arch) + "\n";
  return out;
}

Status WriteText(Fs& fs, const std::string& path, const std::string& text) {
  RDB_RETURN_IF_ERROR(MakeDirs(fs, DirName(path), nullptr));
  return WriteFileAtomic(fs, path, text, 0644);
}

Status WriteVersion(Fs& fs, const std::string& cache_dir, const SampleKitSpec& spec,
                    const std::string& version) {
  const std::string dir = JoinPath(JoinPath(cache_dir, "k3s"), version);
  for (Arch arch : spec.arches) {
    const std::string bin = K3sBinaryName(arch);
    const std::string images = K3sImagesNames(arch)[spec.images_zst ? 0 : 1];
    RDB_ASSIGN_OR_RETURN(std::string bin_sha,
                         WriteGenerated(fs, JoinPath(dir, bin), ElfHeader(arch),
                                        SampleContent::kCompressible, spec.binary_bytes,
                                        SeedFor(spec, version + bin), 0755));
    RDB_ASSIGN_OR_RETURN(std::string images_sha,
                         WriteGenerated(fs, JoinPath(dir, images), "",
                                        SampleContent::kIncompressible, spec.images_bytes,
                                        SeedFor(spec, version + images), 0644));
    RDB_RETURN_IF_ERROR(WriteText(fs, JoinPath(dir, K3sSumsName(arch)),
                                  SumsFile(spec, version, arch, images, images_sha, bin_sha)));
  }
  return Status::Ok();
}

Status WriteVersionsJson(Fs& fs, const std::string& cache_dir, const SampleKitSpec& spec) {
  K3sVersionsFile file;
  std::vector<K3sVersion> parsed;
  std::vector<std::string> all = spec.k3s_versions;
  all.insert(all.end(), spec.extra_listed_versions.begin(), spec.extra_listed_versions.end());
  for (const std::string& v : all) {
    auto p = ParseK3sVersion(v);
    if (!p.has_value()) return Status::Usage("sample kit: " + p.error().message());
    parsed.push_back(*p);
    file.versions.push_back(v);
  }
  file.channels = DeriveChannels(parsed);
  return WriteText(fs, JoinPath(cache_dir, "k3s-versions.json"), SerializeK3sVersionsFile(file));
}

}  // namespace

SampleKitSpec SampleKitSpec::K3sOnly() {
  SampleKitSpec s;
  s.kubectls.clear();
  return s;
}

SampleKitSpec SampleKitSpec::KuberlrOnly() {
  SampleKitSpec s;
  s.k3s_versions.clear();
  return s;
}

std::string SampleExecutableHeader(TargetOs os, Arch arch) {
  switch (os) {
    case TargetOs::kLinux:
      return ElfHeader(arch);
    case TargetOs::kDarwin:
      return MachOHeader(arch);
    case TargetOs::kWindows:
      return PeHeader(arch);
  }
  return "";
}

Status GenerateSampleContent(SampleContent kind, std::uint64_t size, std::uint64_t seed,
                             const std::function<Status(const void*, std::size_t)>& sink) {
  std::vector<std::uint8_t> buf(kChunk);
  Filler filler(seed);
  while (size > 0) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(size, kChunk));
    if (kind == SampleContent::kCompressible) {
      filler.Fill(buf.data(), n);
    } else {
      for (std::size_t i = 0; i < n; i += Filler::kSegment) {
        std::uint8_t seg[Filler::kSegment];
        filler.Random(seg);
        std::memcpy(buf.data() + i, seg, std::min(Filler::kSegment, n - i));
      }
    }
    RDB_RETURN_IF_ERROR(sink(buf.data(), n));
    size -= n;
  }
  return Status::Ok();
}

Status WriteSampleKitTo(Fs& fs, const std::string& cache_dir, const std::string& kuberlr_dir,
                        const SampleKitSpec& spec) {
  for (const std::string& v : spec.k3s_versions) {
    if (auto p = ParseK3sVersion(v); !p.has_value()) {
      return Status::Usage("sample kit: " + p.error().message());
    }
    RDB_RETURN_IF_ERROR(WriteVersion(fs, cache_dir, spec, v));
  }
  if (spec.versions_json && !spec.k3s_versions.empty()) {
    RDB_RETURN_IF_ERROR(WriteVersionsJson(fs, cache_dir, spec));
  }
  for (const SampleKubectl& k : spec.kubectls) {
    const std::string dir = JoinPath(kuberlr_dir, KuberlrPlatformDir(k.os, k.arch));
    const std::string name = KubectlFileName(k.version, k.os);
    RDB_ASSIGN_OR_RETURN(std::string sha,
                         WriteGenerated(fs, JoinPath(dir, name), SampleExecutableHeader(k.os, k.arch),
                                        SampleContent::kCompressible, spec.kubectl_bytes,
                                        SeedFor(spec, dir + name), 0755));
    (void)sha;
  }
  return Status::Ok();
}

Status WriteSampleKit(Fs& fs, const std::string& dir, const SampleKitSpec& spec) {
  return WriteSampleKitTo(fs, JoinPath(dir, "cache"), JoinPath(dir, "kuberlr"), spec);
}

std::vector<std::string> SampleKitBundlePaths(const SampleKitSpec& spec) {
  std::vector<std::string> out;
  for (const std::string& v : spec.k3s_versions) {
    for (Arch arch : spec.arches) {
      out.push_back(K3sBundlePath(v, K3sBinaryName(arch)));
      out.push_back(K3sBundlePath(v, K3sSumsName(arch)));
      out.push_back(K3sBundlePath(v, K3sImagesNames(arch)[spec.images_zst ? 0 : 1]));
    }
  }
  if (!spec.k3s_versions.empty()) out.emplace_back(kK3sVersionsBundlePath);
  for (const SampleKubectl& k : spec.kubectls) out.push_back(KubectlBundlePath(k.os, k.arch, k.version));
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::uint64_t> ParseSizeOption(const std::string& option, const std::string& value) {
  std::string digits = value;
  std::uint64_t unit = 1;
  if (!digits.empty() && (digits.back() == 'K' || digits.back() == 'M' || digits.back() == 'G')) {
    unit = digits.back() == 'K' ? 1ull << 10 : digits.back() == 'M' ? 1ull << 20 : 1ull << 30;
    digits.pop_back();
  }
  RDB_ASSIGN_OR_RETURN(long long n, ParseIntOption(option, digits, 0, 1ll << 40));
  return static_cast<std::uint64_t>(n) * unit;
}

}  // namespace rdbundle::testsupport
