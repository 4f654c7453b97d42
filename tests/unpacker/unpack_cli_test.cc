// The real rdbundle-unpack binary: stdin bundles, exit codes, one-line errors, quiet when piped.
#include <gtest/gtest.h>

#if !defined(_WIN32)
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "common/format/json_strict.h"
#include "common/signing/signing.h"
#include "tests/support/subprocess.h"
#include "tests/unpacker/unpack_fixture.h"

namespace rdbundle::unpacker {
namespace {

using testsupport::MakeValidBundle;
using testsupport::RunProcess;
using testsupport::SnapshotTree;
using testsupport::SubprocessOptions;
using testsupport::SubprocessResult;

class UnpackCli : public UnpackFixture {
 protected:
  SubprocessResult Run(std::vector<std::string> args, const std::string& stdin_data = "") {
    args.insert(args.begin(), RDB_UNPACK_BIN);
    SubprocessOptions o;
    o.stdin_data = stdin_data;
    o.env["HOME"] = home_;
    return RunProcess(args, o);
  }
  std::vector<std::string> Dest() {
    return {"--home", home_, "--target-os", "linux", "--target-arch", "amd64"};
  }
  // Runs a --json command: exit 0 and one JSON object on stdout, else a failure and {}.
  Json RunJson(const std::vector<std::string>& args, std::string* text = nullptr) {
    auto r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    if (text != nullptr) *text = r.out;
    auto j = ParseJsonStrict(r.out, "output", 1 << 20);
    EXPECT_TRUE(j.has_value()) << r.out;
    return j.has_value() ? *j : Json::object();
  }
};

// The OS layer's reason for a missing file (fs_posix.cc: strerror; fs_win32.cc its own).
#if defined(_WIN32)
const std::string kNoSuchFile = "File not found";
#else
const std::string kNoSuchFile = "No such file or directory";
#endif

// One line, starting with the program name: no stack traces, no "error: unknown".
void ExpectOneLineError(const SubprocessResult& r, int code, const std::string& line) {
  EXPECT_EQ(r.exit_code, code) << r.Describe();
  EXPECT_EQ(r.err, "rdbundle-unpack: " + line + "\n");
}

TEST_F(UnpackCli, InstallFromStdin) {
  std::vector<std::string> args = {"install", "-", "-p", key_path_};
  for (auto& a : Dest()) args.push_back(a);
  auto r = Run(args, MakeValidBundle());
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("<stdin>: signature OK"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");  // piped: no progress, no noise
  EXPECT_TRUE(SnapshotTree(home_).count(".cache/rancher-desktop/k3s/v1.30.4+k3s1/k3s"));
  EXPECT_NE(r.out.find("kubectl coverage"), std::string::npos);
}

TEST_F(UnpackCli, CorruptBundleOnStdin) {
  std::string bad = MakeValidBundle();
  bad.resize(bad.size() - 1);
  const auto before = SnapshotTree(home_);
  auto r = Run({"install", "-", "-p", key_path_, "--home", home_}, bad);
  ExpectOneLineError(r, 4, "<stdin>: truncated zstd stream");
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
}

TEST_F(UnpackCli, ExitCodes) {
  testsupport::WriteFileOrDie(bundle_path_, MakeValidBundle());
  EXPECT_EQ(Run({"verify", bundle_path_, "-p", key_path_}).exit_code, 0);
  ExpectOneLineError(Run({"verify", bundle_path_, "--bogus"}), 2,
                     "unknown option --bogus (see --help)");
  ExpectOneLineError(Run({"verify", bundle_path_, "-p", key_path_, "--dry-run"}), 2,
                     "option --dry-run does not apply to verify");
  ExpectOneLineError(Run({"frobnicate"}), 2,
                     "unknown command \"frobnicate\" (see rdbundle-unpack --help)");
  EXPECT_EQ(Run({}).exit_code, 2);
  EXPECT_EQ(Run({"--help"}).exit_code, 0);
  ExpectOneLineError(Run({"verify", tmp_.Sub("none.rdbundle"), "-p", key_path_}), 5,
                     tmp_.Sub("none.rdbundle") + ": " + kNoSuchFile);
  testsupport::WriteFileOrDie(tmp_.Sub("other.pub"), testsupport::MakeTestKey().pub_file);
  auto r = Run({"verify", bundle_path_, "-p", tmp_.Sub("other.pub")});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(UnpackCli, TrustedKeysDirectory) {
  testsupport::WriteFileOrDie(bundle_path_, MakeValidBundle());
  // No -p: the default directory under $HOME, empty at first.
  auto r = Run({"verify", bundle_path_});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_NE(r.err.find("no trusted public keys"), std::string::npos) << r.err;
  testsupport::WriteFileOrDie(home_ + "/.config/rdbundle/trusted/ops.pub",
                              testsupport::DefaultTestKey().pub_file);
  EXPECT_EQ(Run({"verify", bundle_path_}).exit_code, 0);
}

TEST_F(UnpackCli, ListJson) {
  testsupport::WriteFileOrDie(bundle_path_, MakeValidBundle());
  auto r = Run({"list", bundle_path_, "-p", key_path_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  auto j = ParseJsonStrict(r.out, "list", 1 << 20);
  ASSERT_TRUE(j.has_value()) << r.out;
  EXPECT_EQ((*j)["bundleId"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ((*j)["k3s"]["versions"][0], "v1.30.4+k3s1");
  EXPECT_EQ((*j)["verified"], "signature");
  EXPECT_EQ((*j)["files"].size(), 5u);
  EXPECT_TRUE(r.out.starts_with("{\n  \"schemaVersion\": 1,\n")) << r.out;  // issue 18 item 7
}

// Issue 18 item 7: verify and install --json give one summary object; list --installed --json
// has no internals (the record's inode and mtime) and lists files as an array.
TEST_F(UnpackCli, VerifyInstallAndInstalledJson) {
  testsupport::WriteFileOrDie(bundle_path_, MakeValidBundle());
  const Json v = RunJson({"verify", bundle_path_, "-p", key_path_, "--json"});
  EXPECT_EQ(v["schemaVersion"], 1);
  EXPECT_EQ(v["verified"], "all");
  EXPECT_EQ(v["files"], 5);
  EXPECT_EQ(v["bundleId"], "0123456789abcdef0123456789abcdef");

  std::vector<std::string> args = {"install", bundle_path_, "-p", key_path_, "--json"};
  for (auto& a : Dest()) args.push_back(a);
  const Json i = RunJson(args);
  EXPECT_EQ(i["schemaVersion"], 1);
  EXPECT_EQ(i["alreadyInstalled"], false);
  ASSERT_EQ(i["files"].size(), 5u) << i;
  EXPECT_EQ(i["files"][0]["action"], "merge");  // cache/k3s-versions.json
  EXPECT_EQ(i["files"][1]["action"], "write");
  EXPECT_TRUE(i["kubectlCoverage"]["k3s"].is_array()) << i;
  EXPECT_EQ(RunJson(args)["alreadyInstalled"], true);

  std::string text;
  const Json l = RunJson({"list", "--installed", "--json", "--home", home_, "--target-os", "linux"},
                         &text);
  EXPECT_EQ(l["schemaVersion"], 1);
  EXPECT_TRUE(l["files"].is_array());
  for (const char* internal : {"inode", "mtimeNs", "stateVersion"}) {
    EXPECT_EQ(text.find(internal), std::string::npos) << text;
  }
}

#if !defined(_WIN32)
// Ctrl-C while the input has stalled (a FIFO whose writer stopped half-way): the install stops
// with exit 130 and a one-line message, and the home is as it was, although the thread
// reading the input never returns from read(). POSIX only: Windows has no FIFOs at a path and
// no SIGINT to send to another process (a console Ctrl-C event needs a shared console, which
// the suite under Wine does not have).
TEST_F(UnpackCli, InterruptWhileInputStalls) {
  testsupport::KitSpec spec;
  spec.file_bytes = 4u << 20;  // several zstd blocks, so the reader gets past the manifest
  const std::string bundle = MakeValidBundle(spec);
  const std::string fifo = tmp_.Sub("bundle.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto before = SnapshotTree(home_);
  std::vector<std::string> args = {RDB_UNPACK_BIN, "install", fifo, "-p", key_path_};
  for (auto& a : Dest()) args.push_back(a);
  SubprocessOptions o;
  o.env["HOME"] = home_;
  testsupport::Subprocess p(args, o);
  const int fd = ::open(fifo.c_str(), O_WRONLY);  // returns once the child opened it
  ASSERT_GE(fd, 0);
  const std::size_t half = bundle.size() / 2;
  ASSERT_EQ(::write(fd, bundle.data(), half), static_cast<ssize_t>(half));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let it read, then stall
  p.Kill(SIGINT);
  // A hang is a failure, not a ctest timeout.
  std::mutex mu;
  std::condition_variable cv;
  bool ended = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(20), [&] { return ended; })) p.Kill(SIGKILL);
  });
  auto r = p.Wait();
  {
    std::lock_guard<std::mutex> lock(mu);
    ended = true;
  }
  cv.notify_all();
  watchdog.join();
  ::close(fd);
  ASSERT_NE(r.term_signal, SIGKILL) << "still running 20 s after SIGINT";
  ExpectOneLineError(r, 130, fifo + ": interrupted by signal 2");
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
}
#endif

TEST_F(UnpackCli, ProgressOnlyWhenAskedOrOnATerminal) {
  testsupport::WriteFileOrDie(bundle_path_, MakeValidBundle());
  EXPECT_EQ(Run({"verify", bundle_path_, "-p", key_path_}).err, "");
  // A forced display draws at most every 100 ms; a tiny bundle may finish before the first
  // draw, so only check that nothing but progress control sequences appear.
  auto r = Run({"verify", bundle_path_, "-p", key_path_, "--progress"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err.find("rdbundle-unpack:"), std::string::npos) << r.err;
}

TEST_F(UnpackCli, InstallThenListInstalled) {
  testsupport::WriteFileOrDie(bundle_path_, MakeValidBundle());
  std::vector<std::string> args = {"install", bundle_path_, "-p", key_path_};
  for (auto& a : Dest()) args.push_back(a);
  ASSERT_EQ(Run(args).exit_code, 0);
  auto r = Run({"list", "--installed", "--home", home_, "--target-os", "linux"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("bundle 0123456789abcdef0123456789abcdef"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("k3s/v1.30.4+k3s1/k3s"), std::string::npos) << r.out;
}

// Issue 18 item 5: errors that say what to do, with their documented exit codes, and the home
// unchanged.
TEST_F(UnpackCli, ErrorsSayWhatToDo) {
  testsupport::WriteFileOrDie(bundle_path_, MakeValidBundle());
  const auto before = SnapshotTree(home_);
  // The secret key given as -p.
  const std::string secret = tmp_.Sub("rdbundle.key");
  testsupport::WriteFileOrDie(
      secret, SerializeSecretKeyFile(testsupport::DefaultTestKey().secret, std::nullopt).value(), 0600);
  ExpectOneLineError(Run({"verify", bundle_path_, "-p", secret}), 3,
                     secret + ": a minisign secret key, not a public key: pass the public key "
                     "(rdbundle.pub from rdbundle-pack keygen -p); the secret key stays on the "
                     "packing machine");
  // The detached signature given as the bundle.
  const std::string minisig = bundle_path_ + ".minisig";
  testsupport::WriteFileOrDie(minisig, "untrusted comment: signature from rdbundle-pack\n"
                                       "RUQAAAA\ntrusted comment: x\nAAAA\n");
  ExpectOneLineError(Run({"install", minisig, "-p", key_path_, "--home", home_}), 4,
                     minisig + ": not a bundle but a minisign signature (.minisig): pass the "
                     ".rdbundle it signs");
  // --home naming nothing: said so, before the bundle is read.
  const std::string nohome = tmp_.Sub("no/such/home");
  ExpectOneLineError(Run({"install", bundle_path_, "-p", key_path_, "--home", nohome}), 5,
                     "--home " + nohome + ": no such directory");
  ExpectOneLineError(Run({"doctor", "--home", nohome}), 5, "--home " + nohome + ": no such directory");
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
  EXPECT_FALSE(testsupport::PathExists(nohome));
}

// Issue 18 item 5: a re-install that changes nothing says so.
TEST_F(UnpackCli, ReinstallSaysAlreadyInstalled) {
  testsupport::WriteFileOrDie(bundle_path_, MakeValidBundle());
  std::vector<std::string> args = {"install", bundle_path_, "-p", key_path_};
  for (auto& a : Dest()) args.push_back(a);
  auto first = Run(args);
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  EXPECT_NE(first.out.find("installed "), std::string::npos) << first.out;
  auto again = Run(args);
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_NE(again.out.find("already installed: "), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("; nothing written"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("installed 0 files"), std::string::npos) << again.out;
}

// Issue 18 item 1: another OS's layout without --home would land in this machine's home.
TEST_F(UnpackCli, OtherOsTargetNeedsAHome) {
#if defined(_WIN32)
  const std::string other = "linux", here = "windows";
  const std::string k3s = ".cache/rancher-desktop/k3s/v1.30.4+k3s1/k3s";
#else
  const std::string other = "windows", here = "linux";
  const std::string k3s = "AppData/Local/rancher-desktop/cache/k3s/v1.30.4+k3s1/k3s";
#endif
  testsupport::WriteFileOrDie(bundle_path_, MakeValidBundle());
  const auto before = SnapshotTree(home_);
  auto r = Run({"install", bundle_path_, "-p", key_path_, "--target-os", other});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("rdbundle-unpack: --target-os " + other + " on this " + here +
                       " machine needs --home DIR"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
  // With --home it goes there.
  auto ok = Run({"install", bundle_path_, "-p", key_path_, "--target-os", other, "--home", home_});
  EXPECT_EQ(ok.exit_code, 0) << ok.Describe();
  EXPECT_TRUE(SnapshotTree(home_).count(k3s));
}

// Issue 18 item 5: a bundle read from "-" while stdin is a terminal says it waits for a pipe.
TEST_F(UnpackCli, StdinTerminalSaysItWaitsForAPipe) {
#if defined(_WIN32)
  GTEST_SKIP() << "no pseudo-terminal to give the child on Windows (a console needs a real one)";
#endif
  SubprocessOptions o;
  o.env["HOME"] = home_;
  o.stdin_terminal = true;
  auto r = RunProcess({RDB_UNPACK_BIN, "verify", "-", "-p", key_path_}, o);
  EXPECT_NE(r.exit_code, 0) << r.Describe();  // the terminal closes: no bundle
  EXPECT_NE(r.err.find("rdbundle-unpack: reading the bundle from standard input, which is a "
                       "terminal: waiting for a pipe"), std::string::npos) << r.err;
  // From a pipe: no such note.
  testsupport::WriteFileOrDie(bundle_path_, MakeValidBundle());
  auto piped = Run({"verify", "-", "-p", key_path_}, MakeValidBundle());
  EXPECT_EQ(piped.exit_code, 0) << piped.Describe();
  EXPECT_EQ(piped.err, "");
}

// Issue 18 item 2: -v says each file as it is verified; -q leaves only errors (here a
// coverage warning is dropped).
TEST_F(UnpackCli, QuietAndVerbose) {
  testsupport::WriteFileOrDie(bundle_path_, MakeValidBundle());
  auto verbose = Run({"verify", bundle_path_, "-p", key_path_, "-v"});
  ASSERT_EQ(verbose.exit_code, 0) << verbose.Describe();
  EXPECT_NE(verbose.err.find("rdbundle-unpack: verified cache/k3s/v1.30.4+k3s1/k3s ("),
            std::string::npos) << verbose.err;
  EXPECT_EQ(std::count(verbose.err.begin(), verbose.err.end(), '\n'), 5) << verbose.err;
  testsupport::KitSpec spec;
  spec.versions = {"v1.32.1+k3s1"};  // no kubectl within one minor: a warning
  spec.kubectls = {{"1.27.0", TargetOs::kLinux, Arch::kAmd64}};
  testsupport::WriteFileOrDie(bundle_path_, MakeValidBundle(spec));
  std::vector<std::string> args = {"install", bundle_path_, "-p", key_path_, "-q"};
  for (auto& a : Dest()) args.push_back(a);
  auto quiet = Run(args);
  EXPECT_EQ(quiet.exit_code, 0) << quiet.Describe();
  EXPECT_EQ(quiet.err, "");
}

TEST_F(UnpackCli, RequireKubectlCover) {
  testsupport::KitSpec spec;
  spec.versions = {"v1.32.1+k3s1"};  // needs kubectl 1.31-1.33; the home has 1.29.8
  spec.kubectls = {{"1.27.0", TargetOs::kLinux, Arch::kAmd64}};
  testsupport::WriteFileOrDie(bundle_path_, MakeValidBundle(spec));
  std::vector<std::string> args = {"install", bundle_path_, "-p", key_path_};
  for (auto& a : Dest()) args.push_back(a);
  auto warn = Run(args);
  EXPECT_EQ(warn.exit_code, 0) << warn.Describe();
  EXPECT_NE(warn.err.find("WARNING"), std::string::npos) << warn.err;
  EXPECT_NE(warn.out.find("MISSING  v1.32.1+k3s1"), std::string::npos) << warn.out;
  args.push_back("--require-kubectl-cover");
  auto fail = Run(args);
  EXPECT_EQ(fail.exit_code, 1) << fail.Describe();
  // Issue 18 item 5: decided before anything is written. In a fresh home, nothing appears.
  const std::string fresh = tmp_.Sub("fresh-home");
  ASSERT_TRUE(std::filesystem::create_directory(fresh));
  auto strict = Run({"install", bundle_path_, "-p", key_path_, "--home", fresh, "--target-os",
                     "linux", "--target-arch", "amd64", "--require-kubectl-cover"});
  EXPECT_EQ(strict.exit_code, 1) << strict.Describe();
  EXPECT_NE(strict.err.find("kubectl coverage would be incomplete (--require-kubectl-cover): 1 k3s "
                            "minor version(s) without a kubectl within one minor; nothing written"),
            std::string::npos) << strict.err;
  EXPECT_NE(strict.out.find("MISSING  v1.32.1+k3s1"), std::string::npos) << strict.out;
  EXPECT_EQ(SnapshotTree(fresh).size(), 0u) << testsupport::DiffSnapshots({}, SnapshotTree(fresh));
}

}  // namespace
}  // namespace rdbundle::unpacker
