#include "tests/unpacker/unpack_fixture.h"

#if defined(_WIN32)
#include <windows.h>

#include <cstdlib>

#include "common/os/win32_util.h"
#include "tests/support/subprocess.h"
#else
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace rdbundle::unpacker {

using testsupport::WriteFileOrDie;

namespace {

InstallCommand CrashInstallCommand(const std::string& bundle, const std::string& key,
                                   const std::string& home) {
  InstallCommand c;
  c.read.bundle = bundle;
  c.read.keys.public_keys = {key};
  c.read.progress = false;
  c.dest.home = home;
  c.dest.os = TargetOs::kLinux;
  c.dest.arch = Arch::kAmd64;
  return c;
}

#if defined(_WIN32)
// Windows has no fork: InstallAndDie starts this test program again with RDB_CRASH_CHILD set
// ("<op> <nth> <exchange>"; the bundle, key and home in RDB_CRASH_BUNDLE/_KEY/_HOME), and the
// child runs the install here, before main, until FaultFs terminates it (TerminateProcess,
// exit code 137) at the nth call of op. It exits 0 or 1 when it gets through.
int RunCrashChild(const char* spec) {
  int op = 0, nth = 0, exchange = 0;
  if (std::sscanf(spec, "%d %d %d", &op, &nth, &exchange) != 3) return 2;
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v != nullptr ? v : "");
  };
  testsupport::FaultFs fs(DefaultFs());
  if (exchange == 0) fs.DisableExchange();
  fs.KillAt(static_cast<testsupport::FsOp>(op), nth);
  std::FILE* devnull = std::fopen("NUL", "w");
  Status s = RunInstall(
      fs, CrashInstallCommand(env("RDB_CRASH_BUNDLE"), env("RDB_CRASH_KEY"), env("RDB_CRASH_HOME")),
      devnull);
  return s.ok() ? 0 : 1;
}

[[maybe_unused]] const bool kIsCrashChild = [] {
  if (const char* spec = std::getenv("RDB_CRASH_CHILD"); spec != nullptr) {
    std::exit(RunCrashChild(spec));
  }
  return false;
}();

std::string ThisProgram() {
  std::wstring path(32768, L'\0');
  path.resize(::GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size())));
  return win32::Narrow(path);
}
#endif

}  // namespace

void UnpackFixture::SetUp() {
  home_ = tmp_.Sub("home");
  key_path_ = tmp_.Sub("trusted.pub");
  bundle_path_ = tmp_.Sub("kit.rdbundle");
  WriteFileOrDie(key_path_, testsupport::DefaultTestKey().pub_file);
  PopulateHome();
#if defined(_WIN32)
  devnull_ = std::fopen("NUL", "w");
#else
  devnull_ = std::fopen("/dev/null", "w");
#endif
}

void UnpackFixture::PopulateHome() {
  // An existing RD install: another version, its kubectl, and RD's own k3s-versions.json.
  WriteFileOrDie(CacheDir() + "/k3s-versions.json",
                 "{\"cacheVersion\":2,\"versions\":[\"v1.29.8+k3s1\"],"
                 "\"channels\":{\"stable\":\"1.29.8\",\"v1.29\":\"1.29.8\"}}");
  WriteFileOrDie(CacheDir() + "/k3s/v1.29.8+k3s1/k3s", "old k3s", 0755);
  WriteFileOrDie(KuberlrDir() + "/linux-amd64/kubectl1.29.8", "old kubectl", 0755);
}

InstallCommand UnpackFixture::MakeInstallCommand(const std::string& bundle_path) const {
  return CrashInstallCommand(bundle_path, key_path_, home_);
}

Status UnpackFixture::Install(const std::string& bundle, Fs& fs) {
  return Install(bundle, MakeInstallCommand(bundle_path_), fs);
}

Status UnpackFixture::Install(const std::string& bundle, const InstallCommand& cmd, Fs& fs) {
  WriteFileOrDie(cmd.read.bundle, bundle);
  Status s = RunInstall(fs, cmd, devnull_);
  std::fflush(devnull_);
  return s;
}

Status UnpackFixture::Verify(const std::string& bundle) {
  WriteFileOrDie(bundle_path_, bundle);
  ReadOptions r;
  r.bundle = bundle_path_;
  r.keys.public_keys = {key_path_};
  r.progress = false;
  return RunVerify(DefaultFs(), r, devnull_);
}

bool UnpackFixture::InstallAndDie(const std::string& bundle, testsupport::FsOp op, int nth,
                                  bool exchange) {
  WriteFileOrDie(bundle_path_, bundle);
#if defined(_WIN32)
  testsupport::SubprocessOptions o;
  o.env = {{"RDB_CRASH_CHILD", std::to_string(static_cast<int>(op)) + " " + std::to_string(nth) +
                                   " " + (exchange ? "1" : "0")},
           {"RDB_CRASH_BUNDLE", bundle_path_},
           {"RDB_CRASH_KEY", key_path_},
           {"RDB_CRASH_HOME", home_}};
  const auto r = testsupport::RunProcess({ThisProgram()}, o);
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 137) << r.Describe();
  return r.exit_code == 137;
#else
  const pid_t pid = ::fork();
  if (pid == 0) {
    testsupport::FaultFs fs(DefaultFs());
    if (!exchange) fs.DisableExchange();
    fs.KillAt(op, nth);
    Status s = RunInstall(fs, MakeInstallCommand(bundle_path_), devnull_);
    ::_exit(s.ok() ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
#endif
}

std::string UnpackFixture::Msg(const Status& s) const {
  std::string m = s.message();
  for (std::size_t pos; (pos = m.find(bundle_path_)) != std::string::npos;) {
    m.replace(pos, bundle_path_.size(), "B");
  }
  // The damaged-bundle hint (DamagedBundleHint: the entry, the byte offset, "copy it again")
  // is checked by its own tests (hostile_bundle_test DamageNamesEntryOffsetAndWhatToDo).
  if (const std::size_t at = m.find("(at or before byte "); at != std::string::npos) {
    m.erase(m.rfind("; ", at));
  }
  return m;
}

void UnpackFixture::ExpectRejected(const std::string& bundle, ErrorCode code,
                                   const std::string& message) {
  Status v = Verify(bundle);
  EXPECT_EQ(v.code(), code) << "verify: " << v.message();
  EXPECT_EQ(Msg(v), message);
  const auto before = testsupport::SnapshotTree(home_);
  Status s = Install(bundle);
  EXPECT_EQ(s.code(), code) << "install: " << s.message();
  EXPECT_EQ(Msg(s), message);
  EXPECT_EQ(testsupport::DiffSnapshots(before, testsupport::SnapshotTree(home_)), "");
}

}  // namespace rdbundle::unpacker
