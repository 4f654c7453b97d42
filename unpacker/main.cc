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

constexpr const char* kUsage = R"(usage: rdbundle-unpack <command> [options]

Commands:
  verify BUNDLE      check the signature and every file; write nothing
  list BUNDLE        show the signed manifest (after the signature check)
  list --installed   show the bundles installed into the RD cache
  install BUNDLE     verify and place the files into the RD cache and ~/.kuberlr
  doctor             check the RD cache, k3s-versions.json and kuberlr's kubectls; say
                     exactly what is missing before going offline (exit 1 on a failure)
BUNDLE may be "-" to read standard input.

Trust (verify, list, install):
  -p, --public-key FILE   trusted minisign public key (repeatable); when given, only these
      --trusted-dir DIR   trust every *.pub in DIR (default: $XDG_CONFIG_HOME/rdbundle/trusted,
                          i.e. ~/.config/rdbundle/trusted)
      --max-window-log N  largest zstd window to accept, 2^N bytes (default 27, at most 31)
      --progress / --no-progress   progress on stderr (default: only on a terminal)

Install destinations (defaults from this machine):
      --target-os OS      linux | darwin | windows (write another OS's layout)
      --target-arch ARCH  amd64 | arm64
      --home DIR          home directory (e.g. /mnt/c/Users/<you> from WSL)
      --cache-dir DIR     Rancher Desktop cache dir (overrides the one derived from --home)
      --kuberlr-dir DIR   kuberlr dir (default <home>/.kuberlr)
      --dry-run           verify and show the plan, write nothing
      --all-platforms     also install other arches' k3s files and other platforms' kubectls
      --force             rewrite files even when already installed and unchanged
      --require-kubectl-cover   exit 1 when a cached k3s version has no kubectl within one minor
      --json              (list, doctor) machine-readable output

Doctor (also takes --target-os, --target-arch, --home, --cache-dir, --kuberlr-dir, --json):
      --deep              also hash the k3s image archives (default: only the k3s binaries)
      --fix               add the complete cached k3s versions to k3s-versions.json, written
                          atomically (a missing or unusable file is rewritten from the cache)
  Like kuberlr, doctor also counts /usr/bin/kubectl<X.Y.Z> and /usr/bin/kubectl<X.Y> (by
  name; nothing is run), when it checks this machine itself: without --home, --cache-dir
  and --kuberlr-dir, and with --target-os/--target-arch as the host's.

Exit codes: 0 ok, 1 check failed, 2 usage, 3 signature or key, 4 corrupt bundle,
            5 I/O or disk space, 130 interrupted.
)";

std::vector<OptionSpec> Specs() {
  return {
      {"public-key", 'p', true, true}, {"trusted-dir", 0, true},  {"max-window-log", 0, true},
      {"progress", 0, false},          {"no-progress", 0, false}, {"target-os", 0, true},
      {"target-arch", 0, true},        {"home", 0, true},         {"cache-dir", 0, true},
      {"kuberlr-dir", 0, true},        {"dry-run", 0, false},     {"all-platforms", 0, false},
      {"force", 0, false},             {"require-kubectl-cover", 0, false},
      {"json", 0, false},              {"installed", 0, false},   {"help", 'h', false},
      {"deep", 0, false},              {"fix", 0, false},
  };
}

// Rejects options that the command does not use, so a typo is never silently ignored.
Status OnlyOptions(const ParsedArgs& a, const std::string& cmd,
                   const std::vector<std::string>& allowed) {
  return CheckOptionsApply(a, Specs(), cmd, allowed);
}

Result<ReadOptions> GetReadOptions(const ParsedArgs& a, const std::string& cmd) {
  if (a.positional().size() != 1) {
    return Status::Usage(cmd + " needs exactly one BUNDLE (a file, or - for stdin)");
  }
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

const std::vector<std::string> kReadOpts = {"public-key", "trusted-dir", "max-window-log",
                                            "progress", "no-progress"};
const std::vector<std::string> kDestOpts = {"target-os", "target-arch", "home", "cache-dir",
                                            "kuberlr-dir"};


Status Dispatch(const std::string& cmd, const ParsedArgs& a) {
  Fs& fs = DefaultFs();
  if (cmd == "verify") {
    RDB_RETURN_IF_ERROR(OnlyOptions(a, cmd, kReadOpts));
    RDB_ASSIGN_OR_RETURN(ReadOptions r, GetReadOptions(a, cmd));
    return RunVerify(fs, r, stdout);
  }
  if (cmd == "list" && a.Has("installed")) {
    RDB_RETURN_IF_ERROR(OnlyOptions(a, cmd, JoinOptionLists({"installed", "json"}, kDestOpts)));
    if (!a.positional().empty()) return Status::Usage("list --installed takes no BUNDLE");
    ListInstalledCommand c;
    RDB_ASSIGN_OR_RETURN(c.dest, GetDestOptions(a));
    c.json = a.Has("json");
    return RunListInstalled(fs, c, stdout);
  }
  if (cmd == "list") {
    RDB_RETURN_IF_ERROR(OnlyOptions(a, cmd, JoinOptionLists({"json"}, kReadOpts)));
    ListCommand c;
    RDB_ASSIGN_OR_RETURN(c.read, GetReadOptions(a, cmd));
    c.json = a.Has("json");
    return RunList(fs, c, stdout);
  }
  if (cmd == "install") {
    RDB_RETURN_IF_ERROR(OnlyOptions(a, cmd, JoinOptionLists(JoinOptionLists(kReadOpts, kDestOpts),
                                                    {"dry-run", "all-platforms", "force",
                                                     "require-kubectl-cover"})));
    InstallCommand c;
    RDB_ASSIGN_OR_RETURN(c.read, GetReadOptions(a, cmd));
    RDB_ASSIGN_OR_RETURN(c.dest, GetDestOptions(a));
    c.dry_run = a.Has("dry-run");
    c.all_platforms = a.Has("all-platforms");
    c.force = a.Has("force");
    c.require_kubectl_cover = a.Has("require-kubectl-cover");
    return RunInstall(fs, c, stdout);
  }
  if (cmd == "doctor") {
    RDB_RETURN_IF_ERROR(OnlyOptions(a, cmd, JoinOptionLists(kDestOpts, {"deep", "json", "fix"})));
    if (!a.positional().empty()) return Status::Usage("doctor takes no arguments");
    DoctorCommand c;
    RDB_ASSIGN_OR_RETURN(c.dest, GetDestOptions(a));
    c.deep = a.Has("deep");
    c.json = a.Has("json");
    c.fix = a.Has("fix");
    return RunDoctor(fs, c, DoctorEnv{}, stdout);
  }
  return Status::Usage("unknown command \"" + cmd + "\" (see rdbundle-unpack --help)");
}

}  // namespace
}  // namespace rdbundle::unpacker

int main(int argc, char** argv) {
  namespace unpacker = rdbundle::unpacker;
  return rdbundle::RunCommandProgram(
      {"rdbundle-unpack", unpacker::kUsage, unpacker::Specs(), unpacker::Dispatch}, argc, argv);
}
