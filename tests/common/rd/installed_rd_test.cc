// Issue 14 item 8: which Rancher Desktop is installed, and its version, where RD installs it.
// Windows (per user and per machine) and Linux rpm or unzipped installs have no version file
// of their own; RD's own installer build reads the version from the app:
// scripts/lib/installer-win32.tsx
//   function getPackageJson(appDir) {
//     const packageBytes = extractFile(path.join(appDir, 'resources', 'app.asar'), 'package.json');
//   function getAppVersion(appDir) { const packageVersion = getPackageJson(appDir).version;
//     const [, semver, offset] = /^v?(\d+\.\d+\.\d+)(?:-(\d+))?/.exec(packageVersion) ?? [];
// and scripts/package.ts sets it: `_.set(config, 'extraMetadata.version', version)`.
#include "common/rd/installed_rd.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/temp_dir.h"

namespace rdbundle {
namespace {

using testsupport::WriteFileOrDie;

std::string Le32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// An asar archive as electron/asar writes it (Chromium pickles; see installed_rd.h): a
// node_modules file first, so package.json's bytes are not the first ones.
std::string Asar(const std::string& package_json, const std::string& extra_header = "") {
  const std::string other = "module.exports = 1;\n";
  const std::string json = R"({"files":{"node_modules":{"files":{"a.js":{"size":)" +
                           std::to_string(other.size()) + R"(,"offset":"0"}}},"package.json":{"size":)" +
                           std::to_string(package_json.size()) + R"(,"offset":")" +
                           std::to_string(other.size()) + "\"" + extra_header + "}}}";
  std::string padded = json;
  while (padded.size() % 4 != 0) padded += '\0';
  const std::uint32_t payload = 4 + static_cast<std::uint32_t>(padded.size());
  const std::uint32_t header = 4 + payload;
  return Le32(4) + Le32(header) + Le32(payload) + Le32(static_cast<std::uint32_t>(json.size())) +
         padded + other + package_json;
}

class InstalledRdTest : public ::testing::Test {
 protected:
  std::optional<RdVersion> Read(const std::string& bytes) {
    const std::string path = tmp_.Sub("app.asar");
    WriteFileOrDie(path, bytes);
    return ReadAsarPackageVersion(DefaultFs(), path);
  }
  testsupport::ScopedTempDir tmp_;
};

TEST_F(InstalledRdTest, AsarPackageVersionAsGetAppVersionReadsIt) {
  EXPECT_EQ(Read(Asar(R"({"name":"rancher-desktop","version":"1.19.3"})")), (RdVersion{1, 19, 3}));
  EXPECT_EQ(Read(Asar(R"({"version":"v1.18.2"})")), (RdVersion{1, 18, 2}));  // `^v?`
  EXPECT_EQ(Read(Asar(R"({"version":"1.20.0-12-gabcdef"})")), (RdVersion{1, 20, 0}));
}

TEST_F(InstalledRdTest, AnythingElseIsUnknown) {
  EXPECT_EQ(Read(""), std::nullopt);
  EXPECT_EQ(Read("not an asar archive at all"), std::nullopt);
  EXPECT_EQ(Read(Asar(R"({"name":"x"})")), std::nullopt);
  EXPECT_EQ(Read(Asar(R"({"version":19})")), std::nullopt);
  EXPECT_EQ(Read(Asar("{\"version\":\"1.19.3\"}", R"(,"unpacked":true)")), std::nullopt);
  const std::string whole = Asar(R"({"version":"1.19.3"})");
  EXPECT_EQ(Read(whole.substr(0, whole.size() - 3)), std::nullopt);  // cut short
  std::string huge = whole;
  huge.replace(12, 4, Le32(0x7fffffff));  // JSON length beyond the header
  EXPECT_EQ(Read(huge), std::nullopt);
}

// Windows, from WSL on a mounted home /mnt/c/Users/<u>: the MSI installs per user into
// %LOCALAPPDATA%\Programs\Rancher Desktop, per machine into %ProgramFiles%\Rancher Desktop
// (MSIINSTALLPERUSER; pkg/rancher-desktop/main/update/MSIUpdater.ts).
TEST_F(InstalledRdTest, WindowsPerUserAndPerMachineFromAMountedHome) {
  Destinations d;
  d.os = TargetOs::kWindows;
  d.arch = Arch::kAmd64;
  d.home = tmp_.Sub("mnt/c/Users/me");
  std::filesystem::create_directories(d.home);
  auto none = [](const char*) { return std::optional<std::string>(); };
  EXPECT_FALSE(DetectInstalledRd(DefaultFs(), d, none).has_value());
  const std::string machine = tmp_.Sub("mnt/c/Program Files/Rancher Desktop/resources/app.asar");
  WriteFileOrDie(machine, Asar(R"({"version":"1.18.2"})"));
  auto rd = DetectInstalledRd(DefaultFs(), d, none);
  ASSERT_TRUE(rd.has_value());
  EXPECT_EQ(rd->how, "per-machine install");
  EXPECT_EQ(rd->where, machine);
  EXPECT_EQ(rd->version, (RdVersion{1, 18, 2}));
  // Per user wins (it is what the user's own RD runs), read the same way.
  const std::string user = d.home + "/AppData/Local/Programs/Rancher Desktop/resources/app.asar";
  WriteFileOrDie(user, Asar(R"({"version":"1.19.3"})"));
  rd = DetectInstalledRd(DefaultFs(), d, none);
  ASSERT_TRUE(rd.has_value());
  EXPECT_EQ(rd->how, "per-user install");
  EXPECT_EQ(rd->version, (RdVersion{1, 19, 3}));
  // Present without a readable app: found, version unknown.
  WriteFileOrDie(user, "garbage");
  rd = DetectInstalledRd(DefaultFs(), d, none);
  ASSERT_TRUE(rd.has_value());
  EXPECT_EQ(rd->where, d.home + "/AppData/Local/Programs/Rancher Desktop");
  EXPECT_EQ(rd->version, std::nullopt);
}

// Linux: packaging/linux/rancher-desktop.spec installs into /opt/%{name} (`cp -ra ./*
// "%{buildroot}/opt/%{name}"`); an rpm's database is not read, the app is.
TEST_F(InstalledRdTest, LinuxRpmOrUnzippedInOpt) {
  Destinations d;
  d.os = TargetOs::kLinux;
  d.arch = Arch::kAmd64;
  d.home = tmp_.Sub("home");
  d.is_host = true;
  auto none = [](const char*) { return std::optional<std::string>(); };
  const std::string root = tmp_.Sub("root");
  std::filesystem::create_directories(root);
  EXPECT_FALSE(DetectInstalledRd(DefaultFs(), d, none, root).has_value());
  WriteFileOrDie(root + "/opt/rancher-desktop/resources/app.asar",
                 Asar(R"({"version":"1.19.1"})"));
  auto rd = DetectInstalledRd(DefaultFs(), d, none, root);
  ASSERT_TRUE(rd.has_value());
  EXPECT_EQ(rd->version, (RdVersion{1, 19, 1}));
  EXPECT_EQ(rd->how, "package (rpm or deb) or unzipped release");
  // A deb says its version in dpkg's status file, which comes first.
  WriteFileOrDie(root + "/var/lib/dpkg/status",
                 "Package: rancher-desktop\nStatus: install ok installed\nVersion: 1.19.3-1\n");
  rd = DetectInstalledRd(DefaultFs(), d, none, root);
  ASSERT_TRUE(rd.has_value());
  EXPECT_EQ(rd->how, "deb package");
  EXPECT_EQ(rd->version, (RdVersion{1, 19, 3}));
}

}  // namespace
}  // namespace rdbundle
