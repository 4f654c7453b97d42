// How install merges the bundle's k3s-versions.json into CACHE/k3s-versions.json so that RD
// really offers every installed version offline (issue 14 items 1, 3, 4, 5, 6). A pure function:
// the installer gathers the inputs (what is on disk after its renames) and writes the result.
// Each rule follows RD's own code, quoted in rd_rules.h (k3sHelper.ts readCache,
// filterVersionsAgainstCache, ensureK3sImages; kube/wsl.ts).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/format/version.h"
#include "common/rd/k3s_versions.h"
#include "common/rd/rd_rules.h"

namespace rdbundle {

struct VersionsMergeInput {
  // The existing CACHE/k3s-versions.json, or nullopt when there is none.
  std::optional<std::string> existing_text;
  // The bundle's file (strict: cacheVersion 2, bundled versions, channels naming them). For a
  // fetching build its channels are the channel server's values for bundled versions (item 6;
  // format v2 repeats them as the manifest's k3s.channels).
  K3sVersionsFile incoming;
  // Bundled versions whose directory is complete for the arch RD reads (RdArchFor) after the
  // install (item 5: a version the bundle has no files for on this arch is not listed).
  std::set<std::string> usable_incoming;
  // Every CACHE/k3s/<version> directory complete for that arch after the install, including
  // hand-copied and earlier bundles' ones (items 1 and 3).
  std::set<std::string> complete_cached;
  std::optional<RdVersion> rd;  // the installed RD, when known
};

enum class VersionsMergeBase {
  kCreated,   // there was no file
  kMerged,    // RD uses the existing file: merged into it, keeping what RD keeps
  kReplaced,  // RD ignores or discards the existing file (replaced_reason)
};

struct VersionsMergeResult {
  K3sVersionsFile file;
  VersionsMergeBase base = VersionsMergeBase::kCreated;
  std::string replaced_reason;             // kReplaced: RdCacheView::reason
  std::vector<std::string> added_cached;   // complete cached versions listed because the file
                                           // was created or replaced (item 3)
  std::vector<std::string> not_usable;     // bundled versions left out (item 5)
  std::vector<std::string> dropped_shadowing;  // listed builds dropped (item 1)
  std::vector<std::string> added;          // versions the file did not list before
};

// The rules, in order:
//  1. The existing file is read as RD's readCache reads it (RdReadCache). Used by RD: every
//     entry RD parses and every channel naming one are kept (item 4: an entry RD skips, e.g.
//     null, does not make the file replaceable). Ignored (invalid JSON, cacheVersion not 2) or
//     discarded (versions or channels missing): replaced, with the reason.
//  2. Incoming versions not in usable_incoming are left out (item 5), and so are channels
//     naming them.
//  3. When there was no usable file, RD (1.17 and later) was offering its built-in list, which
//     shows hand-copied version directories; so every complete cached version is listed too
//     (item 3), as `doctor --fix` does.
//  4. Union of versions (MergeK3sVersions: existing channels unchanged, incoming ones added when
//     new); then per X.Y.Z no listed build may shadow a complete one (DropShadowingBuilds,
//     item 1): RD keeps the last build listed and looks only in its directory.
//  5. Channels whose value is no longer a listed X.Y.Z are dropped (RD ignores them).
VersionsMergeResult MergeVersionsForRd(const VersionsMergeInput& in);

}  // namespace rdbundle
