#include "common/rd/skew.h"

#include <algorithm>
#include <climits>
#include <map>
#include <optional>

namespace rdbundle {

bool KubectlServes(const KubectlVersion& kubectl, Minor server) {
  long long diff = static_cast<long long>(kubectl.minor) - server.minor;
  return kubectl.major == server.major && diff >= -1 && diff <= 1;
}

namespace {

std::vector<Minor> SortedUnique(std::vector<Minor> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// The newest patch of each kubectl minor in `available`.
std::map<Minor, KubectlVersion> NewestPerMinor(const std::vector<KubectlVersion>& available) {
  std::map<Minor, KubectlVersion> newest;
  for (const KubectlVersion& k : available) {
    auto [it, inserted] = newest.emplace(MinorOf(k), k);
    if (!inserted && it->second < k) it->second = k;
  }
  return newest;
}

// The kubectl to serve server minor u: minor u+1, else u, else u-1
// (docs/rancher-desktop.md#version-skew).
std::optional<KubectlVersion> PickFor(Minor u, const std::map<Minor, KubectlVersion>& newest) {
  for (int delta : {1, 0, -1}) {
    if ((delta > 0 && u.minor == INT_MAX) || (delta < 0 && u.minor == INT_MIN)) continue;
    auto it = newest.find(Minor{u.major, u.minor + delta});
    if (it != newest.end()) return it->second;
  }
  return std::nullopt;
}

}  // namespace

KubectlCover MinimalKubectlCover(const std::vector<Minor>& server_minors,
                                 const std::vector<KubectlVersion>& available) {
  const std::vector<Minor> todo = SortedUnique(server_minors);
  const std::map<Minor, KubectlVersion> newest = NewestPerMinor(available);
  KubectlCover cover;
  std::size_t i = 0;
  while (i < todo.size()) {
    std::optional<KubectlVersion> pick = PickFor(todo[i], newest);
    if (!pick) {
      cover.uncovered.push_back(todo[i++]);
      continue;
    }
    cover.chosen.push_back(*pick);
    // The minors `pick` serves are consecutive in `todo`, starting at todo[i].
    while (i < todo.size() && KubectlServes(*pick, todo[i])) ++i;
  }
  return cover;
}

std::vector<Minor> UncoveredMinors(const std::vector<Minor>& server_minors,
                                   const std::vector<KubectlVersion>& installed) {
  std::vector<Minor> out;
  for (const Minor& m : SortedUnique(server_minors)) {
    bool served = std::any_of(installed.begin(), installed.end(),
                              [&](const KubectlVersion& k) { return KubectlServes(k, m); });
    if (!served) out.push_back(m);
  }
  return out;
}

}  // namespace rdbundle
