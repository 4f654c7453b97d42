#include "packer/oci_ref.h"

#include <gtest/gtest.h>

namespace rdbundle::packer {
namespace {

TEST(OciRef, ParsesHostPortRepositoryTag) {
  auto r = ParseOciRef("oci://reg.example.com:5000/rd/kit:2026-12", OciRefKind::kManifest);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->host, "reg.example.com");
  EXPECT_EQ(r->port, 5000);
  EXPECT_EQ(r->repository, "rd/kit");
  EXPECT_EQ(r->tag, "2026-12");
  EXPECT_EQ(r->Registry(), "reg.example.com:5000");
  EXPECT_EQ(r->Reference(), "2026-12");
  EXPECT_FALSE(r->IsLoopback());
}

TEST(OciRef, DigestWinsOverTag) {
  const std::string d = "sha256:" + std::string(64, 'a');
  auto r = ParseOciRef("oci://[::1]/kit:t@" + d, OciRefKind::kManifest);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->host, "[::1]");
  EXPECT_EQ(r->port, 0);
  EXPECT_EQ(r->Reference(), d);
  EXPECT_TRUE(r->IsLoopback());
  EXPECT_EQ(r->ToString(), "oci://[::1]/kit:t@" + d);
}

TEST(OciRef, Loopback) {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "localhost"}) {
    auto r = ParseOciRef(std::string("oci://") + h + ":1/x", OciRefKind::kRepository);
    ASSERT_TRUE(r.has_value()) << h;
    EXPECT_TRUE(r->IsLoopback()) << h;
  }
  for (const char* h : {"127.0.0.256", "127.0.0", "128.0.0.1", "localhost.example.com", "127.0.0.1.nip.io"}) {
    auto r = ParseOciRef(std::string("oci://") + h + "/x", OciRefKind::kRepository);
    ASSERT_TRUE(r.has_value()) << h;
    EXPECT_FALSE(r->IsLoopback()) << h;
  }
}

TEST(OciRef, RejectsWithReasons) {
  const struct {
    const char* text;
    OciRefKind kind;
    const char* message;
  } cases[] = {
      {"docker://h/x:t", OciRefKind::kManifest, "\"docker://h/x:t\": a registry reference starts with oci://"},
      {"oci://h", OciRefKind::kManifest, "\"oci://h\": no repository (oci://HOST[:PORT]/REPO)"},
      {"oci://h:0/x:t", OciRefKind::kManifest, "\"oci://h:0/x:t\": the port must be a number from 1 to 65535"},
      {"oci://h:99999/x:t", OciRefKind::kManifest, "\"oci://h:99999/x:t\": the port must be a number from 1 to 65535"},
      {"oci://-h/x:t", OciRefKind::kManifest, "\"oci://-h/x:t\": not a valid host name or address"},
      {"oci://h/X:t", OciRefKind::kManifest,
       "\"oci://h/X:t\": the repository must be lowercase path components of [a-z0-9] joined by "
       "'.', '_', '__' or '-' (at most 255 bytes)"},
      {"oci://h/a//b:t", OciRefKind::kManifest, nullptr},
      {"oci://h/a/../b:t", OciRefKind::kManifest, nullptr},
      {"oci://h/a?x=1:t", OciRefKind::kManifest, nullptr},
      {"oci://h/a:.t", OciRefKind::kManifest,
       "\"oci://h/a:.t\": a tag is 1 to 128 of [A-Za-z0-9_.-], not starting with '.' or '-'"},
      {"oci://h/a:t/b", OciRefKind::kManifest, nullptr},
      {"oci://h/a@sha256:abc", OciRefKind::kManifest, "\"oci://h/a@sha256:abc\": the digest must be sha256:<64 lowercase hex>"},
      {"oci://h/a", OciRefKind::kManifest,
       "\"oci://h/a\": expected a tag or a digest (oci://HOST[:PORT]/REPO:TAG or @sha256:...)"},
      {"oci://h/a:t", OciRefKind::kRepository,
       "\"oci://h/a:t\": expected a repository without a tag or digest (oci://HOST[:PORT]/REPO)"},
  };
  for (const auto& c : cases) {
    auto r = ParseOciRef(c.text, c.kind);
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_EQ(r.error().code(), ErrorCode::kUsage);
    if (c.message != nullptr) {
      EXPECT_EQ(r.error().message(), c.message);
    }
  }
}

TEST(OciRef, Grammar) {
  EXPECT_TRUE(IsValidRepository("a"));
  EXPECT_TRUE(IsValidRepository("rd/kit-2.x__y"));
  EXPECT_TRUE(IsValidRepository("a--b"));
  EXPECT_FALSE(IsValidRepository("a___b"));
  EXPECT_FALSE(IsValidRepository("a..b"));
  EXPECT_FALSE(IsValidRepository("a-"));
  EXPECT_FALSE(IsValidRepository("/a"));
  EXPECT_FALSE(IsValidRepository(std::string(256, 'a')));
  EXPECT_TRUE(IsValidTag("_x.Y-1"));
  EXPECT_TRUE(IsValidTag(std::string(128, 'a')));
  EXPECT_FALSE(IsValidTag(std::string(129, 'a')));
  EXPECT_FALSE(IsValidTag("-x"));
  EXPECT_FALSE(IsValidTag(""));
  EXPECT_FALSE(IsValidSha256Digest("sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(IsValidSha256Digest("sha512:" + std::string(64, 'a')));
}

}  // namespace
}  // namespace rdbundle::packer
