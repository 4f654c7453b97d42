// OCI registries on 127.0.0.1 for the push/pull/ls tests, each started by the test on a free
// port with its own temporary storage and configuration, and stopped with the object:
//  - DockerRegistry: Debian's docker-registry (CNCF distribution 2.8), anonymous, with
//    htpasswd Basic auth, and/or TLS with a self-signed certificate made by openssl;
//  - OciFixture: tests/support/oci_fixture.py, a small registry that resumes uploads (GET on
//    the upload URL gives its Range), issues Bearer tokens, and injects faults (cut a PATCH
//    after N bytes, answer 5xx), logging every request;
//  - CuttingProxy (oci_fixture.py --proxy): forwards to a registry and cuts the Nth PATCH
//    mid-body (what a flaky link does to distribution 2.8, which then loses the upload).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/socket.h"  // FreeLoopbackPort

namespace rdbundle::testsupport {

class Subprocess;

struct DockerRegistryOptions {
  std::string user;      // non-empty: htpasswd Basic auth with this user
  std::string password;
  bool tls = false;      // https with a fresh self-signed certificate for 127.0.0.1
};

class DockerRegistry {
 public:
  // /usr/bin/docker-registry (and htpasswd/openssl when needed) installed.
  static bool Available();
  DockerRegistry(const std::string& work_dir, const DockerRegistryOptions& options = {});
  ~DockerRegistry();
  DockerRegistry(const DockerRegistry&) = delete;
  DockerRegistry& operator=(const DockerRegistry&) = delete;

  bool ok() const { return port_ > 0; }
  std::string error() const { return error_; }
  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url() const { return (tls_ ? "https://" : "http://") + host(); }
  const std::string& ca_cert() const { return cert_; }  // with tls
  const std::string& storage() const { return storage_; }

 private:
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
  bool tls_ = false;
  std::string cert_, storage_, error_;
};

struct OciFixtureOptions {
  bool bearer = false;      // 401 + Bearer challenge; tokens from /token (user/password)
  std::string user = "u";
  std::string password = "p";
  int token_expires_in = 60;
  std::string refresh_token;  // non-empty: also the OAuth2 refresh-token form (POST /token)
  std::string proxy_to;     // non-empty ("127.0.0.1:PORT"): be a cutting proxy instead
};

class OciFixture {
 public:
  OciFixture(const std::string& work_dir, const OciFixtureOptions& options = {});
  ~OciFixture();
  OciFixture(const OciFixture&) = delete;
  OciFixture& operator=(const OciFixture&) = delete;

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  // Faults, a JSON object (see oci_fixture.py): {"cut_patch": [2], "cut_after": 1000,
  // "status": {"PATCH": [500]}}. Replaces the previous ones.
  void SetFaults(const std::string& json);
  // The request log: one JSON object per line (method, path, status, received, sent, range).
  std::vector<std::string> Log() const;

  static std::string ScriptPath();

 private:
  std::string control_, log_;
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
};

}  // namespace rdbundle::testsupport
