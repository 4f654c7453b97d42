#include "packer/oci_auth.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace rdbundle::packer {
namespace {

TEST(WwwAuthenticate, BearerWithParameters) {
  auto c = ParseWwwAuthenticate(
      R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:rd/kit:pull")");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].scheme, "bearer");
  EXPECT_EQ((*c)[0].params.at("realm"), "https://auth.example.com/token");
  EXPECT_EQ((*c)[0].params.at("service"), "registry.example.com");
  EXPECT_EQ((*c)[0].params.at("scope"), "repository:rd/kit:pull");
}

TEST(WwwAuthenticate, SeveralChallengesTokensAndEscapes) {
  auto c = ParseWwwAuthenticate(R"(Basic realm="a \"b\"", charset=UTF-8, Newauth realm=x, , Bearer)");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  ASSERT_EQ(c->size(), 3u);
  EXPECT_EQ((*c)[0].scheme, "basic");
  EXPECT_EQ((*c)[0].params.at("realm"), "a \"b\"");
  EXPECT_EQ((*c)[0].params.at("charset"), "UTF-8");
  EXPECT_EQ((*c)[1].scheme, "newauth");
  EXPECT_EQ((*c)[1].params.at("realm"), "x");
  EXPECT_EQ((*c)[2].scheme, "bearer");
  EXPECT_TRUE((*c)[2].params.empty());
}

TEST(WwwAuthenticate, Rejects) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "WWW-Authenticate: empty"},
      {R"(Bearer realm="unterminated)", "WWW-Authenticate: unterminated or invalid quoted string"},
      {R"(Bearer realm="a",realm="b")", "WWW-Authenticate: parameter realm given twice"},
      {"Bearer realm=", "WWW-Authenticate: expected a value after realm="},
      {"=x", "WWW-Authenticate: expected an auth scheme"},
  };
  for (const auto& [text, message] : cases) {
    auto c = ParseWwwAuthenticate(text);
    ASSERT_FALSE(c.has_value()) << text;
    EXPECT_EQ(c.error().message(), message);
  }
}

TEST(TokenResponse, TokenOrAccessTokenAndExpiry) {
  auto t = ParseTokenResponse(R"({"access_token":"abc","expires_in":300,"issued_at":"x"})", "realm");
  ASSERT_TRUE(t.has_value()) << t.error().message();
  EXPECT_EQ(t->token, "abc");
  EXPECT_EQ(t->expires_in, 300);
  auto d = ParseTokenResponse(R"({"token":"t"})", "realm");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->expires_in, 60);  // distribution's token.md default
  for (const char* bad : {R"({"token":"a b"})", R"({"token":""})", R"({"token":"t","expires_in":0})", "[]"}) {
    EXPECT_FALSE(ParseTokenResponse(bad, "realm").has_value()) << bad;
  }
  EXPECT_EQ(ParseTokenResponse(R"({"token":"a\nb"})", "realm").error().message(),
            "realm: token: not printable ASCII without spaces");
}

