#include "unpacker/coverage.h"
#include "common/rd/kuberlr.h"
#include "common/rd/skew.h"

#include <algorithm>

namespace rdbundle::unpacker {

Result<std::vector<K3sVersion>> ListCachedK3sVersions(Fs& fs, const std::string& cache_dir) {
  const std::string dir = JoinPath(cache_dir, "k3s");
  RDB_ASSIGN_OR_RETURN(auto names, ListDirIfExists(fs, dir));
  std::vector<K3sVersion> out;
  for (const auto& name : names) {
    auto v = ParseK3sVersion(name);
    if (!v.has_value()) continue;
    auto info = fs.Stat(JoinPath(dir, name));
    if (info.has_value() && info->type == FileInfo::Type::kDirectory) out.push_back(*v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<KubectlVersion>> ListKuberlrKubectls(Fs& fs, const Destinations& dest) {
  const std::string dir = JoinPath(dest.kuberlr_dir, KuberlrPlatformDir(dest.os, dest.arch));
  RDB_ASSIGN_OR_RETURN(auto names, ListDirIfExists(fs, dir));
  std::vector<KubectlVersion> out;
  // Every entry kuberlr counts (kubectl_finder.go findKubectlBinaries, rd/kuberlr.h): it does
  // not look at the entry's type either.
  for (const auto& name : names) {
    if (auto v = KuberlrVersionOfName(name, dest.os)) out.push_back(*v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// Marks a kubectl whose minor is wanted but whose patch is unknown offline. Below every real
// patch, so MinimalKubectlCover (newest patch per minor) prefers a known release of a minor.
constexpr int kUnknownPatch = -1;

// The newest known release that serves every minor of `uncovered` that `pick` serves (so the
// cover stays as small), else `pick` itself.
KubectlVersion KnownReplacement(const KubectlVersion& pick, const std::vector<Minor>& uncovered,
                                const std::vector<KubectlVersion>& known) {
  std::optional<KubectlVersion> best;
  for (const KubectlVersion& k : known) {
    const bool same = std::all_of(uncovered.begin(), uncovered.end(), [&](Minor m) {
      return !KubectlServes(pick, m) || KubectlServes(k, m);
    });
    if (same && (!best || *best < k)) best = k;
  }
  return best.value_or(pick);
}

// Fewest kubectls that serve every minor in `uncovered`. Exact releases (the cached k3s
// versions' own Kubernetes versions) when as few of them suffice as of any kubectl; otherwise
// the minimal set over every minor, each minor-only pick replaced by a known release that
// serves the same gap minors when there is one. Sorted by minor.
std::vector<KubectlSuggestion> Suggest(const std::vector<Minor>& uncovered,
                                       const std::vector<K3sVersion>& k3s) {
  std::vector<KubectlVersion> known;
  for (const K3sVersion& v : k3s) {
    if (v.prerelease.empty()) known.push_back({v.major, v.minor, v.patch});
  }
  std::vector<KubectlVersion> any = known;
  for (const Minor& m : uncovered) {
    for (int d = -1; d <= 1; ++d) {
      if (m.minor + d >= 0) any.push_back({m.major, m.minor + d, kUnknownPatch});
    }
  }
  const KubectlCover exact = MinimalKubectlCover(uncovered, known);
  const KubectlCover best = MinimalKubectlCover(uncovered, any);
  const bool use_exact = exact.uncovered.empty() && exact.chosen.size() <= best.chosen.size();
  std::vector<KubectlSuggestion> out;
  for (KubectlVersion k : (use_exact ? exact : best).chosen) {
    if (k.patch == kUnknownPatch) k = KnownReplacement(k, uncovered, known);
    KubectlSuggestion s{MinorOf(k), std::nullopt};
    if (k.patch != kUnknownPatch) s.exact = k;
    out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.minor < b.minor; });
  return out;
}

}  // namespace

std::string KubectlSuggestion::ToString() const {
  return exact ? exact->ToString() : minor.ToString() + ".x";
}

bool KubectlSuggestion::Serves(Minor server) const {
  return KubectlServes(KubectlVersion{minor.major, minor.minor, 0}, server);
}

CoverageReport CheckKubectlCoverage(const std::vector<K3sVersion>& k3s,
                                    const std::vector<KubectlVersion>& kubectls) {
  CoverageReport r;
  r.kubectls = kubectls;
  std::vector<Minor> minors;
  for (const auto& v : k3s) {
    CoverageEntry e{v.text, std::nullopt};
    for (const auto& k : kubectls) {  // sorted ascending: the last match is the newest
      if (KubectlServes(k, MinorOf(v))) e.served_by = k;
    }
    if (!e.served_by) minors.push_back(MinorOf(v));
    r.entries.push_back(std::move(e));
  }
  std::sort(minors.begin(), minors.end());
  minors.erase(std::unique(minors.begin(), minors.end()), minors.end());
  r.uncovered = minors;
  r.suggested = Suggest(minors, k3s);
  return r;
}

const KubectlSuggestion* SuggestionFor(const CoverageReport& report, Minor server) {
  if (!std::binary_search(report.uncovered.begin(), report.uncovered.end(), server)) {
    return nullptr;
  }
  for (const auto& s : report.suggested) {
    if (s.Serves(server)) return &s;
  }
  return nullptr;
}

std::string KubectlWindow(Minor server) {
  return std::to_string(server.major) + "." + std::to_string(std::max(0, server.minor - 1)) + "-" +
         std::to_string(server.major) + "." + std::to_string(server.minor + 1);
}

std::string KubectlFixCommand(const std::vector<KubectlSuggestion>& suggested, TargetOs os,
                              Arch arch) {
  const std::string platform = std::string(OsName(os)) + "/" + std::string(ArchName(arch));
  std::string build, minors;
  for (const auto& s : suggested) {
    if (s.exact) {
      build += " --kubectl " + s.exact->ToString() + "/" + platform;
    } else {
      minors += (minors.empty() ? " --minors " : ",") + s.minor.ToString();
    }
  }
  std::string out;
  if (!build.empty()) out = "rdbundle-pack build" + build + " ...";
  if (!minors.empty())
    out += (out.empty() ? "" : " and ") + ("rdbundle-pack plan" + minors + " ...");
  return out;
}

std::optional<std::pair<TargetOs, Arch>> ParseKuberlrPlatformDir(std::string_view name) {
  const std::size_t dash = name.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto os = ParseOs(name.substr(0, dash));
  auto arch = ParseArch(name.substr(dash + 1));
  if (!os.has_value() || !arch.has_value()) return std::nullopt;
  return std::make_pair(*os, *arch);
}

std::vector<std::string> FormatCoverage(const CoverageReport& report,
                                        const std::string& kuberlr_platform_dir) {
  std::vector<std::string> lines;
  for (const auto& e : report.entries) {
    auto v = ParseK3sVersion(e.k3s_version);
    if (e.served_by) {
      lines.push_back("  ok       " + e.k3s_version + "  kubectl " + e.served_by->ToString());
    } else if (v.has_value()) {
      lines.push_back("  MISSING  " + e.k3s_version + "  no kubectl " + KubectlWindow(MinorOf(*v)) +
                      " in " + kuberlr_platform_dir +
                      ": kubectl will fail offline on this version");
    }
  }
  if (!report.suggested.empty()) {
    std::string s = "  add kubectl ";
    for (std::size_t i = 0; i < report.suggested.size(); ++i) {
      s += (i > 0 ? ", " : "") + report.suggested[i].ToString();
    }
    auto platform = ParseKuberlrPlatformDir(kuberlr_platform_dir);
    if (platform) {
      s += " (" + KubectlFixCommand(report.suggested, platform->first, platform->second) +
           " on the connected side)";
    }
    lines.push_back(s);
  }
  return lines;
}

bool CountsSystemKubectls(const Destinations& d) {
  return d.is_host && d.os != TargetOs::kWindows;
}

std::optional<KubectlVersion> SystemKubectlVersion(std::string_view name) {
  // The same scan as in kuberlr's own directory (findKubectlBinaries serves both).
  return KuberlrVersionOfName(name, HostOs());
}

Result<std::vector<SystemKubectl>> ListSystemKubectls(Fs& fs, const std::string& dir) {
  RDB_ASSIGN_OR_RETURN(auto names, ListDirIfExists(fs, dir));
  std::vector<SystemKubectl> out;
  for (const auto& name : names) {
    if (auto v = SystemKubectlVersion(name)) out.push_back({*v, JoinPath(dir, name)});
  }
  return out;
}

}  // namespace rdbundle::unpacker
