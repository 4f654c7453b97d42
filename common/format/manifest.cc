#include "common/format/manifest.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <set>
#include <tuple>

#include "common/base/hex.h"
#include "common/base/strings.h"
#include "common/format/json_strict.h"
#include "common/format/limits.h"
#include "common/format/version.h"

namespace rdbundle {
namespace {

constexpr std::string_view kWhat = "manifest.json";
constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxGeneratorBytes = 128;

Status Bad(const std::string& reason) { return Status::Corrupt(std::string(kWhat) + ": " + reason); }

bool IsPrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool IsUpperHex(std::string_view s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
         });
}

// Strict "YYYY-MM-DDTHH:MM:SSZ".
bool IsRfc3339Utc(std::string_view s) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (kShape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(s[i])) : s[i] != kShape[i]) {
      return false;
    }
  }
  auto num = [&](std::size_t pos) { return (s[pos] - '0') * 10 + (s[pos + 1] - '0'); };
  return num(5) >= 1 && num(5) <= 12 && num(8) >= 1 && num(8) <= 31 && num(11) <= 23 &&
         num(14) <= 59 && num(17) <= 60;
}

bool K3sVersionLess(const std::string& a, const std::string& b) {
  auto va = ParseK3sVersion(a);
  auto vb = ParseK3sVersion(b);
  if (va.has_value() && vb.has_value()) return *va < *vb;
  return a < b;
}

// format-spec 4: by os name, then arch name (bytewise), then version numerically.
auto KubectlKey(const KubectlPlatform& k) {
  auto v = ParseKubectlVersion(k.version);
  KubectlVersion kv = v.has_value() ? *v : KubectlVersion{};
  return std::make_tuple(OsName(k.os), ArchName(k.arch), kv.major, kv.minor, kv.patch);
}

Status ParseSource(const Json& j, const std::string& what, std::optional<FileSource>& out) {
  if (!j.is_object()) return Status::Corrupt(what + ": source: expected an object");
  RDB_RETURN_IF_ERROR(CheckOnlyKeys(j, {"url", "sha256", "sha512"}, what + ": source"));
  FileSource src;
  RDB_ASSIGN_OR_RETURN(src.url, GetString(j, "url", what + ": source"));
  if (j.contains("sha256")) {
    RDB_ASSIGN_OR_RETURN(std::string sha, GetString(j, "sha256", what + ": source"));
    src.sha256 = std::move(sha);
  }
  if (j.contains("sha512")) {  // format 2, rd-installer only: ValidateManifest checks that
    RDB_ASSIGN_OR_RETURN(std::string sha, GetString(j, "sha512", what + ": source"));
    src.sha512 = std::move(sha);
  }
  out = std::move(src);
  return Status::Ok();
}

Result<ManifestFile> ParseFile(const Json& j, std::size_t index) {
  const std::string what = std::string(kWhat) + ": files[" + std::to_string(index) + "]";
  if (!j.is_object()) return Status::Corrupt(what + ": expected an object");
  RDB_RETURN_IF_ERROR(CheckOnlyKeys(j, {"path", "size", "sha256", "mode", "role", "source"}, what));
  ManifestFile f;
  RDB_ASSIGN_OR_RETURN(f.path, GetString(j, "path", what));
  RDB_ASSIGN_OR_RETURN(f.size, GetUnsigned(j, "size", what));
  RDB_ASSIGN_OR_RETURN(f.sha256, GetString(j, "sha256", what));
  RDB_ASSIGN_OR_RETURN(std::string mode, GetString(j, "mode", what));
  RDB_ASSIGN_OR_RETURN(std::string role, GetString(j, "role", what));
  if (mode == "0644") {
    f.mode = 0644;
  } else if (mode == "0755") {
    f.mode = 0755;
  } else {
    return Status::Corrupt(what + ": mode \"" + mode + "\" is not \"0644\" or \"0755\"");
  }
  auto r = ParseRole(role);
  if (!r) return Status::Corrupt(what + ": unknown role \"" + role + "\"");
  f.role = *r;
  if (auto it = j.find("source"); it != j.end()) {
    RDB_RETURN_IF_ERROR(ParseSource(*it, what, f.source));
  }
  return f;
}

