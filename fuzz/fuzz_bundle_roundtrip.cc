// Round trip through the real packer and unpacker (style.md item 12, zstd's
// stream_round_trip.c): the input shapes a valid kit (which k3s versions, arches and kubectls,
// and every file's bytes), which is written into an in-memory filesystem and packed there by
// the packer's own code (DiscoverKit, CheckKit, WriteBundle with TarZstdWriter), signed with the
// fixed fuzz key; the bundle is then installed by the real reader and installer into another
// in-memory filesystem. Packing must succeed, the install must succeed, and every installed
// file must be byte for byte its kit file. Any difference abort()s.
//
// Input: b0 k3s versions (bits 0-3), arches (bits 4-5), bit 6: the kit has its own
// k3s-versions.json; b1 kubectl platforms (bitmask); b2 zstd level; b3 target os/arch of the
// install; then, per kit file in path order, a length byte (255: two more) and the bytes of its
// content (after an executable header for binaries; sha256sum files are generated).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "common/format/hash.h"
#include "common/format/manifest.h"
#include "common/rd/k3s_versions.h"
#include "fuzz/bundle_harness.h"
#include "fuzz/fixed_keys.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/mem_fs.h"
#include "packer/build.h"
#include "packer/bundle_output.h"
#include "packer/kit.h"
#include "tests/support/test_bundle.h"

