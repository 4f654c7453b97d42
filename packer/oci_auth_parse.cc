// The pure parsers of packer/oci_auth.h (no network, no files): what the fuzz targets link.
#include <sodium.h>

#include <algorithm>

#include "common/base/quote.h"
#include "common/base/strings.h"
#include "common/format/json_strict.h"
#include "packer/oci_auth.h"

namespace rdbundle::packer {
namespace {

bool IsTokenChar(char c) {  // RFC 7230 tchar
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A cursor over a WWW-Authenticate value.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  void SkipSpace() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  bool AtEnd() const { return i >= s.size(); }
  std::string_view Token() {
    const std::size_t start = i;
    while (i < s.size() && IsTokenChar(s[i])) ++i;
    return s.substr(start, i - start);
  }
  // After the opening quote: up to the closing one, with \-escapes.
  std::optional<std::string> Quoted() {
    std::string out;
    while (i < s.size()) {
      char c = s[i++];
      if (c == '"') return out;
      if (c == '\\') {
        if (i >= s.size()) return std::nullopt;
        c = s[i++];
      }
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
      out += c;
    }
    return std::nullopt;
  }
};

Status BadChallenge(std::string_view why) {
  return Status::Corrupt("WWW-Authenticate: " + std::string(why));
}

// Printable ASCII without spaces: what may go into an Authorization header.
bool IsHeaderSafe(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

Result<std::string> Base64Decode(std::string_view b64, std::string_view what) {
  std::string out(b64.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                        b64.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return Status::Corrupt(std::string(what) + ": auth: not base64");
  }
  out.resize(len);
  return out;
}

Result<std::string> OptionalString(const Json& obj, std::string_view key, std::string_view what) {
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Status::Corrupt(std::string(what) + ": " + std::string(key) + ": expected a string");
  const std::string& s = it->get_ref<const std::string&>();
  if (s.size() > kMaxSecretBytes) {
    return Status::Limit(std::string(what) + ": " + std::string(key) + ": longer than " +
                         std::to_string(kMaxSecretBytes) + " bytes");
  }
  return s;
}

bool IsHelperName(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  });
}

Result<Credential> AuthEntry(const Json& e, const std::string& what) {
  if (!e.is_object()) return Status::Corrupt(what + ": expected an object");
  Credential c;
  RDB_ASSIGN_OR_RETURN(std::string auth, OptionalString(e, "auth", what));
  RDB_ASSIGN_OR_RETURN(std::string token, OptionalString(e, "identitytoken", what));
  if (!auth.empty()) {
    RDB_ASSIGN_OR_RETURN(std::string plain, Base64Decode(auth, what));
    const std::size_t colon = plain.find(':');
    if (colon == std::string::npos) return Status::Corrupt(what + ": auth: not user:password");
    c.username = plain.substr(0, colon);
    c.secret = plain.substr(colon + 1);
  } else {
    RDB_ASSIGN_OR_RETURN(c.username, OptionalString(e, "username", what));
    RDB_ASSIGN_OR_RETURN(c.secret, OptionalString(e, "password", what));
  }
  if (!token.empty()) {
    c.username = std::string(kIdentityTokenUser);
    c.secret = token;
  }
  return c;
}

}  // namespace

Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view value) {
  if (value.size() > kMaxChallengeBytes) return BadChallenge("longer than 4096 bytes");
  Cursor c{value};
  std::vector<Challenge> out;
  c.SkipSpace();
  while (!c.AtEnd()) {
    Challenge ch;
    const std::string_view scheme = c.Token();
    if (scheme.empty()) return BadChallenge("expected an auth scheme");
    ch.scheme = AsciiLower(scheme);
    c.SkipSpace();
    // auth-params: name=value separated by commas, until a token not followed by '='
    // (the next challenge's scheme) or the end.
    while (!c.AtEnd()) {
      const std::size_t mark = c.i;
      const std::string_view name = c.Token();
      c.SkipSpace();
      if (name.empty() || c.AtEnd() || c.s[c.i] != '=') {
        if (name.empty() && !c.AtEnd() && c.s[c.i] == ',') {  // empty list element
          ++c.i;
          c.SkipSpace();
          continue;
        }
        c.i = mark;  // the next challenge
        break;
      }
      ++c.i;
      c.SkipSpace();
      std::string v;
      if (!c.AtEnd() && c.s[c.i] == '"') {
        ++c.i;
        auto q = c.Quoted();
        if (!q) return BadChallenge("unterminated or invalid quoted string");
        v = std::move(*q);
      } else {
        v = std::string(c.Token());
        if (v.empty()) return BadChallenge("expected a value after " + std::string(name) + "=");
      }
      if (!ch.params.emplace(AsciiLower(name), std::move(v)).second) {
        return BadChallenge("parameter " + AsciiLower(name) + " given twice");
      }
      c.SkipSpace();
      if (c.AtEnd()) break;
      if (c.s[c.i] != ',') return BadChallenge("expected ',' between parameters");
      ++c.i;
      c.SkipSpace();
    }
    out.push_back(std::move(ch));
    if (out.size() > 16) return BadChallenge("more than 16 challenges");
    c.SkipSpace();
  }
  if (out.empty()) return BadChallenge("empty");
  return out;
}