Result<KubectlPlatform> ParseKubectlEntry(const Json& j, std::size_t index) {
  const std::string what = std::string(kWhat) + ": kubectl[" + std::to_string(index) + "]";
  if (!j.is_object()) return Status::Corrupt(what + ": expected an object");
  RDB_RETURN_IF_ERROR(CheckOnlyKeys(j, {"version", "os", "arch"}, what));
  KubectlPlatform k;
  RDB_ASSIGN_OR_RETURN(k.version, GetString(j, "version", what));
  RDB_ASSIGN_OR_RETURN(std::string os, GetString(j, "os", what));
  RDB_ASSIGN_OR_RETURN(std::string arch, GetString(j, "arch", what));
  auto o = ParseOs(os);
  if (!o.has_value()) return Status::Corrupt(what + ": " + o.error().message());
  auto a = ParseArch(arch);
  if (!a.has_value()) return Status::Corrupt(what + ": " + a.error().message());
  k.os = *o;
  k.arch = *a;
  return k;
}

Result<std::vector<std::string>> GetStringArray(const Json& obj, std::string_view key,
                                                const std::string& what) {
  RDB_ASSIGN_OR_RETURN(const Json* arr, GetArray(obj, key, what));
  std::vector<std::string> out;
  for (const auto& v : *arr) {
    if (!v.is_string()) return Status::Corrupt(what + ": " + std::string(key) + ": expected strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<RdInstallerEntry> ParseInstallerEntry(const Json& j, std::size_t index) {
  const std::string what = std::string(kWhat) + ": rdInstallers[" + std::to_string(index) + "]";
  if (!j.is_object()) return Status::Corrupt(what + ": expected an object");
  RDB_RETURN_IF_ERROR(CheckOnlyKeys(j, {"version", "platform"}, what));
  RdInstallerEntry e;
  RDB_ASSIGN_OR_RETURN(e.version, GetString(j, "version", what));
  RDB_ASSIGN_OR_RETURN(std::string platform, GetString(j, "platform", what));
  auto p = ParseRdPlatform(platform);
  if (!p.has_value()) return Status::Corrupt(what + ": " + p.error().message());
  e.platform = *p;
  return e;
}

Status ParseK3sSummary(const Json& root, Manifest& m) {
  const std::string what = std::string(kWhat) + ": k3s";
  RDB_ASSIGN_OR_RETURN(const Json* k3s, GetObject(root, "k3s", kWhat));
  if (m.format_version >= 2) {
    RDB_RETURN_IF_ERROR(CheckOnlyKeys(*k3s, {"versions", "arches", "channels"}, what));
    RDB_ASSIGN_OR_RETURN(const Json* channels, GetObject(*k3s, "channels", what));
    for (const auto& [name, value] : channels->items()) {
      if (!value.is_string()) return Status::Corrupt(what + ": channels: expected strings");
      m.k3s_channels.emplace(name, value.get<std::string>());
    }
  } else {
    RDB_RETURN_IF_ERROR(CheckOnlyKeys(*k3s, {"versions", "arches"}, what));
  }
  RDB_ASSIGN_OR_RETURN(m.k3s_versions, GetStringArray(*k3s, "versions", what));
  RDB_ASSIGN_OR_RETURN(auto arches, GetStringArray(*k3s, "arches", what));
  for (const auto& a : arches) {
    auto arch = ParseArch(a);
    if (!arch.has_value()) return Status::Corrupt(what + ": arches: " + arch.error().message());
    m.k3s_arches.push_back(*arch);
  }
  return Status::Ok();
}

// Format and version first: a newer bundle must say "unsupported version", not "corrupt".
Status CheckFormatVersion(const Json& root, Manifest& m) {
  if (!root.is_object()) return Bad("expected a JSON object");
  RDB_ASSIGN_OR_RETURN(std::string format, GetString(root, "format", kWhat));
  if (format != kFormatName) return Bad("format is \"" + format + "\", not \"rdbundle\"");
  auto it = root.find("formatVersion");
  if (it == root.end()) return Bad("missing field formatVersion");
  if (!it->is_number_unsigned()) return Bad("formatVersion: expected a positive integer");
  std::uint64_t v = it->get<std::uint64_t>();
  if (v < static_cast<std::uint64_t>(kMinFormatVersion) ||
      v > static_cast<std::uint64_t>(kFormatVersion)) {
    return Status::Unsupported(std::string(kWhat) + ": unsupported format version " +
                               std::to_string(v) + " (this rdbundle reads versions " +
                               std::to_string(kMinFormatVersion) + " to " +
                               std::to_string(kFormatVersion) + "; upgrade rdbundle)");
  }
  m.format_version = static_cast<int>(v);
  return Status::Ok();
}

Status CheckHeaderFields(const Manifest& m) {
  if (!IsLowerHex(m.bundle_id, 32)) return Bad("bundleId: expected 32 lowercase hex digits");
  if (!IsRfc3339Utc(m.created)) return Bad("created: expected \"YYYY-MM-DDTHH:MM:SSZ\"");
  if (m.generator.empty() || m.generator.size() > kMaxGeneratorBytes ||
      !std::all_of(m.generator.begin(), m.generator.end(),
                   [](char c) { return c >= 0x20 && c < 0x7f; })) {
    return Bad("generator: expected 1 to 128 printable ASCII characters");
  }
  if (!IsUpperHex(m.key_id, 16)) return Bad("keyId: expected 16 uppercase hex digits");
  return Status::Ok();
}

Status CheckFileEntry(const ManifestFile& f, const PayloadPath& p) {
  const std::string what = std::string(kWhat) + ": " + f.path;
  if (f.role != p.role) {
    return Status::Corrupt(what + ": role \"" + std::string(RoleName(f.role)) +
                           "\" does not match the path (expected \"" +
                           std::string(RoleName(p.role)) + "\")");
  }
  if (f.mode != ModeForRole(f.role)) {
    return Status::Corrupt(what + ": mode must be " + (ModeForRole(f.role) == 0755 ? "0755" : "0644") +
                           " for role " + std::string(RoleName(f.role)));
  }
  if (!IsLowerHex(f.sha256, 64)) return Status::Corrupt(what + ": sha256: expected 64 lowercase hex digits");
  std::uint64_t cap = kMaxFileBytes;
  if (f.role == FileRole::kK3sSums) cap = kMaxSumsFileBytes;
  if (f.role == FileRole::kK3sVersions) cap = kMaxVersionsJsonBytes;
  if (f.size > cap) {
    return Status::Limit(what + ": size " + std::to_string(f.size) + " exceeds the limit of " +
                         std::to_string(cap) + " bytes for role " + std::string(RoleName(f.role)));
  }
  if (f.role == FileRole::kRdInstaller && !(f.source && f.source->sha512)) {
    // RD's own updater refuses an asset without its .sha512sum (LonghornProvider.ts): so does
    // the format (v2 section 4).
    return Status::Corrupt(what + ": source.sha512: required for role rd-installer");
  }
  if (f.source) {
    const auto& url = f.source->url;
    if (url.size() > kMaxUrlBytes || !IsPrintableAscii(url) ||
        !(url.starts_with("https://") || url.starts_with("http://"))) {
      return Status::Corrupt(what + ": source.url: expected an http(s) URL of printable ASCII");
    }
    if (f.source->sha256 && !IsLowerHex(*f.source->sha256, 64)) {
      return Status::Corrupt(what + ": source.sha256: expected 64 lowercase hex digits");
    }
    if (f.source->sha512 && f.role != FileRole::kRdInstaller) {
      return Status::Corrupt(what + ": source.sha512: only for role rd-installer");
    }
    if (f.source->sha512 && !IsLowerHex(*f.source->sha512, 128)) {
      return Status::Corrupt(what + ": source.sha512: expected 128 lowercase hex digits");
    }
  }
  return Status::Ok();
}

struct Summaries {
  std::vector<std::string> k3s_versions;
  std::vector<Arch> arches;
  std::vector<KubectlPlatform> kubectl;
  std::vector<RdInstallerEntry> installers;
};

// format-spec v2 section 4: by platform name (bytewise), then version numerically.
auto InstallerKey(const RdInstallerEntry& e) {
  auto v = ParseRdVersion(e.version);
  RdVersion rv = v.has_value() ? *v : RdVersion{};
  return std::make_tuple(RdPlatformName(e.platform), rv.major, rv.minor, rv.patch);
}

// Channel names as RD's channel server and k3s-versions.json use them ("stable", "v1.30").
bool IsChannelName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

// Per-file checks plus the summaries and completeness implied by `files`.
Result<Summaries> CheckFiles(const std::vector<ManifestFile>& files) {
  if (files.empty()) return Bad("files: a bundle carries at least one file");
  if (files.size() > kMaxFiles) {
    return Status::Limit(std::string(kWhat) + ": " + std::to_string(files.size()) +
                         " files exceeds the limit of " + std::to_string(kMaxFiles));
  }
  std::set<std::string> folded;
  std::map<std::pair<std::string, Arch>, std::array<int, 3>> kits;  // binary, sums, images
  std::set<std::string, decltype(&K3sVersionLess)> versions(&K3sVersionLess);
  std::set<Arch> arches;
  Summaries s;
  int versions_files = 0;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const ManifestFile& f = files[i];
    auto p = ClassifyPayloadPath(f.path);
    if (!p.has_value()) return p.error().WithContext(kWhat);
    RDB_RETURN_IF_ERROR(CheckFileEntry(f, *p));
    if (i > 0 && !(files[i - 1].path < f.path)) {
      return Bad("files: \"" + f.path + "\" is out of order or duplicated (paths must be "
                 "strictly increasing)");
    }
    if (!folded.insert(AsciiLower(f.path)).second) {
      return Bad("files: \"" + f.path + "\" differs from another path only in case");
    }
    if (f.size > kMaxBundlePayloadBytes - total) {
      return Status::Limit(std::string(kWhat) + ": total size exceeds the limit of " +
                           std::to_string(kMaxBundlePayloadBytes) + " bytes");
    }
    total += f.size;
    switch (p->role) {
      case FileRole::kK3sVersions:
        ++versions_files;
        break;
      case FileRole::kKubectl:
        s.kubectl.push_back({p->kubectl_version, *p->os, *p->arch});
        break;
      case FileRole::kRdInstaller:
        s.installers.push_back({p->rd_version, *p->rd_platform});
        break;
      default: {
        versions.insert(p->k3s_version);
        arches.insert(*p->arch);
        int slot = p->role == FileRole::kK3sBinary ? 0 : p->role == FileRole::kK3sSums ? 1 : 2;
        ++kits[{p->k3s_version, *p->arch}][slot];
      }
    }
  }
  // RD keys versions by X.Y.Z (k3sHelper.ts readCache): two builds of one version collide.
  std::map<std::string, std::string> builds;
  for (const auto& v : versions) {
    auto [it, fresh] = builds.emplace(ChannelValue(*ParseK3sVersion(v)), v);
    if (!fresh) {
      return Bad("k3s " + it->second + " and " + v +
                 ": one build per version (Rancher Desktop keys versions by X.Y.Z)");
    }
  }
  for (const auto& [key, counts] : kits) {
    if (counts[0] != 1 || counts[1] != 1 || counts[2] != 1) {
      return Bad("k3s " + key.first + " " + std::string(ArchName(key.second)) +
                 ": needs exactly one binary, one sha256sum file and one images archive");
    }
  }
  if (versions_files != (versions.empty() ? 0 : 1)) {
    return Bad(versions.empty() ? "cache/k3s-versions.json without any k3s version"
                                : "k3s versions without cache/k3s-versions.json");
  }
  s.k3s_versions.assign(versions.begin(), versions.end());
  s.arches.assign(arches.begin(), arches.end());
  std::sort(s.kubectl.begin(), s.kubectl.end(),
            [](const auto& a, const auto& b) { return KubectlKey(a) < KubectlKey(b); });
  std::sort(s.installers.begin(), s.installers.end(),
            [](const auto& a, const auto& b) { return InstallerKey(a) < InstallerKey(b); });
  return s;
}

}  // namespace