namespace {

using namespace rdbundle;
using namespace rdbundle::fuzz;

constexpr std::size_t kMaxInputBytes = 64 * 1024;

const char* const kVersions[] = {"v1.30.4+k3s1", "v1.30.10+k3s2", "v1.31.0-rc1+k3s1", "v1.25.3+k3s1"};
const KubectlPlatform kKubectls[] = {
    {"1.30.4", TargetOs::kLinux, Arch::kAmd64},   {"1.29.8", TargetOs::kLinux, Arch::kArm64},
    {"1.30.4", TargetOs::kDarwin, Arch::kArm64},  {"1.31.0", TargetOs::kDarwin, Arch::kAmd64},
    {"1.30.4", TargetOs::kWindows, Arch::kAmd64}, {"1.28.15", TargetOs::kWindows, Arch::kArm64},
    {"1.31.2", TargetOs::kLinux, Arch::kAmd64},   {"1.30.10", TargetOs::kLinux, Arch::kAmd64}};

void Le(std::string& s, std::size_t off, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// The smallest header packer/exe_check.h accepts for the platform.
std::string ExeHeader(TargetOs os, Arch arch) {
  std::string h;
  if (os == TargetOs::kLinux) {
    h.assign(64, '\0');
    h.replace(0, 8, "\x7f" "ELF\x02\x01\x01\x00", 8);
    Le(h, 16, 2, 2);                                       // ET_EXEC
    Le(h, 18, arch == Arch::kAmd64 ? 62 : 183, 2);         // EM_X86_64 / EM_AARCH64
    Le(h, 20, 1, 4);                                       // EV_CURRENT
    Le(h, 52, 64, 2);                                      // e_ehsize
  } else if (os == TargetOs::kDarwin) {
    h.assign(32, '\0');
    Le(h, 0, 0xfeedfacf, 4);
    Le(h, 4, arch == Arch::kAmd64 ? 0x01000007 : 0x0100000c, 4);
    Le(h, 12, 2, 4);                                       // MH_EXECUTE
  } else {
    h.assign(64 + 24 + 2, '\0');
    h[0] = 'M';
    h[1] = 'Z';
    Le(h, 0x3c, 64, 4);                                    // e_lfanew
    h.replace(64, 4, "PE\0\0", 4);
    Le(h, 68, arch == Arch::kAmd64 ? 0x8664 : 0xaa64, 2);  // Machine
    Le(h, 68 + 16, 240, 2);                                // SizeOfOptionalHeader
    Le(h, 68 + 18, 0x0022, 2);                             // EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE
    Le(h, 68 + 20, 0x20b, 2);                              // PE32+
  }
  return h;
}

std::string Take(FuzzInput& in) {
  std::size_t len = in.Byte();
  if (len == 255) len = in.U16();
  return in.Take(len);
}

std::string Where(const PayloadPath& p, const InstallSetup& s) {
  return JoinPath(p.dest == Destination::kCache ? s.cache_dir : s.kuberlr_dir, p.relative);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInputBytes) return 0;
  FuzzInput in(data, size);
  const std::uint8_t b0 = in.Byte(), b1 = in.Byte(), b2 = in.Byte(), b3 = in.Byte();
  testsupport::KitSpec spec;
  spec.versions.clear();
  for (int i = 0; i < 4; ++i) {
    if (b0 & (1 << i)) spec.versions.push_back(kVersions[i]);
  }
  const int arches = (b0 >> 4) & 3;
  spec.arches = arches == 0 ? std::vector<Arch>{Arch::kAmd64}
                            : arches == 1 ? std::vector<Arch>{Arch::kArm64}
                                          : std::vector<Arch>{Arch::kAmd64, Arch::kArm64};
  spec.kubectls.clear();
  for (int i = 0; i < 8; ++i) {
    if (b1 & (1 << i)) spec.kubectls.push_back(kKubectls[i]);
  }
  if (spec.versions.empty() && spec.kubectls.empty()) spec.kubectls.push_back(kKubectls[0]);
  spec.file_bytes = 0;

  // The kit: paths from the test kit; contents from the input.
  MemFs kit_fs;
  const std::string kit_cache = "/kit/cache", kit_kuberlr = "/kit/kuberlr";
  std::map<std::string, std::string> contents;  // bundle path -> bytes
  for (const auto& f : testsupport::MakeKitFiles(spec)) {
    auto p = ClassifyPayloadPath(f.path);
    FUZZ_CHECK(p.has_value(), "test kit path " + f.path);
    if (p->role == FileRole::kK3sVersions || p->role == FileRole::kK3sSums) continue;
    std::string content;
    if (p->role == FileRole::kK3sBinary) content = ExeHeader(TargetOs::kLinux, *p->arch);
    if (p->role == FileRole::kKubectl) content = ExeHeader(*p->os, *p->arch);
    content += Take(in);
    contents[f.path] = content;
  }
  for (auto& [path, content] : contents) {  // sha256sum files that match
    auto p = ClassifyPayloadPath(path);
    if (p->role != FileRole::kK3sImages) continue;
    const std::string binary = K3sBundlePath(p->k3s_version, K3sBinaryName(*p->arch));
    contents[K3sBundlePath(p->k3s_version, K3sSumsName(*p->arch))] =
        Sha256::HexOf(content) + "  " + BaseName(path) + "\n" + Sha256::HexOf(contents[binary]) +
        "  " + K3sBinaryName(*p->arch) + "\n";
  }
  for (const auto& [path, content] : contents) {
    auto p = ClassifyPayloadPath(path);
    kit_fs.PutFile(Where(*p, InstallSetup{.cache_dir = kit_cache, .kuberlr_dir = kit_kuberlr}),
                   content, 0644);
  }
  if (b0 & 64) kit_fs.PutFile(kit_cache + "/k3s-versions.json", Take(in));

  // Pack it with the packer's own code.
  std::vector<std::string> notes;
  const packer::NoteFn note = [&](const std::string& s) { notes.push_back(s); };
  auto kit = packer::DiscoverKit(kit_fs, {kit_cache, kit_kuberlr}, {}, note);
  FUZZ_CHECK(kit.has_value(), "DiscoverKit: " + kit.error().message());
  packer::KitCheckOptions check;
  check.note = note;
  const Status checked = packer::CheckKit(kit_fs, *kit, check);
  FUZZ_CHECK(checked.ok(), "CheckKit: " + checked.message());
  auto made = packer::MakeManifest(*kit, KeyIdString(FuzzKey().pub.key_id), 1795608000,
                                   /*reproducible=*/true);
  FUZZ_CHECK(made.has_value(), "MakeManifest: " + made.error().message());
  const Manifest& m = *made;
  const std::string manifest_bytes = SerializeManifest(m);
  const std::string signature =
      testsupport::SignManifestBytes(manifest_bytes, m, FuzzKey().secret);
  packer::BundleWriteOptions wo;
  wo.output = "/out/kit.rdbundle";
  static const int kLevels[] = {1, 3, 3, 3, 5, 9, 2, 1};  // the packer takes 1 to 22
  wo.level = kLevels[b2 % 8];
  wo.mtime = 1795608000;
  kit_fs.PutDir("/out");
  auto written = packer::WriteBundle(kit_fs, *kit, m, manifest_bytes, signature, FuzzKey().secret,
                                     wo, note);
  FUZZ_CHECK(written.has_value(), "WriteBundle: " + written.error().message());
  const auto* bundle = kit_fs.Find(wo.output);
  FUZZ_CHECK(bundle != nullptr && !bundle->dir && bundle->file->data.size() == written->bytes,
             "bundle file");

  // Unpack it into a fresh destination: everything must arrive, byte for byte.
  InstallSetup setup;
  setup.os = static_cast<TargetOs>(b3 % 3);
  setup.arch = (b3 & 4) ? Arch::kArm64 : Arch::kAmd64;
  setup.all_platforms = true;
  MemFs dest;
  const Outcome o = InstallAndCheck(bundle->file->data, dest, setup);
  FUZZ_CHECK(o.status.ok(), "installing a freshly packed bundle failed: " + o.status.message());
  for (const packer::KitFile& f : kit->files) {
    auto p = ClassifyPayloadPath(f.bundle_path);
    if (p->role == FileRole::kK3sVersions) continue;  // merged, checked by the harness
    const auto* node = dest.Find(Where(*p, setup));
    FUZZ_CHECK(node != nullptr && !node->dir, "not installed: " + f.bundle_path);
    const auto it = contents.find(f.bundle_path);
    FUZZ_CHECK(it != contents.end() && node->file->data == it->second,
               "installed bytes differ from the kit: " + f.bundle_path);
  }
  return 0;
}
