// rdbundle-pack: the connected side. Parses options and calls one command (keygen.h, build.h).
#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/fs.h"
#include "common/limits.h"
#include "common/platform.h"
#include "common/version.h"
#include "packer/build.h"
#include "packer/keygen.h"
#include "rdbundle/version_info.h"

namespace rdbundle::packer {
namespace {

constexpr const char* kUsage = R"(usage: rdbundle-pack <command> [options]

Commands:
  keygen   make a signing key pair (minisign format)
  build    pack a Rancher Desktop offline kit into one signed .rdbundle

keygen [-p FILE] [-s FILE] [-W] [--password-file F] [--force]
  -p, --public-key FILE    public key to write (default rdbundle.pub)
  -s, --secret-key FILE    secret key to write (default rdbundle.key)
  -W, --unencrypted        store the secret key without a password
      --password-file F    the new password is the first line of F (else $RDBUNDLE_PASSWORD,
                           else asked twice on the terminal)
      --force              overwrite existing key files

build -o OUT.rdbundle -s KEY (--from DIR | --from-rd-cache) [options]
  -o, --output OUT         bundle to write (as OUT.part until it is complete)
  -s, --secret-key KEY     minisign secret key to sign with
      --password-file F    password of an encrypted KEY (else $RDBUNDLE_PASSWORD, else asked)
 input (one of):
      --from DIR           a kit: DIR/cache/k3s/<version>/{k3s|k3s-arm64, sha256sum-<arch>.txt,
                           k3s-airgap-images-<arch>.tar.zst|.tar}, DIR/cache/k3s-versions.json
                           (optional), DIR/kuberlr/<os>-<arch>/kubectl<X.Y.Z>[.exe]
      --from-rd-cache      what this machine's Rancher Desktop has: its cache and ~/.kuberlr
        --home DIR         home directory to read (default $HOME)
        --cache-dir DIR    Rancher Desktop cache dir (default derived from the home)
        --kuberlr-dir DIR  kuberlr dir (default <home>/.kuberlr)
 selection (default: everything found; a selected item that is missing is an error):
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

Exit codes: 0 ok, 1 check failed (--require-kubectl-cover), 2 usage, 3 key or password,
            4 corrupt input, 5 I/O, 130 interrupted.
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
  };
}

// Rejects options that the command does not use, so a typo is never silently ignored.
Status OnlyOptions(const ParsedArgs& a, const std::string& cmd,
                   const std::vector<std::string>& allowed) {
  for (const auto& spec : Specs()) {
    if (!a.Has(spec.name) || spec.name == "help") continue;
    if (std::find(allowed.begin(), allowed.end(), spec.name) == allowed.end()) {
      return Status::Usage("option --" + spec.name + " does not apply to " + cmd);
    }
  }
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

Result<BuildOptions> GetBuildOptions(const ParsedArgs& a) {
  BuildOptions o;
  o.output = a.Get("output").value_or("");
  o.secret_key = a.Get("secret-key");
  o.from_dir = a.Get("from");
  o.from_rd_cache = a.Has("from-rd-cache");
  o.rd.home = a.Get("home");
  o.rd.cache_dir = a.Get("cache-dir");
  o.rd.kuberlr_dir = a.Get("kuberlr-dir");
  RDB_ASSIGN_OR_RETURN(o.selection, GetSelection(a));
  if (auto v = a.Get("level")) {
    RDB_ASSIGN_OR_RETURN(long long n, ParseIntOption("level", *v, 1, 22));
    o.level = static_cast<int>(n);
  }
  if (auto v = a.Get("threads")) {
    RDB_ASSIGN_OR_RETURN(long long n, ParseIntOption("threads", *v, 1, 256));
    o.threads = static_cast<int>(n);
  }
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
  RDB_RETURN_IF_ERROR(OnlyOptions(
      a, "build",
      {"output", "secret-key", "password-file", "from", "from-rd-cache", "home", "cache-dir",
       "kuberlr-dir", "k3s", "arch", "kubectl", "level", "threads", "detached-sig",
       "require-kubectl-cover", "dry-run", "force", "progress", "no-progress"}));
  RDB_ASSIGN_OR_RETURN(BuildOptions o, GetBuildOptions(a));
  return RunBuild(DefaultFs(), o, stdout, stderr);
}

// One entry per command; `plan` and `versions-json` (fetching inputs) will join here.
Status Dispatch(const std::string& cmd, const ParsedArgs& a) {
  if (cmd == "keygen") return Keygen(a);
  if (cmd == "build") return Build(a);
  return Status::Usage("unknown command \"" + cmd + "\" (see rdbundle-pack --help)");
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? static_cast<int>(ExitCode::kUsage) : 0;
  }
  if (args[0] == "--version") {
    std::printf("rdbundle-pack %s (format version %d)\n", RDBUNDLE_VERSION, kFormatVersion);
    return 0;
  }
  InstallInterruptHandlers();
  const std::string cmd = args[0];
  args.erase(args.begin());
  Status s;
  auto parsed = ParseArgs(args, Specs());
  if (!parsed.has_value()) {
    s = parsed.error();
  } else if (parsed->Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  } else {
    s = Dispatch(cmd, *parsed);
  }
  if (s.ok()) return 0;
  std::fflush(stdout);
  std::fprintf(stderr, "rdbundle-pack: %s\n", s.message().c_str());
  return static_cast<int>(s.exit_code());
}

}  // namespace
}  // namespace rdbundle::packer

int main(int argc, char** argv) {
  try {
    return rdbundle::packer::Main(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "rdbundle-pack: out of memory\n");
    return static_cast<int>(rdbundle::ExitCode::kIo);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rdbundle-pack: internal error: %s (please report this)\n", e.what());
    return static_cast<int>(rdbundle::ExitCode::kInternal);
  }
}