TEST(DockerConfig, AuthsHelpersAndStore) {
  auto cfg = ParseDockerConfig(
      R"({"auths":{"127.0.0.1:5000":{"auth":"dTpwOnc="},"https://h.example.com/v1/":{"username":"x","password":"y"},)"
      R"("t.example.com":{"identitytoken":"tok"}},"credHelpers":{"e.example.com":"ecr-login"},"credsStore":"desktop"})",
      "config.json");
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message();
  EXPECT_EQ(cfg->auths.at("127.0.0.1:5000").username, "u");
  EXPECT_EQ(cfg->auths.at("127.0.0.1:5000").secret, "p:w");  // only the first ':' splits
  EXPECT_EQ(cfg->auths.at("https://h.example.com/v1/").secret, "y");
  EXPECT_EQ(cfg->auths.at("t.example.com").username, "<token>");
  EXPECT_EQ(cfg->cred_helpers.at("e.example.com"), "ecr-login");
  EXPECT_EQ(cfg->creds_store, "desktop");
  EXPECT_TRUE(RegistryKeyMatches("https://h.example.com/v1/", "h.example.com"));
  EXPECT_TRUE(RegistryKeyMatches("H.example.com", "h.example.com"));
  EXPECT_FALSE(RegistryKeyMatches("h.example.com:5000", "h.example.com"));
  EXPECT_FALSE(RegistryKeyMatches("evil.com/h.example.com", "h.example.com"));
  // A helper name becomes a program name: nothing that could be a path or an option.
  auto bad = ParseDockerConfig(R"({"credHelpers":{"x":"../../bin/sh"}})", "config.json");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "config.json: credHelpers.\"x\": not a helper name ([A-Za-z0-9_.-]+)");
  EXPECT_FALSE(ParseDockerConfig(R"({"auths":{"x":{"auth":"not base64!"}}})", "c").has_value());
  EXPECT_FALSE(ParseDockerConfig(R"({"auths":{"x":{"auth":"bm9jb2xvbg=="}}})", "c").has_value());  // "nocolon"
}

TEST(CredentialHelper, Output) {
  auto c = ParseCredentialHelperOutput(R"({"ServerURL":"h","Username":"u","Secret":"s"})", "helper");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->username, "u");
  EXPECT_EQ(c->secret, "s");
  EXPECT_EQ(ParseCredentialHelperOutput(R"({"Username":"u"})", "helper").error().message(), "helper: no Secret");
}

TEST(FindCredential, Order) {
  testsupport::ScopedTempDir tmp;
  std::map<std::string, std::string> env = {{"HOME", tmp.Sub("home")}};
  CredentialOptions o;
  o.getenv = [&env](const char* n) -> std::optional<std::string> {
    auto it = env.find(n);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  std::vector<std::string> helper_calls;
  o.run_helper = [&](const std::string& program, const std::string& input) -> Result<std::string> {
    helper_calls.push_back(program + " " + input);
    return std::string(R"({"Username":"hu","Secret":"hs"})");
  };
  auto none = FindCredential(o, "r.example.com");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  testsupport::WriteFileOrDie(tmp.Sub("home/.docker/config.json"),
                              R"({"auths":{"r.example.com":{"auth":"YTpi"}},"credHelpers":{"h.example.com":"test"}})");
  auto from_home = FindCredential(o, "r.example.com");
  ASSERT_TRUE(from_home.has_value() && from_home->has_value());
  EXPECT_EQ((*from_home)->username, "a");
  EXPECT_EQ((*from_home)->source, tmp.Sub("home/.docker/config.json"));
  auto helped = FindCredential(o, "h.example.com");
  ASSERT_TRUE(helped.has_value() && helped->has_value());
  EXPECT_EQ((*helped)->secret, "hs");
  EXPECT_EQ(helper_calls, std::vector<std::string>{"docker-credential-test h.example.com"});
  // REGISTRY_AUTH_FILE comes first; --username before everything.
  testsupport::WriteFileOrDie(tmp.Sub("auth.json"), R"({"auths":{"r.example.com":{"auth":"Yzpk"}}})");
  env["REGISTRY_AUTH_FILE"] = tmp.Sub("auth.json");
  EXPECT_EQ((*FindCredential(o, "r.example.com"))->username, "c");
  o.username = "flag";
  o.password = "pw";
  EXPECT_EQ((*FindCredential(o, "r.example.com"))->username, "flag");
  // A malformed config file is an error naming it, not silently anonymous.
  o.username.reset();
  testsupport::WriteFileOrDie(tmp.Sub("auth.json"), "{");
  auto bad = FindCredential(o, "r.example.com");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message().rfind(tmp.Sub("auth.json") + ": ", 0), 0u) << bad.error().message();
}

}  // namespace
}  // namespace rdbundle::packer
