// Writes the seed corpora fuzz/corpus/<target>/<sha1 of content> (OSS-Fuzz naming) from the
// project's own writers and the fixed fuzz keys: small valid inputs, and a few near-valid ones
// (one field off) so the fuzzer starts next to every rejection. Deterministic: rerunning it
// gives the same files. fuzz/make_seeds.sh runs it and adds the seeds that come from outside
// (the real minisign, tests/testdata/upstream).
//
// Usage: rdb_fuzz_make_seeds <corpus dir>
#include <openssl/evp.h>
#include <sodium.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/base/hex.h"
#include "common/format/hash.h"
#include "common/format/manifest.h"
#include "common/format/minisign.h"
#include "common/rd/k3s_versions.h"
#include "common/signing/signing.h"
#include "fuzz/bundle_recipe.h"
#include "fuzz/fixed_keys.h"
#include "tests/support/raw_tar.h"
#include "tests/support/test_bundle.h"
#include "unpacker/state.h"

namespace {

using namespace rdbundle;
using namespace rdbundle::fuzz;
using testsupport::KitSpec;

std::string g_dir;
int g_count = 0;

std::string Sha1Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  return HexEncode(std::span<const std::uint8_t>(md, len));
}

void Add(const std::string& target, const std::string& data) {
  const std::filesystem::path dir = std::filesystem::path(g_dir) / target;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / Sha1Hex(data), std::ios::binary) << data;
  ++g_count;
}

