#include "common/rd/versions_merge.h"

#include <algorithm>

namespace rdbundle {

VersionsMergeResult MergeVersionsForRd(const VersionsMergeInput& in) {
  VersionsMergeResult r;
  K3sVersionsFile existing;
  bool usable_existing = false;
  if (in.existing_text) {
    const RdCacheView view = RdReadCache(*in.existing_text, in.rd);
    if (view.verdict == RdCacheVerdict::kUsed) {
      existing.versions = view.parsed;
      existing.channels = view.parsed_channels;
      usable_existing = true;
      r.base = VersionsMergeBase::kMerged;
    } else {
      r.base = VersionsMergeBase::kReplaced;
      r.replaced_reason = view.reason;
    }
  }
  K3sVersionsFile incoming;
  std::set<std::string> incoming_keys;
  for (const std::string& v : in.incoming.versions) {
    if (in.usable_incoming.count(v) == 0) {
      r.not_usable.push_back(v);
      continue;
    }
    incoming.versions.push_back(v);
    if (auto s = NodeSemverParse(v)) incoming_keys.insert(s->key);
  }
  for (const auto& [name, value] : in.incoming.channels) {
    if (incoming_keys.count(value) != 0) incoming.channels.emplace(name, value);
  }
  if (!usable_existing) {
    for (const std::string& v : in.complete_cached) {
      if (!RdCachedDirKey(v)) continue;  // RD never offers it offline
      if (std::find(incoming.versions.begin(), incoming.versions.end(), v) != incoming.versions.end())
        continue;
      incoming.versions.push_back(v);
      r.added_cached.push_back(v);
    }
  }
  K3sVersionsFile merged = MergeK3sVersions(existing, incoming);
  std::set<std::string> complete = in.complete_cached;
  complete.insert(incoming.versions.begin(), incoming.versions.end());
  const std::vector<std::string> before = merged.versions;
  merged.versions = DropShadowingBuilds(merged.versions, complete);
  for (const std::string& v : before) {
    if (std::find(merged.versions.begin(), merged.versions.end(), v) == merged.versions.end()) {
      r.dropped_shadowing.push_back(v);
    }
  }
  std::set<std::string> keys;
  for (const std::string& v : merged.versions) {
    if (auto s = NodeSemverParse(v)) keys.insert(s->key);
  }
  for (auto it = merged.channels.begin(); it != merged.channels.end();) {
    it = keys.count(it->second) == 0 ? merged.channels.erase(it) : std::next(it);
  }
  const std::set<std::string> old(existing.versions.begin(), existing.versions.end());
  for (const std::string& v : merged.versions) {
    if (old.count(v) == 0) r.added.push_back(v);
  }
  r.file = std::move(merged);
  return r;
}

}  // namespace rdbundle
