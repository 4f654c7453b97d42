#include "tests/support/test_bundle.h"

#include <algorithm>
#include <random>
#include <stdexcept>

#include "common/format/hash.h"
#include "common/format/version.h"
#include "common/rd/k3s_versions.h"

namespace rdbundle::testsupport {
namespace {

std::string Bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

template <class T>
T Check(Result<T> r) {
  if (!r.has_value()) throw std::runtime_error(r.error().message());
  return std::move(r).value();
}

std::string SumsFile(const std::string& images_name, const std::string& images,
                     const std::string& binary_name, const std::string& binary) {
  // Upstream order: images first, binary last; a line for an asset that is not in the kit.
  return Sha256::HexOf(images) + "  " + images_name + "\n" + std::string(64, 'a') +
         "  k3s-images.txt\n" + Sha256::HexOf(binary) + "  " + binary_name + "\n";
}

}  // namespace

std::vector<TestFile> MakeKitFiles(const KitSpec& spec) {
  std::vector<TestFile> files;
  unsigned seed = spec.seed;
  for (const auto& v : spec.versions) {
    for (Arch a : spec.arches) {
      std::string binary = "\x7f" "ELF" + Bytes(spec.file_bytes, seed++);
      std::string images = Bytes(spec.file_bytes, seed++);
      const std::string images_name = K3sImagesNames(a)[0];
      files.push_back({K3sBundlePath(v, K3sBinaryName(a)), binary});
      files.push_back({K3sBundlePath(v, images_name), images});
      files.push_back({K3sBundlePath(v, K3sSumsName(a)),
                       SumsFile(images_name, images, K3sBinaryName(a), binary)});
    }
  }
  if (!spec.versions.empty()) {
    K3sVersionsFile vf;
    std::vector<K3sVersion> parsed;
    for (const auto& v : spec.versions) {
      vf.versions.push_back(v);
      parsed.push_back(Check(ParseK3sVersion(v)));
    }
    vf.channels = DeriveChannels(parsed);
    files.push_back({std::string(kK3sVersionsBundlePath), SerializeK3sVersionsFile(vf)});
  }
  for (const auto& k : spec.kubectls) {
    files.push_back({KubectlBundlePath(k.os, k.arch, k.version), "kubectl" + Bytes(spec.file_bytes, seed++)});
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

TestKey MakeTestKey() {
  SecretKey sk = Check(GenerateKey());
  PublicKey pk = sk.public_key();
  return TestKey{std::move(sk), pk, SerializePublicKeyFile(pk)};
}

const TestKey& DefaultTestKey() {
  static const TestKey* key = new TestKey(MakeTestKey());
  return *key;
}

Manifest MakeManifest(const std::vector<TestFile>& files, const PublicKey& key) {
  Manifest m;
  m.bundle_id = "0123456789abcdef0123456789abcdef";
  m.created = "2026-11-25T12:00:00Z";
  m.generator = "rdbundle tests";
  m.key_id = KeyIdString(key.key_id);
  for (const auto& f : files) {
    auto p = ClassifyPayloadPath(f.path);
    ManifestFile mf;
    mf.path = f.path;
    mf.size = f.content.size();
    mf.sha256 = Sha256::HexOf(f.content);
    mf.role = p.has_value() ? p->role : FileRole::kK3sImages;
    mf.mode = ModeForRole(mf.role);
    if (mf.role == FileRole::kRdInstaller) {  // format 2: where it came from, its .sha512sum
      mf.source = FileSource{"https://rd.example/" + f.path, std::nullopt, std::string(128, 'c')};
    }
    m.files.push_back(std::move(mf));
  }
  Status s = FillManifestSummaries(m);
  if (!s.ok()) throw std::runtime_error(s.message());
  if (m.format_version >= 2) {  // k3s.channels: exactly the bundled k3s-versions.json's
    for (const auto& f : files) {
      if (f.path == kK3sVersionsBundlePath) {
        m.k3s_channels = Check(ParseK3sVersionsFile(f.content, f.path)).channels;
      }
    }
  }
  return m;
}

std::string SignManifestBytes(const std::string& manifest_bytes, const Manifest& m,
                              const SecretKey& key) {
  return SerializeSignatureFile(
      Check(Sign(key, manifest_bytes, ManifestTrustedComment(m), "rdbundle manifest signature")));
}

void ResignParts(BundleParts& parts, const TestKey& key) {
  parts.manifest_bytes = SerializeManifest(parts.manifest);
  parts.signature = SignManifestBytes(parts.manifest_bytes, parts.manifest, key.secret);
  parts.entries[0].data = parts.manifest_bytes;
  parts.entries[1].data = parts.signature;
}

BundleParts MakeBundleParts(const std::vector<TestFile>& files, const TestKey& key,
                            const std::function<void(Manifest&)>& edit) {
  BundleParts parts;
  parts.manifest = MakeManifest(files, key.pub);
  if (edit) edit(parts.manifest);
  parts.entries.push_back({"manifest.json", ""});
  parts.entries.push_back({"manifest.json.minisig", ""});
  ResignParts(parts, key);
  for (const auto& f : files) {
    RawTarEntry e{f.path, f.content};
    e.mode = ModeForRole(ClassifyPayloadPath(f.path).has_value()
                             ? ClassifyPayloadPath(f.path)->role
                             : FileRole::kK3sImages);
    parts.entries.push_back(std::move(e));
  }
  return parts;
}

std::string AssembleBundle(const BundleParts& parts, const RawTarOptions& tar,
                           const ZstdOptions& zstd) {
  return ZstdCompress(BuildRawTar(parts.entries, tar), zstd);
}

TestFile MakeInstallerFile(std::string_view rd_version, RdPlatform platform, unsigned seed) {
  return {InstallerBundlePath(rd_version, platform), "installer" + Bytes(2000, seed)};
}

std::vector<TestFile> WithFile(std::vector<TestFile> files, TestFile extra) {
  files.push_back(std::move(extra));
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

std::string MakeValidBundle(const KitSpec& spec, const TestKey& key) {
  return AssembleBundle(MakeBundleParts(MakeKitFiles(spec), key));
}

}  // namespace rdbundle::testsupport
