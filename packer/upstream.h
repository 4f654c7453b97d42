// Where k3s and kubectl come from (docs/rancher-desktop.md#upstream-sources), all
// overridable for internal mirrors, and the download dir that keeps what was fetched.
//
// Download dir layout (a `build --from`-shaped tree plus the upstream metadata):
//   D/cache/k3s/<version>/{k3s | k3s-arm64, sha256sum-<arch>.txt, k3s-airgap-images-<arch>.*}
//   D/cache/k3s-versions.json          RD's list, built from the channel server and releases
//   D/kuberlr/<os>-<arch>/kubectl<X.Y.Z>[.exe]
//   D/upstream/channels.json           the channel server's answer, as received
//   D/upstream/releases/page-<N>.json  the release list, page by page, as received
//   D/upstream/kubectl/stable-<X.Y>.txt      (or stable-<X.Y>.txt.absent: upstream said 404)
//   D/upstream/kubectl/v<X.Y.Z>/bin/<os>/<arch>/kubectl[.exe].sha256
//   D/installers/<RD installer asset>                (--rd-installer)
//   D/upstream/rd/releases.json        RD's release list (first page), as received
//   D/upstream/rd/v<X.Y.Z>/<asset>.sha512sum
// Online, every document is fetched fresh (and saved); --offline reads only these files.
// Everything upstream sends is hostile: size caps, strict parsers (common/k3s_versions.h,
// common/sha256sums.h, the two below).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/format/version.h"
#include "common/os/fs.h"
#include "common/rd/k3s_versions.h"
#include "common/rd/layout.h"
#include "packer/http.h"
#include "packer/upstream_json.h"

namespace rdbundle::packer {

struct UpstreamUrls {
  std::string channels = "https://update.k3s.io/v1-release/channels";         // --channel-url
  std::string k3s_release = "https://github.com/k3s-io/k3s/releases/download";  // --k3s-release-url
  std::string releases_api = "https://api.github.com/repos/k3s-io/k3s/releases";  // --k3s-releases-api
  std::string kubectl = "https://dl.k8s.io/release";                          // --kubectl-url
  std::string rd_release =
      "https://github.com/rancher-sandbox/rancher-desktop/releases/download";  // --rd-release-url
  std::string rd_releases_api =
      "https://api.github.com/repos/rancher-sandbox/rancher-desktop/releases";  // --rd-releases-api
};

// CheckBaseUrl on each; trailing slashes are dropped. kUsage naming the option.
Status NormalizeUpstreamUrls(UpstreamUrls& urls);

// <k3s_release>/<version, "+" as "%2B">/<asset>
std::string K3sAssetUrl(const UpstreamUrls& urls, std::string_view version, std::string_view asset);
// <kubectl>/v<X.Y.Z>/bin/<os>/<arch>/kubectl[.exe]; the digest is that URL + ".sha256".
std::string KubectlUrl(const UpstreamUrls& urls, const KubectlVersion& v, TargetOs os, Arch arch);
// <kubectl>/stable-<X.Y>.txt
std::string KubectlStableUrl(const UpstreamUrls& urls, Minor minor);
// <releases_api>?per_page=100&page=<page>
std::string ReleasesPageUrl(const UpstreamUrls& urls, int page);
// <rd_release>/v<X.Y.Z>/<asset> (RdInstallerAssetName); its digest is that URL + ".sha512sum".
std::string RdAssetUrl(const UpstreamUrls& urls, const RdVersion& v, RdPlatform p);

// stable-X.Y.txt: one kubectl version ("v1.30.14"), an optional final newline, and the minor
// it names must be `minor`. kCorrupt "<what>: ..." otherwise.
Result<KubectlVersion> ParseStableTxt(std::string_view text, Minor minor, std::string_view what);
// kubectl.sha256: the bare digest (64 hex), optionally followed by "  <file name>" as
// sha256sum writes it, and a final newline. Upper-case hex is lower-cased. kCorrupt otherwise.
Result<std::string> ParseKubectlSha256(std::string_view text, std::string_view what);

// Paths inside a download dir (see above).
struct DownloadDir {
  std::string root;

