#include "common/format/manifest.h"

#include <gtest/gtest.h>

#include "common/format/json_strict.h"
#include "common/format/limits.h"

namespace rdbundle {
namespace {

const std::string kSha(64, 'a');

ManifestFile File(std::string path, FileRole role, std::uint64_t size = 10) {
  return ManifestFile{std::move(path), size, kSha, ModeForRole(role), role, std::nullopt};
}

// A valid manifest: one k3s version (amd64) and one linux kubectl.
Manifest Valid() {
  Manifest m;
  m.bundle_id = "0123456789abcdef0123456789abcdef";
  m.created = "2026-11-25T12:00:00Z";
  m.generator = "rdbundle-pack 0.1.0";
  m.key_id = "E7620F1842B4E81F";
  m.files = {File("cache/k3s-versions.json", FileRole::kK3sVersions),
             File("cache/k3s/v1.30.4+k3s1/k3s", FileRole::kK3sBinary),
             File("cache/k3s/v1.30.4+k3s1/k3s-airgap-images-amd64.tar.zst", FileRole::kK3sImages),
             File("cache/k3s/v1.30.4+k3s1/sha256sum-amd64.txt", FileRole::kK3sSums),
             File("kuberlr/linux-amd64/kubectl1.30.4", FileRole::kKubectl)};
  m.files[1].source = FileSource{"https://github.com/k3s-io/k3s/releases/download/v1.30.4%2Bk3s1/k3s",
                                 std::string(64, 'b')};
  EXPECT_TRUE(FillManifestSummaries(m).ok());
  return m;
}

std::string Error(const Manifest& m) { return ValidateManifest(m).message(); }

TEST(ManifestTest, RoundTripIsByteStable) {
  const Manifest m = Valid();
  ASSERT_TRUE(ValidateManifest(m).ok()) << Error(m);
  const std::string bytes = SerializeManifest(m);
  auto parsed = ParseManifest(bytes);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(*parsed, m);
  EXPECT_EQ(SerializeManifest(*parsed), bytes);
}

TEST(ManifestTest, CanonicalLayout) {
  const std::string bytes = SerializeManifest(Valid());
  EXPECT_TRUE(bytes.starts_with("{\n  \"format\": \"rdbundle\",\n  \"formatVersion\": 1,\n"
                                "  \"bundleId\": \"0123456789abcdef0123456789abcdef\",\n"));
  EXPECT_NE(bytes.find("\"k3s\": {\n    \"versions\": [\n      \"v1.30.4+k3s1\"\n    ],\n"
                       "    \"arches\": [\n      \"amd64\"\n    ]\n  },"),
            std::string::npos);
  EXPECT_NE(bytes.find("\"mode\": \"0755\",\n      \"role\": \"k3s-binary\",\n      \"source\": {"),
            std::string::npos);
  EXPECT_TRUE(bytes.ends_with("}\n"));
}

TEST(ManifestTest, SummariesFromFiles) {
  Manifest m = Valid();
  EXPECT_EQ(m.k3s_versions, std::vector<std::string>{"v1.30.4+k3s1"});
  EXPECT_EQ(m.k3s_arches, std::vector<Arch>{Arch::kAmd64});
  EXPECT_EQ(m.kubectl, (std::vector<KubectlPlatform>{{"1.30.4", TargetOs::kLinux, Arch::kAmd64}}));
}

TEST(ManifestTest, KubectlSortedByOsNameArchNameThenVersion) {
  Manifest m = Valid();
  m.files.push_back(File("kuberlr/windows-amd64/kubectl1.30.4.exe", FileRole::kKubectl));
  m.files.push_back(File("kuberlr/darwin-arm64/kubectl1.9.0", FileRole::kKubectl));
  m.files.push_back(File("kuberlr/darwin-arm64/kubectl1.10.0", FileRole::kKubectl));
  std::sort(m.files.begin(), m.files.end(), [](auto& a, auto& b) { return a.path < b.path; });
  ASSERT_TRUE(FillManifestSummaries(m).ok());
  ASSERT_EQ(m.kubectl.size(), 4u);
  EXPECT_EQ(m.kubectl[0], (KubectlPlatform{"1.9.0", TargetOs::kDarwin, Arch::kArm64}));
  EXPECT_EQ(m.kubectl[1], (KubectlPlatform{"1.10.0", TargetOs::kDarwin, Arch::kArm64}));
  EXPECT_EQ(m.kubectl[2].os, TargetOs::kLinux);
  EXPECT_EQ(m.kubectl[3].os, TargetOs::kWindows);
  std::swap(m.kubectl[0], m.kubectl[2]);
  EXPECT_EQ(Error(m), "manifest.json: kubectl does not list exactly the kubectl files, sorted by "
                      "os, arch, version");
}

TEST(ManifestTest, RejectsUnsortedOrDuplicatePaths) {
  Manifest m = Valid();
  std::swap(m.files[1], m.files[2]);
  EXPECT_EQ(Error(m), "manifest.json: files: \"cache/k3s/v1.30.4+k3s1/k3s\" is out of order or "
                      "duplicated (paths must be strictly increasing)");
  m = Valid();
  m.files.insert(m.files.begin() + 2, m.files[1]);
  EXPECT_NE(Error(m).find("is out of order or duplicated"), std::string::npos);
}

TEST(ManifestTest, RejectsPathsThatDifferOnlyInCase) {
  // macOS and Windows fold case: these two prerelease directories would be one.
  Manifest m = Valid();
  for (auto v : {"v1.31.0-RC1+k3s1", "v1.31.0-rc1+k3s1"}) {
    for (auto name : {"k3s", "k3s-airgap-images-amd64.tar.zst", "sha256sum-amd64.txt"}) {
      const std::string path = std::string("cache/k3s/") + v + "/" + name;
      m.files.push_back(File(path, ClassifyPayloadPath(path)->role));
    }
  }
  std::sort(m.files.begin(), m.files.end(), [](auto& a, auto& b) { return a.path < b.path; });
  EXPECT_EQ(FillManifestSummaries(m).message(),
            "manifest.json: files: \"cache/k3s/v1.31.0-rc1+k3s1/k3s\" differs from another path "
            "only in case");
}

TEST(ManifestTest, RejectsRoleAndModeMismatch) {
  Manifest m = Valid();
  m.files[1].role = FileRole::kK3sImages;
  EXPECT_EQ(Error(m), "manifest.json: cache/k3s/v1.30.4+k3s1/k3s: role \"k3s-images\" does not "
                      "match the path (expected \"k3s-binary\")");
  m = Valid();
  m.files[1].mode = 0644;
  EXPECT_EQ(Error(m), "manifest.json: cache/k3s/v1.30.4+k3s1/k3s: mode must be 0755 for role "
                      "k3s-binary");
}

TEST(ManifestTest, RejectsIncompleteKits) {
  Manifest m = Valid();
  m.files.erase(m.files.begin() + 3);  // sums file
  ASSERT_FALSE(FillManifestSummaries(m).ok());
  EXPECT_EQ(Error(m), "manifest.json: k3s v1.30.4+k3s1 amd64: needs exactly one binary, one "
                      "sha256sum file and one images archive");
  m = Valid();
  m.files.insert(m.files.begin() + 2,
                 File("cache/k3s/v1.30.4+k3s1/k3s-airgap-images-amd64.tar", FileRole::kK3sImages));
  EXPECT_NE(Error(m).find("needs exactly one binary"), std::string::npos);
  m = Valid();
  m.files.erase(m.files.begin());  // k3s-versions.json
  EXPECT_EQ(Error(m), "manifest.json: k3s versions without cache/k3s-versions.json");
}

TEST(ManifestTest, RejectsTwoBuildsOfOneVersion) {
  Manifest m = Valid();
  for (auto name : {"k3s", "k3s-airgap-images-amd64.tar.zst", "sha256sum-amd64.txt"}) {
    auto p = ClassifyPayloadPath(std::string("cache/k3s/v1.30.4+k3s2/") + name);
    m.files.push_back(File(std::string("cache/k3s/v1.30.4+k3s2/") + name, p->role));
  }
  std::sort(m.files.begin(), m.files.end(), [](auto& a, auto& b) { return a.path < b.path; });
  EXPECT_EQ(FillManifestSummaries(m).message(),
            "manifest.json: k3s v1.30.4+k3s1 and v1.30.4+k3s2: one build per version (Rancher "
            "Desktop keys versions by X.Y.Z)");
}

TEST(ManifestTest, RejectsBadHeaderFields) {
  Manifest m = Valid();
  m.bundle_id = "0123";
  EXPECT_EQ(Error(m), "manifest.json: bundleId: expected 32 lowercase hex digits");
  m = Valid();
  m.created = "2026-13-01T00:00:00Z";
  EXPECT_EQ(Error(m), "manifest.json: created: expected \"YYYY-MM-DDTHH:MM:SSZ\"");
  m = Valid();
  m.key_id = "e7620f1842b4e81f";
  EXPECT_EQ(Error(m), "manifest.json: keyId: expected 16 uppercase hex digits");
  m = Valid();
  m.generator = "bad\ngenerator";
  EXPECT_EQ(Error(m), "manifest.json: generator: expected 1 to 128 printable ASCII characters");
  m = Valid();
  m.files[1].source->url = "file:///etc/passwd";
  EXPECT_EQ(Error(m), "manifest.json: cache/k3s/v1.30.4+k3s1/k3s: source.url: expected an "
                      "http(s) URL of printable ASCII");
}

TEST(ManifestTest, RejectsOversizeSmallFilesAndTooManyFiles) {
  Manifest m = Valid();
  m.files[3].size = kMaxSumsFileBytes + 1;
  EXPECT_EQ(ValidateManifest(m).code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(Error(m), "manifest.json: cache/k3s/v1.30.4+k3s1/sha256sum-amd64.txt: size 65537 "
                      "exceeds the limit of 65536 bytes for role k3s-sha256sum");
  m = Valid();
  m.files[2].size = kMaxFileBytes + 1;
  EXPECT_EQ(ValidateManifest(m).code(), ErrorCode::kLimitExceeded);
}

// ---- parsing: the exact signed bytes ----------------------------------------------------

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return s.replace(pos, from.size(), to);
}

TEST(ManifestParseTest, UnknownVersionBeforeAnythingElse) {
  // Even with unknown fields, a newer version says "upgrade", not "corrupt".
  std::string text = "{\"format\":\"rdbundle\",\"formatVersion\":3,\"newField\":[1,2]}";
  auto r = ParseManifest(text);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnsupportedVersion);
  EXPECT_EQ(r.error().message(), "manifest.json: unsupported format version 3 (this rdbundle "
                                 "reads versions 1 to 2; upgrade rdbundle)");
}

TEST(ManifestParseTest, Rejections) {
  const std::string good = SerializeManifest(Valid());
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {Replace(good, "\"generator\"", "\"generator\": \"x\",\n  \"generator\""),
       "manifest.json: duplicate key \"generator\""},
      {Replace(good, "\"generator\"", "\"extra\": 1,\n  \"generator\""),
       "manifest.json: unknown field extra"},
      {Replace(good, "\"keyId\": \"E7620F1842B4E81F\",\n", ""), "manifest.json: missing field keyId"},
      {Replace(good, "\"size\": 10", "\"size\": -10"),
       "manifest.json: files[0]: size: expected a non-negative integer"},
      {Replace(good, "\"size\": 10", "\"size\": 1.5"),
       "manifest.json: files[0]: size: expected a non-negative integer"},
      {Replace(good, "\"mode\": \"0644\"", "\"mode\": \"0777\""),
       "manifest.json: files[0]: mode \"0777\" is not \"0644\" or \"0755\""},
      {Replace(good, "\"role\": \"k3s-versions\"", "\"role\": \"script\""),
       "manifest.json: files[0]: unknown role \"script\""},
      {Replace(good, "\"format\": \"rdbundle\"", "\"format\": \"zarf\""),
       "manifest.json: format is \"zarf\", not \"rdbundle\""},
      {"{\"format\": 1} x", "manifest.json: invalid JSON: parse error at line 1, column 15: "
                            "syntax error while parsing value - invalid literal; last read: "
                            "'1} x'; expected end of input"},
      {"[]", "manifest.json: expected a JSON object"},
  };
  for (const auto& c : cases) {
    auto r = ParseManifest(c.text);
    ASSERT_FALSE(r.has_value()) << c.message;
    EXPECT_EQ(r.error().message(), c.message);
  }
}

