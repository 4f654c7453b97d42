#include "common/format/paths.h"

#include <vector>

#include "common/format/limits.h"
#include "common/format/version.h"
#include "common/os/fs.h"

namespace rdbundle {

std::string_view OsName(TargetOs os) {
  switch (os) {
    case TargetOs::kLinux: return "linux";
    case TargetOs::kDarwin: return "darwin";
    case TargetOs::kWindows: return "windows";
  }
  return "linux";
}

std::string_view ArchName(Arch arch) { return arch == Arch::kArm64 ? "arm64" : "amd64"; }

Result<TargetOs> ParseOs(std::string_view s) {
  if (s == "linux") return TargetOs::kLinux;
  if (s == "darwin") return TargetOs::kDarwin;
  if (s == "windows") return TargetOs::kWindows;
  if (s == "macos" || s == "osx") {
    return Status::Usage("unknown OS \"" + std::string(s) + "\" (macOS is \"darwin\")");
  }
  return Status::Usage("unknown OS \"" + std::string(s) + "\" (use linux, darwin or windows)");
}

Result<Arch> ParseArch(std::string_view s) {
  if (s == "amd64") return Arch::kAmd64;
  if (s == "arm64") return Arch::kArm64;
  if (s == "aarch64") return Status::Usage("unknown arch \"aarch64\" (use \"arm64\", Go's name)");
  if (s == "x86_64") return Status::Usage("unknown arch \"x86_64\" (use \"amd64\", Go's name)");
  return Status::Usage("unknown arch \"" + std::string(s) + "\" (use amd64 or arm64)");
}

TargetOs HostOs() {
#if defined(__APPLE__)
  return TargetOs::kDarwin;
#elif defined(_WIN32)
  return TargetOs::kWindows;
#else
  return TargetOs::kLinux;
#endif
}

Arch HostArch() {
#if defined(__aarch64__) || defined(_M_ARM64)
  return Arch::kArm64;
#else
  return Arch::kAmd64;
#endif
}

std::string K3sBinaryName(Arch arch) { return arch == Arch::kArm64 ? "k3s-arm64" : "k3s"; }

std::string K3sSumsName(Arch arch) { return "sha256sum-" + std::string(ArchName(arch)) + ".txt"; }

std::array<std::string, 2> K3sImagesNames(Arch arch) {
  std::string base = "k3s-airgap-images-" + std::string(ArchName(arch)) + ".tar";
  return {base + ".zst", base};
}

std::string KuberlrPlatformDir(TargetOs os, Arch arch) {
  return std::string(OsName(os)) + "-" + std::string(ArchName(arch));
}

std::string KubectlFileName(std::string_view version, TargetOs os) {
  std::string name = "kubectl" + std::string(version);
  if (os == TargetOs::kWindows) name += ".exe";
  return name;
}

std::string_view RoleName(FileRole role) {
  switch (role) {
    case FileRole::kK3sBinary: return "k3s-binary";
    case FileRole::kK3sImages: return "k3s-images";
    case FileRole::kK3sSums: return "k3s-sha256sum";
    case FileRole::kK3sVersions: return "k3s-versions";
    case FileRole::kKubectl: return "kubectl";
    case FileRole::kRdInstaller: return "rd-installer";
  }
  return "";
}

std::optional<FileRole> ParseRole(std::string_view s) {
  for (FileRole r : {FileRole::kK3sBinary, FileRole::kK3sImages, FileRole::kK3sSums,
                     FileRole::kK3sVersions, FileRole::kKubectl, FileRole::kRdInstaller}) {
    if (RoleName(r) == s) return r;
  }
  return std::nullopt;
}

std::uint32_t ModeForRole(FileRole role) {
  return role == FileRole::kK3sBinary || role == FileRole::kKubectl ? 0755 : 0644;
}

std::string_view RdPlatformName(RdPlatform p) {
  switch (p) {
    case RdPlatform::kWindows: return "windows";
    case RdPlatform::kDarwinArm64: return "darwin-arm64";
    case RdPlatform::kDarwinAmd64: return "darwin-amd64";
    case RdPlatform::kLinux: return "linux";
  }
  return "linux";
}

namespace {
constexpr RdPlatform kRdPlatforms[] = {RdPlatform::kWindows, RdPlatform::kDarwinArm64,
                                       RdPlatform::kDarwinAmd64, RdPlatform::kLinux};
}  // namespace

Result<RdPlatform> ParseRdPlatform(std::string_view s) {
  for (RdPlatform p : kRdPlatforms) {
    if (RdPlatformName(p) == s) return p;
  }
  std::string hint;
  if (s == "windows-arm64" || s == "linux-arm64") {
    hint = ": Rancher Desktop publishes no " + std::string(s) + " build";
  } else if (s == "darwin-aarch64" || s == "macos") {
    hint = " (Apple silicon is \"darwin-arm64\")";
  }
  return Status::Usage("unknown Rancher Desktop platform \"" + std::string(s) + "\"" + hint +
                       " (use windows, darwin-arm64, darwin-amd64 or linux)");
}

// The release asset names, from rancher-sandbox/rancher-desktop's GitHub releases
// (docs/rancher-desktop.md#rd-installer): packaging names the MSI
// "Rancher.Desktop.Setup.<v>.msi", the dmgs "Rancher.Desktop-<v>.<aarch64|x86_64>.dmg" and the
// Linux zip "rancher-desktop-linux-v<v>.zip".
std::string RdInstallerAssetName(std::string_view rd_version, RdPlatform p) {
  const std::string v(rd_version);
  switch (p) {
    case RdPlatform::kWindows: return "Rancher.Desktop.Setup." + v + ".msi";
    case RdPlatform::kDarwinArm64: return "Rancher.Desktop-" + v + ".aarch64.dmg";
    case RdPlatform::kDarwinAmd64: return "Rancher.Desktop-" + v + ".x86_64.dmg";
    case RdPlatform::kLinux: return "rancher-desktop-linux-v" + v + ".zip";
  }
  return v;
}

namespace {

bool IsPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '+' || c == '-';
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == path.npos ? path.npos : slash - start));
    if (slash == path.npos) return parts;
    start = slash + 1;
  }
}