Result<TokenResponse> ParseTokenResponse(std::string_view body, std::string_view what) {
  const std::string w(what);
  RDB_ASSIGN_OR_RETURN(Json j, ParseJsonStrict(body, what, kMaxTokenResponseBytes));
  if (!j.is_object()) return Status::Corrupt(w + ": expected a JSON object");
  TokenResponse t;
  for (const char* key : {"token", "access_token"}) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) continue;
    if (!it->is_string()) return Status::Corrupt(w + ": " + key + ": expected a string");
    t.token = it->get<std::string>();
    break;
  }
  if (t.token.empty()) return Status::Corrupt(w + ": no token");
  if (t.token.size() > kMaxTokenBytes) {
    return Status::Limit(w + ": token longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  }
  if (!IsHeaderSafe(t.token)) return Status::Corrupt(w + ": token: not printable ASCII without spaces");
  if (auto it = j.find("expires_in"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<long long>() < 1) {
      return Status::Corrupt(w + ": expires_in: expected a positive whole number");
    }
    t.expires_in = static_cast<long>(std::min<long long>(it->get<long long>(), 86400 * 365));
  }
  return t;
}

Result<DockerConfig> ParseDockerConfig(std::string_view text, std::string_view what) {
  const std::string w(what);
  RDB_ASSIGN_OR_RETURN(Json j, ParseJsonStrict(text, what, kMaxDockerConfigBytes));
  if (!j.is_object()) return Status::Corrupt(w + ": expected a JSON object");
  DockerConfig cfg;
  if (auto it = j.find("auths"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return Status::Corrupt(w + ": auths: expected an object");
    for (const auto& [key, e] : it->items()) {
      RDB_ASSIGN_OR_RETURN(Credential c, AuthEntry(e, w + ": auths." + QuoteForMessage(key.substr(0, 100))));
      c.source = w;
      cfg.auths.emplace(key, std::move(c));
    }
  }
  if (auto it = j.find("credHelpers"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return Status::Corrupt(w + ": credHelpers: expected an object");
    for (const auto& [key, name] : it->items()) {
      if (!name.is_string() || !IsHelperName(name.get_ref<const std::string&>())) {
        return Status::Corrupt(w + ": credHelpers." + QuoteForMessage(key.substr(0, 100)) +
                               ": not a helper name ([A-Za-z0-9_.-]+)");
      }
      cfg.cred_helpers.emplace(key, name.get<std::string>());
    }
  }
  RDB_ASSIGN_OR_RETURN(cfg.creds_store, OptionalString(j, "credsStore", what));
  if (!cfg.creds_store.empty() && !IsHelperName(cfg.creds_store)) {
    return Status::Corrupt(w + ": credsStore: not a helper name ([A-Za-z0-9_.-]+)");
  }
  return cfg;
}

Result<Credential> ParseCredentialHelperOutput(std::string_view text, std::string_view what) {
  const std::string w(what);
  RDB_ASSIGN_OR_RETURN(Json j, ParseJsonStrict(text, what, kMaxHelperOutputBytes));
  if (!j.is_object()) return Status::Corrupt(w + ": expected a JSON object");
  Credential c;
  RDB_ASSIGN_OR_RETURN(c.username, OptionalString(j, "Username", what));
  RDB_ASSIGN_OR_RETURN(c.secret, OptionalString(j, "Secret", what));
  if (c.secret.empty()) return Status::Corrupt(w + ": no Secret");
  c.source = w;
  return c;
}

bool RegistryKeyMatches(std::string_view key, std::string_view registry) {
  if (key.starts_with("https://")) {
    key.remove_prefix(8);
  } else if (key.starts_with("http://")) {
    key.remove_prefix(7);
  }
  key = key.substr(0, key.find('/'));
  return !key.empty() && AsciiLower(key) == AsciiLower(registry);
}

}  // namespace rdbundle::packer
