#include "common/rd/installed_rd.h"

#include <vector>

namespace rdbundle {
namespace {

constexpr std::size_t kMaxPlistBytes = 1u << 20;
constexpr std::size_t kMaxDpkgStatusBytes = 64u << 20;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// "1.19.3", "1.19.3-1", "1.20.0~rc1": the leading X.Y.Z.
std::optional<RdVersion> LeadingRdVersion(std::string_view s) {
  std::size_t end = 0;
  int dots = 0;
  while (end < s.size() && ((s[end] >= '0' && s[end] <= '9') || s[end] == '.')) {
    if (s[end] == '.' && ++dots > 2) break;
    ++end;
  }
  auto v = ParseRdVersion(s.substr(0, end));
  if (!v.has_value()) return std::nullopt;
  return *v;
}

}  // namespace

std::optional<RdVersion> ParseInfoPlistVersion(std::string_view plist) {
  constexpr std::string_view kKey = "<key>CFBundleShortVersionString</key>";
  const std::size_t key = plist.find(kKey);
  if (key == plist.npos) return std::nullopt;
  std::string_view rest = Trim(plist.substr(key + kKey.size()));
  if (!rest.starts_with("<string>")) return std::nullopt;
  rest.remove_prefix(8);
  const std::size_t close = rest.find("</string>");
  if (close == rest.npos) return std::nullopt;
  return LeadingRdVersion(Trim(rest.substr(0, close)));
}

std::optional<RdVersion> ParseDpkgStatusVersion(std::string_view status) {
  std::size_t pos = 0;
  while (pos < status.size()) {
    std::size_t end = status.find("\n\n", pos);
    if (end == status.npos) end = status.size();
    std::string_view para = status.substr(pos, end - pos);
    pos = end + 2;
    bool ours = false, installed = false;
    std::optional<RdVersion> version;
    std::size_t line_start = 0;
    while (line_start < para.size()) {
      std::size_t nl = para.find('\n', line_start);
      if (nl == para.npos) nl = para.size();
      std::string_view line = para.substr(line_start, nl - line_start);
      line_start = nl + 1;
      const std::size_t colon = line.find(':');
      if (colon == line.npos || line.empty() || IsSpace(line[0])) continue;
      const std::string_view field = line.substr(0, colon);
      const std::string_view value = Trim(line.substr(colon + 1));
      if (field == "Package") ours = value == "rancher-desktop";
      if (field == "Status") installed = value == "install ok installed";
      if (field == "Version") version = LeadingRdVersion(value);
    }
    if (ours && installed) return version;
  }
  return std::nullopt;
}

std::optional<InstalledRd> DetectInstalledRd(Fs& fs, const Destinations& dest,
                                             const GetEnvFn& getenv) {
  const bool host = dest.is_host;
  auto exists = [&](const std::string& p) { return fs.Stat(p).has_value(); };
  switch (dest.os) {
    case TargetOs::kDarwin: {
      std::vector<std::string> apps = {JoinPath(dest.home, "Applications/Rancher Desktop.app")};
      if (host) apps.insert(apps.begin(), "/Applications/Rancher Desktop.app");
      for (const std::string& app : apps) {
        const std::string plist = JoinPath(app, "Contents/Info.plist");
        auto text = ReadFileToString(fs, plist, kMaxPlistBytes);
        if (text.has_value()) return InstalledRd{plist, "macOS app", ParseInfoPlistVersion(*text)};
        if (exists(app)) return InstalledRd{app, "macOS app", std::nullopt};
      }
      return std::nullopt;
    }
    case TargetOs::kLinux: {
      if (!host) return std::nullopt;
      constexpr std::string_view kDpkg = "/var/lib/dpkg/status";
      if (auto text = ReadFileToString(fs, std::string(kDpkg), kMaxDpkgStatusBytes)) {
        if (auto v = ParseDpkgStatusVersion(*text)) {
          return InstalledRd{std::string(kDpkg), "deb package", v};
        }
      }
      if (exists("/opt/rancher-desktop")) {
        return InstalledRd{"/opt/rancher-desktop", "package (rpm or deb)", std::nullopt};
      }
      return std::nullopt;
    }
    case TargetOs::kWindows: {
      // Per user: %LOCALAPPDATA%\Programs\Rancher Desktop. Per machine: %ProgramFiles%, on a
      // mounted home /mnt/c/Users/<u> that is /mnt/c/Program Files.
      const std::string per_user = JoinPath(dest.home, "AppData/Local/Programs/Rancher Desktop");
      if (exists(per_user)) return InstalledRd{per_user, "per-user install", std::nullopt};
      std::string program_files = JoinPath(DirName(DirName(dest.home)), "Program Files");
      if (auto pf = getenv("ProgramFiles"); pf && host) program_files = *pf;
      const std::string per_machine = JoinPath(program_files, "Rancher Desktop");
      if (exists(per_machine)) return InstalledRd{per_machine, "per-machine install", std::nullopt};
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace rdbundle
