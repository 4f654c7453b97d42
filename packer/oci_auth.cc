#include "packer/oci_auth.h"

#include <sodium.h>

#include <cctype>
#include <cstring>
#include <memory>

#include "common/base/quote.h"
#include "common/base/strings.h"
#include "common/os/process.h"
#include "common/rd/layout.h"
#include "packer/http.h"
#include "packer/oci_ref.h"

namespace rdbundle::packer {
namespace {

std::string Base64(std::string_view s) {
  std::string out(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()),
                    s.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// Percent-encoding of a query value (RFC 3986 unreserved kept).
std::string QueryEscape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

Result<std::string> RunHelperProcess(const std::string& program, const std::string& input) {
  RDB_ASSIGN_OR_RETURN(ProgramOutput r, RunProgram({program, "get"}, input, kMaxHelperOutputBytes));
  if (r.exit_code != 0) {
    return Status::Io(program + " get: exit " + std::to_string(r.exit_code) +
                      (r.err.empty() ? "" : ": " + QuoteForMessage(r.err)));
  }
  return r.out;
}

// A config file's credential for `registry`, through its helpers or its auths.
Result<std::optional<Credential>> FromConfig(const CredentialOptions& o, const DockerConfig& cfg,
                                             const std::string& registry, const std::string& path) {
  std::string helper = cfg.creds_store;
  for (const auto& [key, name] : cfg.cred_helpers) {
    if (RegistryKeyMatches(key, registry)) helper = name;
  }
  if (!helper.empty()) {
    const std::string program = "docker-credential-" + helper;
    auto out = o.run_helper ? o.run_helper(program, registry) : RunHelperProcess(program, registry);
    if (!out.has_value()) {
      // docker-credential-helpers: "credentials not found in native keychain" means none.
      if (out.error().message().find("credentials not found") == std::string::npos) {
        return out.error().WithContext(path);
      }
    } else {
      RDB_ASSIGN_OR_RETURN(Credential c, ParseCredentialHelperOutput(*out, program + " get"));
      return std::optional<Credential>(std::move(c));
    }
  }
  for (const auto& [key, c] : cfg.auths) {
    if (RegistryKeyMatches(key, registry) && !c.secret.empty()) return std::optional<Credential>(c);
  }
  return std::optional<Credential>();
}

}  // namespace

Result<std::optional<Credential>> FindCredential(const CredentialOptions& o,
                                                 const std::string& registry) {
  const auto getenv = o.getenv ? o.getenv : GetEnvReal;
  if (o.username) {
    if (!o.password || o.password->empty()) {
      return Status::Usage("--username needs a password: --password-stdin or RDBUNDLE_REGISTRY_PASSWORD");
    }
    return std::optional<Credential>(Credential{*o.username, *o.password, "--username"});
  }
  std::vector<std::string> files;
  if (auto f = getenv("REGISTRY_AUTH_FILE"); f && !f->empty()) files.push_back(*f);
  if (auto d = getenv("DOCKER_CONFIG"); d && !d->empty()) {
    files.push_back(JoinPath(*d, "config.json"));
  } else if (auto h = getenv("HOME"); h && !h->empty()) {
    files.push_back(JoinPath(*h, ".docker/config.json"));
  }
  Fs& fs = o.fs != nullptr ? *o.fs : DefaultFs();
  for (const std::string& path : files) {
    auto text = ReadFileToString(fs, path, kMaxDockerConfigBytes);
    if (!text.has_value()) {
      if (text.error().code() == ErrorCode::kNotFound) continue;
      return text.error();
    }
    RDB_ASSIGN_OR_RETURN(DockerConfig cfg, ParseDockerConfig(*text, path));
    RDB_ASSIGN_OR_RETURN(auto c, FromConfig(o, cfg, registry, path));
    if (c) return c;
  }
  return std::optional<Credential>();
}

RegistryAuth::RegistryAuth(HttpSession& session, const OciRef& ref, CredentialOptions options,
                           std::string actions, bool plain_http)
    : session_(session),
      registry_(ref.Registry()),
      repository_(ref.repository),
      options_(std::move(options)),
      actions_(std::move(actions)),
      plain_http_(plain_http) {}

RegistryAuth::~RegistryAuth() = default;

std::string RegistryAuth::Header() {
  if (bearer_ && std::chrono::steady_clock::now() >= expires_) return "";  // expired: 401 renews
  return header_;
}

Result<std::optional<Credential>> RegistryAuth::Credentials() {
  if (!looked_up_) {
    RDB_ASSIGN_OR_RETURN(credential_, FindCredential(options_, registry_));
    looked_up_ = true;
  }
  return credential_;
}

Status RegistryAuth::Answer(const HttpResponse& r, const std::string& url) {
  // A 401 right after a fresh answer means the answer was refused: stop.
  if (++answers_ > 3) return Status::Network(url + ": HTTP 401 Unauthorized: the credentials were refused");
  const std::string value = r.Header("www-authenticate");
  if (value.empty()) return Status::Network(url + ": HTTP 401 Unauthorized without a WWW-Authenticate challenge");
  RDB_ASSIGN_OR_RETURN(std::vector<Challenge> challenges, ParseWwwAuthenticate(value));
  for (const Challenge& c : challenges) {
    if (c.scheme == "bearer") return FetchToken(c, url);
  }
  for (const Challenge& c : challenges) {
    if (c.scheme != "basic") continue;
    RDB_ASSIGN_OR_RETURN(auto cred, Credentials());
    if (!cred) {
      return Status::Network(url + ": HTTP 401 Unauthorized: " + registry_ +
                             " needs credentials (docker login, REGISTRY_AUTH_FILE, or --username "
                             "with --password-stdin)");
    }
    if (!header_.empty() && !bearer_) {
      return Status::Network(url + ": HTTP 401 Unauthorized: " + registry_ + " refused the credentials of " +
                             cred->source);
    }
    header_ = "Authorization: Basic " + Base64(cred->username + ":" + cred->secret);
    bearer_ = false;
    return Status::Ok();
  }
  return Status::Network(url + ": HTTP 401 Unauthorized: no supported authentication scheme in " +
                         QuoteForMessage(value.substr(0, 200)));
}

Status RegistryAuth::FetchToken(const Challenge& c, const std::string& url) {
  auto realm = c.params.find("realm");
  if (realm == c.params.end() ||
      !(realm->second.starts_with("https://") || realm->second.starts_with("http://"))) {
    return Status::Network(url + ": HTTP 401: a Bearer challenge without an http(s) realm");
  }
  RDB_RETURN_IF_ERROR(CheckBaseUrl("realm", realm->second));
  // The token's service (the challenge's, if any) and scopes: ours, then the challenge's if it
  // asks for another.
  const auto service = c.params.find("service");
  std::vector<std::string> scopes{"repository:" + repository_ + ":" + actions_};
  if (auto s = c.params.find("scope"); s != c.params.end() && s->second != scopes[0]) {
    scopes.push_back(s->second);
  }
  std::string token_url = realm->second + "?";
  if (service != c.params.end()) token_url += "service=" + QueryEscape(service->second) + "&";
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    token_url += (i == 0 ? "scope=" : "&scope=") + QueryEscape(scopes[i]);
  }
  HttpRequest req{token_url, false, 0, false};
  RDB_ASSIGN_OR_RETURN(auto cred, Credentials());
  std::optional<std::string> form;  // an OAuth2 form to POST instead of a GET
  if (cred) {
    // Credentials go to the realm only over TLS, or to a loopback realm (tests, local proxies).
    const bool loopback = token_url.starts_with("http://127.") || token_url.starts_with("http://localhost") ||
                          token_url.starts_with("http://[::1]");
    if (!token_url.starts_with("https://") && !loopback && !plain_http_) {
      return Status::Network(url + ": the token realm " + QuoteForMessage(realm->second) +
                             " is not https: credentials are not sent there (--plain-http allows it)");
    }
    if (cred->username == kIdentityTokenUser) {
      // An identity token (docker login against an OAuth2 registry: Harbor, ACR, GitLab) is a
      // refresh token: it is POSTed to the realm as an OAuth2 form and never sent as Basic
      // (distribution's token spec, "OAuth2 Token Authentication"; docker/distribution
      // registry/client/auth/session.go fetchTokenWithOAuth).
      // In the form the scopes are one space-separated value (RFC 6749 section 3.3).
      std::string body = "grant_type=refresh_token&refresh_token=" + QueryEscape(cred->secret) +
                         "&client_id=rdbundle";
      if (service != c.params.end()) body += "&service=" + QueryEscape(service->second);
      body += "&scope=" + QueryEscape(Join(scopes, " "));
      req.url = realm->second;
      req.method = "POST";
      req.headers.push_back("Content-Type: application/x-www-form-urlencoded");
      form = std::move(body);
    } else {
      req.headers.push_back("Authorization: Basic " + Base64(cred->username + ":" + cred->secret));
    }
  }
  struct Sink final : BodySink {
    std::string body;
    Status Begin(const HttpResponse&) override { return Status::Ok(); }
    Status Write(const char* d, std::size_t n) override {
      if (body.size() + n > kMaxTokenResponseBytes) return Status::Limit("token response: too large");
      body.append(d, n);
      return Status::Ok();
    }
  } sink;
  HttpResponse r;
  for (int attempt = 1;; ++attempt) {
    sink.body.clear();
    // A body is read once: each attempt gets a fresh copy of the form.
    std::unique_ptr<StringSource> upload;
    if (form) {
      upload = std::make_unique<StringSource>(*form);
      req.upload = upload.get();
    }
    RDB_ASSIGN_OR_RETURN(r, session_.Perform(req, &sink));
    if (r.ok() || !r.transient() || attempt >= std::max(1, session_.options().attempts)) break;
    RDB_RETURN_IF_ERROR(SleepInterruptibly(RetryDelay(session_.options(), attempt + 1, r.retry_after_s),
                                           session_.cancel()));
  }
  if (!r.ok()) {
    std::string msg = realm->second + ": token request: " + r.reason;
    if (r.status == 401 || r.status == 403) {
      msg += cred ? " (credentials of " + cred->source + " refused)" : " (no credentials for " + registry_ + ")";
    }
    return Status::Network(msg);
  }
  RDB_ASSIGN_OR_RETURN(TokenResponse t, ParseTokenResponse(sink.body, realm->second));
  header_ = "Authorization: Bearer " + t.token;
  bearer_ = true;
  // Renewed a little early, so a token never expires between check and use.
  expires_ = std::chrono::steady_clock::now() + std::chrono::seconds(t.expires_in) -
             std::chrono::seconds(t.expires_in > 20 ? 10 : 0);
  return Status::Ok();
}

}  // namespace rdbundle::packer