std::uint64_t Manifest::TotalBytes() const {
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  return total;
}

int MinimumFormatVersion(const Manifest& m) {
  const bool installers = std::any_of(m.files.begin(), m.files.end(), [](const ManifestFile& f) {
    return f.role == FileRole::kRdInstaller;
  });
  return installers || !m.rd_installers.empty() ? 2 : 1;
}

Status ValidateManifest(const Manifest& m) {
  if (m.format_version < kMinFormatVersion || m.format_version > kFormatVersion) {
    return Bad("formatVersion must be 1 or 2");
  }
  RDB_RETURN_IF_ERROR(CheckHeaderFields(m));
  RDB_ASSIGN_OR_RETURN(Summaries s, CheckFiles(m.files));
  if (m.format_version < MinimumFormatVersion(m)) {
    return Bad("installers/ needs formatVersion 2 (format-spec/rdbundle-v2.md)");
  }
  if (m.format_version == 1 && !m.k3s_channels.empty()) {
    return Bad("k3s.channels needs formatVersion 2");
  }
  if (s.installers != m.rd_installers) {
    return Bad("rdInstallers does not list exactly the installer files, sorted by platform, "
               "version");
  }
  std::set<std::string> values;
  for (const auto& v : s.k3s_versions) values.insert(ChannelValue(*ParseK3sVersion(v)));
  for (const auto& [name, value] : m.k3s_channels) {
    if (!IsChannelName(name)) return Bad("k3s.channels: invalid channel name \"" + name + "\"");
    if (values.count(value) == 0) {
      return Bad("k3s.channels: \"" + name + "\" names \"" + value +
                 "\", which is not a bundled k3s version");
    }
  }
  if (s.k3s_versions != m.k3s_versions) {
    return Bad("k3s.versions does not list exactly the versions in files, in version order");
  }
  if (s.arches != m.k3s_arches) {
    return Bad("k3s.arches does not list exactly the arches in files, sorted");
  }
  if (s.kubectl != m.kubectl) {
    return Bad("kubectl does not list exactly the kubectl files, sorted by os, arch, version");
  }
  return Status::Ok();
}

