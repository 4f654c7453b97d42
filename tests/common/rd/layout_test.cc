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

}  // namespace
}  // namespace rdbundle
