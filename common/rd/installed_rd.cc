#include "common/rd/installed_rd.h"

#include <cstdint>
#include <vector>

#include "common/format/json_strict.h"

namespace rdbundle {
namespace {

constexpr std::size_t kMaxPlistBytes = 1u << 20;
// Where an Electron app keeps its code and package.json, below the install directory.
constexpr std::string_view kAppAsar = "resources/app.asar";
constexpr std::size_t kMaxDpkgStatusBytes = 64u << 20;
// An RD app.asar header lists every file of the app (node_modules included): a few MB.
constexpr std::uint32_t kMaxAsarHeaderBytes = 64u << 20;
constexpr std::uint64_t kMaxPackageJsonBytes = 1u << 20;

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

// Exactly n bytes, or nullopt at end of file or on an error.
std::optional<std::string> ReadExactly(ReadableFile& in, std::size_t n) {
  std::string out(n, '\0');
  std::size_t have = 0;
  while (have < n) {
    auto got = in.Read(out.data() + have, n - have);
    if (!got.has_value() || *got == 0) return std::nullopt;
    have += *got;
  }
  return out;
}

std::uint32_t Le32(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3])) << 24;
}

}  // namespace

std::optional<RdVersion> ReadAsarPackageVersion(Fs& fs, const std::string& asar_path) {
  auto in = fs.OpenRegular(asar_path);
  if (!in.has_value()) return std::nullopt;
  ReadableFile& f = **in;
  auto head = ReadExactly(f, 16);
  if (!head) return std::nullopt;
  const std::uint32_t size_pickle = Le32(*head, 0), header_size = Le32(*head, 4);
  const std::uint32_t payload = Le32(*head, 8), json_len = Le32(*head, 12);
  if (size_pickle != 4 || json_len > kMaxAsarHeaderBytes || json_len > payload ||
      std::uint64_t{payload} + 4 > header_size) {
    return std::nullopt;
  }
  auto header_text = ReadExactly(f, json_len);
  if (!header_text) return std::nullopt;
  // As RD's build reads it (JSON.parse): duplicate keys allowed.
  auto header = ParseJsonLikeJavaScript(*header_text, asar_path, kMaxAsarHeaderBytes);
  if (!header.has_value() || !header->is_object()) return std::nullopt;
  const auto files = header->find("files");
  if (files == header->end() || !files->is_object()) return std::nullopt;
  const auto entry = files->find("package.json");
  if (entry == files->end() || !entry->is_object()) return std::nullopt;
  if (const auto unpacked = entry->find("unpacked");
      unpacked != entry->end() && !(unpacked->is_boolean() && !unpacked->get<bool>())) {
    return std::nullopt;  // in app.asar.unpacked: RD never puts package.json there
  }
  const auto size = entry->find("size");
  const auto offset = entry->find("offset");
  if (size == entry->end() || !size->is_number_unsigned() || offset == entry->end() ||
      !offset->is_string()) {
    return std::nullopt;
  }
  const std::uint64_t n = size->get<std::uint64_t>();
  std::uint64_t off = 0;
  for (char c : offset->get<std::string>()) {
    if (c < '0' || c > '9' || off > (UINT64_MAX - 9) / 10) return std::nullopt;
    off = off * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n > kMaxPackageJsonBytes) return std::nullopt;
  // Data starts at 8 + header_size; 16 + json_len bytes are read.
  const std::uint64_t data_start = 8 + std::uint64_t{header_size};
  if (data_start < 16 + std::uint64_t{json_len} || off > UINT64_MAX - data_start) {
    return std::nullopt;
  }
  if (!f.Skip(data_start + off - 16 - json_len).ok()) return std::nullopt;
  auto text = ReadExactly(f, static_cast<std::size_t>(n));
  if (!text) return std::nullopt;
  auto package = ParseJsonLikeJavaScript(*text, asar_path, kMaxPackageJsonBytes);
  if (!package.has_value() || !package->is_object()) return std::nullopt;
  const auto v = package->find("version");
  if (v == package->end() || !v->is_string()) return std::nullopt;
  std::string_view version = v->get_ref<const std::string&>();
  if (version.starts_with('v')) version.remove_prefix(1);
  return LeadingRdVersion(version);
}

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
                                             const GetEnvFn& getenv,
                                             const std::string& system_root) {
  const bool host = dest.is_host;
  auto exists = [&](const std::string& p) { return fs.Stat(p).has_value(); };
  switch (dest.os) {
    case TargetOs::kDarwin: {
      std::vector<std::string> apps = {JoinPath(dest.home, "Applications/Rancher Desktop.app")};
      if (host) apps.insert(apps.begin(), system_root + "/Applications/Rancher Desktop.app");
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
      const std::string dpkg = system_root + "/var/lib/dpkg/status";
      if (auto text = ReadFileToString(fs, dpkg, kMaxDpkgStatusBytes)) {
        if (auto v = ParseDpkgStatusVersion(*text)) return InstalledRd{dpkg, "deb package", v};
      }
      // packaging/linux/rancher-desktop.spec installs into /opt/%{name}: an rpm (its database
      // is not read), or the release zip unzipped there.
      const std::string opt = system_root + "/opt/rancher-desktop";
      if (exists(opt)) {
        const std::string asar = JoinPath(opt, kAppAsar);
        if (auto v = ReadAsarPackageVersion(fs, asar)) {
          return InstalledRd{asar, "package (rpm or deb) or unzipped release", v};
        }
        return InstalledRd{opt, "package (rpm or deb)", std::nullopt};
      }
      return std::nullopt;
    }
    case TargetOs::kWindows: {
      // Per user: %LOCALAPPDATA%\Programs\Rancher Desktop. Per machine: %ProgramFiles%, on a
      // mounted home /mnt/c/Users/<u> that is /mnt/c/Program Files.
      const std::string per_user = JoinPath(dest.home, "AppData/Local/Programs/Rancher Desktop");
      std::string program_files = JoinPath(DirName(DirName(dest.home)), "Program Files");
      if (auto pf = getenv("ProgramFiles"); pf && host) program_files = *pf;
      const std::string per_machine = JoinPath(program_files, "Rancher Desktop");
      for (const auto& [dir, how] : {std::pair{per_user, "per-user install"},
                                     std::pair{per_machine, "per-machine install"}}) {
        if (!exists(dir)) continue;
        const std::string asar = JoinPath(dir, kAppAsar);
        if (auto v = ReadAsarPackageVersion(fs, asar)) return InstalledRd{asar, how, v};
        return InstalledRd{dir, how, std::nullopt};
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace rdbundle
