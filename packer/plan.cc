#include "packer/plan.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "common/base/quote.h"
#include "common/base/strings.h"
#include "common/cli/progress.h"
#include "common/format/json_strict.h"
#include "common/rd/skew.h"
#include "packer/rd_release.h"

namespace rdbundle::packer {
namespace {

constexpr int kMaxMinorSpan = 20;
// zstd -3 on Go executables (k3s, kubectl) gives about this fraction of the input.
constexpr double kExecutableRatio = 0.45;

std::string JoinMinors(const std::vector<Minor>& minors) {
  std::vector<std::string> parts;
  for (const Minor& m : minors) parts.push_back(m.ToString());
  return Join(parts, ", ");
}

std::string ArchNames(const std::vector<Arch>& arches) {
  std::vector<std::string> parts;
  for (Arch a : arches) parts.emplace_back(ArchName(a));
  return Join(parts, "/");
}

std::string Platform(TargetOs os, Arch arch) {
  return std::string(OsName(os)) + "/" + std::string(ArchName(arch));
}

Result<Minor> ParseMinor(std::string_view s, std::string_view whole) {
  auto v = ParseKubectlVersion(std::string(s) + ".0");
  if (!v.has_value() || s.find('.') == std::string_view::npos || s.find('.') != s.rfind('.')) {
    return Status::Usage("--minors " + QuoteForMessage(whole) + ": expected X.Y or X.Y-X.Y, "
                         "e.g. 1.29-1.31");
  }
  return MinorOf(*v);
}

const ReleaseInfo* FindRelease(const std::vector<ReleaseInfo>& releases, std::string_view tag) {
  for (const ReleaseInfo& r : releases) {
    if (!r.draft && r.tag_name == tag) return &r;
  }
  return nullptr;
}

const ReleaseAsset* FindAsset(const ReleaseInfo& r, std::string_view name) {
  for (const ReleaseAsset& a : r.assets) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

PlannedFile K3sFile(const UpstreamUrls& urls, const K3sVersion& v, const ReleaseAsset& a,
                    FileRole role) {
  return {K3sBundlePath(v.text, a.name), role, K3sAssetUrl(urls, v.text, a.name), a.size};
}

// The three files Rancher Desktop needs of one release and arch.
Result<std::vector<PlannedFile>> ArchFiles(const UpstreamUrls& urls, const ReleaseInfo& r,
                                           const K3sVersion& v, Arch arch) {
  const K3sAssetRequirement need = RdAssetRequirement(arch);
  const ReleaseAsset* binary = FindAsset(r, need.binary);
  const ReleaseAsset* sums = FindAsset(r, need.sums);
  const ReleaseAsset* images = nullptr;
  for (const std::string& name : need.images_any_of) {  // .tar.zst first, then .tar
    if (images == nullptr) images = FindAsset(r, name);
  }
  std::vector<std::string> missing;
  if (binary == nullptr) missing.push_back(need.binary);
  if (sums == nullptr) missing.push_back(need.sums);
  if (images == nullptr) missing.push_back(need.images_any_of[0] + " or .tar");
  if (!missing.empty()) {
    return Status::NotFound("k3s " + v.text + ": the release has no " + Join(missing, " and ") +
                            " (Rancher Desktop needs all three for " +
                            std::string(ArchName(arch)) + ")");
  }
  return std::vector<PlannedFile>{K3sFile(urls, v, *binary, FileRole::kK3sBinary),
                                  K3sFile(urls, v, *sums, FileRole::kK3sSums),
                                  K3sFile(urls, v, *images, FileRole::kK3sImages)};
}

// The chosen k3s versions by text, with why each was chosen.
class Selection {
 public:
  void Add(const K3sVersion& v, const std::string& why) {
    auto [it, fresh] = by_text_.try_emplace(v.text, PlannedK3s{v, {}});
    if (std::find(it->second.selected_by.begin(), it->second.selected_by.end(), why) ==
        it->second.selected_by.end()) {
      it->second.selected_by.push_back(why);
    }
  }
  // Version order; kUsage for two builds of one version.
  Result<std::vector<PlannedK3s>> Sorted() const {
    std::vector<PlannedK3s> out;
    for (const auto& [text, k] : by_text_) out.push_back(k);
    std::sort(out.begin(), out.end(),
              [](const PlannedK3s& a, const PlannedK3s& b) { return a.version < b.version; });
    for (std::size_t i = 1; i < out.size(); ++i) {
      const K3sVersion &a = out[i - 1].version, &b = out[i].version;
      if (ChannelValue(a) == ChannelValue(b)) {
        return Status::Usage("k3s " + a.text + " and " + b.text + " are two builds of " +
                             ChannelValue(a) + "; Rancher Desktop lists one build per version: "
                             "select one");
      }
    }
    return out;
  }

 private:
  std::map<std::string, PlannedK3s> by_text_;
};

// The release tags (not drafts or prereleases) that start with `prefix`, newest first, at
// most `n`: "v1.30.4+k3s" gives the builds of v1.30.4, "v1.30." the patches of 1.30.
std::vector<std::string> TagsStartingWith(const std::vector<ReleaseInfo>& releases,
                                          std::string_view prefix, std::size_t n) {
  std::vector<K3sVersion> found;
  for (const ReleaseInfo& r : releases) {
    auto v = ParseK3sVersion(r.tag_name);
    if (!r.draft && v.has_value() && v->prerelease.empty() && r.tag_name.starts_with(prefix)) {
      found.push_back(*v);
    }
  }
  std::sort(found.rbegin(), found.rend());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < found.size() && i < n; ++i) out.push_back(found[i].text);
  return out;
}

// "--k3s v1.30.4": a version without its build names the builds upstream has (issue 18 item 5).
Status BuildMissing(Upstream& up, const std::vector<ReleaseInfo>& releases, const std::string& s) {
  const auto builds = TagsStartingWith(releases, s + "+k3s", 4);
  if (!builds.empty()) {
    return Status::Usage("--k3s " + s + ": name the build: " + Join(builds, " or "));
  }
  return Status::Usage("--k3s " + s + ": no release " + s + "+k3s<N> in " +
                       up.urls().releases_api);
}

Status SelectExact(Upstream& up, const std::vector<ReleaseInfo>& releases,
                   const std::vector<std::string>& versions, Selection& sel) {
  for (const std::string& s : versions) {
    if (IsK3sVersionWithoutBuild(s)) RDB_RETURN_IF_ERROR(BuildMissing(up, releases, s));
    RDB_ASSIGN_OR_RETURN(K3sVersion v, ParseK3sVersion(s));
    if (FindRelease(releases, v.text) == nullptr) {
      const std::string minor = "v" + std::to_string(v.major) + "." + std::to_string(v.minor) + ".";
      const auto near = TagsStartingWith(releases, minor, 3);
      return Status::NotFound("k3s " + v.text + ": no such release in " + up.urls().releases_api +
                              (near.empty() ? "" : " (newest of " + minor.substr(1, minor.size() - 2) +
                                                       ": " + Join(near, ", ") + ")"));
    }
    sel.Add(v, "--k3s");
  }
  return Status::Ok();
}

// The kept version whose channel value is `value` (BuildK3sVersionsFile keeps one per value).
std::optional<K3sVersion> VersionWithValue(const K3sVersionsFile& rd, const std::string& value) {
  for (const std::string& text : rd.versions) {
    auto v = ParseK3sVersion(text);
    if (v.has_value() && ChannelValue(*v) == value) return *v;
  }
  return std::nullopt;
}

Status SelectChannels(Upstream& up, const std::map<std::string, std::string>& raw,
                      const K3sVersionsFile& rd, const std::vector<std::string>& names,
                      const std::vector<Arch>& arches, Selection& sel) {
  for (const std::string& name : names) {
    auto it = raw.find(name);
    if (it == raw.end()) {
      std::vector<std::string> known;
      for (const auto& [n, value] : raw) known.push_back(n);
      return Status::NotFound("channel " + QuoteForMessage(name) + " is not on the channel server " +
                              up.urls().channels + " (it has: " + Join(known, ", ") + ")");
    }
    std::optional<K3sVersion> v;
    if (rd.channels.count(name) != 0) v = VersionWithValue(rd, it->second);
    if (!v) {
      return Status::NotFound("channel " + name + " points to " + it->second + ", which Rancher "
                              "Desktop would not list (a prerelease, older than v1.25.3, or no "
                              "release with the " + ArchNames(arches) + " assets)");
    }
    sel.Add(*v, "channel " + name);
  }
  return Status::Ok();
}

// " (there are: 1.25 to 1.31)": the minors `rd` lists, for a message; "" when none.
std::string ListedMinors(const K3sVersionsFile& rd) {
  std::optional<Minor> low, high;
  for (const std::string& text : rd.versions) {
    auto v = ParseK3sVersion(text);
    if (!v.has_value()) continue;
    const Minor m = MinorOf(*v);
    if (!low || m < *low) low = m;
    if (!high || *high < m) high = m;
  }
  if (!low) return "";
  return " (there are: " + low->ToString() + " to " + high->ToString() + ")";
}

Status SelectMinors(const K3sVersionsFile& rd, const MinorRange& range,
                    const std::vector<Arch>& arches, Selection& sel) {
  for (Minor m = range.first; m <= range.last; ++m.minor) {
    std::optional<K3sVersion> newest;
    for (const std::string& text : rd.versions) {
      auto v = ParseK3sVersion(text);
      if (v.has_value() && MinorOf(*v) == m && (!newest || *newest < *v)) newest = *v;
    }
    if (!newest) {
      // A choice the user made on the command line: a usage error (2), with what there is.
      return Status::Usage("--minors " + range.first.ToString() +
                           (range.last == range.first ? "" : "-" + range.last.ToString()) +
                           ": no k3s " + m.ToString() + " release that Rancher Desktop would list "
                           "(releases, not prereleases, v1.25.3 or later, with the " +
                           ArchNames(arches) + " assets)" + ListedMinors(rd));
    }
    sel.Add(*newest, "minor " + m.ToString());
  }
  return Status::Ok();
}

Result<std::vector<PlannedK3s>> SelectK3s(Upstream& up, const PlanRequest& req,
                                          const std::vector<Arch>& arches, K3sVersionsFile& rd) {
  RDB_ASSIGN_OR_RETURN(const auto* channels, up.Channels());
  RDB_ASSIGN_OR_RETURN(const auto* releases, up.Releases());
  std::vector<K3sAssetRequirement> need;
  for (Arch a : arches) need.push_back(RdAssetRequirement(a));
  rd = BuildK3sVersionsFile(*channels, *releases, need);
  Selection sel;
  RDB_RETURN_IF_ERROR(SelectExact(up, *releases, req.k3s, sel));
  std::vector<std::string> names = req.channels;
  if (req.k3s.empty() && req.channels.empty() && !req.minors) names = {"stable"};
  RDB_RETURN_IF_ERROR(SelectChannels(up, *channels, rd, names, arches, sel));
  if (req.minors) RDB_RETURN_IF_ERROR(SelectMinors(rd, *req.minors, arches, sel));
  return sel.Sorted();
}

// The minimal cover of `minors` with each chosen minor's newest patch (stable-X.Y.txt). Asks
// upstream only for the minors the cover would pick; a minor without a stable file (not
// released yet) is taken out and the cover recomputed.
Result<KubectlCover> CoverFromUpstream(Upstream& up, const std::vector<Minor>& minors) {
  std::map<Minor, KubectlVersion> known;
  std::set<Minor> absent;
  for (;;) {
    std::vector<KubectlVersion> candidates;
    for (const Minor& u : minors) {
      for (int d = -1; d <= 1; ++d) {
        const Minor c{u.major, u.minor + d};
        if (c.minor < 0 || absent.count(c) != 0) continue;
        auto it = known.find(c);
        candidates.push_back(it != known.end() ? it->second : KubectlVersion{c.major, c.minor, 0});
      }
    }
    KubectlCover cover = MinimalKubectlCover(minors, candidates);
    bool changed = false;
    for (const KubectlVersion& k : cover.chosen) {
      const Minor m = MinorOf(k);
      if (known.count(m) != 0) continue;
      RDB_ASSIGN_OR_RETURN(std::optional<KubectlVersion> v, up.StableKubectl(m));
      if (v) {
        known[m] = *v;
      } else {
        absent.insert(m);
      }
      changed = true;
    }
    if (!changed) return cover;
  }
}

std::vector<std::pair<TargetOs, Arch>> KubectlPlatforms(const PlanRequest& req) {
  if (req.no_kubectl) return {};
  std::vector<std::pair<TargetOs, Arch>> out = req.kubectl_platforms;
  if (out.empty() && req.kubectls.empty()) out.emplace_back(HostOs(), HostArch());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Status PlanKubectls(Upstream& up, const PlanRequest& req, Plan& plan) {
  const auto platforms = KubectlPlatforms(req);
  std::vector<KubectlVersion> cover_versions;
  if (!platforms.empty() && !plan.k3s_minors.empty()) {
    RDB_ASSIGN_OR_RETURN(KubectlCover cover, CoverFromUpstream(up, plan.k3s_minors));
    cover_versions = cover.chosen;
  }
  for (const auto& [os, arch] : platforms) {
    for (const KubectlVersion& v : cover_versions) plan.kubectls.push_back({v, os, arch, "cover"});
  }
  for (const KubectlPlatform& k : req.kubectls) {
    RDB_ASSIGN_OR_RETURN(KubectlVersion v, ParseKubectlVersion(k.version));
    const auto same = [&](const PlannedKubectl& p) {
      return p.version == v && p.os == k.os && p.arch == k.arch;
    };
    if (std::none_of(plan.kubectls.begin(), plan.kubectls.end(), same)) {
      plan.kubectls.push_back({v, k.os, k.arch, "--kubectl"});
    }
  }
  // The manifest's order: os and arch by name, then version.
  std::sort(plan.kubectls.begin(), plan.kubectls.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(OsName(a.os), ArchName(a.arch), a.version) <
           std::make_tuple(OsName(b.os), ArchName(b.arch), b.version);
  });
  std::vector<KubectlVersion> all;
  for (const PlannedKubectl& k : plan.kubectls) all.push_back(k.version);
  plan.uncovered = UncoveredMinors(plan.k3s_minors, all);
  return Status::Ok();
}

// --rd-installer VERSION|latest for each --rd-platform.
Status PlanInstallers(Upstream& up, const PlanRequest& req, Plan& plan) {
  if (req.rd_installers.empty() != req.rd_platforms.empty()) {
    return Status::Usage(req.rd_installers.empty()
                             ? "--rd-platform needs --rd-installer VERSION|latest"
                             : "--rd-installer needs --rd-platform windows|darwin-arm64|"
                               "darwin-amd64|linux (repeatable)");
  }
  if (req.rd_installers.empty()) return Status::Ok();
  RDB_ASSIGN_OR_RETURN(const auto* releases, up.RdReleases());
  for (const std::string& want : req.rd_installers) {
    RdVersion v;
    if (want == "latest") {
      auto latest = LatestRdRelease(*releases);
      if (!latest) {
        return Status::NotFound("--rd-installer latest: no Rancher Desktop release in " +
                                up.urls().rd_releases_api);
      }
      v = *latest;
    } else {
      auto parsed = ParseRdVersion(want);
      if (!parsed.has_value()) {
        return Status::Usage("--rd-installer " + QuoteForMessage(want) +
                             ": expected X.Y.Z or latest");
      }
      v = *parsed;
    }
    for (RdPlatform p : req.rd_platforms) {
      const auto same = [&](const PlannedInstaller& i) { return i.version == v && i.platform == p; };
      if (std::any_of(plan.installers.begin(), plan.installers.end(), same)) continue;
      plan.installers.push_back({v, p, "--rd-installer " + want});
    }
  }
  std::sort(plan.installers.begin(), plan.installers.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(RdPlatformName(a.platform), a.version) <
           std::make_tuple(RdPlatformName(b.platform), b.version);
  });
  for (const PlannedInstaller& i : plan.installers) {
    const std::string asset = RdInstallerAssetName(i.version.ToString(), i.platform);
    PlannedFile f{InstallerBundlePath(i.version.ToString(), i.platform), FileRole::kRdInstaller,
                  RdAssetUrl(up.urls(), i.version, i.platform), std::nullopt};
    if (const ReleaseInfo* r = FindRdRelease(*releases, i.version)) {
      for (const ReleaseAsset& a : r->assets) {
        if (a.name == asset) f.size = a.size;
      }
    }
    plan.files.push_back(std::move(f));
  }
  return Status::Ok();
}

Status PlanFiles(Upstream& up, const PlanRequest& req, Plan& plan) {
  RDB_ASSIGN_OR_RETURN(const auto* releases, up.Releases());
  for (const PlannedK3s& k : plan.k3s) {
    const ReleaseInfo* r = FindRelease(*releases, k.version.text);
    if (r == nullptr) return Status::Internal("release " + k.version.text + " vanished");
    for (Arch arch : plan.arches) {
      RDB_ASSIGN_OR_RETURN(auto files, ArchFiles(up.urls(), *r, k.version, arch));
      std::move(files.begin(), files.end(), std::back_inserter(plan.files));
    }
  }
  for (const PlannedKubectl& k : plan.kubectls) {
    PlannedFile f{KubectlBundlePath(k.os, k.arch, k.version.ToString()), FileRole::kKubectl,
                  KubectlUrl(up.urls(), k.version, k.os, k.arch), std::nullopt};
    if (req.kubectl_sizes) {
      RDB_ASSIGN_OR_RETURN(f.size, up.KubectlSize(k.version, k.os, k.arch));
    }
    plan.files.push_back(std::move(f));
  }
  plan.kubectl_sizes_from_head = req.kubectl_sizes && !up.offline();
  RDB_RETURN_IF_ERROR(PlanInstallers(up, req, plan));
  std::sort(plan.files.begin(), plan.files.end(),
            [](const PlannedFile& a, const PlannedFile& b) { return a.bundle_path < b.bundle_path; });
  return Status::Ok();
}

}  // namespace

