#include "tests/support/oci_registry.h"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "common/os/fs.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace rdbundle::testsupport {
namespace {

// Waits until something listens on `port` (or 20 s pass).
bool WaitListening(int port) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (CanConnect(port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  return false;
}

bool Run(const std::vector<std::string>& argv, std::string* out = nullptr) {
  auto r = RunProcess(argv);
  if (out != nullptr) *out = r.out;
  if (r.exit_code != 0) std::fprintf(stderr, "%s: %s\n", argv[0].c_str(), r.Describe().c_str());
  return r.exit_code == 0;
}

}  // namespace

bool DockerRegistry::Available() {
  return PathExists("/usr/bin/docker-registry") && PathExists("/usr/bin/htpasswd") &&
         PathExists("/usr/bin/openssl");
}

DockerRegistry::DockerRegistry(const std::string& work_dir, const DockerRegistryOptions& o)
    : tls_(o.tls) {
  storage_ = JoinPath(work_dir, "registry-storage");
  std::string config = "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                       "storage:\n  filesystem:\n    rootdirectory: " + storage_ +
                       "\n  delete:\n    enabled: true\n";
  if (!o.user.empty()) {
    std::string line;
    if (!Run({"htpasswd", "-Bbn", o.user, o.password}, &line)) {
      error_ = "htpasswd failed";
      return;
    }
    const std::string file = JoinPath(work_dir, "htpasswd");
    WriteFileOrDie(file, line);
    config += "auth:\n  htpasswd:\n    realm: rdbundle-test\n    path: " + file + "\n";
  }
  if (tls_) {
    cert_ = JoinPath(work_dir, "registry.crt");
    const std::string key = JoinPath(work_dir, "registry.key");
    if (!Run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes", "-keyout", key, "-out", cert_, "-days", "1", "-subj", "/CN=127.0.0.1",
              "-addext", "subjectAltName=IP:127.0.0.1"})) {
      error_ = "openssl failed";
      return;
    }
    config += "http:\n  tls:\n    certificate: " + cert_ + "\n    key: " + key + "\n";
  } else {
    config += "http:\n";
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int port = FreeLoopbackPort();
    const std::string file = JoinPath(work_dir, "registry-config.yml");
    WriteFileOrDie(file, config + "  addr: 127.0.0.1:" + std::to_string(port) +
                             "\n  secret: rdbundle-test-secret\n");
    process_ = std::make_unique<Subprocess>(std::vector<std::string>{"docker-registry", "serve", file});
    if (WaitListening(port) && ::kill(process_->pid(), 0) == 0) {
      port_ = port;
      return;
    }
    error_ = "docker-registry did not start: " + process_->Wait().Describe();
    process_.reset();
  }
}

DockerRegistry::~DockerRegistry() {
  if (process_) {
    process_->Kill(SIGTERM);
    process_->Wait();
  }
}

std::string OciFixture::ScriptPath() {
  return JoinPath(RDB_SOURCE_DIR, "tests/support/oci_fixture.py");
}

OciFixture::OciFixture(const std::string& work_dir, const OciFixtureOptions& o)
    : control_(JoinPath(work_dir, "oci-fixture-control.json")),
      log_(JoinPath(work_dir, "oci-fixture-log.jsonl")) {
  const std::string port_file = JoinPath(work_dir, "oci-fixture-port");
  (void)DefaultFs().RemoveFile(port_file);
  WriteFileOrDie(control_, "{}\n");
  WriteFileOrDie(log_, "");
  std::vector<std::string> argv = {"python3", ScriptPath(), "--port-file", port_file,
                                   "--control", control_, "--log", log_};
  if (o.bearer) {
    argv.insert(argv.end(), {"--bearer", o.user + ":" + o.password, "--expires-in",
                             std::to_string(o.token_expires_in)});
    if (!o.refresh_token.empty()) argv.insert(argv.end(), {"--refresh-token", o.refresh_token});
  }
  if (!o.proxy_to.empty()) argv.insert(argv.end(), {"--proxy", o.proxy_to});
  process_ = std::make_unique<Subprocess>(argv);
  port_ = WaitForPortFile(port_file);
}

OciFixture::~OciFixture() {
  if (process_) {
    process_->Kill(SIGTERM);
    process_->Wait();
  }
}

void OciFixture::SetFaults(const std::string& json) {
  WriteFileOrDie(control_ + ".tmp", json);
  (void)DefaultFs().Rename(control_ + ".tmp", control_);
}

std::vector<std::string> OciFixture::Log() const {
  std::vector<std::string> out;
  auto text = ReadFileToString(DefaultFs(), log_, 64u << 20);
  if (!text.has_value()) return out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text->find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(text->substr(start, nl - start));
  }
  return out;
}

}  // namespace rdbundle::testsupport
