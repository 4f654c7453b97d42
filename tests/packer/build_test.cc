// RunBuild in-process: failures injected into the filesystem (tests/support/fault_fs.h) never
// leave OUT or OUT.part behind.
#include "packer/build.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <future>
#include <thread>

#include "common/format/minisign.h"
#include "common/signing/signing.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/fault_fs.h"
#include "tests/support/sample_kit.h"
#include "tests/support/temp_dir.h"

namespace rdbundle::packer {
namespace {

using testsupport::PathExists;
using testsupport::FaultFs;
using testsupport::FsOp;

class BuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = GenerateKey();
    ASSERT_TRUE(key.has_value());
    auto text = SerializeSecretKeyFile(*key, std::nullopt);
    ASSERT_TRUE(text.has_value());
    testsupport::WriteFileOrDie(key_, *text, 0600);
    testsupport::SampleKitSpec spec;
    spec.images_bytes = 3u << 20;  // several writes of the output
    ASSERT_TRUE(testsupport::WriteSampleKit(DefaultFs(), kit_, spec).ok());
#if defined(_WIN32)
    devnull_ = std::fopen("NUL", "w");
#else
    devnull_ = std::fopen("/dev/null", "w");
#endif
  }
  void TearDown() override { std::fclose(devnull_); }

  BuildOptions Options() const {
    BuildOptions o;
    o.output = out_;
    o.secret_key = key_;
    o.from_dir = kit_;
    o.threads = 2;
    o.progress = false;
    o.getenv = [](const char*) { return std::optional<std::string>(); };
    return o;
  }
  Status Run(Fs& fs, const BuildOptions& o) { return RunBuild(fs, o, devnull_, devnull_); }

  testsupport::ScopedTempDir tmp_;
  const std::string kit_ = tmp_.Sub("kit");
  const std::string key_ = tmp_.Sub("k.key");
  const std::string out_ = tmp_.Sub("kit.rdbundle");
  std::FILE* devnull_ = nullptr;
};

TEST_F(BuildTest, WriteFailureRemovesThePart) {
  FaultFs fs(DefaultFs());
  fs.FailAt(FsOp::kAppend, 3, ENOSPC);
  Status s = Run(fs, Options());
  EXPECT_EQ(s.code(), ErrorCode::kNoSpace) << s.message();
  EXPECT_EQ(s.message(), out_ + ".part: injected fault: No space left on device");
  EXPECT_FALSE(PathExists(out_));
  EXPECT_FALSE(PathExists(out_ + ".part"));
}

TEST_F(BuildTest, SyncAndRenameFailuresRemoveThePart) {
  for (FsOp op : {FsOp::kSync, FsOp::kRename}) {
    FaultFs fs(DefaultFs());
    fs.FailAt(op, 1, EIO);
    EXPECT_EQ(Run(fs, Options()).code(), ErrorCode::kIo);
    EXPECT_FALSE(PathExists(out_));
    EXPECT_FALSE(PathExists(out_ + ".part"));
  }
  ASSERT_TRUE(Run(DefaultFs(), Options()).ok());
  EXPECT_TRUE(PathExists(out_));
}

TEST_F(BuildTest, DetachedSignatureFailureKeepsTheCompleteBundle) {
  FaultFs fs(DefaultFs());
  BuildOptions o = Options();
  o.detached_sig = true;
  fs.FailAt(FsOp::kCreate, 2, EACCES);  // 1: OUT.part, 2: the signature's temporary file
  EXPECT_EQ(Run(fs, o).code(), ErrorCode::kIo);
  EXPECT_TRUE(PathExists(out_));  // complete and valid: only the .minisig is missing
  EXPECT_FALSE(PathExists(out_ + ".part"));
  EXPECT_FALSE(PathExists(out_ + ".minisig"));
}

TEST_F(BuildTest, OutputMustNotBeAnInput) {
  BuildOptions o = Options();
  o.output = kit_ + "/cache/k3s/v1.30.4+k3s1/k3s";
  o.force = true;
  Status s = Run(DefaultFs(), o);
  EXPECT_EQ(s.code(), ErrorCode::kUsage);
  EXPECT_EQ(s.message(), o.output + ": is an input file (" + o.output + ")");
}

