#include "packer/cover.h"
#include "common/rd/skew.h"

#include <algorithm>
#include <map>
#include <utility>

namespace rdbundle::packer {
namespace {

// The kubectls that could close a gap without guessing at releases: Kubernetes publishes a
// kubectl X.Y.Z for every k3s vX.Y.Z+k3sN, so the bundled k3s versions name real kubectls.
std::vector<KubectlVersion> Candidates(const std::vector<K3sVersion>& k3s) {
  std::vector<KubectlVersion> out;
  for (const K3sVersion& v : k3s) {
    if (v.prerelease.empty()) out.push_back({v.major, v.minor, v.patch});
  }
  return out;
}

std::string JoinMinors(const std::vector<Minor>& minors) {
  std::string s;
  for (std::size_t i = 0; i < minors.size(); ++i) s += (i > 0 ? ", " : "") + minors[i].ToString();
  return s;
}

std::string Suggest(const std::vector<KubectlVersion>& versions, const std::string& platform) {
  if (versions.empty()) return "";
  std::string s = "; add";
  for (const auto& v : versions) s += " --kubectl " + v.ToString() + "/" + platform;
  return s;
}

std::string PlatformName(TargetOs os, Arch arch) {
  return std::string(OsName(os)) + "/" + std::string(ArchName(arch));
}

}  // namespace

CoverReport CheckKubectlCover(const std::vector<K3sVersion>& k3s,
                              const std::vector<KubectlPlatform>& kubectls) {
  CoverReport r;
  for (const K3sVersion& v : k3s) r.minors.push_back(MinorOf(v));
  std::sort(r.minors.begin(), r.minors.end());
  r.minors.erase(std::unique(r.minors.begin(), r.minors.end()), r.minors.end());
  if (r.minors.empty()) return r;
  const std::vector<KubectlVersion> candidates = Candidates(k3s);
  if (kubectls.empty()) {
    r.no_kubectl = true;
    r.suggested_if_none = MinimalKubectlCover(r.minors, candidates).chosen;
    return r;
  }
  std::map<std::pair<TargetOs, Arch>, std::vector<KubectlVersion>> by_platform;
  for (const KubectlPlatform& k : kubectls) {
    by_platform[{k.os, k.arch}].push_back(*ParseKubectlVersion(k.version));
  }
  for (const auto& [platform, versions] : by_platform) {
    std::vector<Minor> uncovered = UncoveredMinors(r.minors, versions);
    if (uncovered.empty()) continue;
    CoverGap gap{platform.first, platform.second, uncovered, {}};
    gap.suggested = MinimalKubectlCover(uncovered, candidates).chosen;
    r.gaps.push_back(std::move(gap));
  }
  return r;
}

std::vector<std::string> FormatCover(const CoverReport& r) {
  std::vector<std::string> lines;
  const std::string why =
      " (kubectl works within one minor of the server; offline, kuberlr cannot download one)";
  if (r.no_kubectl) {
    lines.push_back("kubectl cover: the bundle has no kubectl for k3s " + JoinMinors(r.minors) +
                    why + Suggest(r.suggested_if_none, "OS/ARCH") +
                    " for each platform that runs kubectl");
  }
  for (const CoverGap& g : r.gaps) {
    const std::string platform = PlatformName(g.os, g.arch);
    lines.push_back("kubectl cover: " + platform + " has no kubectl for k3s " +
                    JoinMinors(g.uncovered) + why + Suggest(g.suggested, platform));
  }
  return lines;
}

}  // namespace rdbundle::packer
