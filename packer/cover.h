// Will kubectl work offline with every k3s version in the bundle? kuberlr picks a kubectl within
// one minor of the server and otherwise downloads one, which fails offline (the 1.19.16
// scenario of docs/rancher-desktop.md#version-skew).
//
// The bundle's kubectls of one platform (os, arch) run on one kind of machine, and a kubectl for
// another platform is of no use there. So the check is per platform the bundle carries kubectls
// for: every bundled k3s minor needs a kubectl of that platform within +-1 minor.
#pragma once

#include <string>
#include <vector>

#include "common/format/manifest.h"
#include "common/format/paths.h"
#include "common/format/version.h"

namespace rdbundle::packer {

struct CoverGap {
  TargetOs os = TargetOs::kLinux;
  Arch arch = Arch::kAmd64;
  std::vector<Minor> uncovered;             // k3s minors no kubectl of this platform serves
  std::vector<KubectlVersion> suggested;    // fewest kubectls (bundled k3s versions' own
                                            // Kubernetes versions) that close the gap
};

struct CoverReport {
  bool no_kubectl = false;      // k3s versions but no kubectl at all
  std::vector<Minor> minors;    // the bundled k3s minors
  std::vector<KubectlVersion> suggested_if_none;  // for no_kubectl
  std::vector<CoverGap> gaps;   // one per platform with a gap
  bool ok() const { return !no_kubectl && gaps.empty(); }
};

// REQUIRES: every kubectls[i].version parses (ParseKubectlVersion).
CoverReport CheckKubectlCover(const std::vector<K3sVersion>& k3s,
                              const std::vector<KubectlPlatform>& kubectls);

// One warning line per gap (no trailing newline), e.g.
//   "kubectl cover: linux/amd64 has no kubectl for k3s 1.28 (kubectl works within one minor of
//    the server; kuberlr would try to download one); add --kubectl 1.28.13/linux/amd64"
std::vector<std::string> FormatCover(const CoverReport& report);

}  // namespace rdbundle::packer