Result<MinorRange> ParseMinorRange(std::string_view s) {
  const auto dash = s.find('-');
  RDB_ASSIGN_OR_RETURN(Minor first, ParseMinor(s.substr(0, dash), s));
  Minor last = first;
  if (dash != std::string_view::npos) {
    RDB_ASSIGN_OR_RETURN(last, ParseMinor(s.substr(dash + 1), s));
  }
  if (first.major != last.major || last < first || last.minor - first.minor > kMaxMinorSpan) {
    return Status::Usage("--minors " + QuoteForMessage(s) + ": expected a range of at most " +
                         std::to_string(kMaxMinorSpan) + " minors of one major, low to high, "
                         "e.g. 1.29-1.31");
  }
  return MinorRange{first, last};
}

std::uint64_t Plan::KnownBytes() const {
  std::uint64_t n = 0;
  for (const PlannedFile& f : files) n += f.size.value_or(0);
  return n;
}

std::map<std::string, std::string> Plan::BundledChannels() const {
  std::set<std::string> values;
  for (const PlannedK3s& k : k3s) values.insert(ChannelValue(k.version));
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : rd_versions.channels) {
    if (values.count(value) != 0) out.emplace(name, value);
  }
  return out;
}

std::size_t Plan::UnknownSizes() const {
  return static_cast<std::size_t>(
      std::count_if(files.begin(), files.end(), [](const PlannedFile& f) { return !f.size; }));
}

