// A fake k3s/kubectl upstream on 127.0.0.1, for the packer's fetch tests and the demo: nothing
// that tests the network ever leaves this machine.
//
// WriteFakeUpstream generates the tree (files from tests/support/sample_kit.h, metadata in the
// upstream formats of docs/rancher-desktop.md#upstream-sources):
//   ROOT/v1-release/channels                      channel server (Rancher API collection)
//   ROOT/repos/k3s-io/k3s/releases.paged.json     release list (GitHub API format), served
//                                                 page by page (?per_page=&page=, Link header)
//   ROOT/releases/k3s/<version>/<asset>           release assets (k3s, k3s-arm64,
//                                                 k3s-airgap-images-<arch>.tar[.zst],
//                                                 sha256sum-<arch>.txt)
//   ROOT/kubectl/release/stable-<X.Y>.txt         "v1.30.14\n"
//   ROOT/kubectl/release/v<X.Y.Z>/bin/<os>/<arch>/kubectl[.exe]{,.sha256}
//   ROOT/repos/rancher-sandbox/rancher-desktop/releases.paged.json   RD's release list
//   ROOT/releases/rd/v<X.Y.Z>/<installer asset>{,.sha512sum}        RD's installers
//                         (docs/rancher-desktop.md#rd-installer; sha512sum --check format)
// so that the packer's base URLs are
//   --channel-url      http://127.0.0.1:<port>/v1-release/channels
//   --k3s-release-url  http://127.0.0.1:<port>/releases/k3s
//   --k3s-releases-api http://127.0.0.1:<port>/repos/k3s-io/k3s/releases
//   --kubectl-url      http://127.0.0.1:<port>/kubectl/release
//   --rd-release-url   http://127.0.0.1:<port>/releases/rd
//   --rd-releases-api  http://127.0.0.1:<port>/repos/rancher-sandbox/rancher-desktop/releases
//
// FakeUpstreamServer serves that tree over HTTP/1.1 from threads of the test program
// (fake_upstream_server.cc; POSIX and Winsock, so it runs under Wine too): GET, HEAD, Range
// (206/416), pagination, and faults per path (tests/support/fake_upstream.py's docstring lists
// them): HTTP statuses then success, a connection reset after K bytes, wrong content, delays,
// 404, redirects, Range ignored. Every request is logged (method, path, Range, status, bytes
// sent), so tests can assert on the traffic. With a certificate it runs fake_upstream.py
// (python3 ThreadingHTTPServer, https; POSIX only), which does the same over TLS.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/format/paths.h"
#include "common/os/fs.h"

namespace rdbundle::testsupport {

class Subprocess;

struct FakeRelease {
  std::string tag;           // "v1.30.4+k3s2" (or a malformed tag, listed only)
  bool prerelease = false;   // GitHub's flag
  bool files = true;         // generate and serve the assets (else listed only)
  bool images_zst = true;    // the images as .tar.zst (else only .tar)
  bool list_images = true;   // false: a release missing its images (Rancher Desktop skips it)
};

struct FakeRdRelease {
  std::string version;      // "1.19.3" (the tag is "v" + version)
  bool prerelease = false;  // GitHub's flag; a prerelease is listed only (no files)
};

struct FakeUpstreamSpec {
  // Newest first, as GitHub lists them.
  std::vector<FakeRelease> releases;
  std::vector<Arch> arches = {Arch::kAmd64, Arch::kArm64};
  // Channel name -> "latest" value (an exact version, as update.k3s.io gives it).
  std::map<std::string, std::string> channels;
  // Minor "X.Y" -> newest kubectl "X.Y.Z" (stable-X.Y.txt); one kubectl per platform each.
  std::map<std::string, std::string> kubectl_stable;
  std::vector<std::pair<TargetOs, Arch>> kubectl_platforms = {
      {TargetOs::kLinux, Arch::kAmd64}, {TargetOs::kLinux, Arch::kArm64},
      {TargetOs::kDarwin, Arch::kArm64}, {TargetOs::kWindows, Arch::kAmd64}};
  std::uint64_t binary_bytes = 64u << 10;
  std::uint64_t images_bytes = 192u << 10;
  std::uint64_t kubectl_bytes = 48u << 10;
  // Rancher Desktop releases, newest first; each with all four installers
  // (RdInstallerAssetName) and their .sha512sum files, rd_installer_bytes each.
  std::vector<FakeRdRelease> rd_releases;
  std::uint64_t rd_installer_bytes = 24u << 10;

  // The standard fake upstream:
  //   v1.31.1+k3s1      latest, v1.31
  //   v1.31.0-rc1+k3s1  prerelease (channel testing points to it)
  //   v1.30.4+k3s2      stable, v1.30
  //   v1.30.4+k3s1      an older build of 1.30.4
  //   v1.29.9+k3s1      missing its image archives (skipped)
  //   v1.29.8+k3s1      images as .tar only; v1.29
  //   v1.29             a malformed tag
  //   v1.28.13+k3s1     v1.28
  //   v1.24.17+k3s1     below Rancher Desktop's minimum v1.25.3 (channel v1.24)
  // kubectl stable 1.27 to 1.31 (1.27.16, 1.28.15, 1.29.14, 1.30.14, 1.31.6); no 1.32 yet.
  // Rancher Desktop 1.20.0-rc1 (prerelease, listed only), 1.19.3 (latest), 1.18.2.
  static FakeUpstreamSpec Standard();
};

// Writes the tree under `root`. Deterministic for a spec.
Status WriteFakeUpstream(Fs& fs, const std::string& root, const FakeUpstreamSpec& spec);

// FakeUpstreamSpec::Standard() written once per process into a temporary directory that is
// removed at exit. Shared by tests: never modify it (inject faults instead). Aborts if the
// tree cannot be written.
const std::string& StandardFakeUpstreamRoot();

// The base-URL options of rdbundle-pack for a server at `base` ("http://127.0.0.1:1234").
std::vector<std::string> FakeUpstreamArgs(const std::string& base);

struct LoggedRequest {
  std::string method;  // GET, HEAD
  std::string path;    // decoded, without the query
  std::string query;
  std::string range;   // the Range header, or ""
  int status = 0;
  std::uint64_t sent = 0;  // body bytes sent
  std::string user_agent;
};

class FakeUpstreamServer {
 public:
  // Starts the server on `root`; its control, log and port files go into `work_dir`.
  // ok() tells whether it came up (within 20 s). With a certificate and key (PEM) it serves
  // https.
  FakeUpstreamServer(const std::string& root, const std::string& work_dir,
                     const std::string& tls_cert = "", const std::string& tls_key = "");
  ~FakeUpstreamServer();  // stops the server
  FakeUpstreamServer(const FakeUpstreamServer&) = delete;
  FakeUpstreamServer& operator=(const FakeUpstreamServer&) = delete;

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  std::string base() const {
    return (tls_ ? "https" : "http") + std::string("://127.0.0.1:") + std::to_string(port_);
  }
  std::vector<std::string> Args() const { return FakeUpstreamArgs(base()); }

  // Replaces the faults: a JSON object {"<path>": {<fault>...}, ...} (see the script); the
  // "first requests" of a fault count from here.
  void SetFaults(const std::string& json);
  std::vector<LoggedRequest> Requests() const;
  void ClearLog();

  // tests/support/fake_upstream.py, next to this file's source.
  static std::string ScriptPath();

 private:
  class Impl;  // the in-process server
  std::unique_ptr<Impl> impl_;
  std::string control_, log_;  // the script's files
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace rdbundle::testsupport
