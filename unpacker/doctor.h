// `rdbundle-unpack doctor`: checks an offline Rancher Desktop setup (RD's k3s cache,
// k3s-versions.json, kuberlr's kubectls) and says exactly what is missing, before the user
// goes offline. Facts: docs/rancher-desktop.md#cache-directory, #per-version-directory,
// #k3s-versionsjson, #kuberlr and #version-skew.
//
// Every finding is one item {check, subject, status, message, fix?}. The check names and the
// JSON layout (FormatDoctorJson) are a stable interface:
//   rancher-desktop    the installed RD and its version, whose rules the other checks apply
//                      (minimum k3s version, built-in version list); none found: current rules
//   k3s-dir            an entry of CACHE/k3s that RD cannot use (bad name, not a directory),
//                      or no k3s version at all
//   k3s-files          the arch's k3s binary, sha256sum file and images (.tar.zst, else .tar)
//   k3s-sha256         the binary's (with --deep also the images') line in the sums file
//   k3s-rd-minimum     a version older than the installed RD's minimum (v1.25.3 from RD 1.19,
//                      v1.21.0 before), which RD does not list
//   k3s-versions-json  CACHE/k3s-versions.json as RD reads it, listing the cached versions
//   k3s-shadowed       a listed build that RD picks over a complete build of the same X.Y.Z
//                      although its own directory is not complete (--fix drops it)
//   kuberlr-dir        the platform directory name (darwin-arm64, never darwin-aarch64)
//   kubectl-file       the names kuberlr counts (kubectl<X.Y.Z>, kubectl<X.Y>, any name
//                      starting kubectl<X.Y.Z>; rd/kuberlr.h) and the executable bit
//   system-kubectl     versioned kubectls in /usr/bin, which kuberlr also uses (host only)
//   kubectl-cover      a kubectl within one minor of each cached k3s version (coverage.h, the
//                      same check `install` runs at its end)
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/format/version.h"
#include "common/os/fs.h"
#include "common/rd/installed_rd.h"
#include "common/rd/layout.h"

namespace rdbundle::unpacker {

enum class CheckStatus { kOk, kWarn, kFail };
std::string_view CheckStatusName(CheckStatus s);  // "ok" | "warn" | "fail"

struct CheckItem {
  std::string check;    // one of the names above
  std::string subject;  // a k3s version, a file or directory name
  CheckStatus status = CheckStatus::kOk;
  std::string message;  // one line, naming the file and the reason
  std::string fix;      // one line (a command when there is one); empty when none

  bool operator==(const CheckItem&) const = default;
};

struct DoctorReport {
  Destinations dest;
  std::vector<CheckItem> items;
  // The Rancher Desktop found for the target (installed_rd.h), whose rules the checks apply;
  // none, or no version known: the rules of RD 1.19 and later.
  std::optional<InstalledRd> rd;
  // When kubectl-cover failed: one command that brings the fewest kubectls closing every gap.
  std::string kubectl_fix;
  std::size_t Count(CheckStatus s) const;
  bool failed() const { return Count(CheckStatus::kFail) > 0; }
};

struct DoctorCommand {
  DestinationOptions dest;
  bool deep = false;  // also hash the image archives
  bool json = false;
  bool fix = false;           // merge complete cached versions into k3s-versions.json
  std::optional<bool> color;  // default: stdout is a terminal and NO_COLOR is unset
};

// What doctor takes from the machine, replaceable in tests.
struct DoctorEnv {
  GetEnvFn getenv = GetEnvReal;
  // kuberlr's SystemPath (its default on Linux and macOS). kuberlr counts the kubectl<X.Y.Z>
  // and kubectl<X.Y> files there, by name (a plain "kubectl" is not counted, and nothing is
  // run). Only when the target is this machine (coverage.h, CountsSystemKubectls).
  std::string system_kubectl_dir = "/usr/bin";
};

// Runs every check (and, with cmd.fix, the k3s-versions.json merge, reported in the items).
// Returns an error only when doctor itself cannot run (bad options, interrupted while hashing,
// a lock held by a running install, a failed --fix write); findings are items, never errors.
Result<DoctorReport> RunDoctorChecks(Fs& fs, const DoctorCommand& cmd, const DoctorEnv& env);

// {"version":1,"target":{"os","arch","cacheDir","kuberlrDir"},"rancherDesktop":{"found":bool,
// "where","how","version" (when found / known),"minimumK3s":"1.25.3"},"summary":{"ok":N,"warn":N,
// "fail":N},"checks":[{"check","subject","status":"ok|warn|fail","message","fix" (only when
// there is one)}],"kubectlFix" (only when kubectl-cover failed)}, pretty-printed, with a
// trailing newline. "version" is this schema's version: fields are only ever added.
std::string FormatDoctorJson(const DoctorReport& report);
// The checklist: a header naming the directories, one line per item ("  ok    check
// subject: message", then "        fix: ..." when there is one), a summary line.
// `color`: ANSI colours for the status words.
std::string FormatDoctorText(const DoctorReport& report, bool color);

// The command: prints the report (text or JSON) to `out`. kCheckFailed when an item failed
// (exit 1); warnings alone are OK.
Status RunDoctor(Fs& fs, const DoctorCommand& cmd, const DoctorEnv& env, std::FILE* out);

}  // namespace rdbundle::unpacker