std::uint64_t Plan::EstimatedBundleBytes() const {
  double n = 0;
  for (const PlannedFile& f : files) {
    const bool exe = f.role == FileRole::kK3sBinary || f.role == FileRole::kKubectl;
    n += static_cast<double>(f.size.value_or(0)) * (exe ? kExecutableRatio : 1.0);
  }
  return static_cast<std::uint64_t>(n);
}

Result<Plan> MakePlan(Upstream& up, const PlanRequest& req) {
  Plan plan;
  plan.arches = req.arches.empty() ? std::vector<Arch>{HostArch()} : req.arches;
  std::sort(plan.arches.begin(), plan.arches.end());
  plan.arches.erase(std::unique(plan.arches.begin(), plan.arches.end()), plan.arches.end());
  RDB_ASSIGN_OR_RETURN(plan.k3s, SelectK3s(up, req, plan.arches, plan.rd_versions));
  for (const PlannedK3s& k : plan.k3s) plan.k3s_minors.push_back(MinorOf(k.version));
  plan.k3s_minors.erase(std::unique(plan.k3s_minors.begin(), plan.k3s_minors.end()),
                        plan.k3s_minors.end());
  RDB_RETURN_IF_ERROR(PlanKubectls(up, req, plan));
  RDB_RETURN_IF_ERROR(PlanFiles(up, req, plan));
  return plan;
}

