// rdbundle-pack: the connected side. Parses options and calls one command (keygen.h, build.h,
// plan.h, versions-json here).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "common/cli/cli.h"
#include "common/format/version.h"
#include "common/os/fs.h"
#include "common/rd/k3s_versions.h"
#include "packer/build.h"
#include "packer/fetch.h"
#include "packer/keygen.h"
#include "packer/plan.h"
#include "packer/upstream.h"
#include "packer/upstream_json.h"

namespace rdbundle::packer {
namespace {

constexpr const char* kUsage = R"(usage: rdbundle-pack <command> [options]

Commands:
  keygen         make a signing key pair (minisign format)
  build          pack a Rancher Desktop offline kit into one signed .rdbundle: fetched from
                 upstream (or a mirror), or from a local kit (--from) or RD's cache
  plan           show what a fetching build would download: k3s versions, files, the kubectl
                 set that covers them, sizes
  versions-json  write k3s-versions.json exactly as Rancher Desktop builds it from upstream

keygen [-p FILE] [-s FILE] [-W] [--password-file F] [--force]
  -p, --public-key FILE    public key to write (default rdbundle.pub)
  -s, --secret-key FILE    secret key to write (default rdbundle.key)
  -W, --unencrypted        store the secret key without a password
      --password-file F    the new password is the first line of F (else $RDBUNDLE_PASSWORD,
                           else asked twice on the terminal)
      --force              overwrite existing key files

build -o OUT.rdbundle -s KEY [--from DIR | --from-rd-cache] [options]
  -o, --output OUT         bundle to write (as OUT.part until it is complete)
  -s, --secret-key KEY     minisign secret key to sign with
      --password-file F    password of an encrypted KEY (else $RDBUNDLE_PASSWORD, else asked)
 input (default: fetch, see "fetching" below):
      --from DIR           a kit: DIR/cache/k3s/<version>/{k3s|k3s-arm64, sha256sum-<arch>.txt,
                           k3s-airgap-images-<arch>.tar.zst|.tar}, DIR/cache/k3s-versions.json
                           (optional), DIR/kuberlr/<os>-<arch>/kubectl<X.Y.Z>[.exe]
      --from-rd-cache      what this machine's Rancher Desktop has: its cache and ~/.kuberlr
        --home DIR         home directory to read (default $HOME)
        --cache-dir DIR    Rancher Desktop cache dir (default derived from the home)
        --kuberlr-dir DIR  kuberlr dir (default <home>/.kuberlr)
 selection with --from/--from-rd-cache (default: everything found; a selected item that is
 missing is an error):
      --k3s VERSION        k3s version, e.g. v1.30.4+k3s1 (repeatable)
      --arch ARCH          k3s arch: amd64 | arm64 (repeatable)
      --kubectl X.Y.Z/OS/ARCH   kubectl, e.g. 1.30.4/linux/amd64 (repeatable)
 output:
      --level N            zstd level, 1 to 22 (default 3)
      --threads N          threads for hashing and compression (default: one per core);
                           the bundle is the same for any N
      --detached-sig       also write OUT.minisig (check: minisign -Vm OUT -p KEY.pub)
      --require-kubectl-cover   fail (exit 1) when a bundled k3s minor has no bundled kubectl
                           within one minor, per kubectl platform
      --dry-run            check the inputs and print the manifest; write nothing (-s optional)
      --force              overwrite an existing OUT (and OUT.minisig)
      --progress / --no-progress   progress on stderr (default: only on a terminal)
 SOURCE_DATE_EPOCH=<seconds> makes the bundle reproducible: same inputs, key and time give the
 same bytes (created time, tar mtimes, bundle id derived from the content).

plan [selection] [upstream options] [--json]
  the same resolution a fetching build does, nothing downloaded (kubectl sizes by HEAD)
      --json               machine-readable output

versions-json [-o FILE] [--arch ARCH ...] [upstream options]
  k3s-versions.json from the channel server and the release list, by Rancher Desktop's rules
  (no prereleases, malformed tags, older +k3sN builds, releases missing the assets of the
  arches, versions below v1.25.3); to stdout, or written atomically to FILE

fetching (build without --from/--from-rd-cache, plan):
 selection (default: --channel stable):
      --k3s VERSION        an exact k3s release, e.g. v1.30.4+k3s1 (repeatable)
      --channel NAME       the release a k3s channel points to: stable, latest, v1.30 ...
                           (repeatable)
      --minors A-B         the newest release of each minor from A to B, e.g. 1.29-1.31
      --arch ARCH          k3s arch: amd64 | arm64 (repeatable; default: this machine's)
      --kubectl-platform OS/ARCH   who runs kubectl, e.g. darwin/arm64 (repeatable; default:
                           this machine's): the fewest kubectls that serve every chosen k3s
                           minor within one minor, newest patch of each (stable-X.Y.txt)
      --kubectl X.Y.Z/OS/ARCH   also this exact kubectl (repeatable; alone, instead of a cover)
      --no-kubectl         no kubectl at all
 download cache:
      --download-dir DIR   where downloads go and stay (default
                           $XDG_CACHE_HOME/rdbundle/downloads): files already there are
                           verified against the upstream digests and not downloaded again
      --offline            no network: only the download dir (what an earlier build fetched)
      --parallel N         downloads at a time (default 4)
 upstream (mirrors: any http/https base URL):
      --channel-url URL        default https://update.k3s.io/v1-release/channels
      --k3s-release-url URL    default https://github.com/k3s-io/k3s/releases/download
      --k3s-releases-api URL   default https://api.github.com/repos/k3s-io/k3s/releases
                               ($GITHUB_TOKEN, when set, is sent to api.github.com only)
      --kubectl-url URL        default https://dl.k8s.io/release
      --ca-bundle FILE         trust the CAs in FILE (PEM) for TLS
      --insecure               do not verify TLS certificates (prints a warning; the digests
                               are still checked)
      --retries N              retries of a failed transfer (default 4; backoff with jitter)
      --retry-delay-ms N       first backoff (default 1000, doubling up to 30 s)
      --connect-timeout S      seconds to connect (default 30)
      --stall-timeout S        abort a transfer slower than 1 KiB/s for S seconds (default 60)
 Proxies come from the usual variables (https_proxy, http_proxy, no_proxy).

Exit codes: 0 ok, 1 check failed (--require-kubectl-cover), 2 usage, 3 key or password,
            4 corrupt input or checksum mismatch, 5 I/O (also: missing from the download
            cache), 6 network, 130 interrupted.
)";

std::vector<OptionSpec> Specs() {
  return {
      {"public-key", 'p', true},    {"secret-key", 's', true},   {"unencrypted", 'W', false},
      {"password-file", 0, true},   {"force", 0, false},         {"output", 'o', true},
      {"from", 0, true},            {"from-rd-cache", 0, false}, {"home", 0, true},
      {"cache-dir", 0, true},       {"kuberlr-dir", 0, true},    {"k3s", 0, true, true},
      {"arch", 0, true, true},      {"kubectl", 0, true, true},  {"level", 0, true},
      {"threads", 0, true},         {"detached-sig", 0, false},  {"require-kubectl-cover", 0, false},
      {"dry-run", 0, false},        {"progress", 0, false},      {"no-progress", 0, false},
      {"help", 'h', false},
      // fetching
      {"channel", 0, true, true},   {"minors", 0, true},         {"kubectl-platform", 0, true, true},
      {"no-kubectl", 0, false},     {"json", 0, false},          {"download-dir", 0, true},
      {"offline", 0, false},        {"parallel", 0, true},       {"channel-url", 0, true},
      {"k3s-release-url", 0, true}, {"k3s-releases-api", 0, true}, {"kubectl-url", 0, true},
      {"ca-bundle", 0, true},       {"insecure", 0, false},      {"retries", 0, true},
      {"retry-delay-ms", 0, true},  {"connect-timeout", 0, true}, {"stall-timeout", 0, true},
  };
}

// Options of the fetching commands.
const std::vector<std::string> kUpstreamOptions = {
    "download-dir", "offline",     "channel-url",    "k3s-release-url", "k3s-releases-api",
    "kubectl-url",  "ca-bundle",   "insecure",       "retries",         "retry-delay-ms",
    "connect-timeout", "stall-timeout"};
const std::vector<std::string> kFetchSelectionOptions = {"channel", "minors", "kubectl-platform",
                                                         "no-kubectl"};

// Rejects options that the command does not use, so a typo is never silently ignored.
Status OnlyOptions(const ParsedArgs& a, const std::string& cmd,
                   const std::vector<std::string>& allowed) {
  RDB_RETURN_IF_ERROR(CheckOptionsApply(a, Specs(), cmd, allowed));
  if (!a.positional().empty()) {
    return Status::Usage(cmd + " takes no argument \"" + a.positional()[0] + "\"");
  }
  return Status::Ok();
}

Status Keygen(const ParsedArgs& a) {
  RDB_RETURN_IF_ERROR(OnlyOptions(a, "keygen", {"public-key", "secret-key", "unencrypted",
                                                "password-file", "force"}));
  KeygenOptions o;
  if (auto v = a.Get("public-key")) o.public_key_path = *v;
  if (auto v = a.Get("secret-key")) o.secret_key_path = *v;
  o.unencrypted = a.Has("unencrypted");
  o.force = a.Has("force");
  o.password_file = a.Get("password-file");
  return RunKeygen(DefaultFs(), o, stdout);
}

// "1.30.4/linux/amd64" (a leading "v" on the version is accepted).
Result<KubectlPlatform> ParseKubectlOption(const std::string& s) {
  const auto bad = [&s](const std::string& why) {
    return Status::Usage("--kubectl \"" + s + "\": " + why + " (expected X.Y.Z/OS/ARCH, e.g. "
                         "1.30.4/linux/amd64)");
  };
  const auto a = s.find('/'), b = a == std::string::npos ? a : s.find('/', a + 1);
  if (b == std::string::npos || s.find('/', b + 1) != std::string::npos) return bad("malformed");
  auto v = ParseKubectlVersion(s.substr(0, a));
  if (!v.has_value()) return bad(v.error().message());
  auto os = ParseOs(s.substr(a + 1, b - a - 1));
  if (!os.has_value()) return bad(os.error().message());
  auto arch = ParseArch(s.substr(b + 1));
  if (!arch.has_value()) return bad(arch.error().message());
  return KubectlPlatform{v->ToString(), *os, *arch};
}

Result<KitSelection> GetSelection(const ParsedArgs& a) {
  KitSelection sel;
  for (const std::string& s : a.GetAll("k3s")) {
    auto v = ParseK3sVersion(s);
    if (!v.has_value()) return Status::Usage("--k3s: " + v.error().message());
    sel.k3s_versions.push_back(v->text);
  }
  for (const std::string& s : a.GetAll("arch")) {
    RDB_ASSIGN_OR_RETURN(Arch arch, ParseArch(s));
    if (std::find(sel.arches.begin(), sel.arches.end(), arch) == sel.arches.end()) {
      sel.arches.push_back(arch);
    }
  }
  for (const std::string& s : a.GetAll("kubectl")) {
    RDB_ASSIGN_OR_RETURN(KubectlPlatform k, ParseKubectlOption(s));
    sel.kubectls.push_back(std::move(k));
  }
  return sel;
}

// "darwin/arm64".
Result<std::pair<TargetOs, Arch>> ParsePlatformOption(const std::string& s) {
  const auto slash = s.find('/');
  if (slash == std::string::npos) {
    return Status::Usage("--kubectl-platform \"" + s + "\": expected OS/ARCH, e.g. darwin/arm64");
  }
  RDB_ASSIGN_OR_RETURN(TargetOs os, ParseOs(s.substr(0, slash)));
  RDB_ASSIGN_OR_RETURN(Arch arch, ParseArch(s.substr(slash + 1)));
  return std::make_pair(os, arch);
}

// The selection of the fetching commands (--k3s, --channel, --minors, --arch, kubectls).
Result<PlanRequest> GetPlanRequest(const ParsedArgs& a) {
  RDB_ASSIGN_OR_RETURN(KitSelection sel, GetSelection(a));
  PlanRequest r;
  r.k3s = sel.k3s_versions;
  r.arches = sel.arches;
  r.kubectls = sel.kubectls;
  r.channels = a.GetAll("channel");
  if (auto v = a.Get("minors")) {
    RDB_ASSIGN_OR_RETURN(r.minors, ParseMinorRange(*v));
  }
  for (const std::string& s : a.GetAll("kubectl-platform")) {
    RDB_ASSIGN_OR_RETURN(auto platform, ParsePlatformOption(s));
    r.kubectl_platforms.push_back(platform);
  }
  r.no_kubectl = a.Has("no-kubectl");
  if (r.no_kubectl && (!r.kubectl_platforms.empty() || !r.kubectls.empty())) {
    return Status::Usage("--no-kubectl excludes --kubectl and --kubectl-platform");
  }
  return r;
}

Result<int> IntOption(const ParsedArgs& a, const char* name, int lo, int hi, int fallback) {
  auto v = a.Get(name);
  if (!v) return fallback;
  RDB_ASSIGN_OR_RETURN(long long n, ParseIntOption(name, *v, lo, hi));
  return static_cast<int>(n);
}

Result<HttpOptions> GetHttpOptions(const ParsedArgs& a) {
  HttpOptions h;
  h.ca_bundle = a.Get("ca-bundle");
  h.insecure = a.Has("insecure");
  RDB_ASSIGN_OR_RETURN(int retries, IntOption(a, "retries", 0, 20, h.attempts - 1));
  h.attempts = retries + 1;
  RDB_ASSIGN_OR_RETURN(h.retry_delay_ms, IntOption(a, "retry-delay-ms", 0, 600000, h.retry_delay_ms));
  RDB_ASSIGN_OR_RETURN(h.connect_timeout_s, IntOption(a, "connect-timeout", 1, 600, h.connect_timeout_s));
  RDB_ASSIGN_OR_RETURN(h.stall_timeout_s, IntOption(a, "stall-timeout", 1, 3600, h.stall_timeout_s));
  if (auto token = GetEnvReal("GITHUB_TOKEN"); token && !token->empty()) h.github_token = token;
  if (h.insecure) {
    std::fprintf(stderr, "rdbundle-pack: warning: --insecure: TLS certificates are not verified; "
                         "the release list, checksum files and kubectl digests could be forged "
                         "in transit\n");
  }
  return h;
}

// Sources, transfers and the download dir of the fetching commands.
Result<Upstream::Options> GetUpstreamOptions(const ParsedArgs& a) {
  Upstream::Options o;
  if (auto v = a.Get("channel-url")) o.urls.channels = *v;
  if (auto v = a.Get("k3s-release-url")) o.urls.k3s_release = *v;
  if (auto v = a.Get("k3s-releases-api")) o.urls.releases_api = *v;
  if (auto v = a.Get("kubectl-url")) o.urls.kubectl = *v;
  RDB_RETURN_IF_ERROR(NormalizeUpstreamUrls(o.urls));
  RDB_ASSIGN_OR_RETURN(o.http, GetHttpOptions(a));
  o.offline = a.Has("offline");
  if (auto v = a.Get("download-dir")) {
    o.download_dir = *v;
  } else {
    RDB_ASSIGN_OR_RETURN(o.download_dir, DefaultDownloadDir(GetEnvReal));
  }
  return o;
}

Result<FetchOptions> GetFetchOptions(const ParsedArgs& a) {
  FetchOptions f;
  RDB_ASSIGN_OR_RETURN(Upstream::Options u, GetUpstreamOptions(a));
  f.urls = u.urls;
  f.http = u.http;
  f.download_dir = *u.download_dir;
  f.offline = u.offline;
  RDB_ASSIGN_OR_RETURN(f.parallel, IntOption(a, "parallel", 1, 32, f.parallel));
  RDB_ASSIGN_OR_RETURN(f.request, GetPlanRequest(a));
  return f;
}

// --from or --from-rd-cache: none of the fetching options apply.
Status NoFetchOptions(const ParsedArgs& a) {
  for (const auto& name : JoinOptionLists(JoinOptionLists(kUpstreamOptions, kFetchSelectionOptions), {"parallel"})) {
    if (a.Has(name)) {
      return Status::Usage("option --" + name + " applies when build fetches (without --from "
                           "and --from-rd-cache)");
    }
  }
  return Status::Ok();
}

Result<BuildOptions> GetBuildOptions(const ParsedArgs& a) {
  BuildOptions o;
  o.output = a.Get("output").value_or("");
  o.secret_key = a.Get("secret-key");
  o.from_dir = a.Get("from");
  o.from_rd_cache = a.Has("from-rd-cache");
  o.rd.home = a.Get("home");
  o.rd.cache_dir = a.Get("cache-dir");
  o.rd.kuberlr_dir = a.Get("kuberlr-dir");
  if (o.from_dir || o.from_rd_cache) {
    RDB_RETURN_IF_ERROR(NoFetchOptions(a));
    RDB_ASSIGN_OR_RETURN(o.selection, GetSelection(a));
  } else {
    RDB_ASSIGN_OR_RETURN(o.fetch, GetFetchOptions(a));
  }
  RDB_ASSIGN_OR_RETURN(o.level, IntOption(a, "level", 1, 22, o.level));
  RDB_ASSIGN_OR_RETURN(o.threads, IntOption(a, "threads", 1, 256, o.threads));
  o.detached_sig = a.Has("detached-sig");
  o.require_kubectl_cover = a.Has("require-kubectl-cover");
  o.dry_run = a.Has("dry-run");
  o.force = a.Has("force");
  if (a.Has("progress") && a.Has("no-progress")) {
    return Status::Usage("--progress and --no-progress exclude each other");
  }
  if (a.Has("progress")) o.progress = true;
  if (a.Has("no-progress")) o.progress = false;
  o.password.password_file = a.Get("password-file");
  return o;
}

Status Build(const ParsedArgs& a) {
  const std::vector<std::string> local = {
      "output", "secret-key", "password-file", "from", "from-rd-cache", "home", "cache-dir",
      "kuberlr-dir", "k3s", "arch", "kubectl", "level", "threads", "detached-sig",
      "require-kubectl-cover", "dry-run", "force", "progress", "no-progress", "parallel"};
  RDB_RETURN_IF_ERROR(OnlyOptions(
      a, "build", JoinOptionLists(JoinOptionLists(local, kUpstreamOptions), kFetchSelectionOptions)));
  RDB_ASSIGN_OR_RETURN(BuildOptions o, GetBuildOptions(a));
  return RunBuild(DefaultFs(), o, stdout, stderr);
}

// Online, plan and versions-json only read (nothing is saved); --offline reads the download dir.
Result<Upstream::Options> GetReadOnlyUpstream(const ParsedArgs& a) {
  RDB_ASSIGN_OR_RETURN(Upstream::Options o, GetUpstreamOptions(a));
  o.save = false;
  return o;
}

Status Plan(const ParsedArgs& a) {
  RDB_RETURN_IF_ERROR(OnlyOptions(
      a, "plan",
      JoinOptionLists(JoinOptionLists(kUpstreamOptions, kFetchSelectionOptions), {"k3s", "arch", "kubectl", "json"})));
  RDB_ASSIGN_OR_RETURN(PlanRequest request, GetPlanRequest(a));
  RDB_ASSIGN_OR_RETURN(Upstream::Options u, GetReadOnlyUpstream(a));
  Upstream upstream(DefaultFs(), u);
  RDB_ASSIGN_OR_RETURN(packer::Plan plan, MakePlan(upstream, request));
  const std::string text = a.Has("json") ? PlanToJson(plan) : FormatPlan(plan);
  std::fputs(text.c_str(), stdout);
  return Status::Ok();
}

Status VersionsJson(const ParsedArgs& a) {
  RDB_RETURN_IF_ERROR(OnlyOptions(a, "versions-json", JoinOptionLists(kUpstreamOptions, {"output", "arch"})));
  RDB_ASSIGN_OR_RETURN(KitSelection sel, GetSelection(a));
  const std::vector<Arch> arches = sel.arches.empty() ? std::vector<Arch>{HostArch()} : sel.arches;
  RDB_ASSIGN_OR_RETURN(Upstream::Options u, GetReadOnlyUpstream(a));
  Upstream upstream(DefaultFs(), u);
  RDB_ASSIGN_OR_RETURN(const auto* channels, upstream.Channels());
  RDB_ASSIGN_OR_RETURN(const auto* releases, upstream.Releases());
  std::vector<K3sAssetRequirement> need;
  for (Arch arch : arches) need.push_back(RdAssetRequirement(arch));
  const std::string text = SerializeK3sVersionsFile(BuildK3sVersionsFile(*channels, *releases, need));
  const std::string out = a.Get("output").value_or("-");
  if (out == "-") {
    std::fputs(text.c_str(), stdout);
    return Status::Ok();
  }
  return WriteFileAtomic(DefaultFs(), out, text, 0644);
}

// One entry per command.
Status Dispatch(const std::string& cmd, const ParsedArgs& a) {
  if (cmd == "keygen") return Keygen(a);
  if (cmd == "build") return Build(a);
  if (cmd == "plan") return Plan(a);
  if (cmd == "versions-json") return VersionsJson(a);
  return Status::Usage("unknown command \"" + cmd + "\" (see rdbundle-pack --help)");
}

}  // namespace
}  // namespace rdbundle::packer

int main(int argc, char** argv) {
  namespace packer = rdbundle::packer;
  return rdbundle::RunCommandProgram(
      {"rdbundle-pack", packer::kUsage, packer::Specs(), packer::Dispatch}, argc, argv);
}
