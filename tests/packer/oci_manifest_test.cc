#include "packer/oci_manifest.h"

#include <gtest/gtest.h>

namespace rdbundle::packer {
namespace {

Manifest SignedManifest() {
  Manifest m;
  m.bundle_id = std::string(32, 'a');
  m.created = "2026-11-25T13:39:39Z";
  m.key_id = "1A2B3C4D5E6F7081";
  m.k3s_versions = {"v1.29.8+k3s1", "v1.30.4+k3s1"};
  m.k3s_arches = {Arch::kAmd64};
  m.kubectl = {{"1.30.14", TargetOs::kLinux, Arch::kAmd64}, {"1.30.14", TargetOs::kWindows, Arch::kAmd64}};
  return m;
}

const std::string kBundleDigest = "sha256:" + std::string(64, 'b');
const std::string kSigDigest = "sha256:" + std::string(64, 'c');

TEST(OciManifest, BundleArtifactIsTheSpecExample) {
  const OciManifest m = BundleArtifact(SignedManifest(), "kit.rdbundle", {"", kBundleDigest, 123, "", {}},
                                       OciDescriptor{"", kSigDigest, 412, "", {}});
  // format-spec/oci-artifact.md section 3, byte for byte.
  EXPECT_EQ(SerializeOciManifest(m),
            R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
            R"("artifactType":"application/vnd.rdbundle.bundle.v1","config":{"mediaType":)"
            R"("application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e)"
            R"(94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="},"layers":[{"mediaType":)"
            R"("application/vnd.rdbundle.bundle.v1.tar+zstd","digest":")" + kBundleDigest +
            R"(","size":123,"annotations":{"org.opencontainers.image.title":"kit.rdbundle"}},)"
            R"({"mediaType":"application/vnd.rdbundle.signature.v1.minisign","digest":")" + kSigDigest +
            R"(","size":412,"annotations":{"org.opencontainers.image.title":"kit.rdbundle.minisig"}}],)"
            R"("annotations":{"io.rdbundle.bundle-id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",)"
            R"("io.rdbundle.format-version":"1","io.rdbundle.k3s-arches":"amd64",)"
            R"("io.rdbundle.k3s-versions":"v1.29.8+k3s1,v1.30.4+k3s1","io.rdbundle.key-id":)"
            R"("1A2B3C4D5E6F7081","io.rdbundle.kubectl":"1.30.14/linux/amd64,1.30.14/windows/amd64",)"
            R"("org.opencontainers.image.created":"2026-11-25T13:39:39Z"}})");
  EXPECT_EQ(OciDigestOf("{}"), kEmptyDigest);
}

TEST(OciManifest, RoundTripAndFindLayers) {
  const OciManifest m = BundleArtifact(SignedManifest(), "kit.rdbundle", {"", kBundleDigest, 123, "", {}},
                                       std::nullopt);
  auto parsed = ParseOciManifest(SerializeOciManifest(m), "m");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(*parsed, m);
  auto layers = FindBundleLayers(*parsed, "m");
  ASSERT_TRUE(layers.has_value()) << layers.error().message();
  EXPECT_EQ(layers->bundle->digest, kBundleDigest);
  EXPECT_EQ(layers->signature, nullptr);
  EXPECT_EQ(layers->file_name, "kit.rdbundle");
}

TEST(OciManifest, UnsafeTitleIsNotAFileName) {
  for (const char* title : {"../x", "a/b", ".hidden", "..", "a\\b", "C:x", ""}) {
    OciManifest m = BundleArtifact(SignedManifest(), title, {"", kBundleDigest, 1, "", {}}, std::nullopt);
    auto layers = FindBundleLayers(m, "m");
    ASSERT_TRUE(layers.has_value());
    EXPECT_EQ(layers->file_name, "") << title;
  }
}

TEST(OciManifest, RejectsWithReasons) {
  const std::string d = "sha256:" + std::string(64, 'd');
  const std::string cfg = R"("config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":")" + d + R"(","size":2})";
  const struct {
    std::string text;
    std::string message;
  } cases[] = {
      {"[]", "m: expected a JSON object"},
      {R"({"schemaVersion":1})", "m: schemaVersion 1, expected 2"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"})",
       "m: an image index, not an image manifest"},
      {R"({"schemaVersion":2,)" + cfg + R"(,"layers":[{"mediaType":"x","digest":"sha256:AB","size":1}]})",
       "m: layers[0]: digest: not sha256:<64 lowercase hex>"},
      {R"({"schemaVersion":2,)" + cfg + R"(,"layers":[],"annotations":{"a":1}})",
       "m: annotation \"a\": expected a string"},
      {R"({"schemaVersion":2,)" + cfg + R"(,"layers":[{"mediaType":"x","digest":")" + d + R"(","size":-1}]})", ""},
  };
  for (const auto& c : cases) {
    auto r = ParseOciManifest(c.text, "m");
    ASSERT_FALSE(r.has_value()) << c.text;
    if (!c.message.empty()) {
      EXPECT_EQ(r.error().message(), c.message);
    }
  }
  // Parses, but is not ours.
  auto other = ParseOciManifest(R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" + d +
                                    R"(","size":2},"layers":[]})",
                                "m");
  ASSERT_TRUE(other.has_value());
  auto layers = FindBundleLayers(*other, "m");
  ASSERT_FALSE(layers.has_value());
  EXPECT_EQ(layers.error().message(),
            "m: not an rdbundle artifact (artifactType \"application/vnd.oci.image.config.v1+json\")");
}

TEST(OciManifest, Tags) {
  auto t = ParseOciTags(R"({"name":"rd/kit","tags":["a","2026-12"]})", "tags");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, (std::vector<std::string>{"a", "2026-12"}));
  auto none = ParseOciTags(R"({"name":"rd/kit","tags":null})", "tags");
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  auto bad = ParseOciTags(R"({"tags":["../x"]})", "tags");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "tags: tags: an entry that is not a valid tag");
}

}  // namespace
}  // namespace rdbundle::packer
