// rdbundle-pack: the connected side. Parses options and calls one command (keygen.h, build.h,
// plan.h, versions-json here).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "common/cli/cli.h"
#include "common/format/version.h"
#include "common/os/fs.h"
#include "common/os/platform.h"
#include "common/rd/k3s_versions.h"
#include "packer/build.h"
#include "packer/fetch.h"
#include "packer/keygen.h"
#include "packer/kit_file.h"
#include "packer/oci_commands.h"
#include "packer/plan.h"
#include "packer/upstream.h"
#include "packer/upstream_json.h"

namespace rdbundle::packer {
namespace {

constexpr const char* kSummary =
    "pack a Rancher Desktop offline kit (k3s, its images, kubectl) into one signed file";

// After the commands in --help and in the man page.
std::vector<HelpSection> Sections() {
  return {
      {"Environment",
       "RDBUNDLE_PASSWORD      password of the secret key, when no --password-file is given\n"
       "SOURCE_DATE_EPOCH      seconds: makes a bundle reproducible (created time, tar mtimes)\n"
       "GITHUB_TOKEN           sent to api.github.com only, for its rate limit\n"
       "https_proxy, http_proxy, no_proxy   proxies, as curl uses them\n"
       "XDG_CACHE_HOME         the default download dir is $XDG_CACHE_HOME/rdbundle/downloads\n"
       "RDBUNDLE_REGISTRY_PASSWORD   the registry password of --username (push, pull, ls)\n"
       "REGISTRY_AUTH_FILE, DOCKER_CONFIG   where registry credentials are looked up\n"
       "RDBUNDLE_CHANNEL_URL, RDBUNDLE_K3S_RELEASE_URL, RDBUNDLE_K3S_RELEASES_API,\n"
       "RDBUNDLE_KUBECTL_URL, RDBUNDLE_RD_RELEASE_URL, RDBUNDLE_RD_RELEASES_API\n"
       "                       the mirrors of --channel-url ... --rd-releases-api, when neither\n"
       "                       a flag nor the kit file (-f) gives them\n"
       "TERM=dumb              progress redrawn with carriage returns only, no escape sequences\n"
       "NO_COLOR               no colour (rdbundle-pack prints none; rdbundle-unpack doctor)\n"},
      {"Exit codes",
       "0 ok, 1 check failed (--require-kubectl-cover), 2 usage, 3 key or password,\n"
       "4 corrupt input or checksum mismatch, 5 I/O (also: missing from the download cache),\n"
       "6 network, 70 internal error, 130 interrupted\n"},
  };
}

// The commands; build has three forms (by its input), each with its own options.
enum Command : CommandSet {
  kKeygen = 1 << 0,
  kBuildFetch = 1 << 1,    // build without --from or --from-rd-cache: fetches
  kBuildFrom = 1 << 2,     // build --from DIR
  kBuildRdCache = 1 << 3,  // build --from-rd-cache
  kPlan = 1 << 4,
  kVersionsJson = 1 << 5,
  kPush = 1 << 6,
  kPull = 1 << 7,
  kLs = 1 << 8,
};
constexpr CommandSet kRegistry = kPush | kPull | kLs;  // talks to an OCI registry
constexpr CommandSet kBuild = kBuildFetch | kBuildFrom | kBuildRdCache;
constexpr CommandSet kBuildLocal = kBuildFrom | kBuildRdCache;
constexpr CommandSet kFetching = kBuildFetch | kPlan;                  // what to fetch
constexpr CommandSet kUpstream = kBuildFetch | kPlan | kVersionsJson;  // reads upstream
constexpr CommandSet kNetwork = kUpstream | kRegistry;                  // HTTP options

// Every option and the commands it applies to: adding an option is one row here; the help,
// the man page and the completions are generated from it (common/cli/help.h).
std::vector<OptionSpec> Options() {
  return {
      // keygen
      {.name = "public-key", .short_name = 'p', .value = "FILE", .commands = kKeygen,
       .help = "public key to write (default rdbundle.pub)"},
      {.name = "secret-key", .short_name = 's', .value = "FILE", .commands = kKeygen,
       .help = "secret key to write (default rdbundle.key)"},
      {.name = "unencrypted", .short_name = 'W', .commands = kKeygen,
       .help = "store the secret key without a password"},
      {.name = "password-file", .value = "F", .commands = kKeygen,
       .help = "the new password is the first line of F (else $RDBUNDLE_PASSWORD, else asked "
               "twice on the terminal)"},
      {.name = "force", .commands = kKeygen, .help = "overwrite existing key files"},
      // build
      {.name = "output", .short_name = 'o', .value = "OUT", .commands = kBuild,
       .help = "bundle to write (as OUT.part until it is complete)"},
      {.name = "secret-key", .short_name = 's', .value = "KEY", .commands = kBuild,
       .help = "minisign secret key to sign with"},
      {.name = "password-file", .value = "F", .commands = kBuild,
       .help = "password of an encrypted KEY (else $RDBUNDLE_PASSWORD, else asked)"},
      {.name = "from", .value = "DIR", .commands = kBuildFrom,
       .help = "pack the kit in DIR (DIR/cache/k3s/..., DIR/kuberlr/...; see below)"},
      {.name = "from-rd-cache", .commands = kBuildRdCache,
       .help = "pack what this machine's Rancher Desktop has: its cache and ~/.kuberlr"},
      {.name = "home", .value = "DIR", .commands = kBuildRdCache,
       .help = "home directory to read (default $HOME)"},
      {.name = "cache-dir", .value = "DIR", .commands = kBuildRdCache,
       .help = "Rancher Desktop cache dir (default derived from the home)"},
      {.name = "kuberlr-dir", .value = "DIR", .commands = kBuildRdCache,
       .help = "kuberlr dir (default <home>/.kuberlr)"},
      {.name = "k3s", .value = "VERSION", .repeatable = true, .commands = kBuild | kPlan,
       .help = "an exact k3s version, e.g. v1.30.4+k3s1"},
      {.name = "arch", .value = "ARCH", .repeatable = true, .commands = kBuildLocal,
       .help = "k3s arch: amd64 | arm64 (default: every arch found)"},
      {.name = "arch", .value = "ARCH", .repeatable = true, .commands = kUpstream,
       .help = "k3s arch: amd64 | arm64 (default: this machine's)"},
      {.name = "kubectl", .value = "X.Y.Z/OS/ARCH", .repeatable = true,
       .commands = kBuild | kPlan,
       .help = "an exact kubectl, e.g. 1.30.4/linux/amd64 (fetching: in addition to the cover; "
               "alone, instead of it)"},
      {.name = "level", .value = "N", .commands = kBuild,
       .help = "zstd level, 1 to 22 (default 3)"},
      {.name = "threads", .value = "N", .commands = kBuild,
       .help = "threads for hashing and compression (default: one per core); the bundle is "
               "the same for any N"},
      {.name = "detached-sig", .commands = kBuild,
       .help = "also write OUT.minisig (check: minisign -Vm OUT -p KEY.pub)"},
      {.name = "require-kubectl-cover", .commands = kBuild,
       .help = "fail (exit 1) when a bundled k3s minor has no bundled kubectl within one "
               "minor, per kubectl platform"},
      {.name = "dry-run", .commands = kBuild,
       .help = "check the inputs and print the manifest; write nothing (-s optional)"},
      {.name = "force", .commands = kBuild, .help = "overwrite an existing OUT (and OUT.minisig)"},
      // push, pull, ls
      {.name = "public-key", .short_name = 'p', .value = "KEY.pub", .commands = kPush,
       .help = "the key that must have signed BUNDLE (else the keys of --trusted-dir)"},
      {.name = "trusted-dir", .value = "DIR", .commands = kPush,
       .help = "directory of trusted *.pub keys (default $XDG_CONFIG_HOME/rdbundle/trusted)"},
      {.name = "chunk-size", .value = "MIB", .commands = kPush,
       .help = "upload chunk size in MiB (default 16)"},
      {.name = "output", .short_name = 'o', .value = "FILE|-", .commands = kPull,
       .help = "where to write (default: the pushed file name); - is stdout"},
      {.name = "force", .commands = kPull, .help = "overwrite an existing FILE (and FILE.minisig)"},
      {.name = "plain-http", .commands = kRegistry,
       .help = "http:// instead of https:// (warns unless the registry is loopback)"},
      {.name = "username", .value = "NAME", .commands = kRegistry,
       .help = "log in as NAME (password: --password-stdin or $RDBUNDLE_REGISTRY_PASSWORD)"},
      {.name = "password-stdin", .commands = kRegistry,
       .help = "read the registry password from the first line of stdin"},
      {.name = "progress", .commands = kBuild | kPush | kPull, .help = "progress on stderr even when piped"},
      {.name = "no-progress", .commands = kBuild | kPush | kPull, .help = "no progress, even on a terminal"},
      // fetching: selection
      {.name = "channel", .value = "NAME", .repeatable = true, .commands = kFetching,
       .help = "the release a k3s channel points to: stable, latest, v1.30 ..."},
      {.name = "minors", .value = "A-B", .commands = kFetching,
       .help = "the newest release of each minor from A to B, e.g. 1.29-1.31"},
      {.name = "kubectl-platform", .value = "OS/ARCH", .repeatable = true,
       .commands = kFetching,
       .help = "who runs kubectl, e.g. darwin/arm64 (default: this machine's): the fewest "
               "kubectls that serve every chosen k3s minor within one minor, the newest patch "
               "of each (stable-X.Y.txt)"},
      {.name = "no-kubectl", .commands = kFetching, .help = "no kubectl at all"},
      {.name = "rd-installer", .value = "VERSION|latest", .repeatable = true, .commands = kFetching,
       .help = "also carry the Rancher Desktop installer X.Y.Z (or the latest release), checked "
               "against its .sha512sum, for each --rd-platform; the bundle is then format "
               "version 2"},
      {.name = "rd-platform", .value = "PLATFORM", .repeatable = true, .commands = kFetching,
       .help = "the platforms of --rd-installer: windows | darwin-arm64 | darwin-amd64 | linux"},
      {.name = "kit-file", .short_name = 'f', .value = "KIT.yaml", .commands = kFetching,
       .help = "take the selection, mirrors, CA bundle, RD installers and output name from a "
               "kit file (see below); flags override it"},
      {.name = "json", .commands = kPlan | kLs, .help = "machine-readable output"},
      // versions-json
      {.name = "output", .short_name = 'o', .value = "FILE", .commands = kVersionsJson,
       .help = "write k3s-versions.json atomically to FILE (default: stdout)"},
      // fetching: download cache and transfers
      {.name = "download-dir", .value = "DIR", .commands = kUpstream,
       .help = "where downloads go and stay (default $XDG_CACHE_HOME/rdbundle/downloads): "
               "files already there are verified against the upstream digests and not "
               "downloaded again"},
      {.name = "offline", .commands = kUpstream,
       .help = "no network: only the download dir (what an earlier build fetched)"},
      {.name = "parallel", .value = "N", .commands = kBuildFetch,
       .help = "downloads at a time (default 4)"},
      {.name = "channel-url", .value = "URL", .commands = kUpstream,
       .help = "k3s channel server (default https://update.k3s.io/v1-release/channels)"},
      {.name = "k3s-release-url", .value = "URL", .commands = kUpstream,
       .help = "k3s release downloads (default "
               "https://github.com/k3s-io/k3s/releases/download; \"+\" is sent as %2B)"},
      {.name = "k3s-releases-api", .value = "URL", .commands = kUpstream,
       .help = "k3s release list, read page by page (default "
               "https://api.github.com/repos/k3s-io/k3s/releases; $GITHUB_TOKEN, "
               "when set, is sent to api.github.com only)"},
      {.name = "kubectl-url", .value = "URL", .commands = kUpstream,
       .help = "kubectl downloads (default https://dl.k8s.io/release)"},
      {.name = "rd-release-url", .value = "URL", .commands = kUpstream,
       .help = "Rancher Desktop release downloads (default "
               "https://github.com/rancher-sandbox/rancher-desktop/releases/download)"},
      {.name = "rd-releases-api", .value = "URL", .commands = kUpstream,
       .help = "Rancher Desktop release list (default "
               "https://api.github.com/repos/rancher-sandbox/rancher-desktop/releases)"},
      {.name = "ca-bundle", .value = "FILE", .commands = kNetwork,
       .help = "trust the CAs in FILE (PEM) for TLS"},
      {.name = "insecure", .commands = kNetwork,
       .help = "do not verify TLS certificates (warns; the digests are still checked)"},
      {.name = "retries", .value = "N", .commands = kNetwork,
       .help = "retries of a failed transfer (default 4; backoff with jitter)"},
      {.name = "retry-delay-ms", .value = "N", .commands = kNetwork,
       .help = "first backoff (default 1000, doubling up to 30 s)"},
      {.name = "connect-timeout", .value = "S", .commands = kNetwork,
       .help = "seconds to connect (default 30)"},
      {.name = "stall-timeout", .value = "S", .commands = kNetwork,
       .help = "abort a transfer slower than 1 KiB/s for S seconds (default 60)"},
  };
}

Status Keygen(const ParsedArgs& a) {
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

// `fetching`: a version without its build ("v1.30.4") is kept, for the plan to name the
// builds upstream has (SelectK3s); elsewhere it is a usage error at once.
Result<KitSelection> GetSelection(const ParsedArgs& a, bool fetching = false) {
  KitSelection sel;
  for (const std::string& s : a.GetAll("k3s")) {
    auto v = ParseK3sVersion(s);
    if (fetching && !v.has_value() && IsK3sVersionWithoutBuild(s)) {
      sel.k3s_versions.push_back(s);
      continue;
    }
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
  RDB_ASSIGN_OR_RETURN(KitSelection sel, GetSelection(a, /*fetching=*/true));
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
  r.rd_installers = a.GetAll("rd-installer");
  for (const std::string& s : a.GetAll("rd-platform")) {
    RDB_ASSIGN_OR_RETURN(RdPlatform p, ParseRdPlatform(s));
    if (std::find(r.rd_platforms.begin(), r.rd_platforms.end(), p) == r.rd_platforms.end()) {
      r.rd_platforms.push_back(p);
    }
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

// The transfer options; `insecure_risk` completes the --insecure warning ("... could be forged
// in transit").
Result<HttpOptions> GetHttpOptions(const ParsedArgs& a, const char* insecure_risk) {
  HttpOptions h;
  h.ca_bundle = a.Get("ca-bundle");
  if (!h.ca_bundle) h.system_ca_bundle = SystemCaBundle();
  h.insecure = a.Has("insecure");
  RDB_ASSIGN_OR_RETURN(int retries, IntOption(a, "retries", 0, 20, h.attempts - 1));
  h.attempts = retries + 1;
  RDB_ASSIGN_OR_RETURN(h.retry_delay_ms, IntOption(a, "retry-delay-ms", 0, 600000, h.retry_delay_ms));
  RDB_ASSIGN_OR_RETURN(h.connect_timeout_s, IntOption(a, "connect-timeout", 1, 600, h.connect_timeout_s));
  RDB_ASSIGN_OR_RETURN(h.stall_timeout_s, IntOption(a, "stall-timeout", 1, 3600, h.stall_timeout_s));
  if (auto token = GetEnvReal("GITHUB_TOKEN"); token && !token->empty()) h.github_token = token;
  if (h.insecure) {
    std::fprintf(stderr, "rdbundle-pack: warning: --insecure: TLS certificates are not verified; %s\n",
                 insecure_risk);
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
  if (auto v = a.Get("rd-release-url")) o.urls.rd_release = *v;
  if (auto v = a.Get("rd-releases-api")) o.urls.rd_releases_api = *v;
  RDB_RETURN_IF_ERROR(NormalizeUpstreamUrls(o.urls));
  RDB_ASSIGN_OR_RETURN(o.http, GetHttpOptions(a, "the release list, checksum files and kubectl "
                                                  "digests could be forged in transit"));
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

// What a kit file and the environment add to the command line of a fetching command.
struct Defaults {
  ParsedArgs args;                      // the command line, then the kit file, then RDBUNDLE_*
  std::vector<std::string> overridden;  // kit file keys the command line replaced
};

// Precedence: flag > kit file (-f) > environment (RDBUNDLE_*_URL) > default.
Result<Defaults> WithDefaults(const ParsedArgs& given) {
  Defaults d{given, {}};
  if (auto path = given.Get("kit-file")) {
    RDB_ASSIGN_OR_RETURN(KitFileContents kit, LoadKitFile(DefaultFs(), *path));
    std::vector<std::string> names;
    for (const OptionSpec& o : Options()) names.push_back(o.name);
    RDB_ASSIGN_OR_RETURN(std::optional<std::int64_t> epoch, SourceDateEpoch(GetEnvReal));
    RDB_ASSIGN_OR_RETURN(d.overridden, ApplyKitFile(kit, names, /*with_output=*/true,
                                                    epoch.value_or(UnixNow()), d.args));
  }
  ApplyUpstreamEnvironment(GetEnvReal, d.args);
  return d;
}

Status Build(const ParsedArgs& given) {
  const bool fetching = !given.Has("from") && !given.Has("from-rd-cache");
  ParsedArgs a = given;
  if (fetching) {
    RDB_ASSIGN_OR_RETURN(Defaults d, WithDefaults(given));
    a = std::move(d.args);
  }
  RDB_ASSIGN_OR_RETURN(BuildOptions o, GetBuildOptions(a));
  return RunBuild(DefaultFs(), o, stdout, stderr);
}

// Online, plan and versions-json only read (nothing is saved); --offline reads the download dir.
Result<Upstream::Options> GetReadOnlyUpstream(const ParsedArgs& a) {
  RDB_ASSIGN_OR_RETURN(Upstream::Options o, GetUpstreamOptions(a));
  o.save = false;
  return o;
}

// "kit file kit.yaml: build writes kit-2025-06-01.rdbundle; flags replace: arches\n".
std::string DescribeKitFile(const std::string& path, const Defaults& d) {
  std::string line = "kit file " + path + ":";
  if (auto out = d.args.Get("output")) line += " build writes " + *out + ";";
  if (!d.overridden.empty()) {
    line += " flags replace:";
    for (std::size_t i = 0; i < d.overridden.size(); ++i) {
      line += (i ? ", " : " ") + d.overridden[i];
    }
    line += ";";
  }
  line.back() = '\n';
  return line;
}

Status Plan(const ParsedArgs& given) {
  RDB_ASSIGN_OR_RETURN(Defaults d, WithDefaults(given));
  const ParsedArgs& a = d.args;
  RDB_ASSIGN_OR_RETURN(PlanRequest request, GetPlanRequest(a));
  RDB_ASSIGN_OR_RETURN(Upstream::Options u, GetReadOnlyUpstream(a));
  Upstream upstream(DefaultFs(), u);
  RDB_ASSIGN_OR_RETURN(packer::Plan plan, MakePlan(upstream, request));
  std::string text = a.Has("json") ? PlanToJson(plan) : FormatPlan(plan);
  if (auto path = a.Get("kit-file"); path && !a.Has("json")) text = DescribeKitFile(*path, d) + text;
  std::fputs(text.c_str(), stdout);
  return Status::Ok();
}

Status VersionsJson(const ParsedArgs& given) {
  RDB_ASSIGN_OR_RETURN(Defaults d, WithDefaults(given));
  const ParsedArgs& a = d.args;
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

// Registry options (push, pull, ls). `ref` is the registry reference, for the warning.
Result<RegistryOptions> GetRegistryOptions(const ParsedArgs& a, const std::string& ref) {
  RegistryOptions r;
  RDB_ASSIGN_OR_RETURN(r.http, GetHttpOptions(a, "the registry and its credentials could be "
                                                 "impersonated (digests are still checked)"));
  r.plain_http = a.Has("plain-http");
  if (r.plain_http) {
    auto parsed = ParseOciRef(ref, OciRefKind::kRepository);
    auto parsed2 = ParseOciRef(ref, OciRefKind::kManifest);
    const bool loopback = (parsed.has_value() && parsed->IsLoopback()) ||
                          (parsed2.has_value() && parsed2->IsLoopback());
    if (!loopback) {
      std::fprintf(stderr, "rdbundle-pack: warning: --plain-http: the registry connection is not "
                           "encrypted; credentials and tokens travel in clear (digests are still "
                           "checked)\n");
    }
  }
  RDB_ASSIGN_OR_RETURN(int chunk, IntOption(a, "chunk-size", 1, 1024, static_cast<int>(kDefaultChunkBytes >> 20)));
  r.chunk_bytes = static_cast<std::uint64_t>(chunk) << 20;
  r.credentials.username = a.Get("username");
  if (a.Has("password-stdin")) {
    if (!r.credentials.username) return Status::Usage("--password-stdin needs --username");
    std::string line;
    for (int ch; (ch = std::getchar()) != EOF && ch != '\n';) {
      if (line.size() >= 4096) return Status::Usage("--password-stdin: the password is longer than 4096 bytes");
      line += static_cast<char>(ch);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    r.credentials.password = line;
  } else if (r.credentials.username) {
    r.credentials.password = GetEnvReal("RDBUNDLE_REGISTRY_PASSWORD");
  }
  if (r.credentials.username && (!r.credentials.password || r.credentials.password->empty())) {
    return Status::Usage("--username needs a password: --password-stdin or RDBUNDLE_REGISTRY_PASSWORD");
  }
  return r;
}

std::optional<bool> ProgressFlag(const ParsedArgs& a) {
  if (a.Has("no-progress")) return false;
  if (a.Has("progress")) return true;
  return std::nullopt;
}

Status Push(const ParsedArgs& a) {
  PushCommand c;
  c.bundle = a.positional()[0];
  c.target = a.positional()[1];
  c.public_key = a.Get("public-key");
  c.trusted_dir = a.Get("trusted-dir");
  RDB_ASSIGN_OR_RETURN(c.registry, GetRegistryOptions(a, c.target));
  c.progress = ProgressFlag(a).value_or(StderrIsTerminal());
  return RunPush(DefaultFs(), c, stdout, stderr);
}

Status Pull(const ParsedArgs& a) {
  PullCommand c;
  c.source = a.positional()[0];
  c.output = a.Get("output");
  c.force = a.Has("force");
  if (c.output && *c.output == "-" && a.Has("password-stdin")) {
    return Status::Usage("--password-stdin reads stdin; with -o - use RDBUNDLE_REGISTRY_PASSWORD");
  }
  RDB_ASSIGN_OR_RETURN(c.registry, GetRegistryOptions(a, c.source));
  c.progress = ProgressFlag(a).value_or(StderrIsTerminal());
  return RunPull(DefaultFs(), c, stderr);
}

Status Ls(const ParsedArgs& a) {
  LsCommand c;
  c.repository = a.positional()[0];
  c.json = a.Has("json");
  RDB_ASSIGN_OR_RETURN(c.registry, GetRegistryOptions(a, c.repository));
  return RunLs(c, stdout);
}

constexpr const char* kKitFileDetails =
    "A kit file (-f kit.yaml, YAML) holds what a site builds every time; flags override it\n"
    "(a selection flag replaces all of k3s.*, a kubectl flag all of kubectl.*):\n"
    "  version: 1\n"
    "  k3s: {channels: [stable], minors: 1.29-1.31, versions: [v1.30.4+k3s1]}\n"
    "  arches: [amd64, arm64]\n"
    "  kubectl: {platforms: [windows/amd64, darwin/arm64], versions: [], none: false}\n"
    "  rd: {installers: [latest], platforms: [windows]}\n"
    "  mirrors: {channel-url: URL, k3s-release-url: URL, k3s-releases-api: URL,\n"
    "            kubectl-url: URL, rd-release-url: URL, rd-releases-api: URL}\n"
    "  ca-bundle: internal-ca.pem        # relative to the kit file\n"
    "  output: kit-{date}.rdbundle        # {date}: today (UTC), or of SOURCE_DATE_EPOCH\n"
    "Unknown keys, a repeated key or another version are errors naming the line.\n";

constexpr const char* kBuildDetails =
    "A kit (--from DIR) is laid out as RD's cache and kuberlr's dir:\n"
    "  DIR/cache/k3s/<version>/{k3s|k3s-arm64, sha256sum-<arch>.txt,\n"
    "                           k3s-airgap-images-<arch>.tar.zst|.tar}\n"
    "  DIR/cache/k3s-versions.json (optional)\n"
    "  DIR/kuberlr/<os>-<arch>/kubectl<X.Y.Z>[.exe]\n"
    "With --from or --from-rd-cache, the selection defaults to everything found; a selected\n"
    "item that is missing is an error. A fetching build selects --channel stable by default.\n"
    "SOURCE_DATE_EPOCH=<seconds> makes the bundle reproducible: same inputs, key and time give\n"
    "the same bytes (created time, tar mtimes, bundle id derived from the content).\n";

constexpr const char* kRegistryDetails =
    "Registry credentials: --username with --password-stdin or $RDBUNDLE_REGISTRY_PASSWORD\n"
    "(never on the command line), else $REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json or\n"
    "~/.docker/config.json (auths, credHelpers, credsStore); Basic and Bearer token auth.\n";
const std::string kPushDetails = std::string(
    "push verifies BUNDLE's signature (and BUNDLE.minisig, pushed as a second layer when\n"
    "present), then uploads it in chunks; blobs the registry has are not sent again.\n") +
    kRegistryDetails;
const std::string kPullDetails = std::string(
    "pull streams the bundle layer, its digest checked as it arrives (the signature layer to\n"
    "FILE.minisig); \"-o -\" writes to stdout: ... -o - | rdbundle-unpack install -\n") +
    kRegistryDetails;
const std::string kLsDetails = std::string(
    "ls shows every tag with its digest, created time, k3s versions, kubectl platforms and\n"
    "key id.\n") + kRegistryDetails;

// Every command (each form of one): adding one is a row here.
std::vector<CommandSpec> Commands() {
  return {
      {.id = kKeygen, .name = "keygen", .summary = "make a signing key pair (minisign format)",
       .run = Keygen},
      {.id = kBuildFetch, .name = "build",
       .summary = "fetch a kit from upstream (or a mirror) and pack it into one signed .rdbundle",
       .run = Build, .usage = "-o OUT -s KEY [options]", .details = std::string(kBuildDetails) + kKitFileDetails},
      {.id = kBuildFrom, .name = "build", .when = "from",
       .summary = "pack a local kit into one signed .rdbundle", .run = Build,
       .usage = "-o OUT -s KEY [options]", .details = std::string(kBuildDetails) + kKitFileDetails},
      {.id = kBuildRdCache, .name = "build", .when = "from-rd-cache",
       .summary = "pack this machine's Rancher Desktop cache into one signed .rdbundle",
       .run = Build, .usage = "-o OUT -s KEY [options]", .details = std::string(kBuildDetails) + kKitFileDetails},
      {.id = kPlan, .name = "plan",
       .summary = "show what a fetching build would download: k3s versions, files, the kubectl "
                  "set that covers them, sizes (nothing is downloaded; kubectl sizes by HEAD)",
       .run = Plan, .details = kKitFileDetails},
      {.id = kVersionsJson, .name = "versions-json",
       .summary = "write k3s-versions.json as Rancher Desktop builds it from upstream",
       .run = VersionsJson,
       .details = "By Rancher Desktop's rules: no prereleases, malformed tags, older +k3sN "
                  "builds,\nreleases missing the assets of the arches, or versions below "
                  "v1.25.3. To stdout, or\nwritten atomically to FILE.\n"},
      {.id = kPush, .name = "push", .operands = {"BUNDLE", "oci://HOST/REPO:TAG"},
       .summary = "upload a bundle to an OCI registry (Harbor, Zot, distribution) as an artifact",
       .run = Push, .details = kPushDetails},
      {.id = kPull, .name = "pull", .operands = {"oci://HOST/REPO:TAG"},
       .summary = "download a bundle from an OCI registry (to a file, or to stdout: -o -)",
       .run = Pull, .details = kPullDetails},
      {.id = kLs, .name = "ls", .operands = {"oci://HOST/REPO"},
       .summary = "list the bundles (tags) of a registry repository", .run = Ls,
       .details = kLsDetails},
  };
}

}  // namespace
}  // namespace rdbundle::packer

int main(int argc, char** argv) {
  namespace packer = rdbundle::packer;
  return rdbundle::RunCommandProgram(
      {"rdbundle-pack", packer::kSummary, packer::Commands(), packer::Options(),
       packer::Sections()},
      argc, argv);
}
