#include "common/rd/layout.h"

#include <gtest/gtest.h>

#include <map>

namespace rdbundle {
namespace {

GetEnvFn Env(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(LayoutTest, DestinationsPerTargetOs) {
  DestinationOptions o;
  o.home = "/mnt/c/Users/me";
  o.os = TargetOs::kWindows;
  auto d = ResolveDestinations(o, Env({}));
  EXPECT_EQ(d->cache_dir, "/mnt/c/Users/me/AppData/Local/rancher-desktop/cache");
  EXPECT_EQ(d->kuberlr_dir, "/mnt/c/Users/me/.kuberlr");
  o.os = TargetOs::kDarwin;
  EXPECT_EQ(ResolveDestinations(o, Env({}))->cache_dir,
            "/mnt/c/Users/me/Library/Caches/rancher-desktop");
  o.os = TargetOs::kLinux;
  // XDG_CACHE_HOME is this user's setting: not applied to another home.
  EXPECT_EQ(ResolveDestinations(o, Env({{"XDG_CACHE_HOME", "/x"}}))->cache_dir,
            "/mnt/c/Users/me/.cache/rancher-desktop");
}

TEST(LayoutTest, HostDefaultsAndOverrides) {
  DestinationOptions o;
  o.os = TargetOs::kLinux;
  auto d = ResolveDestinations(o, Env({{"HOME", "/home/u"}, {"XDG_CACHE_HOME", "/home/u/.xdg"}}));
  if (HostOs() == TargetOs::kLinux) {
    EXPECT_EQ(d->cache_dir, "/home/u/.xdg/rancher-desktop");
  }
  EXPECT_EQ(d->kuberlr_dir, "/home/u/.kuberlr");
  o.cache_dir = "/c";
  o.kuberlr_dir = "/k";
  d = ResolveDestinations(o, Env({}));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->cache_dir, "/c");
  EXPECT_EQ(d->kuberlr_dir, "/k");
  EXPECT_EQ(ResolveDestinations(DestinationOptions{}, Env({})).error().code(), ErrorCode::kUsage);
}

Arch OtherArch() { return HostArch() == Arch::kAmd64 ? Arch::kArm64 : Arch::kAmd64; }

// "This machine" is decided once, in ResolveDestinations: $XDG_CACHE_HOME applies exactly when
// is_host holds (it used to apply to another arch, while doctor and install, reading the raw
// options, called that another machine; and not to --home naming $HOME).
TEST(LayoutTest, ThisHostIsOneDecision) {
  const auto env = Env({{"HOME", "/home/u"}, {"XDG_CACHE_HOME", "/home/u/.xdg"}});
  const std::string xdg = "/home/u/.xdg/rancher-desktop";
  DestinationOptions o;
  auto d = ResolveDestinations(o, env);
  EXPECT_TRUE(d->is_host);
  if (HostOs() == TargetOs::kLinux) {
    EXPECT_EQ(d->cache_dir, xdg);
  }

  o.home = "/home/u/";  // the user's own home, named
  d = ResolveDestinations(o, env);
  EXPECT_TRUE(d->is_host);
  if (HostOs() == TargetOs::kLinux) {
    EXPECT_EQ(d->cache_dir, xdg);
  }
  o.cache_dir = d->cache_dir;  // the directories this machine uses, named
  o.kuberlr_dir = "/home/u/.kuberlr";
  EXPECT_TRUE(ResolveDestinations(o, env)->is_host);

  o = {};
  o.os = TargetOs::kLinux;
  o.arch = OtherArch();  // another machine's RD: this user's XDG_CACHE_HOME is not its
  d = ResolveDestinations(o, env);
  EXPECT_FALSE(d->is_host);
  EXPECT_EQ(d->cache_dir, "/home/u/.cache/rancher-desktop");

  o = {};
  o.home = "/home/other";
  EXPECT_FALSE(ResolveDestinations(o, env)->is_host);
  o = {};
  o.cache_dir = "/elsewhere/cache";
  EXPECT_FALSE(ResolveDestinations(o, env)->is_host);
  o = {};
  o.kuberlr_dir = "/elsewhere/.kuberlr";
  EXPECT_FALSE(ResolveDestinations(o, env)->is_host);
  o = {};
  o.os = HostOs() == TargetOs::kWindows ? TargetOs::kLinux : TargetOs::kWindows;
  EXPECT_FALSE(ResolveDestinations(o, env)->is_host);
}

}  // namespace
}  // namespace rdbundle