Status PathError(std::string_view path, std::string_view reason) {
  return Status::Corrupt("path \"" + std::string(path) + "\": " + std::string(reason));
}

Result<PayloadPath> ClassifyK3sFile(std::string_view path, std::string_view version,
                                    std::string_view name) {
  auto parsed = ParseK3sVersion(version);
  if (!parsed.has_value()) {
    return PathError(path, "not a k3s version directory (" + parsed.error().message() + ")");
  }
  PayloadPath p{FileRole::kK3sBinary, Destination::kCache,
                "k3s/" + std::string(version) + "/" + std::string(name), std::string(version)};
  for (Arch arch : {Arch::kAmd64, Arch::kArm64}) {
    p.arch = arch;
    if (name == K3sBinaryName(arch)) return (p.role = FileRole::kK3sBinary, p);
    if (name == K3sSumsName(arch)) return (p.role = FileRole::kK3sSums, p);
    for (const auto& images : K3sImagesNames(arch)) {
      if (name == images) return (p.role = FileRole::kK3sImages, p);
    }
  }
  return PathError(path, "not a file Rancher Desktop uses in a k3s version directory");
}

Result<PayloadPath> ClassifyKubectl(std::string_view path, std::string_view platform,
                                    std::string_view name) {
  std::size_t dash = platform.find('-');
  if (dash == platform.npos) return PathError(path, "kuberlr directory is not <os>-<arch>");
  auto os = ParseOs(platform.substr(0, dash));
  auto arch = ParseArch(platform.substr(dash + 1));
  if (!os.has_value()) return PathError(path, os.error().message());
  if (!arch.has_value()) return PathError(path, arch.error().message());
  std::string_view version = name;
  if (!version.starts_with("kubectl")) return PathError(path, "kuberlr file is not kubectl<X.Y.Z>");
  version.remove_prefix(7);
  if (*os == TargetOs::kWindows) {
    if (!version.ends_with(".exe")) return PathError(path, "windows kubectl must end in .exe");
    version.remove_suffix(4);
  }
  auto v = ParseKubectlVersion(version);
  if (!v.has_value() || version.starts_with("v")) {
    return PathError(path, "kuberlr file is not kubectl<X.Y.Z>");
  }
  PayloadPath p{FileRole::kKubectl, Destination::kKuberlr,
                std::string(platform) + "/" + std::string(name)};
  p.os = *os;
  p.arch = *arch;
  p.kubectl_version = std::string(version);
  return p;
}

