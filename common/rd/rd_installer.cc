#include "common/rd/rd_installer.h"

namespace rdbundle {
namespace {

// `s` as one word for a POSIX shell: as it is when every byte is plain, else in single quotes.
std::string ShellWord(std::string_view s) {
  auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_./:+-=@%,").find(c) != std::string_view::npos;
  };
  bool all_plain = !s.empty();
  for (char c : s) all_plain = all_plain && plain(c);
  if (all_plain) return std::string(s);
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::optional<RdPlatform> RdPlatformFor(TargetOs os, Arch arch) {
  switch (os) {
    case TargetOs::kWindows: return RdPlatform::kWindows;
    case TargetOs::kDarwin:
      return arch == Arch::kArm64 ? RdPlatform::kDarwinArm64 : RdPlatform::kDarwinAmd64;
    case TargetOs::kLinux:
      if (arch == Arch::kAmd64) return RdPlatform::kLinux;
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> WindowsPathFromWsl(std::string_view path) {
  constexpr std::string_view kMnt = "/mnt/";
  if (!path.starts_with(kMnt) || path.size() < kMnt.size() + 2) return std::nullopt;
  const char drive = path[kMnt.size()];
  if (drive < 'a' || drive > 'z' || path[kMnt.size() + 1] != '/') return std::nullopt;
  std::string out(1, static_cast<char>(drive - 'a' + 'A'));
  out += ":";
  for (char c : path.substr(kMnt.size() + 1)) out += c == '/' ? '\\' : c;
  return out;
}

std::vector<std::string> RdInstallerNextSteps(RdPlatform platform, const RdVersion& version,
                                              std::string_view path) {
  const std::string file = ShellWord(path);
  std::vector<std::string> steps;
  switch (platform) {
    case RdPlatform::kWindows: {
      const std::string win = WindowsPathFromWsl(path).value_or(file);
      if (version >= RdVersion{1, 17, 1}) {
        steps.push_back(
            "Windows: install WSL first: this MSI (Rancher Desktop 1.17.1 and later) stops "
            "without it, and runs `wsl --update`, which needs the network, when WSL is outdated");
      }
      steps.push_back("then run the MSI: msiexec /i \"" + win +
                      "\" (MSIINSTALLPERUSER=1 installs for this user only, without "
                      "administrator rights)");
      break;
    }
    case RdPlatform::kDarwinArm64:
    case RdPlatform::kDarwinAmd64:
      steps.push_back("macOS: open " + file +
                      " (double-click it) and drag Rancher Desktop to Applications");
      break;
    case RdPlatform::kLinux:
      steps.push_back("Linux: sudo unzip -d /opt/rancher-desktop " + file +
                      " (where Rancher Desktop's packages install it)");
      steps.push_back(
          "then, as its packages do: sudo chown root:root /opt/rancher-desktop/chrome-sandbox "
          "&& sudo chmod 4755 /opt/rancher-desktop/chrome-sandbox; start "
          "/opt/rancher-desktop/rancher-desktop");
      break;
  }
  return steps;
}

}  // namespace rdbundle
