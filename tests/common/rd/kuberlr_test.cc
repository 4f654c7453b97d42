// One test per name form kuberlr v0.7.0 counts (internal/finder/kubectl_finder.go
// findKubectlBinaries: Sscanf "kubectl%d.%d.%d", else "kubectl%d.%d").
#include "common/rd/kuberlr.h"

#include <gtest/gtest.h>

namespace rdbundle {
namespace {

std::optional<KubectlVersion> L(std::string_view name) {
  return KuberlrVersionOfName(name, TargetOs::kLinux);
}
constexpr KubectlVersion V(int a, int b, int c) { return {a, b, c}; }

TEST(KuberlrNamesTest, ExactForm) {
  EXPECT_EQ(L("kubectl1.30.4"), V(1, 30, 4));
  EXPECT_EQ(KuberlrVersionOfName("kubectl1.30.4.exe", TargetOs::kWindows), V(1, 30, 4));
}

TEST(KuberlrNamesTest, MinorOnlyFormIsPatchZero) {
  // inferSystemKubectlVersion, tried in kuberlr's own directory too.
  EXPECT_EQ(L("kubectl1.30"), V(1, 30, 0));
  EXPECT_EQ(KuberlrVersionOfName("kubectl1.30.exe", TargetOs::kWindows), V(1, 30, 0));
  EXPECT_EQ(L("kubectl1.30-custom"), V(1, 30, 0));
  EXPECT_EQ(L("kubectl1.30.x"), V(1, 30, 0));  // third %d fails: the two-number form wins
}

TEST(KuberlrNamesTest, AnythingAfterXYZIsIgnored) {
  // Sscanf stops after the last verb.
  EXPECT_EQ(L("kubectl1.30.4-rc.1"), V(1, 30, 4));
  EXPECT_EQ(L("kubectl1.30.4.bak"), V(1, 30, 4));
  EXPECT_EQ(L("kubectl1.30.4.exe"), V(1, 30, 4));  // ".exe" on Linux: still counted
  EXPECT_EQ(L("kubectl1.30.4 (copy)"), V(1, 30, 4));
}

TEST(KuberlrNamesTest, GoScanDetails) {
  EXPECT_EQ(L("kubectl01.030.04"), V(1, 30, 4));  // leading zeros are fine for %d
  EXPECT_EQ(L("kubectl 1. 30. 4"), V(1, 30, 4));  // %d skips spaces before the number
  EXPECT_EQ(L("kubectl\xc2\xa0" "1.30.4"), V(1, 30, 4));  // U+00A0 is a Go space
  EXPECT_FALSE(L("kubectl\n1.30.4"));                 // newline: "unexpected newline"
  EXPECT_FALSE(L("kubectl+1.30.4"));                  // no sign for a uint64
  // Overflow of the patch: the three-number scan fails, the two-number scan gives 1.30.0.
  EXPECT_EQ(L("kubectl1.30.99999999999999999999"), V(1, 30, 0));
}

TEST(KuberlrNamesTest, NotCounted) {
  for (const char* name : {"kubectl", "kubectlv1.30.4", "kubectl-1.30.4", "Kubectl1.30.4",
                           "kubectl1", "kubectl1.", "kuberlr.conf", "xkubectl1.30.4"}) {
    EXPECT_FALSE(L(name)) << name;
  }
}

TEST(KuberlrNamesTest, Range) {
  // ">=1.29.0 <1.32.0" for a 1.30 server; minor 0 keeps its lower bound at 0.
  EXPECT_TRUE(KuberlrAccepts(V(1, 29, 0), 1, 30));
  EXPECT_TRUE(KuberlrAccepts(V(1, 31, 99), 1, 30));
  EXPECT_FALSE(KuberlrAccepts(V(1, 32, 0), 1, 30));
  EXPECT_FALSE(KuberlrAccepts(V(1, 28, 9), 1, 30));
  EXPECT_FALSE(KuberlrAccepts(V(2, 30, 0), 1, 30));
  EXPECT_TRUE(KuberlrAccepts(V(1, 0, 0), 1, 0));
}

}  // namespace
}  // namespace rdbundle
