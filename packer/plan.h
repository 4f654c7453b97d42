// What a fetch brings, resolved from upstream before anything is downloaded:
//  - exact k3s versions: --k3s names one; --channel resolves through the channel server to the
//    release Rancher Desktop would list for it; --minors A-B takes the newest release of each
//    minor in the range that RD would list (BuildK3sVersionsFile: no prereleases, malformed
//    tags, older +k3sN builds, releases missing assets, versions below v1.25.3);
//  - per arch the three files RD needs: the binary, sha256sum-<arch>.txt, and the images
//    (.tar.zst preferred, else .tar; never .tar.gz), with their sizes from the release list;
//  - the fewest kubectls that serve every chosen k3s minor within one minor
//    (docs/rancher-desktop.md#version-skew, MinimalKubectlCover), each the newest patch of its
//    minor (<kubectl-url>/stable-X.Y.txt), for each kubectl platform;
//  - Rancher Desktop installers (--rd-installer VERSION|latest, --rd-platform P): the release
//    asset per platform (rd_release.h), its size from RD's release list;
//  - what each channel will point to after install (RD's own channels for bundled versions);
//  - the download size, and an estimate of the bundle size.
// `rdbundle-pack plan` prints a Plan; `rdbundle-pack build` (fetching) downloads it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/format/manifest.h"
#include "common/format/paths.h"
#include "common/format/version.h"
#include "common/rd/k3s_versions.h"
#include "common/rd/skew.h"
#include "packer/upstream.h"
#include "packer/upstream_json.h"

namespace rdbundle::packer {

struct MinorRange {
  Minor first;
  Minor last;
};

// "1.29-1.31" or "1.30" (one minor). kUsage unless both are X.Y of one major, first <= last,
// and the range spans at most 20 minors.
Result<MinorRange> ParseMinorRange(std::string_view s);

struct PlanRequest {
  std::vector<std::string> k3s;       // --k3s: exact versions
  std::vector<std::string> channels;  // --channel
  std::optional<MinorRange> minors;   // --minors
  // Nothing selected: the "stable" channel.
  std::vector<Arch> arches;           // --arch; empty: this machine's
  // --kubectl-platform OS/ARCH: who runs kubectl. Empty: this machine's, unless `kubectls`
  // names kubectls explicitly or no_kubectl.
  std::vector<std::pair<TargetOs, Arch>> kubectl_platforms;
  std::vector<KubectlPlatform> kubectls;  // --kubectl X.Y.Z/OS/ARCH: exactly these, too
  bool no_kubectl = false;                // --no-kubectl
  bool kubectl_sizes = true;              // ask for kubectl sizes (HEAD)
  // --rd-installer: "X.Y.Z" or "latest", each for every --rd-platform (both or neither).
  std::vector<std::string> rd_installers;
  std::vector<RdPlatform> rd_platforms;
};

struct PlannedFile {
  std::string bundle_path;  // payload path; also the file's place under the download dir
  FileRole role = FileRole::kK3sBinary;
  std::string url;
  std::optional<std::uint64_t> size;  // release list, Content-Length; nullopt: unknown
};

struct PlannedK3s {
  K3sVersion version;
  std::vector<std::string> selected_by;  // "--k3s", "channel stable", "minor 1.30"
};

struct PlannedKubectl {
  KubectlVersion version;
  TargetOs os = TargetOs::kLinux;
  Arch arch = Arch::kAmd64;
  std::string selected_by;  // "cover" or "--kubectl"
};

struct PlannedInstaller {
  RdVersion version;
  RdPlatform platform = RdPlatform::kLinux;
  std::string selected_by;  // "--rd-installer 1.19.3" or "--rd-installer latest"
};

struct Plan {
  std::vector<Arch> arches;
  std::vector<PlannedK3s> k3s;          // version order
  std::vector<PlannedKubectl> kubectls;  // os, arch, version order
  std::vector<PlannedInstaller> installers;  // platform name, version order
  std::vector<Minor> k3s_minors;
  std::vector<Minor> uncovered;         // k3s minors no planned kubectl serves
  std::vector<PlannedFile> files;       // bundle-path order (k3s-versions.json not included)
  K3sVersionsFile rd_versions;          // k3s-versions.json as RD builds it (these arches)
  bool kubectl_sizes_from_head = false;
  // Channel -> value for the channels of rd_versions that name a planned k3s version: what
  // each channel points to after install (the bundled k3s-versions.json carries them).
  std::map<std::string, std::string> BundledChannels() const;

  std::uint64_t KnownBytes() const;
  std::size_t UnknownSizes() const;
  // Image archives as they are, executables at about 45% (zstd -3 on Go binaries), plus the
  // small files. An estimate: printed as one.
  std::uint64_t EstimatedBundleBytes() const;
};

// Resolves `request` against upstream (or the download dir, offline). Errors name what was
// asked for and what upstream said, e.g.
//   kNotFound "channel \"edge\" is not on the channel server <url> (it has: latest, stable, ...)"
//   kNotFound "k3s v1.30.9+k3s1: no such release in <releases-api>"
//   kNotFound "k3s v1.29.9+k3s1: the release has no k3s-airgap-images-amd64.tar.zst or .tar"
//   kUsage    two builds of one version (Rancher Desktop lists one build per version)
// Offline, a document the download dir does not hold is kNotFound naming the file.
Result<Plan> MakePlan(Upstream& upstream, const PlanRequest& request);

// The human-readable plan (several lines, each ending in '\n').
std::string FormatPlan(const Plan& plan);
// The "schemaVersion" of plan --json (docs/json.md): raised when a key changes meaning or goes.
inline constexpr int kPlanJsonSchemaVersion = 1;

// The plan as JSON (one object, 2-space indent, final newline).
std::string PlanToJson(const Plan& plan);

}  // namespace rdbundle::packer
