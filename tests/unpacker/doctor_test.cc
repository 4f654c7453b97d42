// `rdbundle-unpack doctor`: one sandbox tree per failure it must find, each compared item by
// item with the JSON output (status, check, subject, message, fix), a healthy tree that passes,
// --fix touching only k3s-versions.json, kuberlr's system kubectls, and the CLI.
#include "unpacker/doctor.h"

#include <gtest/gtest.h>

#if !defined(_WIN32)
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <thread>

#include "common/format/hash.h"
#include "common/format/json_strict.h"
#include "common/rd/k3s_versions.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_bundle.h"
#include "tests/support/tree_snapshot.h"
#include "unpacker/commands.h"
#include "unpacker/coverage.h"

namespace rdbundle::unpacker {
namespace {

using testsupport::ReadFileOrDie;
using testsupport::SnapshotTree;
using testsupport::WriteFileOrDie;

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

class DoctorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.Sub("home");
    cmd_.dest.home = home_;
    Target(TargetOs::kLinux, Arch::kAmd64);
    cmd_.color = false;
    // Whoever runs doctor has another home: --home names a home that is not this machine's
    // own setup (DoctorHostTest makes it the runner's).
    runner_home_ = tmp_.Sub("runner-home");
    env_.getenv = [this](const char* name) -> std::optional<std::string> {
      if (std::string_view(name) == "HOME") return runner_home_;
      return std::nullopt;
    };
    env_.system_kubectl_dir = tmp_.Sub("usr-bin");
  }

  void Target(TargetOs os, Arch arch) {
    cmd_.dest.os = os;
    cmd_.dest.arch = arch;
  }
  Destinations Dest() const { return *ResolveDestinations(cmd_.dest, env_.getenv); }
  std::string Cache() const { return Dest().cache_dir; }
  std::string Kuberlr() const { return Dest().kuberlr_dir; }
  std::string VersionsPath() const { return Cache() + "/k3s-versions.json"; }

  static std::string Binary(const std::string& v) { return "k3s binary " + v + "\n"; }
  static std::string Images(const std::string& v) { return "airgap images " + v + "\n"; }

  // A complete CACHE/k3s/<v>/ for the target arch; the sums file lists more assets than are
  // present, as upstream's does.
  void AddK3s(const std::string& v, const std::string& images_ext = ".tar.zst") {
    const Arch arch = Dest().arch;
    const std::string dir = Cache() + "/k3s/" + v + "/";
    const std::string images = "k3s-airgap-images-" + std::string(ArchName(arch)) + images_ext;
    WriteFileOrDie(dir + K3sBinaryName(arch), Binary(v), 0755);
    WriteFileOrDie(dir + images, Images(v));
    WriteFileOrDie(dir + K3sSumsName(arch), Sha256::HexOf(Images(v)) + "  " + images + "\n" +
                                                Sha256::HexOf("list") + "  k3s-images.txt\n" +
                                                Sha256::HexOf(Binary(v)) + "  " +
                                                K3sBinaryName(arch) + "\n");
  }
  void AddKubectl(const std::string& platform, const std::string& name, unsigned mode = 0755) {
    WriteFileOrDie(Kuberlr() + "/" + platform + "/" + name, "kubectl " + name + "\n", mode);
  }
  void WriteVersions(const std::string& json) { WriteFileOrDie(VersionsPath(), json); }

  // A healthy linux/amd64 setup: two versions, listed, and a kubectl serving both.
  void MakeHealthy() {
    AddK3s("v1.30.4+k3s1");
    AddK3s("v1.31.1+k3s1");
    WriteVersions(R"({"cacheVersion":2,"versions":["v1.30.4+k3s1","v1.31.1+k3s1"],)"
                  R"("channels":{"stable":"1.30.4","latest":"1.31.1","v1.30":"1.30.4"}})");
    AddKubectl("linux-amd64", "kubectl1.31.1");
  }

  // Runs doctor with --json; returns one line per item ("status check subject: message",
  // then "    fix: ..."), the sandbox home shown as "~".
  std::string Run() {
    cmd_.json = true;
    json_ = RunToString();
    if (json_.empty()) return "";  // doctor could not run (status_ says why)
    auto j = ParseJsonStrict(json_, "doctor output", 1u << 20);
    EXPECT_TRUE(j.has_value()) << json_;
    if (!j.has_value()) return "";
    EXPECT_EQ((*j)["schemaVersion"], 1) << json_;  // docs/json.md (issue 18 item 7)
    std::string lines;
    for (const auto& item : (*j)["checks"]) {
      std::string message = item["message"].get<std::string>();
      std::string fix = item.contains("fix") ? item["fix"].get<std::string>() : "";
#if defined(_WIN32)
      NormalizeWin32(item, message, fix);
#endif
      lines += item["status"].get<std::string>() + " " + item["check"].get<std::string>() + " " +
               item["subject"].get<std::string>() + ": " + message + "\n";
      if (!fix.empty()) lines += "    fix: " + fix + "\n";
    }
    return Replace(lines, home_, "~");
  }
  // A golden file as doctor on this host writes it: on Windows without ", executable" (Win32
  // shows no execute bit; NormalizeWin32).
  static std::string ForHost(std::string golden) {
#if defined(_WIN32)
    golden = Replace(golden, ", executable", "");
#endif
    return golden;
  }
#if defined(_WIN32)
  // Doctor on Windows (Win32FixesAndModes below shows the forms): Win32 shows no execute bit,
  // so a kubectl of a POSIX target is not called ", executable"; a rename's fix is cmd's
  // `move "C:\..." "C:\..."`. Back to the POSIX forms the expectations are written in.
  void NormalizeWin32(const Json& item, std::string& message, std::string& fix) const {
    if (cmd_.dest.os != TargetOs::kWindows && item["status"] == "ok" &&
        item["check"] == "kubectl-file" && message.find("(a symlink") == std::string::npos) {
      message += ", executable";
    }
    if (fix.starts_with("move \"")) {
      std::replace(fix.begin(), fix.end(), '\\', '/');
      fix = "mv " + Replace(fix.substr(5), "\"", "");
    }
  }
#endif
  std::string RunText() {
    cmd_.json = false;
    return Replace(RunToString(), home_, "~");
  }
  // Runs doctor into a file (not tmpfile(): on Windows that is made in the drive's root).
  std::string RunToString() {
    const std::string path = tmp_.Sub("doctor-output");
    std::FILE* f = std::fopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr) << path;
    if (f == nullptr) return "";
    status_ = RunDoctor(DefaultFs(), cmd_, env_, f);
    std::fclose(f);
    return ReadFileOrDie(path);
  }

  testsupport::ScopedTempDir tmp_;
  std::string home_;
  std::string runner_home_;  // $HOME of whoever runs doctor
  DoctorCommand cmd_;
  DoctorEnv env_;
  Status status_;
  std::string json_;
};

