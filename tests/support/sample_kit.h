// Sample Rancher Desktop offline kits on disk, for the packer's tests, the demo
// (rdbundle-sample-kit), the benchmark corpus and the fuzzers.
//
// WriteSampleKit writes the tree `rdbundle-pack build --from DIR` reads:
//   DIR/cache/k3s/<version>/{k3s | k3s-arm64}                 fake Linux ELF of that arch
//   DIR/cache/k3s/<version>/k3s-airgap-images-<arch>.tar.zst  (or .tar) pseudo-random bytes
//   DIR/cache/k3s/<version>/sha256sum-<arch>.txt               upstream format (see below)
//   DIR/cache/k3s-versions.json                               optional, RD's format
//   DIR/kuberlr/<os>-<arch>/kubectl<X.Y.Z>[.exe]              fake ELF / Mach-O / PE
// The executables carry a correct header for their platform (what packer/exe_check.h checks)
// followed by compressible filler (about 40% of its size after zstd -3, like real Go
// binaries); images are incompressible, like real image archives. Every file is generated in
// 1 MiB chunks while it is written, so sizes may be anything from 0 bytes to many GiB. The
// output depends only on the spec (seed included), never on time or machine.
//
// sha256sum-<arch>.txt is in the upstream release format: one "<64 hex>  <name>\n" line per
// release asset of that arch, images first (.tar.gz, .tar, .tar.zst), then k3s-images.txt, the
// binary last. Only the lines of files that exist carry their real digest; the others are
// fixed fake digests (as upstream files list assets that are not in the cache).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/format/paths.h"
#include "common/os/fs.h"

namespace rdbundle::testsupport {

struct SampleKubectl {
  std::string version;  // "X.Y.Z"
  TargetOs os = TargetOs::kLinux;
  Arch arch = Arch::kAmd64;
};

struct SampleKitSpec {
  // k3s versions ("v1.30.4+k3s1"); empty for a kuberlr-only kit.
  std::vector<std::string> k3s_versions = {"v1.30.4+k3s1"};
  // Arches with a k3s kit in every version directory.
  std::vector<Arch> arches = {Arch::kAmd64};
  // kubectls under kuberlr/; empty for a k3s-only kit.
  std::vector<SampleKubectl> kubectls = {{"1.30.4", TargetOs::kLinux, Arch::kAmd64}};
  std::uint64_t binary_bytes = 256u << 10;   // each k3s binary
  std::uint64_t images_bytes = 1u << 20;     // each images archive
  std::uint64_t kubectl_bytes = 128u << 10;  // each kubectl
  bool images_zst = true;      // k3s-airgap-images-<arch>.tar.zst, else .tar
  bool versions_json = true;   // write cache/k3s-versions.json (when there are k3s versions)
  // Extra versions listed in k3s-versions.json without a directory (RD's own file lists every
  // release it knows). Channels are derived over all listed versions.
  std::vector<std::string> extra_listed_versions;
  std::uint64_t seed = 1;

  static SampleKitSpec K3sOnly();      // one version, amd64, no kubectl
  static SampleKitSpec KuberlrOnly();  // no k3s, one linux/amd64 kubectl
};

// Writes the kit under `dir` (DIR/cache and DIR/kuberlr, created as needed). Existing files of
// the same names are replaced. Errors: the Fs's, or kUsage for an invalid version in the spec.
Status WriteSampleKit(Fs& fs, const std::string& dir, const SampleKitSpec& spec);

// The same into explicit directories, e.g. a fake home in Rancher Desktop's layout
// (<home>/.cache/rancher-desktop and <home>/.kuberlr).
Status WriteSampleKitTo(Fs& fs, const std::string& cache_dir, const std::string& kuberlr_dir,
                        const SampleKitSpec& spec);

// The payload paths a bundle of this whole kit holds (cache/k3s-versions.json whenever there
// are k3s versions: the packer always generates it), sorted as in the manifest.
std::vector<std::string> SampleKitBundlePaths(const SampleKitSpec& spec);

// A size on the helper tools' command lines: decimal bytes, or with a K, M or G suffix (KiB,
// MiB, GiB); kUsage naming --`option` otherwise.
Result<std::uint64_t> ParseSizeOption(const std::string& option, const std::string& value);

// ---- the pieces, for fuzzers and benchmarks ---------------------------------------------------

// The header WriteSampleKit gives an executable of that platform: ELF64 (linux), Mach-O 64
// MH_EXECUTE (darwin) or PE32+ (windows). An executable smaller than its header is cut short.
std::string SampleExecutableHeader(TargetOs os, Arch arch);

enum class SampleContent {
  kCompressible,    // executable-like filler: ~40% of its size after zstd -3
  kIncompressible,  // pseudo-random bytes
};

// Calls `sink` with consecutive chunks (at most 1 MiB each) that add up to `size` bytes of
// `kind` content, deterministic for `seed`. Stops at the first non-OK Status from `sink`.
Status GenerateSampleContent(SampleContent kind, std::uint64_t size, std::uint64_t seed,
                             const std::function<Status(const void*, std::size_t)>& sink);

}  // namespace rdbundle::testsupport
