// Which Rancher Desktop is installed for a target (issue 14 item 8), so doctor applies that
// version's rules (rd_rules.h: minimum k3s version, built-in version list).
// Where RD installs (docs/rancher-desktop.md#rd-installer and RD's packaging):
//   macOS:   /Applications/Rancher Desktop.app/Contents/Info.plist (also ~/Applications):
//            CFBundleShortVersionString (electron-builder writes an XML plist)
//   Linux:   the deb or rpm package "rancher-desktop", files in /opt/rancher-desktop; the
//            version from dpkg's status file, else (rpm, whose database is not read, or an
//            unzipped release) from the app itself, as below
//   Windows: the MSI installs per user into %LOCALAPPDATA%\Programs\Rancher Desktop or per
//            machine into %ProgramFiles%\Rancher Desktop (MSIINSTALLPERUSER, MSIUpdater.ts);
//            the version from the app itself, read where RD's own installer build reads it:
//            scripts/lib/installer-win32.tsx getAppVersion, `extractFile(path.join(appDir,
//            'resources', 'app.asar'), 'package.json')` and its "version" (package.ts sets it
//            with `_.set(config, 'extraMetadata.version', version)`)
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

// The "version" of package.json inside an Electron asar archive (`resources/app.asar`), the
// leading X.Y.Z as getAppVersion takes it (`/^v?(\d+\.\d+\.\d+)(?:-(\d+))?/`). The archive
// (electron/asar, Chromium pickles): uint32 LE 4, uint32 LE header pickle size N, then the
// pickle: uint32 payload size, uint32 JSON length L, L bytes of JSON
// {"files": {"package.json": {"size": S, "offset": "O"}, ...}}; a file's bytes start at
// 8 + N + O. nullopt for anything else (also a package.json marked "unpacked").
std::optional<RdVersion> ReadAsarPackageVersion(Fs& fs, const std::string& asar_path);

// Looks for RD where it installs for `dest.os`. For this machine's own setup (dest.is_host),
// macOS /Applications and Linux package files are read from this machine; for another home (a
// mounted Windows home from WSL: <home>/../..) only the home-relative places and, on Windows,
// <drive>/Program Files are looked at. nullopt: no RD found.
// `system_root` prefixes this machine's absolute paths (/Applications, /var/lib/dpkg/status,
// /opt/rancher-desktop) for tests; empty in use.
std::optional<InstalledRd> DetectInstalledRd(Fs& fs, const Destinations& dest,
                                             const GetEnvFn& getenv,
                                             const std::string& system_root = "");

}  // namespace rdbundle
