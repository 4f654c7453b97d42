// The bundle's payload path schema (format-spec "Paths") and the names of the files Rancher
// Desktop and kuberlr read, which the schema is made of.
// Facts: docs/rancher-desktop.md#per-version-directory and #kuberlr. Spec: format-spec/ "Paths".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace rdbundle {

enum class TargetOs { kLinux, kDarwin, kWindows };
enum class Arch { kAmd64, kArm64 };

// Go's GOOS/GOARCH names, as kuberlr and the k3s assets use them.
std::string_view OsName(TargetOs os);
std::string_view ArchName(Arch arch);
// Accepts exactly "linux"/"darwin"/"windows"; kUsage otherwise (with a hint for "macos").
Result<TargetOs> ParseOs(std::string_view s);
// Accepts exactly "amd64"/"arm64"; "aarch64"/"x86_64" get a hint naming the right value.
Result<Arch> ParseArch(std::string_view s);
TargetOs HostOs();
Arch HostArch();

// ---- files inside CACHE/k3s/<version>/ (docs/rancher-desktop.md#per-version-directory)
std::string K3sBinaryName(Arch arch);  // "k3s" | "k3s-arm64"
std::string K3sSumsName(Arch arch);    // "sha256sum-<arch>.txt"
// Image archive names in RD's order of preference: ".tar.zst" first, then ".tar".
std::array<std::string, 2> K3sImagesNames(Arch arch);

// ---- kuberlr (docs/rancher-desktop.md#kuberlr) --------------------------------------------------
std::string KuberlrPlatformDir(TargetOs os, Arch arch);  // "darwin-arm64", never "aarch64"
// "kubectl1.30.4", "kubectl1.30.4.exe" on windows. `version` is "X.Y.Z" (no v).
std::string KubectlFileName(std::string_view version, TargetOs os);

// ---- Rancher Desktop installers (docs/rancher-desktop.md#rd-installer; format-spec v2) -------
// The platforms RD publishes an installer for. RD ships no Windows arm64 and no Linux arm64
// build, so there is no such platform.
enum class RdPlatform { kWindows, kDarwinArm64, kDarwinAmd64, kLinux };
std::string_view RdPlatformName(RdPlatform p);  // "windows", "darwin-arm64", "darwin-amd64", "linux"
Result<RdPlatform> ParseRdPlatform(std::string_view s);  // kUsage naming the four values
// The release asset RD publishes for `rd_version` ("X.Y.Z") on GitHub:
//   Rancher.Desktop.Setup.X.Y.Z.msi, Rancher.Desktop-X.Y.Z.aarch64.dmg,
//   Rancher.Desktop-X.Y.Z.x86_64.dmg, rancher-desktop-linux-vX.Y.Z.zip
std::string RdInstallerAssetName(std::string_view rd_version, RdPlatform p);

// ---- bundle payload paths (format-spec "Paths") ---------------------------------------------
enum class FileRole { kK3sBinary, kK3sImages, kK3sSums, kK3sVersions, kKubectl, kRdInstaller };
std::string_view RoleName(FileRole role);  // "k3s-binary", "k3s-images", ...
std::optional<FileRole> ParseRole(std::string_view s);
// 0755 for the k3s binary and kubectl, 0644 for everything else.
std::uint32_t ModeForRole(FileRole role);

enum class Destination { kCache, kKuberlr, kInstallers };

// What a payload path means. Fields not relevant to the role are left empty.
struct PayloadPath {
  FileRole role;
  Destination dest;
  std::string relative;       // path under the destination root, e.g. "k3s/v1.30.4+k3s1/k3s"
  std::string k3s_version;    // k3s roles except kK3sVersions
  std::optional<Arch> arch;   // k3s binary/images/sums and kubectl
  std::optional<TargetOs> os; // kubectl
  std::string kubectl_version;  // kubectl, "X.Y.Z"
  std::string rd_version;       // kRdInstaller, "X.Y.Z"
  std::optional<RdPlatform> rd_platform;  // kRdInstaller
};

inline constexpr std::string_view kK3sVersionsBundlePath = "cache/k3s-versions.json";

// Generic path rules: non-empty, relative, '/'-separated, no empty/"."/".." components, only
// [A-Za-z0-9._+-] in components, at most kMaxPathBytes. Message names the rule broken.
Status ValidatePathSyntax(std::string_view path);
// ValidatePathSyntax plus the schema: exactly one of
//   cache/k3s-versions.json
//   cache/k3s/<k3s version>/{k3s|k3s-arm64|sha256sum-<arch>.txt|k3s-airgap-images-<arch>.tar[.zst]}
//   kuberlr/<os>-<arch>/kubectl<X.Y.Z>[.exe on windows only]
//   installers/<RdInstallerAssetName>   (format version 2 only; ValidateManifest checks that)
Result<PayloadPath> ClassifyPayloadPath(std::string_view path);

std::string K3sBundlePath(std::string_view k3s_version, std::string_view file_name);
std::string KubectlBundlePath(TargetOs os, Arch arch, std::string_view kubectl_version);
std::string InstallerBundlePath(std::string_view rd_version, RdPlatform p);

}  // namespace rdbundle
