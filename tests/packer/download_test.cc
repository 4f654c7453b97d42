// packer/http.h and packer/download.h in-process, against the fake upstream on 127.0.0.1
// (tests/support/fake_upstream.h): documents, caps, redirects, retries, and verified downloads.
#include "packer/download.h"

#include <gtest/gtest.h>

#include "common/format/hash.h"
#include "packer/http.h"
#include "rdbundle/version_info.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/socket.h"
#include "tests/support/temp_dir.h"

namespace rdbundle::packer {
namespace {

using testsupport::PathExists;
using testsupport::FakeUpstreamServer;
using testsupport::LoggedRequest;
using testsupport::ReadFileOrDie;
using testsupport::StandardFakeUpstreamRoot;
using testsupport::WriteFileOrDie;

const char* const kImages = "/releases/k3s/v1.30.4+k3s2/k3s-airgap-images-amd64.tar.zst";
const char* const kBinary = "/releases/k3s/v1.30.4+k3s2/k3s";
const char* const kKubectl = "/kubectl/release/v1.30.14/bin/linux/amd64/kubectl";

class DownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<FakeUpstreamServer>(StandardFakeUpstreamRoot(), tmp_.path());
    ASSERT_TRUE(server_->ok()) << "the fake upstream did not start";
    http_.retry_delay_ms = 5;
    http_.attempts = 3;
  }

  std::string Url(const std::string& path) const { return server_->base() + path; }
  std::string Upstream(const std::string& path) const { return StandardFakeUpstreamRoot() + path; }

  DownloadJob Job(const std::string& path, std::string dest = "") const {
    if (dest.empty()) dest = tmp_.Sub("dl" + path);
    const std::string content = ReadFileOrDie(Upstream(path));
    return {Url(path), dest, Sha256::HexOf(content), content.size(), 0644};
  }

  Result<DownloadReport> Download(const std::vector<DownloadJob>& jobs, bool offline = false) {
    DownloadOptions o{http_, 2, offline, false};
    return DownloadAll(DefaultFs(), jobs, o, [this](const std::string& line) { notes_ += line + "\n"; });
  }

  std::vector<LoggedRequest> RequestsFor(const std::string& path) const {
    std::vector<LoggedRequest> out;
    for (const auto& r : server_->Requests()) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }

  testsupport::ScopedTempDir tmp_;
  std::unique_ptr<FakeUpstreamServer> server_;
  HttpOptions http_;
  std::string notes_;
};

TEST_F(DownloadTest, GetDocumentSendsOurUserAgent) {
  HttpSession session(http_);
  auto doc = GetDocument(session, Url("/v1-release/channels"), 1 << 20, false);
  ASSERT_TRUE(doc.has_value()) << doc.error().message();
  ASSERT_TRUE(doc->has_value());
  EXPECT_EQ((*doc)->body, ReadFileOrDie(Upstream("/v1-release/channels")));
  auto log = server_->Requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].user_agent, std::string("rdbundle-pack/") + RDBUNDLE_VERSION);
}

