// Issue 14, "Carry Rancher Desktop itself": `install` places a carried RD installer, after the
// whole bundle verified, into --installers-dir (default <home>/rancher-desktop-installers),
// atomically and owned like the rest, and prints the next step for the platform
// (format-spec/rdbundle-v2.md section 5; docs/rancher-desktop.md#rd-installer).
#include <gtest/gtest.h>
#if !defined(_WIN32)
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <cstdio>
#include <filesystem>

#include "common/rd/rd_installer.h"
#include "tests/unpacker/unpack_fixture.h"

namespace rdbundle::unpacker {
namespace {

using testsupport::AssembleBundle;
using testsupport::MakeBundleParts;
using testsupport::MakeInstallerFile;
using testsupport::MakeKitFiles;
using testsupport::ReadFileOrDie;
using testsupport::SnapshotTree;
using testsupport::TestFile;
using testsupport::WithFile;
using testsupport::WriteFileOrDie;

constexpr const char* kZip = "rancher-desktop-linux-v1.19.3.zip";

class InstallRdInstallerTest : public UnpackFixture {
 protected:
  std::string InstallersDir() const { return home_ + "/rancher-desktop-installers"; }
  TestFile LinuxZip() const { return MakeInstallerFile("1.19.3", RdPlatform::kLinux); }
  std::string BundleWith(const TestFile& installer) {
    return AssembleBundle(MakeBundleParts(WithFile(MakeKitFiles({}), installer),
                                          testsupport::DefaultTestKey()));
  }
  // Runs the install and returns its status; `out` gets what it printed.
  Status InstallCapture(const std::string& bundle, const InstallCommand& cmd, std::string& out) {
    WriteFileOrDie(cmd.read.bundle, bundle);
    std::FILE* f = std::tmpfile();
    Status s = RunInstall(DefaultFs(), cmd, f);
    std::fflush(f);
    std::rewind(f);
    out.clear();
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
    std::fclose(f);
    return s;
  }
};

TEST_F(InstallRdInstallerTest, PlacesTheInstallerAndSaysWhatToDoNext) {
  const TestFile zip = LinuxZip();
  std::string out;
  Status s = InstallCapture(BundleWith(zip), MakeInstallCommand(bundle_path_), out);
  ASSERT_TRUE(s.ok()) << s.message();
  const std::string placed = InstallersDir() + "/" + kZip;
  EXPECT_EQ(ReadFileOrDie(placed), zip.content);
#if !defined(_WIN32)  // no permission bits on Windows
  struct stat st {};
  ASSERT_EQ(::lstat(placed.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
#endif
  // Nothing else there: the temporary file was renamed, not copied.
  EXPECT_EQ(SnapshotTree(InstallersDir()).size(), 1u);
  EXPECT_NE(out.find("Rancher Desktop 1.19.3 for linux: " + placed + "\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("  Linux: sudo unzip -d /opt/rancher-desktop " + placed), std::string::npos)
      << out;
  // The record knows it: installing again writes nothing.
  s = InstallCapture(BundleWith(zip), MakeInstallCommand(bundle_path_), out);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_NE(out.find("already installed: "), std::string::npos) << out;  // issue 18 item 5
  EXPECT_NE(out.find(placed + " (already there)"), std::string::npos) << out;
}

TEST_F(InstallRdInstallerTest, ExplicitDirAndOtherPlatforms) {
  InstallCommand cmd = MakeInstallCommand(bundle_path_);
  cmd.installers_dir = tmp_.Sub("usb/rd");  // created, with its missing parent
  const TestFile msi = MakeInstallerFile("1.19.3", RdPlatform::kWindows);
  std::string out;
  // A Windows MSI on a Linux target: another platform, not placed, said so.
  ASSERT_TRUE(InstallCapture(BundleWith(msi), cmd, out).ok());
  EXPECT_FALSE(std::filesystem::exists(*cmd.installers_dir));
  EXPECT_NE(out.find("Rancher Desktop 1.19.3 for windows: not placed (another platform; "
                     "--all-platforms places it)"),
            std::string::npos)
      << out;
  cmd.all_platforms = true;
  ASSERT_TRUE(InstallCapture(BundleWith(msi), cmd, out).ok());
  EXPECT_EQ(ReadFileOrDie(*cmd.installers_dir + "/Rancher.Desktop.Setup.1.19.3.msi"), msi.content);
  EXPECT_NE(out.find("  Windows: install WSL first"), std::string::npos) << out;
}

// On any rejection the destination is unchanged (briefing; format-spec v1 section 9): a bad
// installer, or a bad file after it, leaves no installers directory and no temporary file.
TEST_F(InstallRdInstallerTest, RejectionLeavesTheDestinationUnchanged) {
  const auto files = WithFile(MakeKitFiles({}), LinuxZip());
  for (const std::string& target : {std::string("installers/") + kZip,
                                   std::string("kuberlr/linux-amd64/kubectl1.30.4")}) {
    SCOPED_TRACE(target);
    auto parts = MakeBundleParts(files, testsupport::DefaultTestKey());
    bool flipped = false;
    for (auto& e : parts.entries) {
      if (e.path == target) {
        e.data[100] ^= 1;
        flipped = true;
      }
    }
    ASSERT_TRUE(flipped);
    const auto before = SnapshotTree(home_);
    Status s = Install(AssembleBundle(parts));
    EXPECT_EQ(s.code(), ErrorCode::kHashMismatch) << s.message();
    EXPECT_NE(s.message().find(target + ": sha256 mismatch"), std::string::npos) << s.message();
    EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
  }
}

TEST_F(InstallRdInstallerTest, SymlinkedInstallersDirIsRefused) {
#if defined(_WIN32)
  GTEST_SKIP() << "symbolic links need a privilege on Windows, and Wine's do nothing";
#endif
  const std::string elsewhere = tmp_.Sub("elsewhere");
  std::filesystem::create_directories(elsewhere);
  std::filesystem::create_directory_symlink(elsewhere, InstallersDir());
  const auto before = SnapshotTree(home_);
  Status s = Install(BundleWith(LinuxZip()));
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_EQ(s.message(), InstallersDir() +
                             ": the installers directory is a symbolic link; refusing to follow "
                             "it (name the directory it points to with --installers-dir)");
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
  EXPECT_TRUE(std::filesystem::is_empty(elsewhere));
  // Named directly, the directory it points to is fine.
  InstallCommand cmd = MakeInstallCommand(bundle_path_);
  cmd.installers_dir = elsewhere;
  ASSERT_TRUE(Install(BundleWith(LinuxZip()), cmd).ok());
  EXPECT_TRUE(std::filesystem::exists(elsewhere + "/" + kZip));
}

// A file of the same name: identical bytes stay; other bytes are not replaced without --force.
TEST_F(InstallRdInstallerTest, ExistingFileOfTheSameName) {
  const TestFile zip = LinuxZip();
  const std::string placed = InstallersDir() + "/" + kZip;
  WriteFileOrDie(placed, "the user's own download");
  const auto before = SnapshotTree(home_);
  Status s = Install(BundleWith(zip));
  EXPECT_EQ(s.code(), ErrorCode::kCheckFailed);
  EXPECT_NE(s.message().find(placed + ": exists with other bytes"), std::string::npos)
      << s.message();
  EXPECT_EQ(testsupport::DiffSnapshots(before, SnapshotTree(home_)), "");
  InstallCommand cmd = MakeInstallCommand(bundle_path_);
  cmd.force = true;
  ASSERT_TRUE(Install(BundleWith(zip), cmd).ok());
  EXPECT_EQ(ReadFileOrDie(placed), zip.content);
  // The same bytes, not from this tool's record: left as they are.
  std::filesystem::remove(CacheDir() + "/rdbundle-installed.json");
  std::string out;
  ASSERT_TRUE(InstallCapture(BundleWith(zip), MakeInstallCommand(bundle_path_), out).ok());
  EXPECT_NE(out.find(placed + " (already there)"), std::string::npos) << out;
}

TEST_F(InstallRdInstallerTest, NeverIntoTheCacheOrKuberlr) {
  InstallCommand cmd = MakeInstallCommand(bundle_path_);
  cmd.installers_dir = CacheDir() + "/installers";
  Status s = Install(BundleWith(LinuxZip()), cmd);
  EXPECT_EQ(s.code(), ErrorCode::kUsage);
  EXPECT_NE(s.message().find("must not be inside the Rancher Desktop cache"), std::string::npos)
      << s.message();
}

#if !defined(_WIN32)  // owners by uid: POSIX only
TEST_F(InstallRdInstallerTest, OwnedLikeEverythingElseInAnotherUsersHome) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  home_ = tmp_.Sub("alice");
  std::filesystem::create_directories(home_);
  ASSERT_EQ(::chown(home_.c_str(), 54321, 54322), 0);
  ASSERT_TRUE(Install(BundleWith(LinuxZip())).ok());
  for (const std::string& p : {InstallersDir(), InstallersDir() + "/" + kZip}) {
    struct stat st {};
    ASSERT_EQ(::lstat(p.c_str(), &st), 0) << p;
    EXPECT_EQ(st.st_uid, 54321u) << p;
    EXPECT_EQ(st.st_gid, 54322u) << p;
  }
}
#endif

// The next steps, from RD's packaging (rd_installer.h quotes the sources).
TEST(RdInstallerNextStepsTest, PerPlatform) {
  // build/wix/main.wxs: `<Custom Action="ErrorWSLNotInstalled" ...> NOT WSLINSTALLED AND NOT
  // Installed`: from RD 1.17.1 the MSI stops without WSL.
  auto win = RdInstallerNextSteps(RdPlatform::kWindows, {1, 19, 3},
                                  "/mnt/c/Users/me/rancher-desktop-installers/"
                                  "Rancher.Desktop.Setup.1.19.3.msi");
  ASSERT_EQ(win.size(), 2u);
  EXPECT_EQ(win[0], "Windows: install WSL first: this MSI (Rancher Desktop 1.17.1 and later) "
                    "stops without it, and runs `wsl --update`, which needs the network, when "
                    "WSL is outdated");
  EXPECT_EQ(win[1], "then run the MSI: msiexec /i \"C:\\Users\\me\\rancher-desktop-installers\\"
                    "Rancher.Desktop.Setup.1.19.3.msi\" (MSIINSTALLPERUSER=1 installs for this "
                    "user only, without administrator rights)");
  EXPECT_EQ(RdInstallerNextSteps(RdPlatform::kWindows, {1, 17, 0}, "x.msi").size(), 1u);
  // packaging/electron-builder.yml dmg.contents: the app and a link to /Applications.
  EXPECT_EQ(RdInstallerNextSteps(RdPlatform::kDarwinArm64, {1, 19, 3}, "/Users/me/My RD/a.dmg"),
            std::vector<std::string>{"macOS: open '/Users/me/My RD/a.dmg' (double-click it) and "
                                     "drag Rancher Desktop to Applications"});
  // packaging/linux/rancher-desktop.spec: /opt/rancher-desktop, chrome-sandbox 4755 root.
  auto linux = RdInstallerNextSteps(RdPlatform::kLinux, {1, 19, 3}, "/home/me/r.zip");
  ASSERT_EQ(linux.size(), 2u);
  EXPECT_EQ(linux[0], "Linux: sudo unzip -d /opt/rancher-desktop /home/me/r.zip (where Rancher "
                      "Desktop's packages install it)");
  EXPECT_NE(linux[1].find("sudo chmod 4755 /opt/rancher-desktop/chrome-sandbox"),
            std::string::npos);
}

TEST(RdInstallerNextStepsTest, PlatformForTarget) {
  EXPECT_EQ(RdPlatformFor(TargetOs::kWindows, Arch::kAmd64), RdPlatform::kWindows);
  EXPECT_EQ(RdPlatformFor(TargetOs::kDarwin, Arch::kArm64), RdPlatform::kDarwinArm64);
  EXPECT_EQ(RdPlatformFor(TargetOs::kDarwin, Arch::kAmd64), RdPlatform::kDarwinAmd64);
  EXPECT_EQ(RdPlatformFor(TargetOs::kLinux, Arch::kAmd64), RdPlatform::kLinux);
  EXPECT_EQ(RdPlatformFor(TargetOs::kLinux, Arch::kArm64), std::nullopt);  // RD publishes none
  EXPECT_EQ(WindowsPathFromWsl("/mnt/d/x/y.msi"), "D:\\x\\y.msi");
  EXPECT_EQ(WindowsPathFromWsl("/home/me/y.msi"), std::nullopt);
}

}  // namespace
}  // namespace rdbundle::unpacker
