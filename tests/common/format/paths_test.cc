#include "common/format/paths.h"

#include <gtest/gtest.h>

#include <map>

namespace rdbundle {
namespace {

TEST(LayoutTest, NamesFromTheOfflineDoc) {
  EXPECT_EQ(K3sBinaryName(Arch::kAmd64), "k3s");
  EXPECT_EQ(K3sBinaryName(Arch::kArm64), "k3s-arm64");
  EXPECT_EQ(K3sSumsName(Arch::kArm64), "sha256sum-arm64.txt");
  EXPECT_EQ(K3sImagesNames(Arch::kAmd64)[0], "k3s-airgap-images-amd64.tar.zst");  // preferred
  EXPECT_EQ(K3sImagesNames(Arch::kAmd64)[1], "k3s-airgap-images-amd64.tar");
  EXPECT_EQ(KuberlrPlatformDir(TargetOs::kDarwin, Arch::kArm64), "darwin-arm64");
  EXPECT_EQ(KubectlFileName("1.30.4", TargetOs::kWindows), "kubectl1.30.4.exe");
  EXPECT_EQ(KubectlFileName("1.30.4", TargetOs::kLinux), "kubectl1.30.4");
}

TEST(LayoutTest, ParseOsAndArchWithHints) {
  EXPECT_EQ(ParseArch("aarch64").error().message(),
            "unknown arch \"aarch64\" (use \"arm64\", Go's name)");
  EXPECT_EQ(ParseArch("x86_64").error().message(),
            "unknown arch \"x86_64\" (use \"amd64\", Go's name)");
  EXPECT_EQ(ParseOs("macos").error().message(), "unknown OS \"macos\" (macOS is \"darwin\")");
  EXPECT_EQ(ParseOs("windows").value(), TargetOs::kWindows);
}

TEST(LayoutTest, PathSyntax) {
  const std::map<std::string, std::string> bad = {
      {"", "path \"\": empty"},
      {"/etc/passwd", "path \"/etc/passwd\": absolute"},
      {"cache//k3s", "path \"cache//k3s\": empty component"},
      {"cache/k3s/", "path \"cache/k3s/\": empty component"},
      {"cache/./k3s", "path \"cache/./k3s\": contains \".\" or \"..\""},
      {"cache/../x", "path \"cache/../x\": contains \".\" or \"..\""},
      {"cache\\k3s", "path \"cache\\k3s\": character outside [A-Za-z0-9._+-]"},
      {std::string("cache/k\0s", 9), std::string("path \"cache/k\0s\": character outside [A-Za-z0-9._+-]", 51)},
      {"cache/k3s/v1.30.4+k3s1/k3s\xc3\xa9", "path \"cache/k3s/v1.30.4+k3s1/k3s\xc3\xa9\": character outside [A-Za-z0-9._+-]"},
  };
  for (const auto& [path, message] : bad) {
    Status s = ValidatePathSyntax(path);
    EXPECT_EQ(s.code(), ErrorCode::kCorrupt) << path;
    EXPECT_EQ(s.message(), message);
  }
  EXPECT_EQ(ValidatePathSyntax(std::string(256, 'a')).code(), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(ValidatePathSyntax(std::string(255, 'a')).ok());
}

// Names Windows treats specially (issue 17): device names in any directory and with any
// extension, trailing dots and spaces (stripped by Win32, so two names would be one), ':'
// (an NTFS alternate data stream), '\\' (a separator there). None is a payload path: the
// grammar or the fixed names of each destination exclude every one (case-insensitive
// collisions: ManifestTest.RejectsPathsThatDifferOnlyInCase).
TEST(LayoutTest, WindowsSpecialNamesRejected) {
  const char* const bad[] = {
      "cache/k3s/v1.30.4+k3s1/CON",
      "cache/k3s/v1.30.4+k3s1/nul",
      "cache/k3s/v1.30.4+k3s1/NUL.txt",
      "cache/k3s/v1.30.4+k3s1/COM1",
      "cache/k3s/v1.30.4+k3s1/lpt9.tar",
      "cache/k3s/CON/k3s",
      "cache/k3s/AUX/k3s",
      "kuberlr/windows-amd64/CON",
      "kuberlr/windows-amd64/PRN.exe",
      "kuberlr/CON/kubectl1.30.4.exe",
      "installers/NUL",
      "installers/COM1.msi",
      "cache/k3s/v1.30.4+k3s1/k3s.",
      "cache/k3s/v1.30.4+k3s1./k3s",
      "kuberlr/windows-amd64/kubectl1.30.4.exe.",
      "kuberlr/windows-amd64/kubectl1.30.4.exe ",
      "installers/Rancher.Desktop.Setup.1.16.0.msi.",
      "cache/k3s/v1.30.4+k3s1/k3s:Zone.Identifier",
      "cache/k3s/v1.30.4+k3s1/k3s::$DATA",
      "kuberlr/windows-amd64/kubectl1.30.4.exe:stream",
      "cache\\k3s\\v1.30.4+k3s1\\k3s",
      "C:/cache/k3s/v1.30.4+k3s1/k3s",
      "CACHE/k3s/v1.30.4+k3s1/k3s",
      "cache/K3S/v1.30.4+k3s1/k3s",
  };
  for (const char* path : bad) {
    auto p = ClassifyPayloadPath(path);
    ASSERT_FALSE(p.has_value()) << path;
    EXPECT_EQ(p.error().code(), ErrorCode::kCorrupt) << path;
    // One line that names the path.
    EXPECT_EQ(p.error().message().find('\n'), std::string::npos) << p.error().message();
    EXPECT_EQ(p.error().message().rfind("path \"" + std::string(path) + "\": ", 0), 0u)
        << p.error().message();
  }
  // The same directories and files under their real names are fine.
  EXPECT_TRUE(ClassifyPayloadPath("cache/k3s/v1.30.4+k3s1/k3s").has_value());
  EXPECT_TRUE(ClassifyPayloadPath("kuberlr/windows-amd64/kubectl1.30.4.exe").has_value());
}

TEST(LayoutTest, ClassifySchema) {
  auto p = ClassifyPayloadPath("cache/k3s/v1.30.4+k3s1/k3s-arm64");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->role, FileRole::kK3sBinary);
  EXPECT_EQ(p->arch, Arch::kArm64);
  EXPECT_EQ(p->dest, Destination::kCache);
  EXPECT_EQ(p->relative, "k3s/v1.30.4+k3s1/k3s-arm64");
  p = ClassifyPayloadPath("kuberlr/windows-amd64/kubectl1.29.8.exe");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->role, FileRole::kKubectl);
  EXPECT_EQ(p->os, TargetOs::kWindows);
  EXPECT_EQ(p->kubectl_version, "1.29.8");
  EXPECT_EQ(p->relative, "windows-amd64/kubectl1.29.8.exe");
  EXPECT_EQ(ClassifyPayloadPath("cache/k3s-versions.json")->role, FileRole::kK3sVersions);

