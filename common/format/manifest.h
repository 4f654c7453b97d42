// The bundle manifest (format-spec/rdbundle-v1.md "manifest.json"): model, strict parser and
// canonical serializer. The packer and unpacker share this one definition of the format.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/format/paths.h"

namespace rdbundle {

// Where a fetched file came from: the URL and the upstream digest it was checked against
// (from the release's sha256sum-<arch>.txt or kubectl.sha256). Absent for local inputs.
struct FileSource {
  std::string url;
  std::optional<std::string> sha256;  // lowercase hex; absent when upstream publishes none
  // Format 2, role rd-installer only (and required there): the digest of the asset's
  // "<asset>.sha512sum" the download was checked against, 128 lowercase hex.
  std::optional<std::string> sha512;
  bool operator==(const FileSource&) const = default;
};

struct ManifestFile {
  std::string path;  // bundle path, e.g. "cache/k3s/v1.30.4+k3s1/k3s"
  std::uint64_t size = 0;
  std::string sha256;  // lowercase hex
  std::uint32_t mode = 0644;
  FileRole role = FileRole::kK3sSums;
  std::optional<FileSource> source;
  bool operator==(const ManifestFile&) const = default;
};

struct KubectlPlatform {
  std::string version;  // "X.Y.Z"
  TargetOs os = TargetOs::kLinux;
  Arch arch = Arch::kAmd64;
  bool operator==(const KubectlPlatform&) const = default;
};

// Format 2: a Rancher Desktop installer the bundle carries (installers/<asset>).
struct RdInstallerEntry {
  std::string version;  // "X.Y.Z"
  RdPlatform platform = RdPlatform::kLinux;
  bool operator==(const RdInstallerEntry&) const = default;
};

struct Manifest {
  int format_version = 1;
  std::string bundle_id;                  // 32 lowercase hex (128 bits)
  std::string created;                    // RFC 3339 UTC, "2026-11-25T13:39:39Z"
  std::string generator;                  // "rdbundle-pack 0.1.0"
  std::string key_id;                     // minisign key id, 16 uppercase hex
  std::vector<std::string> k3s_versions;  // sorted by k3s version order
  std::vector<Arch> k3s_arches;           // sorted, amd64 before arm64
  std::vector<KubectlPlatform> kubectl;   // sorted by os, arch, version
  // Format 2 only (empty in version 1): the installers in `files`, sorted by platform name,
  // then version; and k3s.channels, exactly the channels of cache/k3s-versions.json (the
  // channel server's values for bundled versions when the packer fetched), so `list` can show
  // what each channel will point to without reading the payload.
  std::vector<RdInstallerEntry> rd_installers;
  std::map<std::string, std::string> k3s_channels;
  std::vector<ManifestFile> files;        // sorted by path (bytewise)
  bool operator==(const Manifest&) const = default;

  std::uint64_t TotalBytes() const;
};

// Strict parse of the exact signed bytes. Order of checks: size cap, JSON syntax (duplicate
// keys rejected), "format" and "formatVersion" (an unknown version gives kUnsupportedVersion
// before any other schema check, so a newer bundle says "upgrade", not "corrupt"), then the
// full schema (unknown or missing fields, types), then ValidateManifest.
// Messages start with "manifest.json: ".
Result<Manifest> ParseManifest(std::string_view bytes);

// Semantic rules shared by writer and reader: path schema (ClassifyPayloadPath) and role/mode
// agreement, files strictly sorted and unique (also case-insensitively: macOS and Windows
// filesystems fold case), limits (kMaxFiles, kMaxFileBytes, kMaxBundlePayloadBytes, small-file
// caps), every (version, arch) complete (binary, sums file, one images file), exactly one
// k3s-versions.json when k3s versions are present, and the k3s/kubectl summaries equal to
// what `files` contains.
Status ValidateManifest(const Manifest& m);

// Canonical bytes: fixed key order, 2-space indent, '\n' at the end. Byte-stable for the same
// Manifest. REQUIRES: ValidateManifest(m).ok() for a manifest that will be signed.
std::string SerializeManifest(const Manifest& m);

// Fills k3s_versions, k3s_arches, kubectl and rd_installers from `files` (sorted), so writers
// cannot get the summaries wrong, and sets format_version to MinimumFormatVersion. k3s_channels
// is the writer's to fill (from the bundled k3s-versions.json) when the version is 2.
// REQUIRES: every path classifies.
Status FillManifestSummaries(Manifest& m);

// The lowest format version that can express `m`: 2 when it carries an installer, else 1
// (format-spec/rdbundle-v2.md section 2), so bundles without installers stay readable by
// version-1 readers.
int MinimumFormatVersion(const Manifest& m);

// The trusted comment signed with the manifest: "rdbundle-format:<N> bundle-id:<id>".
std::string ManifestTrustedComment(const Manifest& m);
// Checks a verified trusted comment against the manifest (format version and bundle id).
Status CheckManifestTrustedComment(std::string_view trusted_comment, const Manifest& m);

// "YYYY-MM-DDTHH:MM:SSZ" for a Unix time.
std::string FormatRfc3339Utc(std::int64_t unix_seconds);

}  // namespace rdbundle