constexpr const char* kHealthy =
    "ok k3s-files v1.30.4+k3s1: k3s, sha256sum-amd64.txt and k3s-airgap-images-amd64.tar.zst "
    "present\n"
    "ok k3s-sha256 v1.30.4+k3s1: k3s matches sha256sum-amd64.txt; k3s-airgap-images-amd64.tar.zst "
    "listed, not hashed (--deep hashes it)\n"
    "ok k3s-files v1.31.1+k3s1: k3s, sha256sum-amd64.txt and k3s-airgap-images-amd64.tar.zst "
    "present\n"
    "ok k3s-sha256 v1.31.1+k3s1: k3s matches sha256sum-amd64.txt; k3s-airgap-images-amd64.tar.zst "
    "listed, not hashed (--deep hashes it)\n"
    "ok k3s-versions-json k3s-versions.json: ~/.cache/rancher-desktop/k3s-versions.json: valid "
    "(cacheVersion 2, 2 versions, 3 channels)\n"
    "ok kuberlr-dir linux-amd64: ~/.kuberlr/linux-amd64: present\n"
    "ok kubectl-file kubectl1.31.1: ~/.kuberlr/linux-amd64/kubectl1.31.1: kubectl 1.31.1, "
    "executable\n"
    "ok kubectl-cover v1.30.4+k3s1: served by ~/.kuberlr/linux-amd64/kubectl1.31.1\n"
    "ok kubectl-cover v1.31.1+k3s1: served by ~/.kuberlr/linux-amd64/kubectl1.31.1\n";

TEST_F(DoctorTest, HealthyTreePasses) {
  MakeHealthy();
  EXPECT_EQ(Run(), kHealthy);
  EXPECT_TRUE(status_.ok()) << status_.message();
}

// tests/testdata/doctor/<name>; RDB_UPDATE_GOLDEN=1 rewrites it with `actual` instead (review
// the diff before committing). That compares nothing, so it fails under CI (CI set, as
// .ci/run and CI services do): a CI job with the variable set must not pass.
std::string Golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(RDB_TESTDATA_DIR) + "/doctor/" + name;
  if (std::getenv("RDB_UPDATE_GOLDEN") != nullptr) {
    if (std::getenv("CI") != nullptr) {
      ADD_FAILURE() << "RDB_UPDATE_GOLDEN is set under CI: " << path << " would be rewritten, "
                    << "not compared";
    } else {
      WriteFileOrDie(path, actual);
    }
  }
  return ReadFileOrDie(path);
}

// The RD offline doc's failure scenario, exactly: k3s 1.24.3, 1.21.14 and 1.19.16 cached,
// kubectl 1.24.3 and 1.21.14 in kuberlr's directory. 1.19 has no kubectl within one minor
// (the fix names kubectl 1.19.16, a release known offline); all three versions are below
// RD's minimum v1.25.3.
TEST_F(DoctorTest, RdDocExample) {
  AddK3s("v1.24.3+k3s1");
  AddK3s("v1.21.14+k3s1");
  AddK3s("v1.19.16+k3s1");
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.19.16+k3s1","v1.21.14+k3s1","v1.24.3+k3s1"],)"
                R"("channels":{"stable":"1.24.3","v1.24":"1.24.3"}})");
  AddKubectl("linux-amd64", "kubectl1.24.3");
  AddKubectl("linux-amd64", "kubectl1.21.14");
  Run();
  const std::string json = Replace(json_, home_, "~");
  EXPECT_EQ(json, ForHost(Golden("rd-doc-example.json", json)));
  EXPECT_EQ(status_.code(), ErrorCode::kCheckFailed);
  EXPECT_EQ(status_.message(), "doctor: 1 check failed");
  const std::string text = RunText();
  EXPECT_EQ(text, ForHost(Golden("rd-doc-example.txt", text)));
}

TEST_F(DoctorTest, MissingBinary) {
  MakeHealthy();
  std::filesystem::remove(Cache() + "/k3s/v1.30.4+k3s1/k3s");
  EXPECT_EQ(Run(),
            "fail k3s-files v1.30.4+k3s1: ~/.cache/rancher-desktop/k3s/v1.30.4+k3s1/k3s: missing: "
            "Rancher Desktop downloads it on start, which fails offline\n"
            "    fix: install a bundle that carries v1.30.4+k3s1 for amd64: rdbundle-unpack "
            "install KIT.rdbundle\n"
            "ok k3s-sha256 v1.30.4+k3s1: k3s-airgap-images-amd64.tar.zst listed in "
            "sha256sum-amd64.txt, not hashed (--deep hashes it)\n" +
                std::string(kHealthy).substr(std::string(kHealthy).find("ok k3s-files v1.31")));
  EXPECT_EQ(status_.code(), ErrorCode::kCheckFailed);
}

// A line in kHealthy, for tests that change one item.
std::string HealthyLine(const std::string& start) {
  const std::string h = kHealthy;
  const std::size_t at = h.find(start);
  return h.substr(at, h.find('\n', at) + 1 - at);
}

TEST_F(DoctorTest, WrongSha256Line) {
  MakeHealthy();
  const std::string sums = Cache() + "/k3s/v1.31.1+k3s1/sha256sum-amd64.txt";
  const std::string good = Sha256::HexOf(Binary("v1.31.1+k3s1"));
  WriteFileOrDie(sums, Replace(ReadFileOrDie(sums), good, std::string(64, 'a')));
  // The version is not complete any more: --fix would not add it to k3s-versions.json.
  EXPECT_EQ(Run(), Replace(kHealthy, HealthyLine("ok k3s-sha256 v1.31.1"),
                           "fail k3s-sha256 v1.31.1+k3s1: ~/.cache/rancher-desktop/k3s/"
                           "v1.31.1+k3s1/k3s: sha256 mismatch with sha256sum-amd64.txt (expected "
                           "aaaaaaaaaaaa…, got " +
                               good.substr(0, 12) +
                               "…): Rancher Desktop re-downloads it on start, which fails offline\n"
                               "    fix: install a bundle that carries v1.31.1+k3s1 for amd64: "
                               "rdbundle-unpack install KIT.rdbundle\n"));
  EXPECT_EQ(status_.code(), ErrorCode::kCheckFailed);
}

