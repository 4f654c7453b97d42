// The packer's input: find a Rancher Desktop offline kit on disk, select what to pack, and
// check every file before anything is written (a broken kit is never packed).
//
// Input layout (the same for `--from DIR` and for this machine's RD install):
//   <cache_dir>/k3s/<k3s version>/{k3s | k3s-arm64}
//   <cache_dir>/k3s/<k3s version>/sha256sum-<arch>.txt
//   <cache_dir>/k3s/<k3s version>/k3s-airgap-images-<arch>.tar.zst (else .tar)
//   <cache_dir>/k3s-versions.json                       (optional: its channels are kept)
//   <kuberlr_dir>/<os>-<arch>/kubectl<X.Y.Z>[.exe]
// For `--from DIR`, cache_dir is DIR/cache and kuberlr_dir is DIR/kuberlr; for
// `--from-rd-cache` they come from ResolveDestinations (RD's cache dir and ~/.kuberlr).
//
// Two steps, so that the expensive one can show progress:
//   DiscoverKit: directory listings and lstat only: which files, sizes, identities.
//   CheckKit:    reads every file once: SHA-256, executable headers, sha256sum lines, and
//                generates cache/k3s-versions.json.
// Every error is one line naming the input file and the reason.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/format/manifest.h"
#include "common/format/version.h"
#include "common/os/fs.h"
#include "common/rd/k3s_versions.h"
#include "common/rd/layout.h"

namespace rdbundle {
class Progress;
}

namespace rdbundle::packer {

struct KitSource {
  std::string cache_dir;    // holds k3s/ and (optionally) k3s-versions.json
  std::string kuberlr_dir;  // holds <os>-<arch>/ directories
  std::string installers_dir;  // holds RD installers (a fetching build's D/installers); may be empty
};

// What to pack; an empty list means "everything found" (unless `exact`). Every item named
// here must be found.
struct KitSelection {
  std::vector<std::string> k3s_versions;   // exact k3s versions, "v1.30.4+k3s1"
  std::vector<Arch> arches;                // k3s arches
  std::vector<KubectlPlatform> kubectls;   // version "X.Y.Z" (no "v"), os, arch
  std::vector<RdInstallerEntry> installers;  // RD installers, from installers_dir (never "all")
  // Only what is named: an empty list selects nothing (a fetched kit in a download dir that
  // also holds earlier downloads).
  bool exact = false;
};

// The identity of an input file when it was discovered. The write pass compares a fresh lstat
// with it and refuses a file that changed in between (its hash would no longer be the signed one).
struct FileIdentity {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
  std::uint64_t device = 0;
  bool operator==(const FileIdentity&) const = default;
};

struct KitFile {
  std::string bundle_path;  // payload path, e.g. "cache/k3s/v1.30.4+k3s1/k3s"
  FileRole role = FileRole::kK3sBinary;
  // Input on disk; empty for a generated file (cache/k3s-versions.json), whose bytes are in
  // `content`. Small input files (sha256sum files) are also kept in `content` after CheckKit,
  // so the bytes checked are exactly the bytes packed.
  std::string input_path;
  FileIdentity identity;  // of input_path, from DiscoverKit
  std::optional<std::string> content;
  std::string sha256;  // lowercase hex, set by CheckKit
  // Fetched files: the URL and the upstream digest it was verified against (manifest `source`).
  std::optional<FileSource> source;
  std::uint64_t size() const { return content ? content->size() : identity.size; }
};

struct Kit {
  std::vector<KitFile> files;                   // sorted by bundle_path after CheckKit
  std::vector<K3sVersion> k3s_versions;         // selected, in version order
  std::vector<Arch> arches;                     // k3s arches present, sorted
  std::vector<KubectlPlatform> kubectls;        // selected, sorted by os, arch, version
  std::optional<std::string> versions_json_path;  // input k3s-versions.json, if there is one
};

// Informational lines for the user ("using X.tar.zst (Rancher Desktop prefers it over .tar)").
using NoteFn = std::function<void(const std::string&)>;

// Lists the inputs and applies `selection`. Errors (kNotFound for a selected item that is
// missing, kCorrupt for a malformed kit) name the file or directory, e.g.
//   "<cache>/k3s/v1.30.4+k3s1: k3s-arm64 is missing (sha256sum-arm64.txt is there)"
//   "<cache>/k3s/1.30.4: not a k3s version directory (invalid k3s version ...)"
//   "kubectl 1.29.8 for windows/amd64 not found (<kuberlr>/windows-amd64/kubectl1.29.8.exe)"
// Hidden entries (".DS_Store") are skipped; symlinks and other non-regular files are refused
// (the packer reads regular files only, so what it hashes is what it packs).
Result<Kit> DiscoverKit(Fs& fs, const KitSource& source, const KitSelection& selection,
                        const NoteFn& note);

struct KitCheckOptions {
  int threads = 1;                // files hashed in parallel
  Progress* progress = nullptr;   // bytes hashed; may be null
  NoteFn note;                    // warnings (an unusable input k3s-versions.json); may be empty
};

// Reads every input file once, in parallel: SHA-256, and for executables the header
// (packer/exe_check.h: k3s binaries are Linux ELF of their arch, kubectls of their platform).
// Then checks the k3s binary and images of every (version, arch) against their lines in that
// sha256sum-<arch>.txt, as Rancher Desktop does on every start:
//   "<file>: sha256 does not match its line in sha256sum-amd64.txt (expected 1d0b..., got 4d48...)"
//   "<file>: sha256sum-amd64.txt has no line for k3s-airgap-images-amd64.tar.zst"
// (kHashMismatch / kCorrupt), and adds the generated cache/k3s-versions.json (see
// BuildVersionsFile). Files are sorted by bundle path afterwards. kInterrupted on SIGINT.
Status CheckKit(Fs& fs, Kit& kit, const KitCheckOptions& options);

// k3s-versions.json for the bundle: cacheVersion 2, the bundled versions, and the channels of
// `input` (the kit's own k3s-versions.json, or for a fetching build RD's list built from the
// channel server) whose value is a bundled version; no channels without an input file (none
// is invented: RD then selects the highest version, kubeVersions.ts highestStableVersion).
// The result passes the unpacker's strict parse.
Result<K3sVersionsFile> BuildVersionsFile(const std::vector<K3sVersion>& versions,
                                          const std::optional<K3sVersionsFile>& input);

// The re-check before a file's bytes are written: kCorrupt "<file>: changed while packing
// (...)" when its lstat identity differs from the one hashed.
Status CheckUnchanged(Fs& fs, const KitFile& file);

}  // namespace rdbundle::packer
