// rdbundle-pack push / pull / ls: bundles in an OCI registry (format-spec/oci-artifact.md).
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "common/base/status.h"
#include "common/os/fs.h"
#include "packer/oci_client.h"

namespace rdbundle::packer {

struct PushCommand {
  std::string bundle;  // the .rdbundle file
  std::string target;  // oci://HOST[:PORT]/REPO:TAG
  std::optional<std::string> public_key;   // -p KEY.pub: the only trusted key
  std::optional<std::string> trusted_dir;  // else the keys of this dir (unpacker's default)
  RegistryOptions registry;
  bool progress = false;
};

// Verifies the bundle's signature (and its BUNDLE.minisig, when present), hashes it, uploads
// config, bundle and signature blobs and the manifest. Prints the pushed reference with its
// digest on `out`, a summary on `err`.
Status RunPush(Fs& fs, const PushCommand& cmd, std::FILE* out, std::FILE* err);

struct PullCommand {
  std::string source;                 // oci://HOST[:PORT]/REPO:TAG or @sha256:...
  std::optional<std::string> output;  // FILE, "-" (stdout); default: the layer's title
  RegistryOptions registry;
  bool force = false;
  bool progress = false;
};

// Resolves the manifest, downloads the bundle layer (digest checked while it streams) to a
// .part file renamed when complete, or to stdout; the signature layer to OUT.minisig.
Status RunPull(Fs& fs, const PullCommand& cmd, std::FILE* err);

struct LsCommand {
  std::string repository;  // oci://HOST[:PORT]/REPO
  RegistryOptions registry;
  bool json = false;
};

// One line (or JSON object) per tag with the artifact's annotations.
Status RunLs(const LsCommand& cmd, std::FILE* out);

}  // namespace rdbundle::packer