TEST_F(DoctorTest, MissingSumLineAndMalformedSumsFile) {
  MakeHealthy();
  const std::string v30 = Cache() + "/k3s/v1.30.4+k3s1/sha256sum-amd64.txt";
  WriteFileOrDie(v30, Sha256::HexOf("x") + "  k3s-airgap-images-amd64.tar.zst\n");
  WriteFileOrDie(Cache() + "/k3s/v1.31.1+k3s1/sha256sum-amd64.txt", "not a sums file\n");
  const std::string out = Run();
  EXPECT_NE(out.find("fail k3s-sha256 v1.30.4+k3s1: ~/.cache/rancher-desktop/k3s/v1.30.4+k3s1/"
                     "sha256sum-amd64.txt: no line for k3s: Rancher Desktop re-downloads it on "
                     "start, which fails offline\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("fail k3s-sha256 v1.31.1+k3s1: ~/.cache/rancher-desktop/k3s/v1.31.1+k3s1/"
                     "sha256sum-amd64.txt:1: malformed line"),
            std::string::npos)
      << out;
}

TEST_F(DoctorTest, DeepHashesTheImages) {
  MakeHealthy();
  WriteFileOrDie(Cache() + "/k3s/v1.30.4+k3s1/k3s-airgap-images-amd64.tar.zst", "bit rot\n");
  EXPECT_EQ(Run(), kHealthy);  // without --deep only the line is looked at
  cmd_.deep = true;
  const std::string out = Run();
  EXPECT_NE(out.find("fail k3s-sha256 v1.30.4+k3s1: ~/.cache/rancher-desktop/k3s/v1.30.4+k3s1/"
                     "k3s-airgap-images-amd64.tar.zst: sha256 mismatch with sha256sum-amd64.txt "
                     "(expected " +
                     Sha256::HexOf(Images("v1.30.4+k3s1")).substr(0, 12) + "…, got " +
                     Sha256::HexOf("bit rot\n").substr(0, 12) + "…)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("ok k3s-sha256 v1.31.1+k3s1: k3s and k3s-airgap-images-amd64.tar.zst match "
                     "sha256sum-amd64.txt\n"),
            std::string::npos)
      << out;
}

TEST_F(DoctorTest, ImagesTarWhenNoTarZstAndNeverTarGz) {
  AddK3s("v1.30.4+k3s1", ".tar");
  AddK3s("v1.31.1+k3s1", ".tar.gz");
  std::filesystem::remove(Cache() + "/k3s/v1.31.1+k3s1/k3s-airgap-images-amd64.tar.zst");
  const std::string out = Run();
  EXPECT_NE(out.find("ok k3s-files v1.30.4+k3s1: k3s, sha256sum-amd64.txt and "
                     "k3s-airgap-images-amd64.tar present\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("fail k3s-files v1.31.1+k3s1: ~/.cache/rancher-desktop/k3s/v1.31.1+k3s1/"
                     "k3s-airgap-images-amd64.tar.zst: missing, and no .tar either (.tar.gz is "
                     "never used): Rancher Desktop downloads it on start, which fails offline\n"),
            std::string::npos)
      << out;
}

TEST_F(DoctorTest, VersionsJsonWithoutChannels) {
  MakeHealthy();
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.30.4+k3s1","v1.31.1+k3s1"]})");
  EXPECT_EQ(Run(), Replace(kHealthy, HealthyLine("ok k3s-versions-json"),
                           "fail k3s-versions-json k3s-versions.json: ~/.cache/rancher-desktop/"
                           "k3s-versions.json: missing \"channels\": Rancher Desktop discards "
                           "everything in it\n"
                           "    fix: rdbundle-unpack doctor --fix (writes it from the cached "
                           "versions)\n"));
  EXPECT_EQ(status_.code(), ErrorCode::kCheckFailed);
}

TEST_F(DoctorTest, VersionsJsonInvalidOrMissing) {
  MakeHealthy();
  for (const auto& [text, reason] : std::vector<std::pair<std::string, std::string>>{
           {R"({"cacheVersion":1,"versions":[],"channels":{}})", "cacheVersion"},
           {"{not json", "invalid JSON"},
       }) {
    WriteVersions(text);
    const std::string out = Run();
    EXPECT_NE(out.find("fail k3s-versions-json k3s-versions.json: ~/.cache/rancher-desktop/"
                       "k3s-versions.json: "),
              std::string::npos)
        << out;
    EXPECT_NE(out.find(reason), std::string::npos) << out;
  }
  std::filesystem::remove(VersionsPath());
  EXPECT_NE(Run().find("fail k3s-versions-json k3s-versions.json: ~/.cache/rancher-desktop/"
                       "k3s-versions.json: missing: Rancher Desktop offers only the versions "
                       "built into it\n"),
            std::string::npos);
}

TEST_F(DoctorTest, VersionsJsonListsTooFewOrTooMany) {
  MakeHealthy();
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.29.8+k3s1","v1.30.4+k3s1"],)"
                R"("channels":{"stable":"1.30.4"}})");
  const std::string out = Run();
  EXPECT_NE(out.find("fail k3s-versions-json v1.31.1+k3s1: ~/.cache/rancher-desktop/"
                     "k3s-versions.json: does not list v1.31.1+k3s1, which is cached: Rancher "
                     "Desktop does not offer it\n    fix: rdbundle-unpack doctor --fix\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("warn k3s-versions-json v1.29.8+k3s1: ~/.cache/rancher-desktop/"
                     "k3s-versions.json: lists v1.29.8+k3s1, which is not cached: selecting it "
                     "needs the network\n"),
            std::string::npos)
      << out;
}

TEST_F(DoctorTest, CacheEntriesRdCannotUse) {
  MakeHealthy();
  WriteFileOrDie(Cache() + "/k3s/1.29.8+k3s1/k3s", "x", 0755);
  WriteFileOrDie(Cache() + "/k3s/notes.txt", "x");
  const std::string out = Run();
  EXPECT_NE(out.find("fail k3s-dir 1.29.8+k3s1: ~/.cache/rancher-desktop/k3s/1.29.8+k3s1: invalid "
                     "k3s version \"1.29.8+k3s1\""),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(": Rancher Desktop ignores this directory\n    fix: rename it to the exact "
                     "k3s release, e.g. v1.30.4+k3s1\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("warn k3s-dir notes.txt: ~/.cache/rancher-desktop/k3s/notes.txt: not a "
                     "directory: Rancher Desktop ignores it\n"),
            std::string::npos)
      << out;
}

