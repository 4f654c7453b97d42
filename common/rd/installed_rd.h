// Which Rancher Desktop is installed for a target (issue 14 item 8), so doctor applies that
// version's rules (rd_rules.h: minimum k3s version, built-in version list).
// Where RD installs (docs/rancher-desktop.md#rd-installer and RD's packaging):
//   macOS:   /Applications/Rancher Desktop.app/Contents/Info.plist (also ~/Applications):
//            CFBundleShortVersionString (electron-builder writes an XML plist)
//   Linux:   the deb or rpm package "rancher-desktop", files in /opt/rancher-desktop; the
//            version from dpkg's status file (rpm's database is not read: version unknown)
//   Windows: the MSI installs per user into %LOCALAPPDATA%\Programs\Rancher Desktop or per
//            machine into %ProgramFiles%\Rancher Desktop (MSIINSTALLPERUSER, MSIUpdater.ts);
//            the version is in the exe's resources, which are not read: version unknown
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/format/version.h"
#include "common/os/fs.h"
#include "common/rd/layout.h"

namespace rdbundle {

struct InstalledRd {
  std::string where;                 // the file or directory that shows it, e.g. the Info.plist
  std::string how;                   // "macOS app", "deb package", "per-user install", ...
  std::optional<RdVersion> version;  // nullopt: present, version not known
};

// The CFBundleShortVersionString of an XML Info.plist ("<key>CFBundleShortVersionString</key>
// <string>1.19.3</string>"), when it is an RD version X.Y.Z (a suffix after the patch, e.g.
// "1.20.0-rc1", is dropped). nullopt for anything else, including binary plists.
std::optional<RdVersion> ParseInfoPlistVersion(std::string_view plist);

// The version of the installed package "rancher-desktop" in a dpkg status file (paragraphs of
// "Field: value" lines; Status "install ok installed"), leading X.Y.Z of its Version.
std::optional<RdVersion> ParseDpkgStatusVersion(std::string_view status);

// Looks for RD where it installs for `dest.os`. For this machine's own setup (dest.is_host),
// macOS /Applications and Linux package files are read from this machine; for another home (a
// mounted Windows home from WSL: <home>/../..) only the home-relative places and, on Windows,
// <drive>/Program Files are looked at. nullopt: no RD found.
std::optional<InstalledRd> DetectInstalledRd(Fs& fs, const Destinations& dest,
                                             const GetEnvFn& getenv);

}  // namespace rdbundle
