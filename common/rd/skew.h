// The kubectl version-skew rule and the smallest kubectl set that serves a set of k3s minors
// (docs/rancher-desktop.md#version-skew).
#pragma once

#include <vector>

#include "common/format/version.h"

namespace rdbundle {

// Version skew rule: kubectl X.Y serves API servers X.(Y-1) .. X.(Y+1).
bool KubectlServes(const KubectlVersion& kubectl, Minor server);

// Result of MinimalKubectlCover. Both lists are sorted ascending and free of duplicates.
struct KubectlCover {
  std::vector<KubectlVersion> chosen;  // one kubectl per chosen minor, the newest patch
  std::vector<Minor> uncovered;        // server minors no available kubectl can serve
};

// A smallest set of kubectls from `available` that serves every server minor.
// Greedy from the lowest uncovered server minor u: take kubectl minor u+1 if available, else u,
// else u-1 (which still serves u); of that minor the newest available patch; it covers every
// server minor within +-1. This is optimal: every cover needs a kubectl in [u-1, u+1], and the
// highest available one covers a superset of the remaining minors. A server minor with none of
// the three available is reported in `uncovered`. Duplicates in either input are fine.
KubectlCover MinimalKubectlCover(const std::vector<Minor>& server_minors,
                                 const std::vector<KubectlVersion>& available);

// Server minors (sorted, deduplicated) that no kubectl in `installed` serves: the "does every
// k3s version have a compatible kubectl" check behind the doc's 1.19.16 failure scenario.
std::vector<Minor> UncoveredMinors(const std::vector<Minor>& server_minors,
                                   const std::vector<KubectlVersion>& installed);

}  // namespace rdbundle