TEST_F(DoctorTest, NothingCached) {
  EXPECT_EQ(Run(),
            "fail k3s-dir k3s: ~/.cache/rancher-desktop/k3s: no k3s version cached: Rancher "
            "Desktop cannot start Kubernetes offline\n"
            "    fix: rdbundle-unpack install KIT.rdbundle\n"
            "warn k3s-versions-json k3s-versions.json: ~/.cache/rancher-desktop/k3s-versions.json: "
            "missing: Rancher Desktop offers only the versions built into it\n"
            "warn kuberlr-dir linux-amd64: ~/.kuberlr/linux-amd64: missing: kuberlr has no local "
            "kubectl\n");
  EXPECT_EQ(status_.code(), ErrorCode::kCheckFailed);
}

// The RD doc's own mistake: kuberlr on Apple silicon reads darwin-arm64.
TEST_F(DoctorTest, DarwinAarch64Dir) {
  Target(TargetOs::kDarwin, Arch::kArm64);
  AddK3s("v1.30.4+k3s1");
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"],"channels":{"stable":"1.30.4"}})");
  AddKubectl("darwin-aarch64", "kubectl1.30.4");
  EXPECT_EQ(Run(),
            "ok k3s-files v1.30.4+k3s1: k3s-arm64, sha256sum-arm64.txt and "
            "k3s-airgap-images-arm64.tar.zst present\n"
            "ok k3s-sha256 v1.30.4+k3s1: k3s-arm64 matches sha256sum-arm64.txt; "
            "k3s-airgap-images-arm64.tar.zst listed, not hashed (--deep hashes it)\n"
            "ok k3s-versions-json k3s-versions.json: ~/Library/Caches/rancher-desktop/"
            "k3s-versions.json: valid (cacheVersion 2, 1 version, 1 channel)\n"
            "warn kuberlr-dir darwin-arm64: ~/.kuberlr/darwin-arm64: missing: kuberlr has no "
            "local kubectl\n"
            "fail kuberlr-dir darwin-aarch64: ~/.kuberlr/darwin-aarch64: wrong name: kuberlr reads "
            "darwin-arm64 (Go's GOARCH), never darwin-aarch64\n"
            "    fix: mv ~/.kuberlr/darwin-aarch64 ~/.kuberlr/darwin-arm64\n"
            "fail kubectl-cover v1.30.4+k3s1: ~/.kuberlr/darwin-arm64: no kubectl 1.29-1.31 for "
            "v1.30.4+k3s1: kubectl fails offline with this version\n"
            "    fix: mv ~/.kuberlr/darwin-aarch64 ~/.kuberlr/darwin-arm64\n");
  EXPECT_EQ(status_.code(), ErrorCode::kCheckFailed);
}

