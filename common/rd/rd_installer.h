// Rancher Desktop installers on the offline side (issue 14, "Carry Rancher Desktop itself";
// format-spec/rdbundle-v2.md section 5): which one belongs to a target, where install puts it
// by default, and what the user does next. Facts: docs/rancher-desktop.md#rd-installer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/format/paths.h"
#include "common/format/version.h"

namespace rdbundle {

// The default --installers-dir below a home: "<home>/rancher-desktop-installers". A folder of
// its own, not ~/Downloads: its name is the same on every OS and in every language (Downloads
// is localized on Linux desktops and can be redirected on Windows), nothing the user
// downloaded sits beside it, and the installers a bundle brought are easy to find and delete.
inline constexpr std::string_view kDefaultInstallersDirName = "rancher-desktop-installers";

// The installer RD publishes for a target, or nullopt where RD publishes none: Windows is x64
// only and any Windows arch gets the MSI (kube/wsl.ts runs x86_64; docs/rancher-desktop.md
// #rd-rules-by-version), macOS has one dmg per arch, Linux only an x86_64 zip.
std::optional<RdPlatform> RdPlatformFor(TargetOs os, Arch arch);

// "/mnt/c/Users/me/x.msi" -> "C:\Users\me\x.msi" (a Windows home mounted under WSL), so the
// next step names the file as the user will see it in Windows; nullopt for any other path.
std::optional<std::string> WindowsPathFromWsl(std::string_view path);

// What the user does with the installer placed at `path` (as install prints it), one line
// each, for RD `version` on `platform`:
//  windows: since RD 1.17.1 the MSI fails unless WSL is installed (build/wix/main.wxs
//           `<Custom Action="ErrorWSLNotInstalled" ...> NOT WSLINSTALLED AND NOT Installed`,
//           "requires Windows Subsystem for Linux 2 (WSL2) to be installed as a prerequisite"),
//           and runs `wsl --update`, which needs the network, when WSL is outdated
//           (`UpdateWSL ... WSLINSTALLED AND WSLKERNELOUTDATED`); then run the MSI, per user or
//           per machine (MSIINSTALLPERUSER, main/update/MSIUpdater.ts)
//  darwin:  open the dmg and drag Rancher Desktop to Applications (the dmg window has the
//           /Applications link, packaging/electron-builder.yml `dmg.contents`)
//  linux:   unzip into /opt/rancher-desktop, where RD's own packages put it, and make
//           chrome-sandbox root-owned setuid as they do (packaging/linux/rancher-desktop.spec
//           `%attr(4755,root,root) /opt/%{name}/chrome-sandbox`)
std::vector<std::string> RdInstallerNextSteps(RdPlatform platform, const RdVersion& version,
                                              std::string_view path);

}  // namespace rdbundle