// installers/<asset>: one of RdInstallerAssetName's forms, with a strict X.Y.Z.
Result<PayloadPath> ClassifyInstaller(std::string_view path, std::string_view name) {
  struct Form {
    std::string_view prefix, suffix;
    RdPlatform platform;
  };
  static constexpr Form kForms[] = {
      {"Rancher.Desktop.Setup.", ".msi", RdPlatform::kWindows},
      {"Rancher.Desktop-", ".aarch64.dmg", RdPlatform::kDarwinArm64},
      {"Rancher.Desktop-", ".x86_64.dmg", RdPlatform::kDarwinAmd64},
      {"rancher-desktop-linux-v", ".zip", RdPlatform::kLinux},
  };
  for (const Form& f : kForms) {
    if (name.size() <= f.prefix.size() + f.suffix.size() || !name.starts_with(f.prefix) ||
        !name.ends_with(f.suffix)) {
      continue;
    }
    std::string_view v = name.substr(f.prefix.size(), name.size() - f.prefix.size() - f.suffix.size());
    auto parsed = ParseRdVersion(v);
    if (!parsed.has_value()) continue;
    PayloadPath p{FileRole::kRdInstaller, Destination::kInstallers, std::string(name)};
    p.rd_version = parsed->ToString();
    p.rd_platform = f.platform;
    return p;
  }
  return PathError(path, "not a Rancher Desktop installer name (Rancher.Desktop.Setup.X.Y.Z.msi, "
                         "Rancher.Desktop-X.Y.Z.{aarch64,x86_64}.dmg, "
                         "rancher-desktop-linux-vX.Y.Z.zip)");
}

}  // namespace

Status ValidatePathSyntax(std::string_view path) {
  if (path.empty()) return PathError(path, "empty");
  if (path.size() > kMaxPathBytes) {
    return Status::Limit("path \"" + std::string(path.substr(0, 64)) + "...\": longer than " +
                         std::to_string(kMaxPathBytes) + " bytes");
  }
  if (path.front() == '/') return PathError(path, "absolute");
  for (std::string_view part : SplitPath(path)) {
    if (part.empty()) return PathError(path, "empty component");
    if (part == "." || part == "..") return PathError(path, "contains \".\" or \"..\"");
    for (char c : part) {
      if (!IsPathChar(c)) return PathError(path, "character outside [A-Za-z0-9._+-]");
    }
  }
  return Status::Ok();
}

Result<PayloadPath> ClassifyPayloadPath(std::string_view path) {
  RDB_RETURN_IF_ERROR(ValidatePathSyntax(path));
  if (path == kK3sVersionsBundlePath) {
    return PayloadPath{FileRole::kK3sVersions, Destination::kCache, "k3s-versions.json"};
  }
  auto parts = SplitPath(path);
  if (parts.size() == 4 && parts[0] == "cache" && parts[1] == "k3s") {
    return ClassifyK3sFile(path, parts[2], parts[3]);
  }
  if (parts.size() == 3 && parts[0] == "kuberlr") return ClassifyKubectl(path, parts[1], parts[2]);
  if (parts.size() == 2 && parts[0] == "installers") return ClassifyInstaller(path, parts[1]);
  return PathError(path, "not under cache/k3s/<version>/, cache/k3s-versions.json, kuberlr/ or "
                         "installers/");
}

std::string K3sBundlePath(std::string_view k3s_version, std::string_view file_name) {
  return "cache/k3s/" + std::string(k3s_version) + "/" + std::string(file_name);
}

std::string KubectlBundlePath(TargetOs os, Arch arch, std::string_view kubectl_version) {
  return "kuberlr/" + KuberlrPlatformDir(os, arch) + "/" + KubectlFileName(kubectl_version, os);
}

std::string InstallerBundlePath(std::string_view rd_version, RdPlatform p) {
  return "installers/" + RdInstallerAssetName(rd_version, p);
}

}  // namespace rdbundle