  std::string CacheDir() const;    // D/cache: KitSource::cache_dir
  std::string KuberlrDir() const;  // D/kuberlr: KitSource::kuberlr_dir
  std::string K3sFile(std::string_view version, std::string_view name) const;
  std::string KubectlFile(const KubectlVersion& v, TargetOs os, Arch arch) const;
  std::string VersionsJson() const;
  std::string Channels() const;
  std::string ReleasesPage(int page) const;
  std::string KubectlStable(Minor minor) const;
  std::string KubectlDigest(const KubectlVersion& v, TargetOs os, Arch arch) const;
  std::string InstallersDir() const;  // D/installers: KitSource::installers_dir
  std::string InstallerFile(const RdVersion& v, RdPlatform p) const;
  std::string RdReleases() const;
  std::string RdSha512(const RdVersion& v, RdPlatform p) const;
};

// On Windows the local application data folder (LocalAppDataDir) + rdbundle\downloads; elsewhere
// $XDG_CACHE_HOME/rdbundle/downloads, else $HOME/.cache/rdbundle/downloads.
Result<std::string> DefaultDownloadDir(const GetEnvFn& getenv);

// Pages of the release list read at most (3000 releases; k3s has well under 1000).
inline constexpr int kMaxReleasePages = 30;

// The upstream documents, fetched (online) or read from the download dir (offline). Online
// documents are saved into the download dir when `save` is set. Results are kept for the
// life of the object, so each document is fetched once.
class Upstream {
 public:
  struct Options {
    UpstreamUrls urls;
    std::optional<std::string> download_dir;  // required when offline or saving
    bool offline = false;
    bool save = false;
    HttpOptions http;
  };
  Upstream(Fs& fs, Options options);
  ~Upstream();

  // data[].name -> channel value (ParseChannelsJson).
  Result<const std::map<std::string, std::string>*> Channels();
  // Every page of the release list (ParseReleasesJson), in server order.
  Result<const std::vector<ReleaseInfo>*> Releases();
  // The newest kubectl of a minor (stable-X.Y.txt); nullopt when upstream has no such file
  // (404: a minor not released yet; offline: when the online run saw that 404). Offline, a
  // file the cache does not hold is kNotFound naming it.
  Result<std::optional<KubectlVersion>> StableKubectl(Minor minor);
  // kubectl[.exe].sha256 of one kubectl.
  Result<std::string> KubectlDigest(const KubectlVersion& v, TargetOs os, Arch arch);
  // sha256sum-<arch>.txt of a release, checked (ParseSha256Sums); online it is also written
  // into the download dir, where `build` packs it from.
  Result<std::string> K3sSums(std::string_view version, Arch arch);
  // The first page (100) of RD's release list: enough for `latest` and recent versions.
  Result<const std::vector<ReleaseInfo>*> RdReleases();
  // The SHA-512 of an RD installer from its "<asset>.sha512sum" (ParseSha512Sum).
  Result<std::string> RdInstallerSha512(const RdVersion& v, RdPlatform p);
  // HEAD Content-Length of a kubectl; offline: the cached file's size, or nullopt.
  Result<std::optional<std::uint64_t>> KubectlSize(const KubectlVersion& v, TargetOs os, Arch arch);

  bool offline() const { return o_.offline; }
  const UpstreamUrls& urls() const { return o_.urls; }
  const Options& options() const { return o_; }
  std::optional<DownloadDir> dir() const;

 private:
  // The document at `url` (cached as `path`): nullopt for a 404 (offline: an absent file)
  // when `missing_ok`, else kNetwork (offline: kNotFound naming the file).
  Result<std::optional<std::string>> Get(const std::string& url, const std::string& path,
                                         std::size_t max_bytes, bool missing_ok,
                                         Document* meta = nullptr);
  Result<std::string> GetRequired(const std::string& url, const std::string& path,
                                  std::size_t max_bytes);
  Result<std::vector<ReleaseInfo>> FetchReleases();
  Status RemoveStalePages(int first);
  HttpSession& Session();

  Fs& fs_;
  Options o_;
  std::unique_ptr<HttpSession> session_;
  std::optional<std::map<std::string, std::string>> channels_;
  std::optional<std::vector<ReleaseInfo>> releases_;
  std::optional<std::vector<ReleaseInfo>> rd_releases_;
};

}  // namespace rdbundle::packer