Status FillManifestSummaries(Manifest& m) {
  RDB_ASSIGN_OR_RETURN(Summaries s, CheckFiles(m.files));
  m.k3s_versions = std::move(s.k3s_versions);
  m.k3s_arches = std::move(s.arches);
  m.kubectl = std::move(s.kubectl);
  m.rd_installers = std::move(s.installers);
  m.format_version = MinimumFormatVersion(m);
  return Status::Ok();
}

Result<Manifest> ParseManifest(std::string_view bytes) {
  RDB_ASSIGN_OR_RETURN(Json root, ParseJsonStrict(bytes, kWhat, kMaxManifestBytes));
  Manifest m;
  RDB_RETURN_IF_ERROR(CheckFormatVersion(root, m));
  if (m.format_version >= 2) {
    RDB_RETURN_IF_ERROR(CheckOnlyKeys(root,
                                      {"format", "formatVersion", "bundleId", "created",
                                       "generator", "keyId", "k3s", "kubectl", "rdInstallers",
                                       "files"},
                                      kWhat));
  } else {
    RDB_RETURN_IF_ERROR(CheckOnlyKeys(root,
                                      {"format", "formatVersion", "bundleId", "created",
                                       "generator", "keyId", "k3s", "kubectl", "files"},
                                      kWhat));
  }
  RDB_ASSIGN_OR_RETURN(m.bundle_id, GetString(root, "bundleId", kWhat));
  RDB_ASSIGN_OR_RETURN(m.created, GetString(root, "created", kWhat));
  RDB_ASSIGN_OR_RETURN(m.generator, GetString(root, "generator", kWhat));
  RDB_ASSIGN_OR_RETURN(m.key_id, GetString(root, "keyId", kWhat));
  RDB_RETURN_IF_ERROR(ParseK3sSummary(root, m));
  RDB_ASSIGN_OR_RETURN(const Json* kubectl, GetArray(root, "kubectl", kWhat));
  for (std::size_t i = 0; i < kubectl->size(); ++i) {
    RDB_ASSIGN_OR_RETURN(KubectlPlatform k, ParseKubectlEntry((*kubectl)[i], i));
    m.kubectl.push_back(std::move(k));
  }
  if (m.format_version >= 2) {
    RDB_ASSIGN_OR_RETURN(const Json* installers, GetArray(root, "rdInstallers", kWhat));
    if (installers->size() > kMaxFiles) {
      return Status::Limit(std::string(kWhat) + ": rdInstallers: more than " +
                           std::to_string(kMaxFiles) + " entries");
    }
    for (std::size_t i = 0; i < installers->size(); ++i) {
      RDB_ASSIGN_OR_RETURN(RdInstallerEntry e, ParseInstallerEntry((*installers)[i], i));
      m.rd_installers.push_back(std::move(e));
    }
  }
  RDB_ASSIGN_OR_RETURN(const Json* files, GetArray(root, "files", kWhat));
  if (files->size() > kMaxFiles) {
    return Status::Limit(std::string(kWhat) + ": " + std::to_string(files->size()) +
                         " files exceeds the limit of " + std::to_string(kMaxFiles));
  }
  for (std::size_t i = 0; i < files->size(); ++i) {
    RDB_ASSIGN_OR_RETURN(ManifestFile f, ParseFile((*files)[i], i));
    m.files.push_back(std::move(f));
  }
  RDB_RETURN_IF_ERROR(ValidateManifest(m));
  return m;
}

