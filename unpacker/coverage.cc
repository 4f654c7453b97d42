#include "unpacker/coverage.h"

#include <algorithm>

namespace rdbundle::unpacker {

Result<std::vector<K3sVersion>> ListCachedK3sVersions(Fs& fs, const std::string& cache_dir) {
  const std::string dir = JoinPath(cache_dir, "k3s");
  auto names = fs.ListDir(dir);
  if (!names.has_value()) {
    if (names.error().code() == ErrorCode::kNotFound) return std::vector<K3sVersion>{};
    return names.error();
  }
  std::vector<K3sVersion> out;
  for (const auto& name : *names) {
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
  auto names = fs.ListDir(dir);
  if (!names.has_value()) {
    if (names.error().code() == ErrorCode::kNotFound) return std::vector<KubectlVersion>{};
    return names.error();
  }
  std::vector<KubectlVersion> out;
  for (const auto& name : *names) {
    std::string_view v = name;
    if (!v.starts_with("kubectl")) continue;
    v.remove_prefix(7);
    if (dest.os == TargetOs::kWindows) {
      if (!v.ends_with(".exe")) continue;
      v.remove_suffix(4);
    }
    if (v.starts_with("v")) continue;
    auto parsed = ParseKubectlVersion(v);
    if (parsed.has_value()) out.push_back(*parsed);
  }
  std::sort(out.begin(), out.end());
  return out;
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
  // Offline we cannot know which patch releases exist upstream; every minor has some, so
  // suggest minors (the packer picks the newest patch of each).
  std::vector<KubectlVersion> every_minor;
  for (const Minor& m : minors) {
    for (int d = -1; d <= 1; ++d) {
      if (m.minor + d >= 0) every_minor.push_back({m.major, m.minor + d, 0});
    }
  }
  for (const auto& k : MinimalKubectlCover(minors, every_minor).chosen) {
    r.suggested_minors.push_back(MinorOf(k));
  }
  return r;
}

std::vector<std::string> FormatCoverage(const CoverageReport& report,
                                        const std::string& kuberlr_platform_dir) {
  std::vector<std::string> lines;
  for (const auto& e : report.entries) {
    auto v = ParseK3sVersion(e.k3s_version);
    if (e.served_by) {
      lines.push_back("  ok       " + e.k3s_version + "  kubectl " + e.served_by->ToString());
    } else if (v.has_value()) {
      const Minor m = MinorOf(*v);
      lines.push_back("  MISSING  " + e.k3s_version + "  no kubectl " + std::to_string(m.major) +
                      "." + std::to_string(std::max(0, m.minor - 1)) + "-" +
                      std::to_string(m.major) + "." + std::to_string(m.minor + 1) + " in " +
                      kuberlr_platform_dir + ": kubectl will fail offline on this version");
    }
  }
  if (!report.suggested_minors.empty()) {
    std::string s = "  add kubectl ";
    for (std::size_t i = 0; i < report.suggested_minors.size(); ++i) {
      if (i > 0) s += ", ";
      s += report.suggested_minors[i].ToString() + ".x";
    }
    s += " (e.g. rdbundle-pack build --kubectl X.Y.Z/<os>/<arch> ... on the connected side)";
    lines.push_back(s);
  }
  return lines;
}

}  // namespace rdbundle::unpacker