TEST_F(DoctorTest, OtherWrongPlatformNames) {
  MakeHealthy();
  AddKubectl("darwin-x86_64", "kubectl1.31.1");  // another platform: warning
  AddKubectl("linux-x86_64", "kubectl1.31.1");   // this platform: failure
  AddKubectl("linux-arm64", "kubectl1.31.1");    // a valid other platform: fine
  AddKubectl("stuff", "kubectl1.31.1");
  WriteFileOrDie(Kuberlr() + "/kuberlr.conf", "AllowDownload = false\n");
  const std::string out = Run();
  EXPECT_NE(out.find("warn kuberlr-dir darwin-x86_64: ~/.kuberlr/darwin-x86_64: wrong name: "
                     "kuberlr reads darwin-amd64 (Go's GOARCH), never darwin-x86_64\n    fix: mv "
                     "~/.kuberlr/darwin-x86_64 ~/.kuberlr/darwin-amd64\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("fail kuberlr-dir linux-x86_64: ~/.kuberlr/linux-x86_64: wrong name: kuberlr "
                     "reads linux-amd64 (Go's GOARCH), never linux-x86_64\n    fix: move its "
                     "kubectl files into ~/.kuberlr/linux-amd64\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("warn kuberlr-dir stuff: ~/.kuberlr/stuff: not a kuberlr platform directory "
                     "(<os>-<arch>, e.g. linux-amd64): kuberlr ignores it\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("linux-arm64"), std::string::npos) << out;
  EXPECT_EQ(out.find("kuberlr.conf"), std::string::npos) << out;
}

TEST_F(DoctorTest, NonExecutableKubectl) {
#if defined(_WIN32)
  GTEST_SKIP() << "no executable bit on Windows";
#endif
  MakeHealthy();
  ASSERT_EQ(::chmod((Kuberlr() + "/linux-amd64/kubectl1.31.1").c_str(), 0644), 0);
  EXPECT_EQ(Run(), Replace(kHealthy,
                           "ok kubectl-file kubectl1.31.1: ~/.kuberlr/linux-amd64/kubectl1.31.1: "
                           "kubectl 1.31.1, executable\n",
                           "fail kubectl-file kubectl1.31.1: ~/.kuberlr/linux-amd64/kubectl1.31.1: "
                           "not executable (mode 0644): kuberlr cannot run it\n"
                           "    fix: chmod 0755 ~/.kuberlr/linux-amd64/kubectl1.31.1\n"));
  EXPECT_EQ(status_.code(), ErrorCode::kCheckFailed);
}

TEST_F(DoctorTest, KubectlNamesKuberlrIgnores) {
  MakeHealthy();
  AddKubectl("linux-amd64", "kubectlv1.30.4");
  AddKubectl("linux-amd64", "kubectl1.29.8.exe");
  AddKubectl("linux-amd64", "kubectl");
  const std::string out = Run();
  // kuberlr's Sscanf("kubectl%d.%d.%d") ignores the ".exe" after the version: counted.
  EXPECT_NE(out.find("ok kubectl-file kubectl1.29.8.exe: ~/.kuberlr/linux-amd64/"
                     "kubectl1.29.8.exe: kubectl 1.29.8 (kuberlr reads this name as 1.29.8), "
                     "executable\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("fail kubectl-file kubectlv1.30.4: ~/.kuberlr/linux-amd64/kubectlv1.30.4: "
                     "wrong name (\"v\" before the version), expected kubectl1.30.4: kuberlr "
                     "ignores it\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("warn kubectl-file kubectl: ~/.kuberlr/linux-amd64/kubectl: not a "
                     "kubectl<X.Y.Z> file: not counted\n"),
            std::string::npos)
      << out;
}

TEST_F(DoctorTest, WindowsKubectlWithoutExeIsCounted) {
  // kuberlr on Windows: TrimExt, then Sscanf("kubectl%d.%d.%d"): "kubectl1.30.4" counts too.
  Target(TargetOs::kWindows, Arch::kAmd64);
  AddK3s("v1.30.4+k3s1");
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"],"channels":{"stable":"1.30.4"}})");
  AddKubectl("windows-amd64", "kubectl1.30.4", 0644);  // no x bit needed on windows
  const std::string out = Run();
  EXPECT_NE(out.find("ok kubectl-file kubectl1.30.4: ~/.kuberlr/windows-amd64/kubectl1.30.4: "
                     "kubectl 1.30.4 (kuberlr reads this name as 1.30.4)\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("ok kubectl-cover v1.30.4+k3s1: served by"), std::string::npos) << out;
  EXPECT_TRUE(status_.ok()) << json_;
}

// One test per name form kuberlr v0.7.0 counts in its own directory (internal/finder/
// kubectl_finder.go): doctor's cover check counts exactly these.
TEST_F(DoctorTest, KuberlrNameFormMinorOnly) {
  AddK3s("v1.30.4+k3s1");
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"],"channels":{}})");
  AddKubectl("linux-amd64", "kubectl1.31");  // inferSystemKubectlVersion: 1.31.0
  const std::string out = Run();
  EXPECT_NE(out.find("ok kubectl-file kubectl1.31: ~/.kuberlr/linux-amd64/kubectl1.31: kubectl "
                     "1.31.0 (kuberlr reads this name as 1.31.0), executable\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("ok kubectl-cover v1.30.4+k3s1: served by"), std::string::npos) << out;
  EXPECT_TRUE(status_.ok()) << out;
}

TEST_F(DoctorTest, KuberlrNameFormWithSuffix) {
  AddK3s("v1.30.4+k3s1");
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"],"channels":{}})");
  AddKubectl("linux-amd64", "kubectl1.29.8-old");  // Sscanf stops after the third %d
  const std::string out = Run();
  EXPECT_NE(out.find("ok kubectl-file kubectl1.29.8-old: ~/.kuberlr/linux-amd64/"
                     "kubectl1.29.8-old: kubectl 1.29.8 (kuberlr reads this name as 1.29.8), "
                     "executable\n"),
            std::string::npos)
      << out;
  EXPECT_TRUE(status_.ok()) << out;
}

TEST_F(DoctorTest, KuberlrNameFormNotCounted) {
  AddK3s("v1.30.4+k3s1");
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"],"channels":{}})");
  AddKubectl("linux-amd64", "kubectl-1.30.4");
  const std::string out = Run();
  EXPECT_NE(out.find("warn kubectl-file kubectl-1.30.4: ~/.kuberlr/linux-amd64/kubectl-1.30.4: "
                     "not a kubectl<X.Y.Z> file: not counted\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("fail kubectl-cover v1.30.4+k3s1"), std::string::npos) << out;
}

// Issue 14 item 1: the file lists v1.30.2+k3s2 (not cached) after the cached v1.30.2+k3s1.
TEST_F(DoctorTest, ShadowedBuildFailsAndFixDropsIt) {
  AddK3s("v1.30.2+k3s1");
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.30.2+k3s1","v1.30.2+k3s2"],)"
                R"("channels":{"stable":"1.30.2"}})");
  AddKubectl("linux-amd64", "kubectl1.30.2");
  std::string out = Run();
  EXPECT_NE(out.find("fail k3s-shadowed v1.30.2+k3s2: ~/.cache/rancher-desktop/k3s-versions.json: "
                     "lists v1.30.2+k3s2 after v1.30.2+k3s1: Rancher Desktop picks the last "
                     "listed build of 1.30.2 and looks in k3s/v1.30.2+k3s2, which is not "
                     "complete: Rancher Desktop downloads it on start, which fails offline\n"
                     "    fix: rdbundle-unpack doctor --fix\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(status_.code(), ErrorCode::kCheckFailed);
  cmd_.fix = true;
  out = Run();
  EXPECT_NE(out.find("ok k3s-shadowed v1.30.2+k3s2: ~/.cache/rancher-desktop/k3s-versions.json: "
                     "dropped v1.30.2+k3s2, so Rancher Desktop uses v1.30.2+k3s1 (--fix)\n"),
            std::string::npos)
      << out;
  auto fixed = ParseK3sVersionsFile(ReadFileOrDie(VersionsPath()), "fixed");
  ASSERT_TRUE(fixed.has_value()) << fixed.error().message();
  EXPECT_EQ(fixed->versions, (std::vector<std::string>{"v1.30.2+k3s1"}));
  EXPECT_EQ(fixed->channels.at("stable"), "1.30.2");
  cmd_.fix = false;
  EXPECT_EQ(Run().find("k3s-shadowed"), std::string::npos);
  EXPECT_TRUE(status_.ok());
}

#if !defined(_WIN32)
// Issue 13 item 4: root running --fix on another user's cache gives that user the file it
// writes, as install does; nothing else changes owner. POSIX only: owners by uid.
TEST_F(DoctorTest, FixAsRootGivesTheHomeOwnerTheVersionsFile) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  constexpr unsigned kAlice = 54321, kAliceGroup = 54322;
  AddK3s("v1.30.2+k3s1");
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.30.2+k3s1","v1.30.2+k3s2"],"channels":{}})");
  AddKubectl("linux-amd64", "kubectl1.30.2");
  ASSERT_EQ(::chown(home_.c_str(), kAlice, kAliceGroup), 0);
  cmd_.fix = true;
  Run();
  struct stat st {};
  ASSERT_EQ(::lstat(VersionsPath().c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kAlice);
  EXPECT_EQ(st.st_gid, kAliceGroup);
  ASSERT_EQ(::lstat(Cache().c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);  // not created by --fix: untouched
}
#endif

// Issue 14 item 4: an entry RD's readCache skips does not make the file unusable.
TEST_F(DoctorTest, EntryRdSkipsKeepsTheFile) {
  MakeHealthy();
  WriteVersions(R"({"cacheVersion":2,"versions":[null,"v1.30.4+k3s1","v1.31.1+k3s1"],)"
                R"("channels":{"stable":"1.30.4","latest":"1.31.1","v1.30":"1.30.4"}})");
  EXPECT_EQ(Run(), Replace(kHealthy, "(cacheVersion 2, 2 versions, 3 channels)",
                           "(cacheVersion 2, 2 versions, 3 channels; 1 entry of \"versions\" "
                           "that Rancher Desktop skips)"));
  EXPECT_TRUE(status_.ok()) << status_.message();
}

// Issue 14 item 8: the installed RD is reported and its rules applied.
TEST_F(DoctorTest, InstalledRdVersionRules) {
  Target(TargetOs::kDarwin, Arch::kArm64);
  AddK3s("v1.24.3+k3s1");
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.24.3+k3s1"],"channels":{}})");
  AddKubectl("darwin-arm64", "kubectl1.24.3");
  const std::string plist = home_ + "/Applications/Rancher Desktop.app/Contents/Info.plist";
  WriteFileOrDie(plist, "<plist><dict><key>CFBundleShortVersionString</key>\n"
                        "  <string>1.18.2</string></dict></plist>");
  std::string out = Run();
  EXPECT_EQ(out.find("k3s-rd-minimum"), std::string::npos) << out;  // 1.18 lists v1.21.0+
  EXPECT_NE(json_.find("\"version\": \"1.18.2\""), std::string::npos) << json_;
  EXPECT_NE(RunText().find("  Rancher Desktop  1.18.2 (macOS app, ~/Applications/Rancher "
                           "Desktop.app/Contents/Info.plist): lists k3s v1.21.0 and later\n"),
            std::string::npos);
  WriteFileOrDie(plist, "<key>CFBundleShortVersionString</key><string>1.19.0</string>");
  out = Run();
  EXPECT_NE(out.find("warn k3s-rd-minimum v1.24.3+k3s1: ~/Library/Caches/rancher-desktop/k3s/"
                     "v1.24.3+k3s1: older than v1.25.3: Rancher Desktop 1.19.0 does not offer "
                     "it\n"),
            std::string::npos)
      << out;
  WriteFileOrDie(plist, "<key>CFBundleShortVersionString</key><string>1.16.0</string>");
  out = Run();
  EXPECT_NE(out.find("warn rancher-desktop 1.16.0: "), std::string::npos) << out;
}

TEST_F(DoctorTest, SymlinkedVersionIsNotChecked) {
#if defined(_WIN32)
  GTEST_SKIP() << "symbolic links need a privilege on Windows, and Wine's do nothing";
#endif
  MakeHealthy();
  std::filesystem::create_directory_symlink(Cache() + "/k3s/v1.30.4+k3s1",
                                            Cache() + "/k3s/v1.30.5+k3s1");
  EXPECT_NE(Run().find("warn k3s-dir v1.30.5+k3s1: ~/.cache/rancher-desktop/k3s/v1.30.5+k3s1: a "
                       "symlink: not checked\n"),
            std::string::npos);
}

TEST_F(DoctorTest, ColourOnlyWhenAsked) {
  MakeHealthy();
  std::filesystem::remove(Cache() + "/k3s/v1.30.4+k3s1/k3s");
  cmd_.color = true;
  const std::string coloured = RunText();
  EXPECT_NE(coloured.find("  \033[1;31mFAIL\033[0m  k3s-files          v1.30.4+k3s1: "),
            std::string::npos)
      << coloured;
  EXPECT_NE(coloured.find("  \033[32mok  \033[0m  k3s-files          v1.31.1+k3s1: "),
            std::string::npos);
  cmd_.color = false;
  const std::string plain = RunText();
  EXPECT_EQ(plain.find('\033'), std::string::npos);
  EXPECT_NE(plain.find("\n  FAIL  k3s-files          v1.30.4+k3s1: "), std::string::npos) << plain;
  EXPECT_NE(plain.find("\n8 checks ok, 0 warn, 1 fail\n"), std::string::npos) << plain;
  Run();  // --json: never coloured
  EXPECT_EQ(json_.find('\033'), std::string::npos);
}

// What `install` writes, doctor accepts: one contract on both sides.
TEST_F(DoctorTest, AFreshInstallPasses) {
  ASSERT_TRUE(MakeDirs(DefaultFs(), home_, nullptr).ok());  // install refuses a missing --home
  const std::string bundle = tmp_.Sub("kit.rdbundle"), key = tmp_.Sub("key.pub");
  WriteFileOrDie(bundle, testsupport::MakeValidBundle());
  WriteFileOrDie(key, testsupport::DefaultTestKey().pub_file);
  InstallCommand install;
  install.read.bundle = bundle;
  install.read.keys.public_keys = {key};
  install.read.progress = false;
  install.dest = cmd_.dest;
  std::FILE* install_out = std::fopen(tmp_.Sub("install-output").c_str(), "wb");
  ASSERT_NE(install_out, nullptr);
  const Status s = RunInstall(DefaultFs(), install, install_out);
  std::fclose(install_out);
  ASSERT_TRUE(s.ok()) << s.message();
  cmd_.deep = true;
  const std::string out = Run();
  EXPECT_TRUE(status_.ok()) << out;
  EXPECT_EQ(out.find("warn"), std::string::npos) << out;
}

// ---- --fix --------------------------------------------------------------------------------------

std::map<std::string, std::string> Without(std::map<std::string, std::string> m,
                                           const std::string& key) {
  m.erase(key);
  return m;
}

TEST_F(DoctorTest, FixAddsCachedVersionsAndChangesNothingElse) {
  MakeHealthy();
  AddK3s("v1.29.8+k3s1");
  std::filesystem::remove(Cache() + "/k3s/v1.29.8+k3s1/k3s");  // incomplete: never added
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"],)"
                R"("channels":{"stable":"1.30.4","v1.30":"1.30.4","custom":"1.30.4"}})");
  const auto before = SnapshotTree(home_);
  cmd_.fix = true;
  const std::string out = Run();
  EXPECT_NE(out.find("ok k3s-versions-json v1.31.1+k3s1: ~/.cache/rancher-desktop/"
                     "k3s-versions.json: added v1.31.1+k3s1 (--fix)\n"),
            std::string::npos)
      << out;
  const auto after = SnapshotTree(home_);
  const std::string rel = ".cache/rancher-desktop/k3s-versions.json";
  EXPECT_NE(before.at(rel), after.at(rel));
  EXPECT_EQ(testsupport::DiffSnapshots(Without(before, rel), Without(after, rel)), "");
  auto fixed =
      ParseK3sVersionsFile(ReadFileOrDie(VersionsPath()), "fixed", K3sVersionsParseMode::kStrict);
  ASSERT_TRUE(fixed.has_value()) << fixed.error().message();
  EXPECT_EQ(fixed->versions, (std::vector<std::string>{"v1.30.4+k3s1", "v1.31.1+k3s1"}));
  EXPECT_EQ(fixed->channels, (std::map<std::string, std::string>{
                                 {"stable", "1.30.4"}, {"v1.30", "1.30.4"}, {"custom", "1.30.4"}}));
  // Fixed for good: a second run finds only the incomplete version.
  cmd_.fix = false;
  EXPECT_EQ(Run().find("k3s-versions-json v1.31.1"), std::string::npos);
}

TEST_F(DoctorTest, FixRewritesAFileRdIgnores) {
  MakeHealthy();
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"]})");
  cmd_.fix = true;
  const std::string out = Run();
  EXPECT_NE(out.find("ok k3s-versions-json k3s-versions.json: ~/.cache/rancher-desktop/"
                     "k3s-versions.json: written with the 2 cached versions (--fix); it was "
                     "unusable: ~/.cache/rancher-desktop/k3s-versions.json: missing \"channels\": "
                     "Rancher Desktop discards everything in it\n"),
            std::string::npos)
      << out;
  EXPECT_TRUE(status_.ok()) << out;
  auto fixed =
      ParseK3sVersionsFile(ReadFileOrDie(VersionsPath()), "fixed", K3sVersionsParseMode::kStrict);
  ASSERT_TRUE(fixed.has_value()) << fixed.error().message();
  EXPECT_EQ(fixed->versions, (std::vector<std::string>{"v1.30.4+k3s1", "v1.31.1+k3s1"}));
  // The cache has no channel data: none is invented (issue 14 item 6; RD's highestStableVersion
  // in utils/kubeVersions.ts falls back to the highest version without a "stable" one).
  EXPECT_TRUE(fixed->channels.empty());
}

TEST_F(DoctorTest, FixWithNothingToFixWritesNothing) {
  MakeHealthy();
  const auto before = SnapshotTree(home_);
  cmd_.fix = true;
  EXPECT_EQ(Run(), kHealthy);
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
}

TEST_F(DoctorTest, FixWaitsForNoInstall) {
  MakeHealthy();
  WriteVersions(R"({"cacheVersion":2,"versions":[],"channels":{}})");
  // Held as a running install holds it, by another thread: on Windows the lock is a named
  // mutex, which the thread that owns it would simply take again.
  std::promise<bool> held;
  std::promise<void> release;
  std::thread holder([&] {
    auto lock = DefaultFs().TryLock(Cache());
    held.set_value(lock.has_value() && *lock);
    release.get_future().wait();
  });
  const bool locked = held.get_future().get();
  const auto before = SnapshotTree(home_);
  cmd_.fix = true;
  Run();
  release.set_value();
  holder.join();
  ASSERT_TRUE(locked);
  EXPECT_EQ(status_.code(), ErrorCode::kIo);
  EXPECT_EQ(Replace(status_.message(), home_, "~"),
            "~/.cache/rancher-desktop: another rdbundle-unpack is installing here; try again "
            "later");
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
}

// ---- kuberlr's system directory (/usr/bin) -----------------------------------------------------
// Not on Windows: kuberlr has no system directory there (issue 17).
#if !defined(_WIN32)

class DoctorHostTest : public DoctorTest {
 protected:
  void SetUp() override {
    DoctorTest::SetUp();
    cmd_.dest = {};  // this machine: kuberlr's system kubectls count
    runner_home_ = home_;
    platform_ = KuberlrPlatformDir(HostOs(), HostArch());
    sys_ = env_.system_kubectl_dir;
    WriteFileOrDie(sys_ + "/kubectl", "unversioned", 0755);
    WriteFileOrDie(sys_ + "/kubectl1.20", "distribution kubectl", 0755);
    WriteFileOrDie(sys_ + "/kubectl1.23.4", "versioned kubectl", 0755);
    WriteFileOrDie(sys_ + "/kubectl-convert", "not a kubectl", 0755);
    WriteFileOrDie(sys_ + "/ls", "x", 0755);
  }
  std::string platform_, sys_;
};

// kuberlr reads system kubectls' versions from their names (kubectl<X.Y.Z>, kubectl<X.Y>) and
// never counts a plain "kubectl"; nothing is run.
TEST_F(DoctorHostTest, VersionedSystemKubectlsCountLikeKuberlr) {
  AddK3s("v1.19.16+k3s1");
  AddK3s("v1.24.3+k3s1");
  AddK3s("v1.27.1+k3s1");
  const std::string out = Replace(Run(), sys_, "SYS");
  EXPECT_NE(out.find("ok system-kubectl kubectl: SYS/kubectl: not counted: kuberlr only uses "
                     "versioned names here (kubectl<X.Y.Z>, kubectl<X.Y>)\n"
                     "ok system-kubectl kubectl1.20: SYS/kubectl1.20: kubectl 1.20.0 (kuberlr "
                     "uses it too)\n"
                     "ok system-kubectl kubectl1.23.4: SYS/kubectl1.23.4: kubectl 1.23.4 "
                     "(kuberlr uses it too)\n"
                     "ok kubectl-cover v1.19.16+k3s1: served by SYS/kubectl1.20\n"
                     "ok kubectl-cover v1.24.3+k3s1: served by SYS/kubectl1.23.4\n"
                     "fail kubectl-cover v1.27.1+k3s1: ~/.kuberlr/" +
                     platform_ +
                     ": no kubectl 1.26-1.28 for v1.27.1+k3s1 (nor in SYS): kubectl fails offline "
                     "with this version\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("kubectl-convert"), std::string::npos) << out;
}

TEST_F(DoctorHostTest, NotCountedWhenCheckingAnotherMachine) {
  for (int i = 0; i < 4; ++i) {
    cmd_.dest = {};
    if (i == 0) cmd_.dest.home = tmp_.Sub("other-home");
    if (i == 1) cmd_.dest.kuberlr_dir = tmp_.Sub("other-kuberlr");
    if (i == 2) cmd_.dest.cache_dir = tmp_.Sub("other-cache");
    if (i == 3) cmd_.dest.arch = HostArch() == Arch::kAmd64 ? Arch::kArm64 : Arch::kAmd64;
    AddK3s("v1.19.16+k3s1");
    const std::string out = Run();
    EXPECT_EQ(out.find("system-kubectl"), std::string::npos) << i << out;
    EXPECT_NE(out.find("fail kubectl-cover v1.19.16+k3s1: "), std::string::npos) << i << out;
    EXPECT_NE(out.find(": no kubectl 1.18-1.20 for v1.19.16+k3s1: kubectl fails offline"),
              std::string::npos)
        << i << out;
  }
}

// Options that name this machine's own home and directories keep it this machine (they used
// to turn the system kubectls off while the cache dir was still resolved as the host's).
TEST_F(DoctorHostTest, CountedWhenOptionsNameThisMachine) {
  AddK3s("v1.19.16+k3s1");
  cmd_.dest.home = home_ + "/";
  cmd_.dest.cache_dir = Cache();
  cmd_.dest.kuberlr_dir = Kuberlr();
  const std::string out = Replace(Run(), sys_, "SYS");
  EXPECT_NE(out.find("ok kubectl-cover v1.19.16+k3s1: served by SYS/kubectl1.20\n"),
            std::string::npos)
      << out;
}

#endif  // !_WIN32

#if defined(_WIN32)
// ---- doctor on Windows (issue 17) ---------------------------------------------------------------

// The item of the last run with `check` and `subject` (null when there is none).
Json ItemOf(const std::string& json, const std::string& check, const std::string& subject) {
  auto j = ParseJsonStrict(json, "doctor output", 1u << 20);
  if (!j.has_value()) return nullptr;
  for (const auto& item : (*j)["checks"]) {
    if (item["check"] == check && item["subject"] == subject) return item;
  }
  return nullptr;
}

// A rename's fix is cmd's (and PowerShell's) `move`, with backslashes and double quotes; no
// execute bit is checked or claimed for a POSIX target's kubectl (Win32 shows none); kuberlr's
// system directory is never counted for a Windows target.
TEST_F(DoctorTest, Win32FixesAndModes) {
  Target(TargetOs::kDarwin, Arch::kArm64);
  AddK3s("v1.30.4+k3s1");
  WriteVersions(R"({"cacheVersion":2,"versions":["v1.30.4+k3s1"],"channels":{"stable":"1.30.4"}})");
  AddKubectl("darwin-aarch64", "kubectl1.30.4");
  Run();
  std::string home = home_;
  std::replace(home.begin(), home.end(), '/', '\\');
  const Json dir = ItemOf(json_, "kuberlr-dir", "darwin-aarch64");
  ASSERT_FALSE(dir.is_null()) << json_;
  EXPECT_EQ(dir["fix"], "move \"" + home + "\\.kuberlr\\darwin-aarch64\" \"" + home +
                            "\\.kuberlr\\darwin-arm64\"");

  Target(TargetOs::kLinux, Arch::kAmd64);
  MakeHealthy();
  AddKubectl("linux-amd64", "kubectl1.30.4", 0644);
  Run();
  const Json kubectl = ItemOf(json_, "kubectl-file", "kubectl1.30.4");
  ASSERT_FALSE(kubectl.is_null()) << json_;
  EXPECT_EQ(kubectl["status"], "ok");
  EXPECT_EQ(kubectl["message"], Kuberlr() + "/linux-amd64/kubectl1.30.4: kubectl 1.30.4");
  EXPECT_TRUE(status_.ok()) << json_;

  Destinations host = Dest();
  host.os = TargetOs::kWindows;
  host.is_host = true;
  EXPECT_FALSE(CountsSystemKubectls(host));
}
#endif

// ---- the suggestion shared with `install` (coverage.h) ------------------------------------------

std::vector<K3sVersion> K3s(const std::vector<std::string>& texts) {
  std::vector<K3sVersion> out;
  for (const auto& t : texts) out.push_back(*ParseK3sVersion(t));
  return out;
}

TEST(DoctorCover, ExactVersionWhenAsFewSuffice) {
  const CoverageReport r = CheckKubectlCoverage(
      K3s({"v1.19.16+k3s1", "v1.21.14+k3s1", "v1.24.3+k3s1"}), {{1, 21, 14}, {1, 24, 3}});
  ASSERT_EQ(r.suggested.size(), 1u);
  EXPECT_EQ(r.suggested[0].ToString(), "1.19.16");
  EXPECT_EQ(KubectlFixCommand(r.suggested, TargetOs::kLinux, Arch::kAmd64),
            "rdbundle-pack build --kubectl 1.19.16/linux/amd64 ...");
  EXPECT_EQ(FormatCoverage(r, "linux-amd64").back(),
            "  add kubectl 1.19.16 (rdbundle-pack build --kubectl 1.19.16/linux/amd64 ... on the "
            "connected side)");
}

// 1.19 and 1.21 uncovered, no 1.20 cached: one kubectl 1.20.x closes both, but its patch is
// unknown offline, so the minor is named.
TEST(DoctorCover, MinorWhenFewerKubectlsNeedAnUnknownPatch) {
  const CoverageReport r = CheckKubectlCoverage(K3s({"v1.19.16+k3s1", "v1.21.14+k3s1"}), {});
  ASSERT_EQ(r.suggested.size(), 1u);
  EXPECT_EQ(r.suggested[0].ToString(), "1.20.x");
  EXPECT_EQ(KubectlFixCommand(r.suggested, TargetOs::kDarwin, Arch::kArm64),
            "rdbundle-pack plan --minors 1.20 ...");
  const CoverageReport mixed =
      CheckKubectlCoverage(K3s({"v1.19.16+k3s1", "v1.21.14+k3s1", "v1.26.1+k3s1"}), {});
  EXPECT_EQ(KubectlFixCommand(mixed.suggested, TargetOs::kLinux, Arch::kAmd64),
            "rdbundle-pack build --kubectl 1.26.1/linux/amd64 ... and "
            "rdbundle-pack plan --minors 1.20 ...");
  EXPECT_EQ(SuggestionFor(mixed, {1, 21})->ToString(), "1.20.x");
  EXPECT_EQ(SuggestionFor(mixed, {1, 26})->ToString(), "1.26.1");
}

// ---- the command line ---------------------------------------------------------------------------

// rdbundle-unpack with `args` (separated by spaces): its exit code.
int RunCli(const std::string& args) {
  std::vector<std::string> argv = {RDB_UNPACK_BIN};
  for (std::size_t start = 0, end; start < args.size(); start = end + 1) {
    end = args.find(' ', start);
    if (end == std::string::npos) end = args.size();
    if (end > start) argv.push_back(args.substr(start, end - start));
  }
  return testsupport::RunProcess(argv).exit_code;
}

TEST_F(DoctorTest, CliExitCodes) {
  MakeHealthy();
  const std::string target = " --home " + home_ + " --target-os linux --target-arch amd64";
  EXPECT_EQ(RunCli("doctor" + target), 0);
  EXPECT_EQ(RunCli("doctor --json --deep" + target), 0);
  AddK3s("v1.19.16+k3s1");  // below v1.25.3 (warning) and without kubectl (failure)
  EXPECT_EQ(RunCli("doctor" + target), 1);
  EXPECT_EQ(RunCli("doctor --dry-run" + target), 2);
  EXPECT_EQ(RunCli("doctor extra" + target), 2);
  EXPECT_EQ(RunCli("doctor --target-arch aarch64 --home " + home_), 2);
  EXPECT_EQ(RunCli("install --deep x.rdbundle"), 2);
}

}  // namespace
}  // namespace rdbundle::unpacker
