// ParseDockerConfig and RegistryKeyMatches: ~/.docker/config.json, REGISTRY_AUTH_FILE. Helper
// names become part of a program name, so only [A-Za-z0-9_.-] may pass; secrets are bounded.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "packer/oci_auth.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdbundle;
  using namespace rdbundle::packer;
  if (size > 256 * 1024) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cfg = ParseDockerConfig(text, "config.json");
  if (!cfg.has_value()) {
    fuzz::CheckRejection(cfg.error(), {ErrorCode::kCorrupt, ErrorCode::kLimitExceeded}, "config.json: ");
    return 0;
  }
  auto helper_ok = [](const std::string& n) {
    if (n.empty() || n.size() > 64) return false;
    for (char c : n) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-';
      if (!ok) return false;
    }
    return true;
  };
  FUZZ_CHECK(cfg->creds_store.empty() || helper_ok(cfg->creds_store), "credsStore");
  for (const auto& [key, name] : cfg->cred_helpers) {
    FUZZ_CHECK(helper_ok(name), "helper name: " + name);
    (void)RegistryKeyMatches(key, "registry.example.com:5000");
  }
  for (const auto& [key, c] : cfg->auths) {
    FUZZ_CHECK(c.secret.size() <= kMaxSecretBytes * 2, "secret size");
    if (RegistryKeyMatches(key, "127.0.0.1:5000")) {
      FUZZ_CHECK(key.find("127.0.0.1:5000") != std::string::npos, "match without the host");
    }
  }
  return 0;
}
