// rdbundle-unpack: the offline side. Parses options and calls one command (commands.h).
#include <cstdio>
#include <string>
#include <vector>

#include "common/cli/cli.h"
#include "common/format/limits.h"
#include "common/os/fs.h"
#include "unpacker/commands.h"
#include "unpacker/doctor.h"

namespace rdbundle::unpacker {
namespace {

// The --max-window-log help below spells out the limits.
static_assert(kDefaultMaxWindowLog == 27 && kMaxAllowedWindowLog == 31,
              "update the --max-window-log help");
constexpr const char* kSummary =
    "verify a signed Rancher Desktop offline kit and install it into RD's cache and kuberlr's "
    "dir";

// After the commands in --help and in the man page.
std::vector<HelpSection> Sections() {
  return {
      {"Bundles and keys",
       "BUNDLE may be \"-\" to read standard input. Without -p, every *.pub in --trusted-dir\n"
       "is trusted (default $XDG_CONFIG_HOME/rdbundle/trusted, i.e. ~/.config/rdbundle/trusted;\n"
       "none without an absolute HOME).\n"},
      {"Environment",
       "HOME, XDG_CACHE_HOME   where this machine's Rancher Desktop cache and ~/.kuberlr are\n"
       "XDG_CONFIG_HOME        the default trusted-key directory is below it\n"
       "NO_COLOR               set (not empty): doctor prints no colour (no-color.org)\n"
       "TERM=dumb              no colour, and progress without escape sequences\n"},
      {"Exit codes",
       "0 ok, 1 check failed, 2 usage, 3 signature or key, 4 corrupt bundle,\n"
       "5 I/O or disk space, 70 internal error, 130 interrupted\n"},
  };
}

constexpr const char* kDoctorDetails =
    "Like kuberlr, doctor also counts /usr/bin/kubectl<X.Y.Z> and /usr/bin/kubectl<X.Y> (by\n"
    "name; nothing is run) when it checks this machine itself: without --home, --cache-dir\n"
    "and --kuberlr-dir, and with --target-os/--target-arch as the host's.\n";

// The commands; list has two forms.
enum Command : CommandSet {
  kVerify = 1 << 0,
  kList = 1 << 1,           // list BUNDLE
  kListInstalled = 1 << 2,  // list --installed
  kInstall = 1 << 3,
  kDoctor = 1 << 4,
};
constexpr CommandSet kReadsBundle = kVerify | kList | kInstall;
constexpr CommandSet kDestinations = kListInstalled | kInstall | kDoctor;

// Every option and the commands it applies to: adding an option is one row here; the help,
// the man page and the completions are generated from it (common/cli/help.h).
std::vector<OptionSpec> Options() {
  return {
      // trust and reading
      {.name = "public-key", .short_name = 'p', .value = "FILE", .repeatable = true,
       .commands = kReadsBundle, .help = "trusted minisign public key; when given, only these"},
      {.name = "trusted-dir", .value = "DIR", .commands = kReadsBundle,
       .help = "trust every *.pub in DIR (default: $XDG_CONFIG_HOME/rdbundle/trusted; none "
               "without an absolute HOME)"},
      {.name = "max-window-log", .value = "N", .commands = kReadsBundle,
       .help = "largest zstd window to accept, 2^N bytes (default " +
               std::to_string(kDefaultMaxWindowLog) + ", at most " +
               std::to_string(kMaxAllowedWindowLog) + ")"},
      {.name = "progress", .commands = kReadsBundle, .help = "progress on stderr even when piped"},
      {.name = "no-progress", .commands = kReadsBundle, .help = "no progress, even on a terminal"},
      // destinations
      {.name = "target-os", .value = "OS", .commands = kDestinations,
       .help = "linux | darwin | windows (write another OS's layout; default this machine's)"},
      {.name = "target-arch", .value = "ARCH", .commands = kDestinations,
       .help = "amd64 | arm64 (default this machine's)"},
      {.name = "home", .value = "DIR", .commands = kDestinations,
       .help = "home directory (e.g. /mnt/c/Users/<you> from WSL)"},
      {.name = "cache-dir", .value = "DIR", .commands = kDestinations,
       .help = "Rancher Desktop cache dir (overrides the one derived from --home)"},
      {.name = "kuberlr-dir", .value = "DIR", .commands = kDestinations,
       .help = "kuberlr dir (default <home>/.kuberlr)"},
      // install
      {.name = "dry-run", .commands = kInstall, .help = "verify and show the plan, write nothing"},
      {.name = "all-platforms", .commands = kInstall,
       .help = "also install other arches' k3s files and other platforms' kubectls"},
      {.name = "force", .commands = kInstall,
       .help = "rewrite unchanged files; replace files installed with different bytes"},
      {.name = "installers-dir", .value = "DIR", .commands = kInstall,
       .help = "where a carried Rancher Desktop installer goes (default "
               "<home>/rancher-desktop-installers; never a symbolic link)"},
      {.name = "require-kubectl-cover", .commands = kInstall,
       .help = "exit 1 when a cached k3s version has no kubectl within one minor"},
      // list, doctor
      {.name = "installed", .commands = kListInstalled,
       .help = "show the bundles installed into the RD cache"},
      {.name = "json", .commands = kVerify | kList | kListInstalled | kInstall | kDoctor,
       .help = "machine-readable output: one JSON object (docs/json.md)"},
      {.name = "deep", .commands = kDoctor,
       .help = "also hash the k3s image archives (default: only the k3s binaries)"},
      {.name = "fix", .commands = kDoctor,
       .help = "add the complete cached k3s versions to k3s-versions.json, written atomically "
               "(a missing or unusable file is rewritten from the cache)"},
  };
}

// verify, list and install: BUNDLE (its one operand) and how to trust and read it.
Result<ReadOptions> GetReadOptions(const ParsedArgs& a) {
  ReadOptions r;
  r.bundle = a.positional()[0];
  r.keys.public_keys = a.GetAll("public-key");
  r.keys.trusted_dir = a.Get("trusted-dir");
  if (auto v = a.Get("max-window-log")) {
    RDB_ASSIGN_OR_RETURN(long long n, ParseIntOption("max-window-log", *v, 10, kMaxAllowedWindowLog));
    r.max_window_log = static_cast<int>(n);
  }
  if (a.Has("progress") && a.Has("no-progress")) {
    return Status::Usage("--progress and --no-progress exclude each other");
  }
  if (a.Has("progress")) r.progress = true;
  if (a.Has("no-progress")) r.progress = false;
  return r;
}

Result<DestinationOptions> GetDestOptions(const ParsedArgs& a) {
  DestinationOptions d;
  if (auto v = a.Get("target-os")) {
    RDB_ASSIGN_OR_RETURN(d.os, ParseOs(*v));
  }
  if (auto v = a.Get("target-arch")) {
    RDB_ASSIGN_OR_RETURN(d.arch, ParseArch(*v));
  }
  d.home = a.Get("home");
  d.cache_dir = a.Get("cache-dir");
  d.kuberlr_dir = a.Get("kuberlr-dir");
  return d;
}

Status Verify(const ParsedArgs& a) {
  RDB_ASSIGN_OR_RETURN(ReadOptions r, GetReadOptions(a));
  return RunVerify(DefaultFs(), r, stdout, a.Has("json"));
}

Status List(const ParsedArgs& a) {
  ListCommand c;
  RDB_ASSIGN_OR_RETURN(c.read, GetReadOptions(a));
  c.json = a.Has("json");
  return RunList(DefaultFs(), c, stdout);
}

Status ListInstalled(const ParsedArgs& a) {
  ListInstalledCommand c;
  RDB_ASSIGN_OR_RETURN(c.dest, GetDestOptions(a));
  c.json = a.Has("json");
  return RunListInstalled(DefaultFs(), c, stdout);
}

Status Install(const ParsedArgs& a) {
  InstallCommand c;
  RDB_ASSIGN_OR_RETURN(c.read, GetReadOptions(a));
  RDB_ASSIGN_OR_RETURN(c.dest, GetDestOptions(a));
  c.dry_run = a.Has("dry-run");
  c.all_platforms = a.Has("all-platforms");
  c.force = a.Has("force");
  c.require_kubectl_cover = a.Has("require-kubectl-cover");
  c.installers_dir = a.Get("installers-dir");
  c.json = a.Has("json");
  return RunInstall(DefaultFs(), c, stdout);
}

Status Doctor(const ParsedArgs& a) {
  DoctorCommand c;
  RDB_ASSIGN_OR_RETURN(c.dest, GetDestOptions(a));
  c.deep = a.Has("deep");
  c.json = a.Has("json");
  c.fix = a.Has("fix");
  RDB_RETURN_IF_ERROR(CheckDestinationOptions(DefaultFs(), c.dest, /*writes=*/c.fix));
  return RunDoctor(DefaultFs(), c, DoctorEnv{}, stdout);
}

// Every command (each form of one): adding one is a row here.
std::vector<CommandSpec> Commands() {
  return {
      {.id = kVerify, .name = "verify", .operands = {"BUNDLE"},
       .summary = "check the signature and every file; write nothing", .run = Verify},
      {.id = kList, .name = "list", .operands = {"BUNDLE"},
       .summary = "show the signed manifest (after the signature check)", .run = List},
      {.id = kListInstalled, .name = "list", .when = "installed",
       .summary = "show the bundles installed into the RD cache", .run = ListInstalled},
      {.id = kInstall, .name = "install", .operands = {"BUNDLE"},
       .summary = "verify and place the files into the RD cache and ~/.kuberlr", .run = Install},
      {.id = kDoctor, .name = "doctor",
       .summary = "check the RD cache, k3s-versions.json and kuberlr's kubectls: say exactly "
                  "what is missing for Rancher Desktop to start offline (exit 1 on a failure)",
       .run = Doctor, .details = kDoctorDetails},
  };
}

}  // namespace
}  // namespace rdbundle::unpacker

int main(int argc, char** argv) {
  namespace unpacker = rdbundle::unpacker;
  return rdbundle::RunCommandProgram(
      {"rdbundle-unpack", unpacker::kSummary, unpacker::Commands(), unpacker::Options(),
       unpacker::Sections()},
      argc, argv);
}
