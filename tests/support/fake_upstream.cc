#include "tests/support/fake_upstream.h"

#include <sodium.h>

#include "common/base/hex.h"
#include "common/format/hash.h"
#include "common/format/json_strict.h"
#include "common/format/version.h"
#include "tests/support/sample_kit.h"
#include "tests/support/temp_dir.h"

namespace rdbundle::testsupport {
namespace {

constexpr std::uint64_t kListedOnlySize = 70000000;  // size of assets that are listed only
const char* const kGitHubDownload = "https://github.com/k3s-io/k3s/releases/download/";

std::string Encoded(const std::string& version) {
  std::string s;
  for (char c : version) s += c == '+' ? std::string("%2B") : std::string(1, c);
  return s;
}

std::string ReleasesDir(const std::string& root) { return JoinPath(root, "releases"); }

std::string AssetPath(const std::string& root, const std::string& tag, const std::string& name) {
  return JoinPath(JoinPath(JoinPath(ReleasesDir(root), "k3s"), tag), name);
}

// The asset names a release lists for one arch; images as the release has them.
std::vector<std::string> AssetNames(const FakeRelease& r, Arch arch) {
  const std::string a(ArchName(arch));
  std::vector<std::string> names = {K3sBinaryName(arch), K3sSumsName(arch)};
  if (r.list_images) {
    names.push_back("k3s-airgap-images-" + a + ".tar");
    names.push_back("k3s-airgap-images-" + a + ".tar.gz");  // never used by Rancher Desktop
    if (r.images_zst) names.push_back("k3s-airgap-images-" + a + ".tar.zst");
  }
  return names;
}

Result<std::uint64_t> SizeOf(Fs& fs, const std::string& path) {
  auto info = fs.Stat(path);
  if (!info.has_value()) {
    if (info.error().code() == ErrorCode::kNotFound) return kListedOnlySize;  // not served
    return info.error();
  }
  return info->size;
}

Result<OrderedJson> ReleaseJson(Fs& fs, const std::string& root, const FakeUpstreamSpec& spec,
                                const FakeRelease& r, std::int64_t id) {
  OrderedJson j = OrderedJson::object();
  j["url"] = "https://api.github.com/repos/k3s-io/k3s/releases/" + std::to_string(id);
  j["html_url"] = "https://github.com/k3s-io/k3s/releases/tag/" + Encoded(r.tag);
  j["id"] = id;
  j["tag_name"] = r.tag;
  j["target_commitish"] = "master";
  j["name"] = r.tag;
  j["draft"] = false;
  j["prerelease"] = r.prerelease;
  j["created_at"] = "2024-08-21T17:55:46Z";
  j["published_at"] = "2024-08-21T19:30:11Z";
  j["assets"] = OrderedJson::array();
  std::int64_t asset_id = id * 100;
  for (Arch arch : spec.arches) {
    for (const std::string& name : AssetNames(r, arch)) {
      RDB_ASSIGN_OR_RETURN(std::uint64_t size, SizeOf(fs, AssetPath(root, r.tag, name)));
      j["assets"].push_back({{"url", "https://api.github.com/repos/k3s-io/k3s/releases/assets/" +
                                         std::to_string(++asset_id)},
                             {"id", asset_id},
                             {"name", name},
                             {"label", ""},
                             {"uploader", {{"login", "k3s-io-release-bot"}, {"id", 1}}},
                             {"content_type", "application/octet-stream"},
                             {"state", "uploaded"},
                             {"size", size},
                             {"download_count", 42},
                             {"browser_download_url", kGitHubDownload + Encoded(r.tag) + "/" + name}});
    }
  }
  j["body"] = "Release notes of " + r.tag + ".";
  return j;
}

Status WriteText(Fs& fs, const std::string& path, const std::string& text) {
  RDB_RETURN_IF_ERROR(MakeDirs(fs, DirName(path), nullptr));
  return WriteFileAtomic(fs, path, text, 0644);
}

Status WriteReleaseFiles(Fs& fs, const std::string& root, const FakeUpstreamSpec& spec,
                         const FakeRelease& r, std::uint64_t seed) {
  if (!r.files) return Status::Ok();
  SampleKitSpec kit;
  kit.k3s_versions = {r.tag};
  kit.arches = spec.arches;
  kit.kubectls.clear();
  kit.binary_bytes = spec.binary_bytes;
  kit.images_bytes = spec.images_bytes;
  kit.images_zst = r.images_zst;
  kit.versions_json = false;
  kit.seed = seed;
  return WriteSampleKitTo(fs, ReleasesDir(root), JoinPath(root, ".unused-kuberlr"), kit);
}

Status WriteReleases(Fs& fs, const std::string& root, const FakeUpstreamSpec& spec) {
  OrderedJson list = OrderedJson::array();
  std::int64_t id = 170000000;  // GitHub ids; asset ids are id * 100 (past INT_MAX)
  std::uint64_t seed = 1;
  for (const FakeRelease& r : spec.releases) {
    RDB_RETURN_IF_ERROR(WriteReleaseFiles(fs, root, spec, r, seed++));
    RDB_ASSIGN_OR_RETURN(OrderedJson j, ReleaseJson(fs, root, spec, r, ++id));
    list.push_back(std::move(j));
  }
  return WriteText(fs, JoinPath(root, "repos/k3s-io/k3s/releases.paged.json"), list.dump() + "\n");
}

Status WriteChannels(Fs& fs, const std::string& root, const FakeUpstreamSpec& spec) {
  const std::string self = "https://update.k3s.io/v1-release/channels";
  OrderedJson j = {{"type", "collection"},
                   {"links", {{"self", self}}},
                   {"actions", OrderedJson::object()},
                   {"resourceType", "channels"},
                   {"data", OrderedJson::array()}};
  for (const auto& [name, latest] : spec.channels) {
    j["data"].push_back({{"id", name},
                         {"type", "channel"},
                         {"links", {{"self", self + "/" + name}}},
                         {"name", name},
                         {"latest", latest}});
  }
  return WriteText(fs, JoinPath(root, "v1-release/channels"), j.dump() + "\n");
}

Status WriteKubectl(Fs& fs, const std::string& root, const FakeUpstreamSpec& spec,
                    const std::string& version, TargetOs os, Arch arch, std::uint64_t seed) {
  const std::string exe = os == TargetOs::kWindows ? "kubectl.exe" : "kubectl";
  const std::string path = JoinPath(root, "kubectl/release/v" + version + "/bin/" +
                                              std::string(OsName(os)) + "/" +
                                              std::string(ArchName(arch)) + "/" + exe);
  RDB_RETURN_IF_ERROR(MakeDirs(fs, DirName(path), nullptr));
  if (fs.Stat(path).has_value()) RDB_RETURN_IF_ERROR(fs.RemoveFile(path));
  RDB_ASSIGN_OR_RETURN(auto out, fs.CreateNew(path, 0755));
  Sha256 sha;
  auto sink = [&](const void* p, std::size_t n) -> Status {
    sha.Update(p, n);
    return out->Append(p, n);
  };
  const std::string header = SampleExecutableHeader(os, arch);
  const std::size_t head = std::min<std::size_t>(header.size(), spec.kubectl_bytes);
  RDB_RETURN_IF_ERROR(sink(header.data(), head));
  RDB_RETURN_IF_ERROR(GenerateSampleContent(SampleContent::kCompressible,
                                            spec.kubectl_bytes - head, seed, sink));
  RDB_RETURN_IF_ERROR(out->Close());
  return WriteText(fs, path + ".sha256", sha.FinishHex() + "\n");
}

Status WriteKubectls(Fs& fs, const std::string& root, const FakeUpstreamSpec& spec) {
  std::uint64_t seed = 1000;
  for (const auto& [minor, version] : spec.kubectl_stable) {
    RDB_RETURN_IF_ERROR(WriteText(fs, JoinPath(root, "kubectl/release/stable-" + minor + ".txt"),
                                  "v" + version + "\n"));
    for (const auto& [os, arch] : spec.kubectl_platforms) {
      RDB_RETURN_IF_ERROR(WriteKubectl(fs, root, spec, version, os, arch, seed++));
    }
  }
  return Status::Ok();
}

// RD's releases: deterministic installer bytes per (version, platform), "<asset>.sha512sum"
// next to each (sha512sum's format), and the release list in GitHub's format.
Status WriteRdReleases(Fs& fs, const std::string& root, const FakeUpstreamSpec& spec) {
  OrderedJson list = OrderedJson::array();
  std::int64_t id = 180000000;
  std::uint64_t seed = 5000;
  for (const FakeRdRelease& r : spec.rd_releases) {
    OrderedJson j = {{"id", ++id},
                     {"tag_name", "v" + r.version},
                     {"name", "v" + r.version},
                     {"draft", false},
                     {"prerelease", r.prerelease},
                     {"assets", OrderedJson::array()}};
    if (!r.prerelease) {
      for (RdPlatform p : {RdPlatform::kWindows, RdPlatform::kDarwinArm64,
                           RdPlatform::kDarwinAmd64, RdPlatform::kLinux}) {
        const std::string name = RdInstallerAssetName(r.version, p);
        const std::string path = JoinPath(root, "releases/rd/v" + r.version + "/" + name);
        std::string bytes = "Rancher Desktop " + r.version + " installer for " +
                            std::string(RdPlatformName(p)) + "\n";
        RDB_RETURN_IF_ERROR(GenerateSampleContent(
            SampleContent::kCompressible, spec.rd_installer_bytes - bytes.size(), seed++,
            [&](const void* d, std::size_t n) -> Status {
              bytes.append(static_cast<const char*>(d), n);
              return Status::Ok();
            }));
        RDB_RETURN_IF_ERROR(WriteText(fs, path, bytes));
        std::uint8_t digest[crypto_hash_sha512_BYTES];
        crypto_hash_sha512(digest, reinterpret_cast<const unsigned char*>(bytes.data()),
                           bytes.size());
        RDB_RETURN_IF_ERROR(WriteText(fs, path + ".sha512sum", HexEncode(digest) + "  " + name + "\n"));
        j["assets"].push_back(
            {{"id", id * 10 + static_cast<int>(p)},
             {"name", name},
             {"size", bytes.size()},
             {"browser_download_url", "https://github.com/rancher-sandbox/rancher-desktop/"
                                      "releases/download/v" + r.version + "/" + name}});
      }
    }
    list.push_back(std::move(j));
  }
  return WriteText(fs, JoinPath(root, "repos/rancher-sandbox/rancher-desktop/releases.paged.json"),
                   list.dump() + "\n");
}

}  // namespace

FakeUpstreamSpec FakeUpstreamSpec::Standard() {
  FakeUpstreamSpec s;
  s.releases = {
      {"v1.31.1+k3s1"},
      {"v1.31.0-rc1+k3s1", /*prerelease=*/true, /*files=*/false},
      {"v1.30.4+k3s2"},
      {"v1.30.4+k3s1"},
      {"v1.29.9+k3s1", false, false, true, /*list_images=*/false},
      {"v1.29.8+k3s1", false, true, /*images_zst=*/false},
      {"v1.29", false, false},
      {"v1.28.13+k3s1"},
      {"v1.24.17+k3s1", false, false},
  };
  s.channels = {{"stable", "v1.30.4+k3s2"},  {"latest", "v1.31.1+k3s1"},
                {"testing", "v1.31.0-rc1+k3s1"}, {"v1.24", "v1.24.17+k3s1"},
                {"v1.28", "v1.28.13+k3s1"},  {"v1.29", "v1.29.8+k3s1"},
                {"v1.30", "v1.30.4+k3s2"},   {"v1.31", "v1.31.1+k3s1"}};
  s.kubectl_stable = {{"1.27", "1.27.16"}, {"1.28", "1.28.15"}, {"1.29", "1.29.14"},
                      {"1.30", "1.30.14"}, {"1.31", "1.31.6"}};
  s.rd_releases = {{"1.20.0-rc1", /*prerelease=*/true}, {"1.19.3"}, {"1.18.2"}};
  return s;
}

Status WriteFakeUpstream(Fs& fs, const std::string& root, const FakeUpstreamSpec& spec) {
  RDB_RETURN_IF_ERROR(MakeDirs(fs, root, nullptr));
  RDB_RETURN_IF_ERROR(WriteReleases(fs, root, spec));
  RDB_RETURN_IF_ERROR(WriteChannels(fs, root, spec));
  RDB_RETURN_IF_ERROR(WriteRdReleases(fs, root, spec));
  return WriteKubectls(fs, root, spec);
}

const std::string& StandardFakeUpstreamRoot() {
  static ScopedTempDir* dir = [] {
    auto* d = new ScopedTempDir();
    Status s = WriteFakeUpstream(DefaultFs(), d->Sub("upstream"), FakeUpstreamSpec::Standard());
    if (!s.ok()) {
      std::fprintf(stderr, "fake upstream: %s\n", s.message().c_str());
      std::abort();
    }
    std::atexit([] { delete dir; });
    return d;
  }();
  static const std::string root = dir->Sub("upstream");
  return root;
}

std::vector<std::string> FakeUpstreamArgs(const std::string& base) {
  return {"--channel-url",      base + "/v1-release/channels",
          "--k3s-release-url",  base + "/releases/k3s",
          "--k3s-releases-api", base + "/repos/k3s-io/k3s/releases",
          "--kubectl-url",      base + "/kubectl/release",
          "--rd-release-url",   base + "/releases/rd",
          "--rd-releases-api",  base + "/repos/rancher-sandbox/rancher-desktop/releases"};
}

std::string FakeUpstreamServer::ScriptPath() {
  // Not __FILE__: ccache's base_dir and -ffile-prefix-map make it relative to the build dir.
  return JoinPath(RDB_SOURCE_DIR, "tests/support/fake_upstream.py");
}

}  // namespace rdbundle::testsupport