TEST(ManifestParseTest, SizeCapBeforeParsing) {
  auto r = ParseManifest(std::string(kMaxManifestBytes + 1, ' '));
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
}

TEST(ManifestParseTest, TrustedComment) {
  const Manifest m = Valid();
  EXPECT_EQ(ManifestTrustedComment(m), "rdbundle-format:1 bundle-id:0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(CheckManifestTrustedComment(ManifestTrustedComment(m), m).ok());
  EXPECT_EQ(CheckManifestTrustedComment("rdbundle-format:1 bundle-id:00", m).code(),
            ErrorCode::kBadSignature);
}

TEST(ManifestParseTest, Rfc3339) {
  EXPECT_EQ(FormatRfc3339Utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Utc(1764072000), "2025-11-25T12:00:00Z");
}

}  // namespace
}  // namespace rdbundle

namespace rdbundle {
namespace {

// format-spec/rdbundle-v2.md: a Rancher Desktop installer under installers/, with its
// .sha512sum digest, makes the bundle version 2; the channels are repeated in the manifest.
Manifest ValidV2() {
  Manifest m = Valid();
  ManifestFile msi = File("installers/Rancher.Desktop.Setup.1.19.3.msi", FileRole::kRdInstaller);
  msi.source = FileSource{"https://github.com/rancher-sandbox/rancher-desktop/releases/download/"
                          "v1.19.3/Rancher.Desktop.Setup.1.19.3.msi",
                          std::nullopt, std::string(128, 'c')};
  m.files.insert(m.files.end() - 1, msi);  // sorted: cache/ < installers/ < kuberlr/
  EXPECT_TRUE(FillManifestSummaries(m).ok());
  m.k3s_channels = {{"stable", "1.30.4"}};
  return m;
}

TEST(ManifestV2Test, WriterPicksTheLowestVersion) {
  EXPECT_EQ(Valid().format_version, 1);  // no installer: a v1 reader still reads it
  const Manifest m = ValidV2();
  EXPECT_EQ(m.format_version, 2);
  ASSERT_EQ(m.rd_installers.size(), 1u);
  EXPECT_EQ(m.rd_installers[0].version, "1.19.3");
  EXPECT_EQ(m.rd_installers[0].platform, RdPlatform::kWindows);
  ASSERT_TRUE(ValidateManifest(m).ok()) << Error(m);
  const std::string bytes = SerializeManifest(m);
  EXPECT_NE(bytes.find("\"formatVersion\": 2"), std::string::npos);
  EXPECT_NE(bytes.find("\"rdInstallers\""), std::string::npos);
  EXPECT_NE(bytes.find("\"sha512\""), std::string::npos);
  auto parsed = ParseManifest(bytes);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(*parsed, m);
  EXPECT_EQ(SerializeManifest(*parsed), bytes);
}

TEST(ManifestV2Test, Rejections) {
  Manifest m = ValidV2();
  m.format_version = 1;  // installers cannot be expressed in v1
  EXPECT_EQ(Error(m), "manifest.json: installers/ needs formatVersion 2 (format-spec/rdbundle-v2.md)");
  m = Valid();
  m.k3s_channels = {{"stable", "1.30.4"}};
  EXPECT_EQ(Error(m), "manifest.json: k3s.channels needs formatVersion 2");
  m = ValidV2();
  m.k3s_channels = {{"stable", "1.29.8"}};
  EXPECT_EQ(Error(m), "manifest.json: k3s.channels: \"stable\" names \"1.29.8\", which is not a "
                      "bundled k3s version");
  m = ValidV2();
  m.files[m.files.size() - 2].source->sha512.reset();
  EXPECT_EQ(Error(m), "manifest.json: installers/Rancher.Desktop.Setup.1.19.3.msi: source.sha512: "
                      "required for role rd-installer");
  m = ValidV2();
  m.files[1].source->sha512 = std::string(128, 'c');
  EXPECT_EQ(Error(m), "manifest.json: cache/k3s/v1.30.4+k3s1/k3s: source.sha512: only for role "
                      "rd-installer");
  m = ValidV2();
  m.rd_installers.clear();
  EXPECT_EQ(Error(m), "manifest.json: rdInstallers does not list exactly the installer files, "
                      "sorted by platform, version");
  // A v1 manifest with the v2 field is rejected as an unknown field.
  std::string v1 = SerializeManifest(Valid());
  v1.replace(v1.find("\"files\""), 7, "\"rdInstallers\": [], \"files\"");
  EXPECT_EQ(ParseManifest(v1).error().message(), "manifest.json: unknown field rdInstallers");
}

TEST(PathsV2Test, InstallerNames) {
  for (RdPlatform p : {RdPlatform::kWindows, RdPlatform::kDarwinArm64, RdPlatform::kDarwinAmd64,
                       RdPlatform::kLinux}) {
    auto c = ClassifyPayloadPath(InstallerBundlePath("1.19.3", p));
    ASSERT_TRUE(c.has_value()) << c.error().message();
    EXPECT_EQ(c->role, FileRole::kRdInstaller);
    EXPECT_EQ(c->rd_platform, p);
    EXPECT_EQ(c->rd_version, "1.19.3");
    EXPECT_EQ(*ParseRdPlatform(RdPlatformName(p)), p);
  }
  EXPECT_EQ(RdInstallerAssetName("1.19.3", RdPlatform::kDarwinArm64),
            "Rancher.Desktop-1.19.3.aarch64.dmg");
  EXPECT_EQ(RdInstallerAssetName("1.19.3", RdPlatform::kLinux), "rancher-desktop-linux-v1.19.3.zip");
  for (const char* bad : {"installers/Rancher.Desktop.Setup.1.19.msi",
                          "installers/Rancher.Desktop-1.19.3.arm64.dmg",
                          "installers/rancher-desktop-linux-1.19.3.zip",
                          "installers/Rancher.Desktop.Setup.01.19.3.msi", "installers/x/y.msi"}) {
    EXPECT_FALSE(ClassifyPayloadPath(bad).has_value()) << bad;
  }
  EXPECT_EQ(ParseRdPlatform("windows-arm64").error().message(),
            "unknown Rancher Desktop platform \"windows-arm64\": Rancher Desktop publishes no "
            "windows-arm64 build (use windows, darwin-arm64, darwin-amd64 or linux)");
}

}  // namespace
}  // namespace rdbundle
