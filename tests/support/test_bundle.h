// Builds small, valid, signed bundles in memory (and the pieces to break them), for the
// unpacker's adversarial tests and the bundle fuzzer. The payload is a consistent RD kit:
// sha256sum files match the binaries and images, k3s-versions.json lists the versions.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/format/manifest.h"
#include "common/format/minisign.h"
#include "common/format/paths.h"
#include "common/signing/signing.h"
#include "tests/support/raw_tar.h"

namespace rdbundle::testsupport {

struct TestFile {
  std::string path;  // bundle path
  std::string content;
};

struct KitSpec {
  std::vector<std::string> versions = {"v1.30.4+k3s1"};
  std::vector<Arch> arches = {Arch::kAmd64};
  std::vector<KubectlPlatform> kubectls = {{"1.30.4", TargetOs::kLinux, Arch::kAmd64}};
  std::size_t file_bytes = 3000;  // size of each binary/images file
  unsigned seed = 1;
};

// Payload files sorted by path.
std::vector<TestFile> MakeKitFiles(const KitSpec& spec);
// A Rancher Desktop installer (format 2, installers/<asset>) with made-up bytes; MakeManifest
// gives it the source and k3s.channels format 2 requires.
TestFile MakeInstallerFile(std::string_view rd_version, RdPlatform platform, unsigned seed = 7);
// `files` plus `extra`, sorted by path.
std::vector<TestFile> WithFile(std::vector<TestFile> files, TestFile extra);

struct TestKey {
  SecretKey secret;
  PublicKey pub;
  std::string pub_file;  // minisign public key file text
};
TestKey MakeTestKey();
// One key per test process (key generation is cheap, but stable ids help debugging).
const TestKey& DefaultTestKey();

// Manifest for `files` (summaries filled, fixed bundle id and time), valid per ValidateManifest.
Manifest MakeManifest(const std::vector<TestFile>& files, const PublicKey& key);
// minisign signature file of `manifest_bytes` with the standard trusted comment for `m`.
std::string SignManifestBytes(const std::string& manifest_bytes, const Manifest& m,
                              const SecretKey& key);

struct BundleParts {
  Manifest manifest;
  std::string manifest_bytes;
  std::string signature;
  std::vector<RawTarEntry> entries;  // manifest.json, manifest.json.minisig, payload...
};

// A valid bundle's parts. `edit` may change the manifest before it is serialized and signed.
BundleParts MakeBundleParts(const std::vector<TestFile>& files, const TestKey& key,
                            const std::function<void(Manifest&)>& edit = nullptr);
// Re-serializes and re-signs parts.manifest into entries[0] and entries[1].
void ResignParts(BundleParts& parts, const TestKey& key);
std::string AssembleBundle(const BundleParts& parts, const RawTarOptions& tar = {},
                           const ZstdOptions& zstd = {});
std::string MakeValidBundle(const KitSpec& spec = {}, const TestKey& key = DefaultTestKey());

}  // namespace rdbundle::testsupport
