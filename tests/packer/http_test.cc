#include "packer/http.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace rdbundle::packer {
namespace {

// SystemCaBundle over a fake file system and environment.
std::optional<std::string> Find(const std::set<std::string>& files,
                                const std::map<std::string, std::string>& env = {}) {
  return SystemCaBundle(
      [&](const char* name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
      },
      [&](const std::string& path) { return files.count(path) > 0; });
}

TEST(SystemCaBundleTest, FindsTheBundleOfEachSystem) {
  // Debian/Ubuntu, RHEL (whose /etc/ssl/certs has no hashed names), SUSE, macOS: the static
  // binaries' OpenSSL looks only in /etc/ssl/cert.pem and the hashed /etc/ssl/certs.
  EXPECT_EQ(Find({"/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem"}),
            "/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(Find({"/etc/pki/tls/certs/ca-bundle.crt"}), "/etc/pki/tls/certs/ca-bundle.crt");
  EXPECT_EQ(Find({"/etc/ssl/ca-bundle.pem"}), "/etc/ssl/ca-bundle.pem");
  EXPECT_EQ(Find({"/etc/ssl/cert.pem"}), "/etc/ssl/cert.pem");
  EXPECT_EQ(Find({}), std::nullopt);
}

TEST(SystemCaBundleTest, OpenSslEnvironmentWins) {
  EXPECT_EQ(Find({"/etc/ssl/cert.pem"}, {{"SSL_CERT_FILE", "/opt/ca.pem"}}), std::nullopt);
  EXPECT_EQ(Find({"/etc/ssl/cert.pem"}, {{"SSL_CERT_DIR", "/opt/certs"}}), std::nullopt);
  EXPECT_EQ(Find({"/etc/ssl/cert.pem"}, {{"SSL_CERT_FILE", ""}}), "/etc/ssl/cert.pem");
}

}  // namespace
}  // namespace rdbundle::packer
