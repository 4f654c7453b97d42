// Issue 13 item 2: no trust from the current directory. A relative XDG_CONFIG_HOME is ignored
// (as the XDG Base Directory spec says) and without a usable HOME there is no default trusted
// directory: verify and install say so and ask for -p.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "tests/unpacker/unpack_fixture.h"

namespace rdbundle::unpacker {
namespace {

GetEnvFn Env(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(TrustRootTest, DefaultTrustedDir) {
  EXPECT_EQ(DefaultTrustedDir(Env({{"HOME", "/home/a"}})), "/home/a/.config/rdbundle/trusted");
  EXPECT_EQ(DefaultTrustedDir(Env({{"HOME", "/home/a"}, {"XDG_CONFIG_HOME", "/cfg"}})),
            "/cfg/rdbundle/trusted");
  // Relative values are ignored: they would resolve against the current directory.
  EXPECT_EQ(DefaultTrustedDir(Env({{"HOME", "/home/a"}, {"XDG_CONFIG_HOME", ".config"}})),
            "/home/a/.config/rdbundle/trusted");
  EXPECT_EQ(DefaultTrustedDir(Env({{"XDG_CONFIG_HOME", "cfg"}})), std::nullopt);
  EXPECT_EQ(DefaultTrustedDir(Env({{"HOME", "."}})), std::nullopt);
  EXPECT_EQ(DefaultTrustedDir(Env({})), std::nullopt);
}

// Restores an environment variable when it goes out of scope.
class ScopedUnsetEnv {
 public:
  explicit ScopedUnsetEnv(const char* name) : name_(name) {
    if (const char* v = std::getenv(name)) old_ = v;
#if defined(_WIN32)
    ::_putenv_s(name, "");  // an empty value removes it
#else
    ::unsetenv(name);
#endif
  }
  ~ScopedUnsetEnv() {
    if (!old_) return;
#if defined(_WIN32)
    ::_putenv_s(name_, old_->c_str());
#else
    ::setenv(name_, old_->c_str(), 1);
#endif
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class TrustRootCommandTest : public UnpackFixture {};

TEST_F(TrustRootCommandTest, WithoutHomeVerifySaysSoAndAsksForAKey) {
  // A key in ./.config/rdbundle/trusted next to the bundle (the USB stick attack).
  const std::string stick = tmp_.Sub("stick");
  testsupport::WriteFileOrDie(stick + "/.config/rdbundle/trusted/evil.pub",
                              testsupport::DefaultTestKey().pub_file);
  testsupport::WriteFileOrDie(bundle_path_, testsupport::MakeValidBundle());
  const std::filesystem::path old_cwd = std::filesystem::current_path();
  std::filesystem::current_path(stick);
  Status s;
  {
    ScopedUnsetEnv home("HOME");
    ScopedUnsetEnv xdg("XDG_CONFIG_HOME");
    ReadOptions r;
    r.bundle = bundle_path_;
    r.progress = false;
    s = RunVerify(DefaultFs(), r, devnull_);
  }
  std::filesystem::current_path(old_cwd);
  EXPECT_EQ(s.code(), ErrorCode::kUntrustedKey);
  EXPECT_EQ(s.message(),
            "no trusted public keys: HOME is not set or not an absolute path, so there is no "
            "default trusted-key directory (keys are never taken from the current directory); "
            "pass -p KEY.pub or --trusted-dir DIR");
}

}  // namespace
}  // namespace rdbundle::unpacker
