// Registry authentication (format-spec/oci-artifact.md section 7), as docker, oras and
// skopeo do it:
//  - the parsers of what comes from outside (all pure, each with a fuzz target):
//    WWW-Authenticate challenges (RFC 7235 section 4.1), token responses (distribution's
//    docs/spec/auth/token.md), docker config files (docker/cli cli/config/configfile), and
//    credential-helper output (docker/docker-credential-helpers client.Get);
//  - where credentials come from, in order: --username with the password on stdin or in
//    RDBUNDLE_REGISTRY_PASSWORD; REGISTRY_AUTH_FILE; $DOCKER_CONFIG/config.json or
//    ~/.docker/config.json (auths, credHelpers, credsStore); else anonymous;
//  - RegistryAuth: answers a 401 with Basic, or with a Bearer token from the realm, cached until
//    its expires_in.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/os/fs.h"

namespace rdbundle::packer {

class HttpSession;
struct HttpResponse;
struct OciRef;

inline constexpr std::size_t kMaxChallengeBytes = 4096;
inline constexpr std::size_t kMaxTokenResponseBytes = 64u << 10;
inline constexpr std::size_t kMaxTokenBytes = 16u << 10;
// The username under which docker's config.json keeps an identity token (an OAuth2 refresh
// token): "<token>", as docker/cli writes it.
inline constexpr std::string_view kIdentityTokenUser = "<token>";
inline constexpr std::size_t kMaxDockerConfigBytes = 1u << 20;
inline constexpr std::size_t kMaxHelperOutputBytes = 64u << 10;
inline constexpr std::size_t kMaxSecretBytes = 4096;
// Token lifetime when the server gives none (token.md: "defaults to 60 seconds").
inline constexpr long kDefaultTokenSeconds = 60;

struct Challenge {
  std::string scheme;                         // lowercase: "basic", "bearer"
  std::map<std::string, std::string> params;  // names lowercase: realm, service, scope, error
};
// A WWW-Authenticate value: one or more challenges. kCorrupt "WWW-Authenticate: ..." when
// malformed, over kMaxChallengeBytes, or a parameter repeats.
Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view value);

struct TokenResponse {
  std::string token;        // "token", else "access_token": printable ASCII, no spaces
  long expires_in = kDefaultTokenSeconds;  // seconds, at least 1
};
Result<TokenResponse> ParseTokenResponse(std::string_view body, std::string_view what);

struct Credential {
  std::string username;
  std::string secret;  // password (or identity token: username "<token>")
  std::string source;  // where it came from, for messages: "~/.docker/config.json", ...
  bool operator==(const Credential&) const = default;
};

struct DockerConfig {
  std::map<std::string, Credential> auths;          // by registry key as written in the file
  std::map<std::string, std::string> cred_helpers;  // registry key -> helper name
  std::string creds_store;                          // helper name, or ""
};
// config.json (docker/cli, podman's auth.json has the same "auths"). "auths.<k>.auth" is
// base64 "user:password"; "username"/"password" are taken when there is no "auth";
// "identitytoken" is kept as the secret with username "<token>". Helper names are
// [A-Za-z0-9_.-]+ (they become a program name). Unknown fields are ignored.
Result<DockerConfig> ParseDockerConfig(std::string_view text, std::string_view what);

// `docker-credential-<name> get` output: {"ServerURL": ..., "Username": ..., "Secret": ...}.
Result<Credential> ParseCredentialHelperOutput(std::string_view text, std::string_view what);

// The registry keys of a config file that mean `registry` ("host[:port]"): the key as is, or
// with http(s):// and a path ("https://host:port/v1/"), compared without them.
bool RegistryKeyMatches(std::string_view key, std::string_view registry);

// Runs a credential helper: `docker-credential-<name> get` with the registry on stdin; its
// stdout (at most kMaxHelperOutputBytes) or an error. Replaceable for tests.
using HelperRunner = std::function<Result<std::string>(const std::string& program,
                                                       const std::string& input)>;

struct CredentialOptions {
  std::optional<std::string> username;  // --username
  std::optional<std::string> password;  // from stdin (--password-stdin) or the environment
  std::function<std::optional<std::string>(const char*)> getenv;  // default: the real one
  HelperRunner run_helper;                                         // default: a subprocess
  Fs* fs = nullptr;                                                // default: DefaultFs()
};

// The credential for `registry` by the order above, or nullopt (anonymous). Errors: a config
// file that exists but is malformed (kCorrupt), a helper that fails (kNetwork? no: kIo).
Result<std::optional<Credential>> FindCredential(const CredentialOptions& options,
                                                 const std::string& registry);

// The Authorization header for each request, and the answer to a 401.
class RegistryAuth {
 public:
  // `actions`: "pull" or "pull,push" for the repository of `ref`.
  RegistryAuth(HttpSession& session, const OciRef& ref, CredentialOptions options,
               std::string actions, bool plain_http);
  ~RegistryAuth();

  // "Authorization: ..." for the next request, or "" (anonymous).
  std::string Header();
  // After a 401 from `url`: reads its WWW-Authenticate, fetches a token (Bearer) or takes the
  // credential (Basic). OK means "try again"; an error (kNetwork, naming the registry) means
  // the request cannot succeed: no credentials, credentials refused, unknown scheme.
  Status Answer(const HttpResponse& r, const std::string& url);
  // A request with the current header succeeded: the next 401 is a new one (a token expired).
  void Accepted() { answers_ = 0; }

 private:
  Result<std::optional<Credential>> Credentials();
  Status FetchToken(const Challenge& c, const std::string& url);

  HttpSession& session_;
  std::string registry_, repository_;
  CredentialOptions options_;
  std::string actions_;
  bool plain_http_;
  bool looked_up_ = false;
  std::optional<Credential> credential_;
  std::string header_;
  std::chrono::steady_clock::time_point expires_{};
  bool bearer_ = false;
  int answers_ = 0;
};

}  // namespace rdbundle::packer
