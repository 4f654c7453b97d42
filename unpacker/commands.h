// rdbundle-unpack subcommands. main.cc parses options into these structs and calls one Run*.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/format/limits.h"
#include "common/format/minisign.h"
#include "common/os/fs.h"
#include "common/rd/layout.h"

namespace rdbundle::unpacker {

struct KeyOptions {
  std::vector<std::string> public_keys;  // -p FILE (repeatable); when given, only these
  std::optional<std::string> trusted_dir;  // default $XDG_CONFIG_HOME/rdbundle/trusted
};

struct ReadOptions {
  std::string bundle;  // path or "-"
  KeyOptions keys;
  int max_window_log = kDefaultMaxWindowLog;
  std::optional<bool> progress;  // default: on when stderr is a terminal
};

struct InstallCommand {
  ReadOptions read;
  DestinationOptions dest;
  bool dry_run = false;
  bool all_platforms = false;
  bool force = false;
  bool require_kubectl_cover = false;
  bool json = false;
  // --installers-dir; default <home>/rancher-desktop-installers (common/rd/rd_installer.h).
  std::optional<std::string> installers_dir;
};

struct ListCommand {
  ReadOptions read;
  bool json = false;
};

struct ListInstalledCommand {
  DestinationOptions dest;
  bool json = false;
};

// The "schemaVersion" of every --json output of rdbundle-unpack (docs/json.md).
inline constexpr int kJsonSchemaVersion = 1;

// Full verification (signature, every entry, every hash, end of stream); writes nothing.
// `json`: one summary object on `out` (docs/json.md) instead of the line.
Status RunVerify(Fs& fs, const ReadOptions& opts, std::FILE* out, bool json = false);
// The signed manifest, after the signature check (payload not read).
Status RunList(Fs& fs, const ListCommand& cmd, std::FILE* out);
Status RunInstall(Fs& fs, const InstallCommand& cmd, std::FILE* out);
Status RunListInstalled(Fs& fs, const ListInstalledCommand& cmd, std::FILE* out);

// The cheap checks of a command that reads or writes the destinations, before any bundle byte
// is read (issue 18 items 1 and 5): --home must name an existing directory (kNotFound "--home
// DIR: no such directory", kUsage when it is not a directory); and a command that writes
// (`writes`) for another OS than this machine's needs --home, or --cache-dir with
// --kuberlr-dir (kUsage), since this machine's home is not where that OS's Rancher Desktop is.
Status CheckDestinationOptions(Fs& fs, const DestinationOptions& dest, bool writes);

// Default trusted-keys directory: $XDG_CONFIG_HOME/rdbundle/trusted or
// $HOME/.config/rdbundle/trusted. Relative values are ignored (the XDG Base Directory spec says
// so; a relative one would trust keys in the current directory, e.g. next to a bundle on a USB
// stick: issue 13 item 2); with neither usable there is no default (nullopt).
std::optional<std::string> DefaultTrustedDir(const GetEnvFn& getenv);

// The trusted keys: only the -p files when given, else every *.pub of the trusted directory
// (TrustedKeys::LoadDir's rules; its warnings() are for the caller to print). Without -p,
// --trusted-dir or a default directory: kUntrustedKey saying so.
Result<TrustedKeys> LoadKeys(Fs& fs, const KeyOptions& opts);

}  // namespace rdbundle::unpacker