std::string SerializeManifest(const Manifest& m) {
  OrderedJson root;
  root["format"] = kFormatName;
  root["formatVersion"] = m.format_version;
  root["bundleId"] = m.bundle_id;
  root["created"] = m.created;
  root["generator"] = m.generator;
  root["keyId"] = m.key_id;
  OrderedJson k3s;
  k3s["versions"] = m.k3s_versions;
  k3s["arches"] = OrderedJson::array();
  for (Arch a : m.k3s_arches) k3s["arches"].push_back(ArchName(a));
  if (m.format_version >= 2) {
    k3s["channels"] = OrderedJson::object();
    for (const auto& [name, value] : m.k3s_channels) k3s["channels"][name] = value;
  }
  root["k3s"] = std::move(k3s);
  root["kubectl"] = OrderedJson::array();
  for (const auto& k : m.kubectl) {
    OrderedJson e;
    e["version"] = k.version;
    e["os"] = OsName(k.os);
    e["arch"] = ArchName(k.arch);
    root["kubectl"].push_back(std::move(e));
  }
  if (m.format_version >= 2) {
    root["rdInstallers"] = OrderedJson::array();
    for (const auto& i : m.rd_installers) {
      OrderedJson e;
      e["version"] = i.version;
      e["platform"] = RdPlatformName(i.platform);
      root["rdInstallers"].push_back(std::move(e));
    }
  }
  root["files"] = OrderedJson::array();
  for (const auto& f : m.files) {
    OrderedJson e;
    e["path"] = f.path;
    e["size"] = f.size;
    e["sha256"] = f.sha256;
    e["mode"] = f.mode == 0755 ? "0755" : "0644";
    e["role"] = RoleName(f.role);
    if (f.source) {
      OrderedJson src;
      src["url"] = f.source->url;
      if (f.source->sha256) src["sha256"] = *f.source->sha256;
      if (f.source->sha512) src["sha512"] = *f.source->sha512;
      e["source"] = std::move(src);
    }
    root["files"].push_back(std::move(e));
  }
  return root.dump(2) + "\n";
}

std::string ManifestTrustedComment(const Manifest& m) {
  return "rdbundle-format:" + std::to_string(m.format_version) + " bundle-id:" + m.bundle_id;
}

Status CheckManifestTrustedComment(std::string_view trusted_comment, const Manifest& m) {
  if (trusted_comment != ManifestTrustedComment(m)) {
    return Status::BadSignature("manifest.json.minisig: trusted comment \"" +
                                std::string(trusted_comment.substr(0, 120)) +
                                "\" does not match the manifest (expected \"" +
                                ManifestTrustedComment(m) + "\")");
  }
  return Status::Ok();
}

std::string FormatRfc3339Utc(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
#if defined(_WIN32)
  gmtime_s(&tm, &t);  // the C runtime's reentrant form (arguments swapped)
#else
  gmtime_r(&t, &tm);
#endif
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace rdbundle