namespace {

std::string Pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string SizeText(const std::optional<std::uint64_t>& size) {
  return size ? FormatBytes(*size) : "size unknown";
}

std::string CoverLine(const Plan& plan) {
  if (plan.k3s_minors.empty()) return "";
  if (plan.kubectls.empty()) {
    return "  (no kubectl: kuberlr would try to download one for k3s " +
           JoinMinors(plan.k3s_minors) + ")\n";
  }
  if (plan.uncovered.empty()) {
    return "  every k3s minor (" + JoinMinors(plan.k3s_minors) + ") has a kubectl within one minor\n";
  }
  return "  warning: no kubectl within one minor of k3s " + JoinMinors(plan.uncovered) + "\n";
}

}  // namespace

std::string FormatPlan(const Plan& plan) {
  std::string s = "k3s (" + ArchNames(plan.arches) + "):\n";
  for (const PlannedK3s& k : plan.k3s) {
    s += "  " + Pad(k.version.text, 18) + Join(k.selected_by, ", ") + "\n";
  }
  s += "kubectl (the fewest that serve every k3s minor within one minor, newest patches):\n";
  for (const PlannedKubectl& k : plan.kubectls) {
    std::vector<Minor> served;
    for (const Minor& m : plan.k3s_minors) {
      if (KubectlServes(k.version, m)) served.push_back(m);
    }
    const std::string why = k.selected_by == "cover" ? "serves k3s " + JoinMinors(served)
                                                     : k.selected_by;
    s += "  " + Pad(k.version.ToString(), 10) + Pad(Platform(k.os, k.arch), 15) + why + "\n";
  }
  s += CoverLine(plan);
  if (!plan.k3s.empty()) {
    // What Rancher Desktop's version menu will show for each channel after install: the channel
    // server's value when that version is bundled (others are left out of the bundle's file).
    s += "channels (after install):\n";
    const auto bundled = plan.BundledChannels();
    for (const auto& [name, value] : plan.rd_versions.channels) {
      s += "  " + Pad(name, 10) + value +
           (bundled.count(name) != 0 ? "\n" : "  (not bundled: install keeps the existing one)\n");
    }
  }
  if (!plan.installers.empty()) {
    s += "Rancher Desktop installers:\n";
    for (const PlannedInstaller& i : plan.installers) {
      s += "  " + Pad(i.version.ToString(), 10) + Pad(std::string(RdPlatformName(i.platform)), 15) +
           i.selected_by + "\n";
    }
  }
  s += "files:\n";
  for (const PlannedFile& f : plan.files) {
    s += "  " + Pad(f.bundle_path, 58) + SizeText(f.size) + "\n";
  }
  s += "download: " + std::to_string(plan.files.size()) + " files, " + FormatBytes(plan.KnownBytes());
  if (const std::size_t unknown = plan.UnknownSizes(); unknown > 0) {
    s += " and " + std::to_string(unknown) + " of unknown size";
  }
  s += std::string(" (sizes from the release list") +
       (plan.kubectl_sizes_from_head ? "; kubectl sizes from Content-Length)\n" : ")\n");
  s += "bundle:   about " + FormatBytes(plan.EstimatedBundleBytes()) +
       " (estimated: image archives stay as they are, executables shrink to about 45%)\n";
  return s;
}

