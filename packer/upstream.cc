#include "packer/upstream.h"

#include <algorithm>

#include "common/base/hex.h"
#include "common/base/quote.h"
#include "common/base/strings.h"
#include "common/format/limits.h"
#include "common/format/paths.h"
#include "common/format/sha256sums.h"
#include "common/os/platform.h"
#include "packer/rd_release.h"

namespace rdbundle::packer {
namespace {

constexpr std::size_t kMaxStableTxtBytes = 256;
constexpr std::size_t kMaxDigestFileBytes = 1024;

std::string KubectlExe(TargetOs os) { return os == TargetOs::kWindows ? "kubectl.exe" : "kubectl"; }

std::string KubectlPath(const KubectlVersion& v, TargetOs os, Arch arch) {
  return v.ToTag() + "/bin/" + std::string(OsName(os)) + "/" + std::string(ArchName(arch)) + "/" +
         KubectlExe(os);
}

Status Normalize(std::string_view option, std::string& url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return CheckBaseUrl(option, url);
}

// Keeps a document that parsed (only those), for --offline.
Status SaveDocument(Fs& fs, const std::string& path, const std::string& text) {
  RDB_RETURN_IF_ERROR(MakeDirs(fs, DirName(path), nullptr));
  return WriteFileAtomic(fs, path, text, 0644);
}

std::string_view DropFinalNewline(std::string_view s) {
  if (s.ends_with('\n')) s.remove_suffix(1);
  return s;
}

}  // namespace

Status NormalizeUpstreamUrls(UpstreamUrls& u) {
  RDB_RETURN_IF_ERROR(Normalize("channel-url", u.channels));
  RDB_RETURN_IF_ERROR(Normalize("k3s-release-url", u.k3s_release));
  RDB_RETURN_IF_ERROR(Normalize("k3s-releases-api", u.releases_api));
  RDB_RETURN_IF_ERROR(Normalize("rd-release-url", u.rd_release));
  RDB_RETURN_IF_ERROR(Normalize("rd-releases-api", u.rd_releases_api));
  return Normalize("kubectl-url", u.kubectl);
}

std::string K3sAssetUrl(const UpstreamUrls& urls, std::string_view version, std::string_view asset) {
  std::string segment;
  for (char c : version) segment += c == '+' ? std::string("%2B") : std::string(1, c);
  return urls.k3s_release + "/" + segment + "/" + std::string(asset);
}

std::string KubectlUrl(const UpstreamUrls& urls, const KubectlVersion& v, TargetOs os, Arch arch) {
  return urls.kubectl + "/" + KubectlPath(v, os, arch);
}

std::string RdAssetUrl(const UpstreamUrls& urls, const RdVersion& v, RdPlatform p) {
  return urls.rd_release + "/v" + v.ToString() + "/" + RdInstallerAssetName(v.ToString(), p);
}

std::string KubectlStableUrl(const UpstreamUrls& urls, Minor minor) {
  return urls.kubectl + "/stable-" + minor.ToString() + ".txt";
}

std::string ReleasesPageUrl(const UpstreamUrls& urls, int page) {
  return urls.releases_api + "?per_page=100&page=" + std::to_string(page);
}

Result<KubectlVersion> ParseStableTxt(std::string_view text, Minor minor, std::string_view what) {
  const std::string w(what);
  if (text.size() > kMaxStableTxtBytes) return Status::Corrupt(w + ": not a version (too long)");
  const std::string_view line = DropFinalNewline(text);
  if (!line.starts_with('v')) {
    return Status::Corrupt(w + ": expected a version such as v" + minor.ToString() + ".3, got " +
                           QuoteForMessage(line));
  }
  auto v = ParseKubectlVersion(line);
  if (!v.has_value()) return v.error().WithContext(w);
  if (MinorOf(*v) != minor) {
    return Status::Corrupt(w + ": names " + v->ToTag() + ", not a " + minor.ToString() + " release");
  }
  return *v;
}

Result<std::string> ParseKubectlSha256(std::string_view text, std::string_view what) {
  const std::string w(what);
  if (text.size() > kMaxDigestFileBytes) return Status::Corrupt(w + ": not a sha256 digest (too long)");
  const std::string_view line = DropFinalNewline(text);
  const std::string hex = AsciiLower(line.substr(0, 64));
  const std::string_view rest = line.substr(hex.size());
  const bool name_ok = rest.empty() || rest == "  kubectl" || rest == "  kubectl.exe" ||
                       rest == " *kubectl" || rest == " *kubectl.exe";
  if (!IsLowerHex(hex, 64) || !name_ok) {
    return Status::Corrupt(w + ": expected a sha256 digest (64 hex digits), got " +
                           QuoteForMessage(line));
  }
  return hex;
}

std::string DownloadDir::CacheDir() const { return JoinPath(root, "cache"); }
std::string DownloadDir::KuberlrDir() const { return JoinPath(root, "kuberlr"); }

std::string DownloadDir::K3sFile(std::string_view version, std::string_view name) const {
  return JoinPath(JoinPath(JoinPath(CacheDir(), "k3s"), version), name);
}

std::string DownloadDir::KubectlFile(const KubectlVersion& v, TargetOs os, Arch arch) const {
  return JoinPath(JoinPath(KuberlrDir(), KuberlrPlatformDir(os, arch)),
                  KubectlFileName(v.ToString(), os));
}

std::string DownloadDir::VersionsJson() const { return JoinPath(CacheDir(), "k3s-versions.json"); }
std::string DownloadDir::Channels() const { return JoinPath(root, "upstream/channels.json"); }

std::string DownloadDir::ReleasesPage(int page) const {
  return JoinPath(root, "upstream/releases/page-" + std::to_string(page) + ".json");
}

std::string DownloadDir::KubectlStable(Minor minor) const {
  return JoinPath(root, "upstream/kubectl/stable-" + minor.ToString() + ".txt");
}

std::string DownloadDir::KubectlDigest(const KubectlVersion& v, TargetOs os, Arch arch) const {
  return JoinPath(root, "upstream/kubectl/" + KubectlPath(v, os, arch) + ".sha256");
}

std::string DownloadDir::InstallersDir() const { return JoinPath(root, "installers"); }

std::string DownloadDir::InstallerFile(const RdVersion& v, RdPlatform p) const {
  return JoinPath(InstallersDir(), RdInstallerAssetName(v.ToString(), p));
}

std::string DownloadDir::RdReleases() const { return JoinPath(root, "upstream/rd/releases.json"); }

std::string DownloadDir::RdSha512(const RdVersion& v, RdPlatform p) const {
  return JoinPath(root, "upstream/rd/v" + v.ToString() + "/" +
                            RdInstallerAssetName(v.ToString(), p) + ".sha512sum");
}

Result<std::string> DefaultDownloadDir(const GetEnvFn& getenv) {
  // Windows sets no HOME: the per-user local application data folder, as RD's own cache.
  if (HostOs() == TargetOs::kWindows) {
    if (auto local = LocalAppDataDir()) return JoinPath(*local, "rdbundle/downloads");
  }
  if (auto xdg = getenv("XDG_CACHE_HOME"); xdg && xdg->starts_with('/')) {
    return JoinPath(*xdg, "rdbundle/downloads");
  }
  if (auto home = getenv("HOME"); home && !home->empty()) {
    return JoinPath(*home, ".cache/rdbundle/downloads");
  }
  return Status::Usage("no $HOME for the default download dir: give --download-dir DIR");
}

Upstream::Upstream(Fs& fs, Options options) : fs_(fs), o_(std::move(options)) {}
Upstream::~Upstream() = default;

std::optional<DownloadDir> Upstream::dir() const {
  if (!o_.download_dir) return std::nullopt;
  return DownloadDir{*o_.download_dir};
}

HttpSession& Upstream::Session() {
  if (!session_) session_ = std::make_unique<HttpSession>(o_.http);
  return *session_;
}

Result<std::optional<std::string>> Upstream::Get(const std::string& url, const std::string& path,
                                                 std::size_t max_bytes, bool missing_ok,
                                                 Document* meta) {
  if (!o_.offline) {
    RDB_ASSIGN_OR_RETURN(std::optional<Document> doc, GetDocument(Session(), url, max_bytes, missing_ok));
    if (!doc) return std::optional<std::string>();
    if (meta != nullptr) *meta = Document{"", doc->has_link, doc->link_next};
    return std::optional<std::string>(std::move(doc->body));
  }
  auto text = ReadFileToString(fs_, path, max_bytes);
  if (text.has_value()) return std::optional<std::string>(std::move(*text));
  if (text.error().code() != ErrorCode::kNotFound) return text.error();
  if (missing_ok) return std::optional<std::string>();
  return Status::NotFound(path + ": not in the download cache (--offline); run once without "
                          "--offline to fetch " + url);
}

Result<std::string> Upstream::GetRequired(const std::string& url, const std::string& path,
                                          std::size_t max_bytes) {
  RDB_ASSIGN_OR_RETURN(std::optional<std::string> text, Get(url, path, max_bytes, false));
  if (!text) return Status::Internal(url + ": no document");
  return std::move(*text);
}

Result<const std::map<std::string, std::string>*> Upstream::Channels() {
  if (!channels_) {
    const std::string url = o_.urls.channels;
    const std::string path = dir() ? dir()->Channels() : "";
    RDB_ASSIGN_OR_RETURN(std::string text, GetRequired(url, path, kMaxVersionsJsonBytes));
    RDB_ASSIGN_OR_RETURN(auto parsed, ParseChannelsJson(text, url));
    if (o_.save && !o_.offline) RDB_RETURN_IF_ERROR(SaveDocument(fs_, path, text));
    channels_ = std::move(parsed);
  }
  return &*channels_;
}

Status Upstream::RemoveStalePages(int first) {
  for (int page = first; page <= kMaxReleasePages; ++page) {
    Status s = fs_.RemoveFile(dir()->ReleasesPage(page));
    if (!s.ok() && s.code() != ErrorCode::kNotFound) return s;
  }
  return Status::Ok();
}

// Page by page until an empty page, a Link header without rel="next", or (offline) the last
// cached page. Online, the pages are saved once the whole list was read (never a mix of two
// listings).
Result<std::vector<ReleaseInfo>> Upstream::FetchReleases() {
  std::vector<ReleaseInfo> all;
  std::vector<std::string> pages;
  for (int page = 1;; ++page) {
    if (page > kMaxReleasePages) {
      return Status::Limit(o_.urls.releases_api + ": more than " +
                           std::to_string(kMaxReleasePages) + " pages of releases");
    }
    const std::string url = ReleasesPageUrl(o_.urls, page);
    const std::string path = dir() ? dir()->ReleasesPage(page) : "";
    Document meta;
    // Offline, the cached pages end where the listing ended.
    const bool end_of_cache = o_.offline && page > 1;
    RDB_ASSIGN_OR_RETURN(auto text, Get(url, path, kMaxReleasesJsonBytes, end_of_cache, &meta));
    if (!text) break;
    RDB_ASSIGN_OR_RETURN(auto releases, ParseReleasesJson(*text, url));
    const bool last = releases.empty() || (meta.has_link && !meta.link_next);
    std::move(releases.begin(), releases.end(), std::back_inserter(all));
    pages.push_back(std::move(*text));
    if (last) break;
  }
  if (o_.save && !o_.offline) {
    for (std::size_t i = 0; i < pages.size(); ++i) {
      RDB_RETURN_IF_ERROR(SaveDocument(fs_, dir()->ReleasesPage(static_cast<int>(i) + 1), pages[i]));
    }
    RDB_RETURN_IF_ERROR(RemoveStalePages(static_cast<int>(pages.size()) + 1));
  }
  return all;
}

Result<const std::vector<ReleaseInfo>*> Upstream::Releases() {
  if (!releases_) {
    RDB_ASSIGN_OR_RETURN(auto all, FetchReleases());
    releases_ = std::move(all);
  }
  return &*releases_;
}

// A 404 for stable-X.Y.txt (a minor not released yet) is remembered as "<file>.absent", so
// that --offline makes the same kubectl choice as the online build did.
Result<std::optional<KubectlVersion>> Upstream::StableKubectl(Minor minor) {
  const std::string url = KubectlStableUrl(o_.urls, minor);
  const std::string path = dir() ? dir()->KubectlStable(minor) : "";
  const std::string absent = path + ".absent";
  if (o_.offline && fs_.Stat(absent).has_value()) return std::optional<KubectlVersion>();
  RDB_ASSIGN_OR_RETURN(auto text, Get(url, path, kMaxStableTxtBytes, !o_.offline));
  const bool save = o_.save && !o_.offline;
  if (!text) {
    if (save) RDB_RETURN_IF_ERROR(SaveDocument(fs_, absent, ""));
    return std::optional<KubectlVersion>();
  }
  RDB_ASSIGN_OR_RETURN(KubectlVersion v, ParseStableTxt(*text, minor, url));
  if (save) {
    RDB_RETURN_IF_ERROR(SaveDocument(fs_, path, *text));
    Status s = fs_.RemoveFile(absent);
    if (!s.ok() && s.code() != ErrorCode::kNotFound) return s;
  }
  return std::optional<KubectlVersion>(v);
}

Result<std::string> Upstream::KubectlDigest(const KubectlVersion& v, TargetOs os, Arch arch) {
  const std::string url = KubectlUrl(o_.urls, v, os, arch) + ".sha256";
  const std::string path = dir() ? dir()->KubectlDigest(v, os, arch) : "";
  RDB_ASSIGN_OR_RETURN(std::string text, GetRequired(url, path, kMaxDigestFileBytes));
  RDB_ASSIGN_OR_RETURN(std::string hex, ParseKubectlSha256(text, url));
  if (o_.save && !o_.offline) RDB_RETURN_IF_ERROR(SaveDocument(fs_, path, text));
  return hex;
}

Result<std::string> Upstream::K3sSums(std::string_view version, Arch arch) {
  const std::string name = K3sSumsName(arch);
  const std::string url = K3sAssetUrl(o_.urls, version, name);
  const std::string path = dir() ? dir()->K3sFile(version, name) : "";
  RDB_ASSIGN_OR_RETURN(std::string text, GetRequired(url, path, kMaxSumsFileBytes));
  RDB_RETURN_IF_ERROR(ParseSha256Sums(text, url).status());
  if (o_.save && !o_.offline) RDB_RETURN_IF_ERROR(SaveDocument(fs_, path, text));
  return text;
}

Result<const std::vector<ReleaseInfo>*> Upstream::RdReleases() {
  if (!rd_releases_) {
    const std::string url = o_.urls.rd_releases_api + "?per_page=100";
    const std::string path = dir() ? dir()->RdReleases() : "";
    RDB_ASSIGN_OR_RETURN(std::string text, GetRequired(url, path, kMaxReleasesJsonBytes));
    RDB_ASSIGN_OR_RETURN(auto parsed, ParseReleasesJson(text, url));
    if (o_.save && !o_.offline) RDB_RETURN_IF_ERROR(SaveDocument(fs_, path, text));
    rd_releases_ = std::move(parsed);
  }
  return &*rd_releases_;
}

Result<std::string> Upstream::RdInstallerSha512(const RdVersion& v, RdPlatform p) {
  const std::string url = RdAssetUrl(o_.urls, v, p) + ".sha512sum";
  const std::string path = dir() ? dir()->RdSha512(v, p) : "";
  RDB_ASSIGN_OR_RETURN(std::string text, GetRequired(url, path, kMaxSha512SumBytes));
  RDB_ASSIGN_OR_RETURN(std::string hex,
                       ParseSha512Sum(text, RdInstallerAssetName(v.ToString(), p), url));
  if (o_.save && !o_.offline) RDB_RETURN_IF_ERROR(SaveDocument(fs_, path, text));
  return hex;
}

Result<std::optional<std::uint64_t>> Upstream::KubectlSize(const KubectlVersion& v, TargetOs os,
                                                           Arch arch) {
  if (!o_.offline) return GetContentLength(Session(), KubectlUrl(o_.urls, v, os, arch));
  if (!dir()) return std::optional<std::uint64_t>();
  auto info = fs_.Stat(dir()->KubectlFile(v, os, arch));
  if (!info.has_value() || info->type != FileInfo::Type::kRegular) {
    return std::optional<std::uint64_t>();
  }
  return std::optional<std::uint64_t>(info->size);
}

}  // namespace rdbundle::packer
