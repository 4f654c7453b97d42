// kuberlr's rules for which kubectl files it uses, as pure functions: doctor and install count
// exactly what kuberlr counts. Source: flavio/kuberlr v0.7.0 (the version RD ships,
// pkg/rancher-desktop/assets/dependencies.yaml), internal/finder/kubectl_finder.go,
// internal/common/naming.go, internal/osexec/ext_*.go, internal/finder/versioner.go.
#pragma once

#include <optional>
#include <string_view>

#include "common/format/paths.h"
#include "common/format/version.h"

namespace rdbundle {

// The version kuberlr reads from a directory entry's name, or nullopt when it skips the entry.
// findKubectlBinaries does, for every entry of its own directory and of its SystemPath alike:
//   version, err = inferLocalKubectlVersion(name)    // Sscanf(TrimExt(name), "kubectl%d.%d.%d")
//   if err != nil { version, err = inferSystemKubectlVersion(name) }  // "kubectl%d.%d", patch 0
// TrimExt strips ".exe" on Windows only (`os` is the OS kuberlr runs on). Go's Sscanf:
//   - "kubectl" must match exactly; each %d (into a uint64) skips leading spaces (a newline is an
//     error), then takes ASCII digits (no sign, leading zeros fine) and fails on overflow;
//   - text after the last verb is ignored, so "kubectl1.30.4-rc.1", "kubectl1.30.4.bak" and
//     "kubectl1.30.4.exe" on Linux are all 1.30.4, and "kubectl1.30" is 1.30.0.
// Not counted: "kubectl", "kubectlv1.30.4", "kubectl-1.30.4", "Kubectl1.30.4".
// Numbers above kMaxVersionNumber: a major or minor that large never serves a real server
// (nullopt); a patch is clamped (its order is all that matters).
std::optional<KubectlVersion> KuberlrVersionOfName(std::string_view name, TargetOs os);

// versioner.go findCompatibleKubectl: range ">=X.(Y-1).0 <X.(Y+2).0" (lowerBoundVersion keeps
// minor 0 at 0), the first match in newest-first order wins.
bool KuberlrAccepts(const KubectlVersion& kubectl, int server_major, int server_minor);

}  // namespace rdbundle