// The other build is another thread that holds the lock until told: on Windows the lock is a
// mutex, which the thread that owns it would simply own again, and which is abandoned (free) when
// its thread ends.
TEST_F(BuildTest, LockedPartMeansAnotherBuild) {
  testsupport::WriteFileOrDie(out_ + ".part", "partial");
  std::promise<bool> locked;
  std::promise<void> release;
  std::thread other([&] {
    auto lock = DefaultFs().TryLock(out_ + ".part");
    locked.set_value(lock.has_value() && *lock);
    release.get_future().wait();
  });
  const bool held = locked.get_future().get();
  Status s = held ? Run(DefaultFs(), Options()) : Status::Ok();
  release.set_value();
  other.join();
  ASSERT_TRUE(held);
  EXPECT_EQ(s.message(), out_ + ".part: another rdbundle-pack is writing " + out_);
  EXPECT_TRUE(PathExists(out_ + ".part"));  // not ours to remove
  EXPECT_TRUE(Run(DefaultFs(), Options()).ok());  // now stale: removed and rebuilt
  EXPECT_FALSE(PathExists(out_ + ".part"));
}

// Issue 18 item 1: the cheap checks come before the expensive work.
TEST_F(BuildTest, OutputDirectoryIsCheckedFirst) {
  BuildOptions o = Options();
  o.output = tmp_.Sub("nodir/kit.rdbundle");
  Status s = Run(DefaultFs(), o);
  EXPECT_EQ(s.code(), ErrorCode::kNotFound) << s.message();
  EXPECT_EQ(s.message(), o.output + ": no directory " + tmp_.Sub("nodir") +
                             " to write it in (create it, or choose another -o)");
  o.output = key_ + "/kit.rdbundle";
  EXPECT_EQ(Run(DefaultFs(), o).code(), ErrorCode::kUsage);
}

TEST_F(BuildTest, FreeSpaceIsCheckedBeforeTheInputsAreRead) {
  FaultFs fs(DefaultFs());
  fs.SetFreeBytes(1u << 20);  // the kit is over 3 MiB
  Status s = Run(fs, Options());
  EXPECT_EQ(s.code(), ErrorCode::kNoSpace) << s.message();
  EXPECT_TRUE(s.message().starts_with(tmp_.path() + ": not enough free space: about ")) << s.message();
  EXPECT_NE(s.message().find("(the bundle "), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(", 1.00 MiB available; nothing was downloaded or written"),
            std::string::npos) << s.message();
  EXPECT_FALSE(PathExists(out_ + ".part"));
  fs.SetFreeBytes(1ull << 40);
  EXPECT_TRUE(Run(fs, Options()).ok());
}

// A fetching build with too little room: only the small documents (channels, release list,
// sums files) went over the wire, none of the k3s files.
TEST_F(BuildTest, FetchChecksFreeSpaceBeforeDownloading) {
  testsupport::FakeUpstreamServer server(testsupport::StandardFakeUpstreamRoot(), tmp_.path());
  ASSERT_TRUE(server.ok());
  FaultFs fs(DefaultFs());
  fs.SetFreeBytes(64u << 10);
  BuildOptions o = Options();
  o.from_dir.reset();
  FetchOptions f;
  f.urls.channels = server.base() + "/v1-release/channels";
  f.urls.k3s_release = server.base() + "/releases/k3s";
  f.urls.releases_api = server.base() + "/repos/k3s-io/k3s/releases";
  f.urls.kubectl = server.base() + "/kubectl/release";
  f.http.retry_delay_ms = 5;
  f.download_dir = tmp_.Sub("downloads");
  f.request.channels = {"stable"};
  f.request.arches = {Arch::kAmd64};
  f.request.kubectl_platforms = {{TargetOs::kLinux, Arch::kAmd64}};
  o.fetch = f;
  Status s = Run(fs, o);
  EXPECT_EQ(s.code(), ErrorCode::kNoSpace) << s.message();
  EXPECT_NE(s.message().find("(downloads "), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(" + the bundle "), std::string::npos) << s.message();
  for (const auto& r : server.Requests()) {
    EXPECT_EQ(r.path.find("airgap-images"), std::string::npos) << r.path;
    EXPECT_FALSE(r.path.ends_with("/k3s")) << r.path;
  }
  EXPECT_FALSE(PathExists(out_ + ".part"));
}

TEST(SourceDateEpoch, Parsing) {
  auto env = [](const char* v) {
    return [v](const char*) { return v ? std::optional<std::string>(v) : std::nullopt; };
  };
  EXPECT_FALSE(SourceDateEpoch(env(nullptr))->has_value());
  EXPECT_EQ(**SourceDateEpoch(env("1700000000")), 1700000000);
  EXPECT_EQ(**SourceDateEpoch(env("8589934591")), 8589934591);
  for (const char* bad : {"", "-1", "1.5", "8589934592", " 1", "0x10"}) {
    EXPECT_EQ(SourceDateEpoch(env(bad)).error().code(), ErrorCode::kUsage) << bad;
  }
}

}  // namespace
}  // namespace rdbundle::packer
