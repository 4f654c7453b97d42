// DiscoverKit: directory listings and lstat only (CheckKit, in kit_check.cc, reads the files).
#include "packer/kit.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace rdbundle::packer {
namespace {

constexpr Arch kAllArches[] = {Arch::kAmd64, Arch::kArm64};
constexpr const char* kSelectHint = " (select what to pack with --k3s/--arch)";

bool Hidden(const std::string& name) { return !name.empty() && name[0] == '.'; }

FileIdentity IdentityOf(const FileInfo& info) {
  return {info.size, info.mtime_ns, info.inode, info.device};
}

// lstat `path`: nullopt when it does not exist; kCorrupt when it exists but is not a regular
// file. Symlinks are refused rather than followed: the file hashed must be the file packed, and
// a link could point anywhere.
Result<std::optional<FileInfo>> StatRegular(Fs& fs, const std::string& path) {
  auto info = fs.Stat(path);
  if (!info.has_value()) {
    if (info.error().code() == ErrorCode::kNotFound) return std::optional<FileInfo>();
    return info.error();
  }
  if (info->type == FileInfo::Type::kSymlink) {
    return Status::Corrupt(path + ": is a symbolic link (rdbundle-pack reads regular files only)");
  }
  if (info->type != FileInfo::Type::kRegular) {
    return Status::Corrupt(path + ": not a regular file");
  }
  return std::optional<FileInfo>(*info);
}

// kNotFound/other errors pass through; true when `path` is a directory, false when absent.
Result<bool> IsDir(Fs& fs, const std::string& path) {
  auto info = fs.Stat(path);
  if (!info.has_value()) {
    if (info.error().code() == ErrorCode::kNotFound) return false;
    return info.error();
  }
  if (info->type != FileInfo::Type::kDirectory) return Status::Corrupt(path + ": not a directory");
  return true;
}

KitFile MakeFile(std::string bundle_path, FileRole role, std::string input, const FileInfo& info) {
  KitFile f;
  f.bundle_path = std::move(bundle_path);
  f.role = role;
  f.input_path = std::move(input);
  f.identity = IdentityOf(info);
  return f;
}

// The files of one arch in one version directory, as found.
struct ArchFiles {
  std::optional<FileInfo> binary, sums;
  std::vector<std::pair<std::string, FileInfo>> images;  // in RD's order of preference
  bool any() const { return binary || sums || !images.empty(); }
};

Result<ArchFiles> FindArchFiles(Fs& fs, const std::string& dir, Arch arch) {
  ArchFiles a;
  RDB_ASSIGN_OR_RETURN(a.binary, StatRegular(fs, JoinPath(dir, K3sBinaryName(arch))));
  RDB_ASSIGN_OR_RETURN(a.sums, StatRegular(fs, JoinPath(dir, K3sSumsName(arch))));
  for (const std::string& name : K3sImagesNames(arch)) {
    RDB_ASSIGN_OR_RETURN(auto info, StatRegular(fs, JoinPath(dir, name)));
    if (info) a.images.emplace_back(name, *info);
  }
  return a;
}

std::string KitNeeds(Arch arch) {
  const auto images = K3sImagesNames(arch);
  return "the " + std::string(ArchName(arch)) + " kit is " + K3sBinaryName(arch) + ", " +
         K3sSumsName(arch) + " and " + images[0] + " or .tar";
}

// Adds the three files of (version, arch). REQUIRES: a.any().
Status AddArchKit(const std::string& dir, const K3sVersion& v, Arch arch, const ArchFiles& a,
                  const NoteFn& note, Kit& kit) {
  std::string missing;
  if (!a.binary) missing = K3sBinaryName(arch);
  if (!a.sums) missing += (missing.empty() ? "" : " and ") + K3sSumsName(arch);
  if (a.images.empty()) missing += (missing.empty() ? "" : " and ") + K3sImagesNames(arch)[0];
  if (!missing.empty()) {
    return Status::Corrupt(dir + ": " + missing + " missing (" + KitNeeds(arch) + ")" +
                           kSelectHint);
  }
  if (a.images.size() > 1) {
    note(dir + ": using " + a.images[0].first + ", not " + a.images[1].first +
         " (Rancher Desktop prefers .tar.zst)");
  }
  const std::string bin = K3sBinaryName(arch), sums = K3sSumsName(arch);
  kit.files.push_back(MakeFile(K3sBundlePath(v.text, bin), FileRole::kK3sBinary,
                               JoinPath(dir, bin), *a.binary));
  kit.files.push_back(MakeFile(K3sBundlePath(v.text, sums), FileRole::kK3sSums,
                               JoinPath(dir, sums), *a.sums));
  const auto& [images_name, images_info] = a.images[0];
  kit.files.push_back(MakeFile(K3sBundlePath(v.text, images_name), FileRole::kK3sImages,
                               JoinPath(dir, images_name), images_info));
  return Status::Ok();
}

// One version directory. Returns false when it holds nothing of the selected arches and the
// version was not selected by name (it is then skipped).
Result<bool> AddVersion(Fs& fs, const std::string& dir, const K3sVersion& v,
                        const KitSelection& sel, bool named, const NoteFn& note, Kit& kit) {
  const std::vector<Arch> arches = sel.arches.empty()
                                       ? std::vector<Arch>(std::begin(kAllArches), std::end(kAllArches))
                                       : sel.arches;
  std::map<Arch, ArchFiles> found;
  for (Arch a : arches) {
    RDB_ASSIGN_OR_RETURN(found[a], FindArchFiles(fs, dir, a));
  }
  const bool any = std::any_of(found.begin(), found.end(), [](auto& e) { return e.second.any(); });
  if (!any) {
    const std::string what = sel.arches.empty() ? "no k3s files" : "no files of the selected arches";
    if (named || sel.arches.empty()) {
      return Status::NotFound(dir + ": " + what + " (" + KitNeeds(arches[0]) + ")" + kSelectHint);
    }
    note("skipping " + v.text + ": " + what);
    return false;
  }
  for (Arch a : arches) {
    // A selected arch must be complete; an unselected (defaulted) arch only when present.
    if (!found[a].any() && sel.arches.empty()) continue;
    if (!found[a].any()) {
      return Status::NotFound(dir + ": no " + std::string(ArchName(a)) + " files (" +
                              KitNeeds(a) + ")" + kSelectHint);
    }
    RDB_RETURN_IF_ERROR(AddArchKit(dir, v, a, found[a], note, kit));
  }
  return true;
}

// The version directories to look at: the selected ones, or every entry of k3s/.
Result<std::vector<std::pair<K3sVersion, bool>>> VersionDirs(Fs& fs, const std::string& k3s_dir,
                                                             const KitSelection& sel) {
  std::vector<std::pair<K3sVersion, bool>> out;  // version, named by --k3s
  if (!sel.k3s_versions.empty() || sel.exact) {
    for (const std::string& s : sel.k3s_versions) {
      RDB_ASSIGN_OR_RETURN(K3sVersion v, ParseK3sVersion(s));
      const std::string dir = JoinPath(k3s_dir, v.text);
      RDB_ASSIGN_OR_RETURN(bool exists, IsDir(fs, dir));
      if (!exists) return Status::NotFound("k3s " + v.text + " not found (" + dir + ")");
      out.emplace_back(std::move(v), true);
    }
    return out;
  }
  RDB_ASSIGN_OR_RETURN(bool exists, IsDir(fs, k3s_dir));
  if (!exists) return out;
  RDB_ASSIGN_OR_RETURN(auto names, fs.ListDir(k3s_dir));
  for (const std::string& name : names) {
    if (Hidden(name)) continue;
    const std::string dir = JoinPath(k3s_dir, name);
    auto v = ParseK3sVersion(name);
    if (!v.has_value()) {
      return Status::Corrupt(dir + ": not a k3s version directory (" + v.error().message() + ")" +
                             kSelectHint);
    }
    RDB_ASSIGN_OR_RETURN(bool is_dir, IsDir(fs, dir));
    if (!is_dir) return Status::Corrupt(dir + ": not a directory");
    out.emplace_back(std::move(*v), false);
  }
  return out;
}

// k3s-versions.json can list one build per X.Y.Z (RD keys versions by X.Y.Z), so a bundle
// with v1.30.4+k3s1 and v1.30.4+k3s2 could not be installed.
Status CheckOneBuildPerVersion(const std::vector<K3sVersion>& versions) {
  std::map<std::string, std::string> seen;
  for (const K3sVersion& v : versions) {
    auto [it, fresh] = seen.emplace(ChannelValue(v), v.text);
    if (!fresh) {
      return Status::Usage("k3s " + it->second + " and " + v.text + " are two builds of " +
                           it->first + "; Rancher Desktop lists one build per version: select " +
                           "one with --k3s");
    }
  }
  return Status::Ok();
}

Status DiscoverK3s(Fs& fs, const std::string& cache_dir, const KitSelection& sel,
                   const NoteFn& note, Kit& kit) {
  const std::string k3s_dir = JoinPath(cache_dir, "k3s");
  RDB_ASSIGN_OR_RETURN(auto dirs, VersionDirs(fs, k3s_dir, sel));
  std::set<Arch> arches;
  for (const auto& [v, named] : dirs) {
    const std::string& text = v.text;  // clang 14 cannot capture structured bindings
    if (std::any_of(kit.k3s_versions.begin(), kit.k3s_versions.end(),
                    [&](const K3sVersion& k) { return k.text == text; })) {
      continue;  // --k3s given twice
    }
    RDB_ASSIGN_OR_RETURN(bool added, AddVersion(fs, JoinPath(k3s_dir, v.text), v, sel, named, note, kit));
    if (!added) continue;
    kit.k3s_versions.push_back(v);
    if (BelowRdMinimum(v)) {
      note("warning: " + v.text + ": Rancher Desktop 1.19 and later do not offer k3s older "
           "than v1.25.3");
    }
  }
  if (kit.k3s_versions.empty() && !sel.arches.empty() && !sel.exact) {
    return Status::NotFound("no k3s version with files of the selected arches under " + k3s_dir);
  }
  std::sort(kit.k3s_versions.begin(), kit.k3s_versions.end());
  RDB_RETURN_IF_ERROR(CheckOneBuildPerVersion(kit.k3s_versions));
  for (const KitFile& f : kit.files) {
    if (auto p = ClassifyPayloadPath(f.bundle_path); p.has_value() && p->arch) arches.insert(*p->arch);
  }
  kit.arches.assign(arches.begin(), arches.end());
  if (!kit.k3s_versions.empty()) {
    const std::string path = JoinPath(cache_dir, "k3s-versions.json");
    RDB_ASSIGN_OR_RETURN(auto info, StatRegular(fs, path));
    if (info) kit.versions_json_path = path;
  }
  return Status::Ok();
}

Status AddKubectl(Fs& fs, const std::string& kuberlr_dir, const KubectlPlatform& k, Kit& kit) {
  const std::string platform = KuberlrPlatformDir(k.os, k.arch);
  const std::string path =
      JoinPath(JoinPath(kuberlr_dir, platform), KubectlFileName(k.version, k.os));
  RDB_ASSIGN_OR_RETURN(auto info, StatRegular(fs, path));
  if (!info) {
    return Status::NotFound("kubectl " + k.version + " for " + std::string(OsName(k.os)) + "/" +
                            std::string(ArchName(k.arch)) + " not found (" + path + ")");
  }
  kit.files.push_back(
      MakeFile(KubectlBundlePath(k.os, k.arch, k.version), FileRole::kKubectl, path, *info));
  kit.kubectls.push_back(k);
  return Status::Ok();
}

// kubectl<X.Y.Z>[.exe] in one <os>-<arch> directory; other names are skipped with a note.
Result<std::vector<KubectlPlatform>> ListPlatformDir(Fs& fs, const std::string& dir, TargetOs os,
                                                     Arch arch, const NoteFn& note) {
  std::vector<KubectlPlatform> out;
  RDB_ASSIGN_OR_RETURN(auto names, fs.ListDir(dir));
  for (const std::string& name : names) {
    if (Hidden(name)) continue;
    std::string_view v = name;
    const bool windows = os == TargetOs::kWindows;
    if (v.starts_with("kubectl")) v.remove_prefix(7);
    if (windows && v.ends_with(".exe")) v.remove_suffix(4);
    auto kv = ParseKubectlVersion(v);
    if (!kv.has_value() || KubectlFileName(kv->ToString(), os) != name) {
      note("skipping " + JoinPath(dir, name) + ": not a kubectl<X.Y.Z>" + (windows ? ".exe" : "") +
           " file");
      continue;
    }
    out.push_back({kv->ToString(), os, arch});
  }
  return out;
}

// "linux-amd64" -> (linux, amd64); nullopt for anything kuberlr would not use, such as the
// "darwin-aarch64" of the upstream docs.
std::optional<std::pair<TargetOs, Arch>> ParsePlatformDir(const std::string& name) {
  for (TargetOs os : {TargetOs::kLinux, TargetOs::kDarwin, TargetOs::kWindows}) {
    for (Arch arch : kAllArches) {
      if (KuberlrPlatformDir(os, arch) == name) return std::make_pair(os, arch);
    }
  }
  return std::nullopt;
}

// Sort key of a kubectl: os, arch, then version numerically (the manifest's order).
auto KubectlKey(const KubectlPlatform& k) {
  auto v = ParseKubectlVersion(k.version);
  return std::make_tuple(k.os, k.arch, v.has_value() ? *v : KubectlVersion{});
}

Status DiscoverKubectls(Fs& fs, const std::string& kuberlr_dir, const KitSelection& sel,
                        const NoteFn& note, Kit& kit) {
  if (!sel.kubectls.empty() || sel.exact) {
    for (const KubectlPlatform& k : sel.kubectls) {
      auto v = ParseKubectlVersion(k.version);
      if (!v.has_value() || v->ToString() != k.version) {
        return Status::Usage("kubectl version \"" + k.version + "\": expected X.Y.Z");
      }
      if (std::find(kit.kubectls.begin(), kit.kubectls.end(), k) != kit.kubectls.end()) continue;
      RDB_RETURN_IF_ERROR(AddKubectl(fs, kuberlr_dir, k, kit));
    }
    return Status::Ok();
  }
  RDB_ASSIGN_OR_RETURN(bool exists, IsDir(fs, kuberlr_dir));
  if (!exists) return Status::Ok();
  RDB_ASSIGN_OR_RETURN(auto names, fs.ListDir(kuberlr_dir));
  for (const std::string& name : names) {
    const std::string dir = JoinPath(kuberlr_dir, name);
    auto info = fs.Stat(dir);
    if (Hidden(name) || !info.has_value() || info->type != FileInfo::Type::kDirectory) continue;
    auto platform = ParsePlatformDir(name);
    if (!platform) {
      note("skipping " + dir + ": not a kuberlr <os>-<arch> directory");
      continue;
    }
    RDB_ASSIGN_OR_RETURN(auto found, ListPlatformDir(fs, dir, platform->first, platform->second, note));
    for (const auto& k : found) RDB_RETURN_IF_ERROR(AddKubectl(fs, kuberlr_dir, k, kit));
  }
  return Status::Ok();
}

// The selected RD installers: exactly these, from source.installers_dir.
Status DiscoverInstallers(Fs& fs, const std::string& dir, const KitSelection& sel, Kit& kit) {
  for (const RdInstallerEntry& i : sel.installers) {
    const std::string name = RdInstallerAssetName(i.version, i.platform);
    const std::string path = JoinPath(dir, name);
    RDB_ASSIGN_OR_RETURN(std::optional<FileInfo> info, StatRegular(fs, path));
    if (!info) {
      return Status::NotFound("Rancher Desktop " + i.version + " for " +
                              std::string(RdPlatformName(i.platform)) + " not found (" + path + ")");
    }
    kit.files.push_back(
        MakeFile(InstallerBundlePath(i.version, i.platform), FileRole::kRdInstaller, path, *info));
  }
  return Status::Ok();
}

}  // namespace

Result<Kit> DiscoverKit(Fs& fs, const KitSource& source, const KitSelection& selection,
                        const NoteFn& note) {
  Kit kit;
  RDB_RETURN_IF_ERROR(DiscoverK3s(fs, source.cache_dir, selection, note, kit));
  RDB_RETURN_IF_ERROR(DiscoverKubectls(fs, source.kuberlr_dir, selection, note, kit));
  RDB_RETURN_IF_ERROR(DiscoverInstallers(fs, source.installers_dir, selection, kit));
  if (kit.files.empty()) {
    return Status::NotFound("nothing to pack: no k3s version in " +
                            JoinPath(source.cache_dir, "k3s") + " and no kubectl in " +
                            source.kuberlr_dir);
  }
  std::sort(kit.kubectls.begin(), kit.kubectls.end(),
            [](const auto& a, const auto& b) { return KubectlKey(a) < KubectlKey(b); });
  return kit;
}

}  // namespace rdbundle::packer