  const std::map<std::string, std::string> bad = {
      {"cache/k3s/v1.30.4+k3s1/k3s-airgap-images-amd64.tar.gz",
       "not a file Rancher Desktop uses in a k3s version directory"},
      {"cache/k3s/1.30.4/k3s", "not a k3s version directory"},
      {"kuberlr/darwin-aarch64/kubectl1.30.4", "unknown arch \"aarch64\" (use \"arm64\", Go's name)"},
      {"kuberlr/windows-amd64/kubectl1.30.4", "windows kubectl must end in .exe"},
      {"kuberlr/linux-amd64/kubectl1.30.4.exe", "kuberlr file is not kubectl<X.Y.Z>"},
      {"kuberlr/linux-amd64/kubectlv1.30.4", "kuberlr file is not kubectl<X.Y.Z>"},
      {"kuberlr/linux-amd64/kuberlr.conf", "kuberlr file is not kubectl<X.Y.Z>"},
      {"cache/rdbundle-installed.json",
       "not under cache/k3s/<version>/, cache/k3s-versions.json, kuberlr/ or installers/"},
      {"home/.bashrc", "not under cache/k3s/<version>/, cache/k3s-versions.json, kuberlr/ or installers/"},
  };
  for (const auto& [path, reason] : bad) {
    auto r = ClassifyPayloadPath(path);
    ASSERT_FALSE(r.has_value()) << path;
    EXPECT_NE(r.error().message().find(reason), std::string::npos) << r.error().message();
  }
}

TEST(LayoutTest, BundlePathsRoundTrip) {
  EXPECT_EQ(K3sBundlePath("v1.30.4+k3s1", "k3s"), "cache/k3s/v1.30.4+k3s1/k3s");
  EXPECT_EQ(KubectlBundlePath(TargetOs::kDarwin, Arch::kArm64, "1.30.4"),
            "kuberlr/darwin-arm64/kubectl1.30.4");
  EXPECT_EQ(ModeForRole(FileRole::kKubectl), 0755u);
  EXPECT_EQ(ModeForRole(FileRole::kK3sImages), 0644u);
}

}  // namespace
}  // namespace rdbundle
