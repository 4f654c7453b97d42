#include "common/rd/skew.h"
#include "packer/cover.h"

#include <gtest/gtest.h>

namespace rdbundle::packer {
namespace {

std::vector<K3sVersion> K3s(std::initializer_list<const char*> list) {
  std::vector<K3sVersion> out;
  for (const char* s : list) out.push_back(*ParseK3sVersion(s));
  return out;
}

TEST(KubectlCover, CoveredPerPlatform) {
  // 1.30 serves 1.29..1.31 on linux; the darwin kubectl 1.30 covers darwin too.
  auto r = CheckKubectlCover(K3s({"v1.29.8+k3s1", "v1.30.4+k3s1", "v1.31.1+k3s1"}),
                             {{"1.30.4", TargetOs::kLinux, Arch::kAmd64},
                              {"1.30.4", TargetOs::kDarwin, Arch::kArm64}});
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(FormatCover(r).empty());
}

TEST(KubectlCover, GapOnOnePlatformOnly) {
  auto r = CheckKubectlCover(K3s({"v1.27.16+k3s1", "v1.28.13+k3s1", "v1.30.4+k3s1"}),
                             {{"1.30.4", TargetOs::kLinux, Arch::kAmd64},
                              {"1.28.13", TargetOs::kLinux, Arch::kAmd64},
                              {"1.30.4", TargetOs::kWindows, Arch::kAmd64}});
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.gaps.size(), 1u);  // linux is covered; windows lacks 1.27 and 1.28
  EXPECT_EQ(r.gaps[0].os, TargetOs::kWindows);
  EXPECT_EQ(FormatCover(r),
            std::vector<std::string>{
                "kubectl cover: windows/amd64 has no kubectl for k3s 1.27, 1.28 (kubectl works "
                "within one minor of the server; offline, kuberlr cannot download one); add "
                "--kubectl 1.28.13/windows/amd64"});
}

TEST(KubectlCover, NoKubectlAtAll) {
  auto r = CheckKubectlCover(K3s({"v1.29.8+k3s1", "v1.30.4+k3s1", "v1.32.0+k3s1"}), {});
  ASSERT_TRUE(r.no_kubectl);
  EXPECT_EQ(FormatCover(r),
            std::vector<std::string>{
                "kubectl cover: the bundle has no kubectl for k3s 1.29, 1.30, 1.32 (kubectl works "
                "within one minor of the server; offline, kuberlr cannot download one); add "
                "--kubectl 1.30.4/OS/ARCH --kubectl 1.32.0/OS/ARCH for each platform that runs "
                "kubectl"});
}

TEST(KubectlCover, KubectlOnlyBundleNeedsNothing) {
  EXPECT_TRUE(CheckKubectlCover({}, {{"1.30.4", TargetOs::kLinux, Arch::kAmd64}}).ok());
}

}  // namespace
}  // namespace rdbundle::packer