TEST_F(DownloadTest, DocumentSizeCapIsNotRetried) {
  HttpSession session(http_);
  auto doc = GetDocument(session, Url("/v1-release/channels"), 100, false);
  ASSERT_FALSE(doc.has_value());
  EXPECT_EQ(doc.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(doc.error().message(), Url("/v1-release/channels") + ": larger than 100 bytes");
  EXPECT_EQ(server_->Requests().size(), 1u);
}

TEST_F(DownloadTest, MissingDocumentIsNulloptOnlyWhenAllowed) {
  HttpSession session(http_);
  auto missing = GetDocument(session, Url("/kubectl/release/stable-1.40.txt"), 100, true);
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
  auto error = GetDocument(session, Url("/kubectl/release/stable-1.40.txt"), 100, false);
  ASSERT_FALSE(error.has_value());
  EXPECT_EQ(error.error().code(), ErrorCode::kNetwork);
  EXPECT_EQ(error.error().message(), Url("/kubectl/release/stable-1.40.txt") + ": HTTP 404 Not Found");
  EXPECT_EQ(server_->Requests().size(), 2u);  // a 404 is not retried
}

TEST_F(DownloadTest, HttpRedirectsAreFollowed) {
  server_->SetFaults(R"({"/moved": {"redirect": ")" + Url("/v1-release/channels") + R"("}})");
  HttpSession session(http_);
  auto doc = GetDocument(session, Url("/moved"), 1 << 20, false);
  ASSERT_TRUE(doc.has_value()) << doc.error().message();
  EXPECT_EQ((*doc)->body, ReadFileOrDie(Upstream("/v1-release/channels")));
}

TEST_F(DownloadTest, RedirectsToOtherSchemesAreRefused) {
  for (const char* target : {"file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"}) {
    server_->SetFaults(R"({"/moved": {"redirect": ")" + std::string(target) + R"("}})");
    HttpSession session(http_);
    auto doc = GetDocument(session, Url("/moved"), 1 << 20, false);
    ASSERT_FALSE(doc.has_value()) << target;
    EXPECT_EQ(doc.error().code(), ErrorCode::kNetwork);
    EXPECT_NE(doc.error().message().find("refused (only http and https redirects are followed)"),
              std::string::npos)
        << doc.error().message();
  }
}

TEST_F(DownloadTest, HeadGivesTheSize) {
  HttpSession session(http_);
  auto size = GetContentLength(session, Url(kKubectl));
  ASSERT_TRUE(size.has_value()) << size.error().message();
  EXPECT_EQ(*size, std::optional<std::uint64_t>(48u << 10));
  auto missing = GetContentLength(session, Url("/nothing"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNetwork);
}

TEST_F(DownloadTest, RefusedConnectionsAreRetriedThenReported) {
  const int port = testsupport::FreeLoopbackPort();  // nothing listens on it now
  ASSERT_NE(port, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/x";
  HttpSession session(http_);
  auto doc = GetDocument(session, url, 100, false);
  ASSERT_FALSE(doc.has_value());
  EXPECT_EQ(doc.error().code(), ErrorCode::kNetwork);
  EXPECT_NE(doc.error().message().find(url + ": "), std::string::npos);
  EXPECT_NE(doc.error().message().find("(3 attempts)"), std::string::npos) << doc.error().message();
}

TEST_F(DownloadTest, ParallelDownloadsThenEverythingFromTheCache) {
  const std::vector<DownloadJob> jobs = {Job(kImages), Job(kBinary), Job(kKubectl)};
  auto first = Download(jobs);
  ASSERT_TRUE(first.has_value()) << first.error().message();
  EXPECT_EQ(first->downloaded, 3u);
  EXPECT_EQ(first->cached, 0u);
  for (const auto& j : jobs) {
    EXPECT_EQ(Sha256::HexOf(ReadFileOrDie(j.path)), j.sha256);
    EXPECT_FALSE(PathExists(j.path + ".part"));
  }
  server_->ClearLog();
  auto second = Download(jobs);
  ASSERT_TRUE(second.has_value()) << second.error().message();
  EXPECT_EQ(second->cached, 3u);
  EXPECT_EQ(second->downloaded, 0u);
  EXPECT_TRUE(server_->Requests().empty());
}

TEST_F(DownloadTest, CachedFileIsVerifiedNotTrustedByName) {
  DownloadJob job = Job(kBinary);
  WriteFileOrDie(job.path, "not the k3s binary");
  auto r = Download({job});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->downloaded, 1u);
  EXPECT_EQ(Sha256::HexOf(ReadFileOrDie(job.path)), job.sha256);
  EXPECT_NE(notes_.find("does not match the upstream digest; downloading it again"), std::string::npos);
}

TEST_F(DownloadTest, DigestMismatchDeletesThePart) {
  DownloadJob job = Job(kBinary);
  job.sha256 = std::string(64, 'a');
  auto r = Download({job});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kHashMismatch);
  const std::string actual = Sha256::HexOf(ReadFileOrDie(Upstream(kBinary)));
  EXPECT_EQ(r.error().message(), Url(kBinary) + ": sha256 mismatch (expected " + job.sha256 +
                                     ", got " + actual + "); the download was deleted");
  EXPECT_FALSE(PathExists(job.path));
  EXPECT_FALSE(PathExists(job.path + ".part"));
}

TEST_F(DownloadTest, MoreBytesThanTheListedSizeAreRefused) {
  DownloadJob job = Job(kImages);
  job.size = *job.size - 1;
  auto r = Download({job});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_FALSE(PathExists(job.path + ".part"));
  EXPECT_FALSE(PathExists(job.path));
}

TEST_F(DownloadTest, CutTransferResumesWithRange) {
  server_->SetFaults(R"({")" + std::string(kImages) + R"(": {"reset_after": 70000}})");
  const DownloadJob job = Job(kImages);
  auto r = Download({job});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->resumed, 1u);
  EXPECT_EQ(r->bytes, *job.size);  // no byte twice
  auto log = RequestsFor(kImages);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].range, "");
  EXPECT_EQ(log[0].sent, 70000u);
  EXPECT_EQ(log[1].range, "bytes=70000-");
  EXPECT_EQ(log[1].status, 206);
  EXPECT_EQ(log[0].sent + log[1].sent, *job.size);
  EXPECT_EQ(Sha256::HexOf(ReadFileOrDie(job.path)), job.sha256);
}

TEST_F(DownloadTest, ServerIgnoringRangeRestartsCleanly) {
  const DownloadJob job = Job(kImages);
  WriteFileOrDie(job.path + ".part", ReadFileOrDie(Upstream(kImages)).substr(0, 50000));
  server_->SetFaults(R"({")" + std::string(kImages) + R"(": {"ignore_range": true}})");
  auto r = Download({job});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  auto log = RequestsFor(kImages);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].range, "bytes=50000-");
  EXPECT_EQ(log[0].status, 200);
  EXPECT_EQ(Sha256::HexOf(ReadFileOrDie(job.path)), job.sha256);
}

TEST_F(DownloadTest, OfflineNamesWhatIsMissing) {
  const DownloadJob job = Job(kBinary);
  auto r = Download({job}, /*offline=*/true);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message(), "not in the download cache (--offline): " + job.path +
                                     "; run the same build without --offline first");
  EXPECT_TRUE(server_->Requests().empty());
}

}  // namespace
}  // namespace rdbundle::packer