std::string PlanToJson(const Plan& plan) {
  OrderedJson j = OrderedJson::object();
  j["schemaVersion"] = kPlanJsonSchemaVersion;  // docs/json.md
  j["arches"] = OrderedJson::array();
  for (Arch a : plan.arches) j["arches"].push_back(std::string(ArchName(a)));
  j["k3s"] = OrderedJson::array();
  for (const PlannedK3s& k : plan.k3s) {
    j["k3s"].push_back({{"version", k.version.text}, {"selectedBy", k.selected_by}});
  }
  j["kubectl"] = OrderedJson::array();
  for (const PlannedKubectl& k : plan.kubectls) {
    OrderedJson serves = OrderedJson::array();  // as the text shows: "serves k3s 1.29, 1.30"
    for (const Minor& m : plan.k3s_minors) {
      if (KubectlServes(k.version, m)) serves.push_back(m.ToString());
    }
    j["kubectl"].push_back({{"version", k.version.ToString()}, {"os", std::string(OsName(k.os))},
                            {"arch", std::string(ArchName(k.arch))},
                            {"selectedBy", OrderedJson::array({k.selected_by})},
                            {"serves", std::move(serves)}});
  }
  OrderedJson cover = OrderedJson::object();
  cover["k3sMinors"] = OrderedJson::array();
  for (const Minor& m : plan.k3s_minors) cover["k3sMinors"].push_back(m.ToString());
  cover["uncovered"] = OrderedJson::array();
  for (const Minor& m : plan.uncovered) cover["uncovered"].push_back(m.ToString());
  j["kubectlCover"] = cover;
  j["channels"] = OrderedJson::object();
  for (const auto& [name, value] : plan.BundledChannels()) j["channels"][name] = value;
  j["rdInstallers"] = OrderedJson::array();
  for (const PlannedInstaller& i : plan.installers) {
    j["rdInstallers"].push_back({{"version", i.version.ToString()},
                                 {"platform", std::string(RdPlatformName(i.platform))},
                                 {"selectedBy", OrderedJson::array({i.selected_by})}});
  }
  j["files"] = OrderedJson::array();
  for (const PlannedFile& f : plan.files) {
    OrderedJson e = {{"path", f.bundle_path}, {"role", std::string(RoleName(f.role))}, {"url", f.url}};
    e["size"] = f.size ? OrderedJson(*f.size) : OrderedJson(nullptr);
    j["files"].push_back(std::move(e));
  }
  j["download"] = {{"files", plan.files.size()}, {"knownBytes", plan.KnownBytes()},
                   {"unknownSizes", plan.UnknownSizes()}};
  j["bundle"] = {{"estimatedBytes", plan.EstimatedBundleBytes()}};
  return j.dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

}  // namespace rdbundle::packer