template <class T>
T Must(Result<T> r) {
  if (!r.has_value()) {
    std::fprintf(stderr, "make_seeds: %s\n", r.error().message().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  if (auto pos = s.find(from); pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

KitSpec Spec(std::vector<std::string> versions, std::vector<Arch> arches,
             std::vector<KubectlPlatform> kubectls, std::size_t bytes = 48) {
  KitSpec s;
  s.versions = std::move(versions);
  s.arches = std::move(arches);
  s.kubectls = std::move(kubectls);
  s.file_bytes = bytes;
  return s;
}

std::vector<KitSpec> Specs() {
  const KubectlPlatform linux_amd64{"1.30.4", TargetOs::kLinux, Arch::kAmd64};
  const KubectlPlatform win{"1.30.4", TargetOs::kWindows, Arch::kAmd64};
  const KubectlPlatform mac{"1.29.8", TargetOs::kDarwin, Arch::kArm64};
  return {Spec({"v1.30.4+k3s1"}, {Arch::kAmd64}, {linux_amd64}),
          Spec({"v1.30.4+k3s1", "v1.31.0-rc1+k3s1"}, {Arch::kAmd64, Arch::kArm64},
               {linux_amd64, win, mac}),
          Spec({}, {Arch::kAmd64}, {win}), Spec({"v1.30.10+k3s2"}, {Arch::kArm64}, {})};
}

std::string ManifestOf(const KitSpec& spec) {
  return SerializeManifest(testsupport::MakeManifest(testsupport::MakeKitFiles(spec), FuzzKey().pub));
}

void Manifests() {
  for (const KitSpec& spec : Specs()) Add("manifest", ManifestOf(spec));
  Manifest m = testsupport::MakeManifest(testsupport::MakeKitFiles(Specs()[0]), FuzzKey().pub);
  m.files[1].source = FileSource{"https://github.com/k3s-io/k3s/releases/download/v1.30.4%2Bk3s1/k3s",
                                 m.files[1].sha256};
  const std::string canonical = SerializeManifest(m);
  Add("manifest", canonical);
  Add("manifest", Replace(canonical, "\"formatVersion\": 1", "\"formatVersion\": 2"));
  Add("manifest", Replace(canonical, "\"format\": \"rdbundle\",", "\"format\": \"rdbundle\", \"x\": 1,"));
  Add("manifest", Replace(canonical, "\"mode\": \"0755\"", "\"mode\": \"0644\""));
  Add("manifest", Replace(canonical, "\"size\": ", "\"size\": 1"));
}

const char kMessage[] = "rdbundle fuzz: the message the signature seeds sign\n";

std::string LegacySignature(const testsupport::TestKey& key, const std::string& message,
                            const std::string& trusted) {
  Signature s;
  s.alg = {'E', 'd'};
  s.key_id = key.secret.key_id();
  s.untrusted_comment = "signature from rdbundle fuzz seeds (legacy)";
  s.trusted_comment = trusted;
  const std::uint8_t* sk = key.secret.secret_bytes().data();
  crypto_sign_detached(s.sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), sk);
  std::string global(reinterpret_cast<const char*>(s.sig.data()), s.sig.size());
  global += trusted;
  crypto_sign_detached(s.global_sig.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(global.data()), global.size(), sk);
  return SerializeSignatureFile(s);
}

void Keys() {
  Add("public_key", FuzzKey().pub_file);
  Add("public_key", OtherFuzzKey().pub_file);
  Add("public_key", PublicKeyBase64(FuzzKey().pub) + "\n");
  Add("public_key", PublicKeyBase64(FuzzKey().pub));
  Add("public_key", Replace(FuzzKey().pub_file, "\n", "\r\n"));

  const std::string msg = kMessage;
  for (const auto* key : {&FuzzKey(), &OtherFuzzKey()}) {
    Add("signature", SerializeSignatureFile(
                         Must(Sign(key->secret, msg, "rdbundle-format:1 bundle-id:0123456789abcdef0123456789abcdef",
                                   "rdbundle manifest signature"))));
  }
  Add("signature", SerializeSignatureFile(Must(Sign(FuzzKey().secret, msg, "timestamp:1795608000\tfile:message.txt\thashed",
                                                    "signature from minisign secret key"))));
  Add("signature", LegacySignature(FuzzKey(), msg, "timestamp:1795608000\tfile:message.txt"));

  const std::string sk = Must(SerializeSecretKeyFile(FuzzKey().secret, std::nullopt));
  Add("secret_key", sk);
  // The same key as an encrypted file would look (kdf "Sc", salt, limits); the target never
  // decrypts, so the XORed bytes need not be real.
  const std::size_t nl = sk.find('\n');
  std::string b64 = sk.substr(nl + 1, sk.size() - nl - 2);
  std::vector<std::uint8_t> blob = *Base64Decode(b64);
  blob[2] = 'S';
  blob[3] = 'c';
  for (int i = 0; i < 32; ++i) blob[6 + i] = static_cast<std::uint8_t>(i * 7);
  const std::uint64_t ops = 524288, mem = 16777216;
  for (int i = 0; i < 8; ++i) {
    blob[38 + i] = static_cast<std::uint8_t>(ops >> (8 * i));
    blob[46 + i] = static_cast<std::uint8_t>(mem >> (8 * i));
  }
  Add("secret_key", sk.substr(0, nl + 1) + Base64Encode(blob) + "\n");
}

void SmallFiles() {
  for (const KitSpec& spec : Specs()) {
    for (const auto& f : testsupport::MakeKitFiles(spec)) {
      auto p = ClassifyPayloadPath(f.path);
      if (p->role == FileRole::kK3sSums) Add("sha256sums", f.content);
      if (p->role == FileRole::kK3sVersions) Add("k3s_versions", f.content);
    }
  }
  Add("sha256sums", std::string(64, 'a') + "  k3s\n");
  Add("sha256sums", std::string(64, 'A') + "  k3s\n");
  Add("k3s_versions", "{\"cacheVersion\":2,\"versions\":[],\"channels\":{}}");
  Add("k3s_versions",
      "{\n  \"cacheVersion\": 2.0,\n  \"versions\": [\"v1.30.4+k3s1\", \"1.29.8\", \"v1.29.8+k3s1\"],\n"
      "  \"channels\": {\"stable\": \"1.30.4\", \"v1.29\": \"1.29.8\"},\n  \"lastUpdated\": 1\n}\n");
  Add("k3s_versions", "{\"cacheVersion\":2,\"versions\":[\"v1.30.4+k3s1\",\"v1.30.4+k3s2\"],\"channels\":{\"stable\":\"1.30.4\"}}");

  Add("channels_json",
      "{\"type\":\"collection\",\"resourceType\":\"channel\",\"data\":["
      "{\"id\":\"stable\",\"type\":\"channel\",\"name\":\"stable\",\"latest\":\"v1.30.4+k3s1\"},"
      "{\"id\":\"latest\",\"type\":\"channel\",\"name\":\"latest\",\"latest\":\"v1.31.0-rc1+k3s1\"},"
      "{\"id\":\"v1.30\",\"type\":\"channel\",\"name\":\"v1.30\",\"latest\":\"v1.30.4+k3s1\",\"latestRegexp\":\"v1\\\\.30\\\\..*\"}]}");
  Add("releases_json",
      std::string("\x01") +
          "[{\"tag_name\":\"v1.30.4+k3s1\",\"prerelease\":false,\"draft\":false,\"assets\":["
          "{\"name\":\"k3s\",\"browser_download_url\":\"https://x/k3s\",\"size\":71544832},"
          "{\"name\":\"sha256sum-amd64.txt\",\"browser_download_url\":\"https://x/s\",\"size\":1120},"
          "{\"name\":\"k3s-airgap-images-amd64.tar.zst\",\"browser_download_url\":\"https://x/i\",\"size\":181423641}]},"
          "{\"tag_name\":\"v1.30.4+k3s2\",\"prerelease\":false,\"draft\":true,\"assets\":[]},"
          "{\"tag_name\":\"v1.31.0-rc1+k3s1\",\"prerelease\":true,\"draft\":false,\"assets\":[]}]");

  Add("version", "v1.30.4+k3s1\nv1.31.0-rc1+k3s1\nv1.30.10+k3s2");
  Add("version", "v1.31.0-rc.1.2+k3s1\nv1.31.0-rc.1.10+k3s1\nv1.31.0-rc.a+k3s1");
  Add("version", "1.30.4\nv1.30.4\ncache/k3s/v1.30.4+k3s1/k3s");
  Add("version", "kuberlr/windows-amd64/kubectl1.30.4.exe");
  Add("version", "cache/k3s/v1.30.4+k3s1/k3s-airgap-images-arm64.tar.zst");
  Add("version", "cache/k3s-versions.json");

  unpacker::InstallState st;
  st.installs.push_back({"0123456789abcdef0123456789abcdef", "5246555A5A310000", "2026-11-25T12:00:00Z",
                         "2026-11-26T08:00:00Z", "rdbundle-pack 0.1.0", "linux-amd64", 3, 12345});
  st.files["/home/u/.cache/rancher-desktop/k3s/v1.30.4+k3s1/k3s"] = {
      std::string(64, 'a'), 71544832, 1795608000000000000, 1234, "0123456789abcdef0123456789abcdef"};
  Add("install_state", unpacker::SerializeInstallState(st));
  Add("install_state", unpacker::SerializeInstallState({}));
}

void Le(std::string& s, std::size_t off, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void Be(std::string& s, std::size_t off, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s[off + i] = static_cast<char>((v >> (8 * (n - 1 - i))) & 0xff);
}

void Executables() {
  for (int machine : {62, 183, 3}) {
    std::string h(80, '\0');
    h.replace(0, 8, "\x7f" "ELF\x02\x01\x01\x00", 8);
    Le(h, 16, 3, 2);
    Le(h, 18, machine, 2);
    Le(h, 20, 1, 4);
    Le(h, 52, 64, 2);
    Add("exe_check", h);
  }
  for (std::uint32_t cpu : {0x01000007u, 0x0100000cu}) {
    std::string h(48, '\0');
    Le(h, 0, 0xfeedfacf, 4);
    Le(h, 4, cpu, 4);
    Le(h, 12, 2, 4);
    Add("exe_check", h);
  }
  std::string fat(4096, '\0');  // universal binary, two slices, file 1 MiB (trailer)
  Be(fat, 0, 0xcafebabe, 4);
  Be(fat, 4, 2, 4);
  Be(fat, 8, 0x01000007, 4);
  Be(fat, 16, 0x4000, 4);
  Be(fat, 20, 0x1000, 4);
  Be(fat, 28, 0x0100000c, 4);
  Be(fat, 36, 0x8000, 4);
  Be(fat, 40, 0x1000, 4);
  Add("exe_check", fat + std::string("\x00\x00\x10", 3));
  for (int machine : {0x8664, 0xaa64}) {
    std::string h(160, '\0');
    h[0] = 'M';
    h[1] = 'Z';
    Le(h, 0x3c, 64, 4);
    h.replace(64, 4, "PE\0\0", 4);
    Le(h, 68, machine, 2);
    Le(h, 84, 240, 2);
    Le(h, 86, 0x22, 2);
    Le(h, 88, 0x20b, 2);
    Add("exe_check", h);
  }
}

void Bundles() {
  testsupport::RawTarOptions unpadded;
  unpadded.pad_to_record = false;
  for (const KitSpec& spec : Specs()) {
    Add("bundle", testsupport::MakeValidBundle(spec, FuzzKey()));
    // Tar mode (fuzz_bundle.cc): 0x01, then the uncompressed tar stream.
    const auto parts = testsupport::MakeBundleParts(testsupport::MakeKitFiles(spec), FuzzKey());
    Add("bundle", "\x01" + testsupport::BuildRawTar(parts.entries, unpadded));
  }
  auto parts = testsupport::MakeBundleParts(testsupport::MakeKitFiles(Specs()[0]), FuzzKey());
  parts.entries[2].pax = {{"mtime", "1795608000.5"}};
  testsupport::RawTarOptions tar;
  tar.after_end = std::string(512, '\0');
  Add("bundle", testsupport::AssembleBundle(parts, tar));
}

// A recipe: the 8-byte header, then operations (kind, length, arguments).
struct Recipe {
  std::string bytes;
  explicit Recipe(std::initializer_list<int> header) {
    for (int b : header) bytes += static_cast<char>(b);
  }
  Recipe& Op(recipe::Kind kind, std::string args) {
    bytes += static_cast<char>(kind);
    bytes += static_cast<char>(args.size());
    bytes += args;
    return *this;
  }
};

void Recipes() {
  using namespace recipe;
  // b0: versions | arches << 4 | second run 0x40 | fault 0x80; b1: kubectls; b2: size/4; b3: seed;
  // b4: os, arm64 4, all 8, force 16, dry-run 32, prefetch 64, odd paths 128; b5: read size;
  // b6: failing op; b7: free space (>= 16: plenty).
  Add("bundle_structured", Recipe({0x01, 0x01, 12, 1, 0, 0, 0, 0xff}).bytes);
  Add("bundle_structured", Recipe({0x41, 0x01, 12, 2, 0, 0, 0, 0xff}).bytes);
  Add("bundle_structured", Recipe({0x23, 0x1f, 8, 3, 8, 0, 0, 0xff}).bytes);
  Add("bundle_structured", Recipe({0x00, 0x14, 8, 4, 2, 0, 0, 0xff}).bytes);
  Add("bundle_structured", Recipe({0x81, 0x01, 12, 5, 0, 0, 20, 0xff}).bytes);
  Add("bundle_structured", Recipe({0x01, 0x01, 12, 8, 32 | 64, 9, 0, 0xff}).bytes);
  Add("bundle_structured", Recipe({0x05, 0x00, 12, 7, 0, 0, 0, 0xff})
                               .Op(kVersionsJson, std::string("\x01\x01\x00\x02\x00\x00\x01\x01", 8))
                               .bytes);
  Add("bundle_structured", Recipe({0x01, 0x01, 12, 8, 0, 0, 0, 0xff})
                               .Op(kEntryPax, std::string("\x02\x03\x00", 3))
                               .Op(kTarEnd, std::string("\x02\x01\x01\x10\x00", 5))
                               .bytes);
  Add("bundle_structured", Recipe({0x01, 0x01, 12, 9, 0, 0, 0, 0xff})
                               .Op(kZstdOptions, std::string("\x00\x00\x01\x01\x00\x01\x00\x08\x00\x00", 10))
                               .Op(kPreexisting, std::string("\x00\x01\x03\x00\x01\x01", 6))
                               .bytes);
  Add("bundle_structured", Recipe({0x41, 0x01, 12, 10, 0, 0, 0, 0xff})
                               .Op(kPreexisting, std::string("\x01\x03\x00\x00\x00", 5))
                               .bytes);
  Add("bundle_structured", Recipe({0x01, 0x01, 12, 11, 0, 0, 0, 0xff})
                               .Op(kContentResize, std::string("\x01\xf0\x00\x00\x41", 5))
                               .Op(kFixSums, "")
                               .bytes);
  Add("bundle_structured", Recipe({0x01, 0x01, 12, 12, 0, 0, 0, 0xff})
                               .Op(kManifestBytes, std::string("\x01\x02\x00 ", 4))
                               .bytes);

  // Round trip: b0 versions/arches/own k3s-versions.json, b1 kubectls, b2 level, b3 target;
  // then one length-prefixed chunk per kit file.
  auto chunks = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += std::string(1, static_cast<char>(8)) + "content" + static_cast<char>('0' + i);
    return s;
  };
  Add("bundle_roundtrip", std::string("\x01\x01\x00\x00", 4) + chunks(3));
  Add("bundle_roundtrip", std::string("\x23\x1f\x01\x02", 4) + chunks(12));
  Add("bundle_roundtrip", std::string("\x00\x14\x02\x05", 4) + chunks(2));
  const std::string own = "{\"cacheVersion\":2,\"versions\":[],\"channels\":{\"x\":\"1.30.4\"}}";
  Add("bundle_roundtrip", std::string("\x41\x01\x00\x00", 4) + chunks(3) +
                              static_cast<char>(own.size()) + own);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  g_dir = argv[1];
  Manifests();
  Keys();
  SmallFiles();
  Executables();
  Bundles();
  Recipes();
  std::printf("make_seeds: %d seeds written under %s\n", g_count, g_dir.c_str());
  return 0;
}
