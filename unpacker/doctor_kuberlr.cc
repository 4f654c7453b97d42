#include "unpacker/doctor_internal.h"

#include <algorithm>
#include <cctype>

#include "common/format/json_strict.h"
#include "common/format/paths.h"
#include "common/rd/kuberlr.h"
#include "common/rd/skew.h"
#include "unpacker/coverage.h"

namespace rdbundle::unpacker::doctor_internal {
namespace {

// ---- kuberlr ----------------------------------------------------------------------------------

// For fix commands: `s` unchanged when it is shell-safe, else in single quotes.
std::string ShellQuote(const std::string& s) {
  const bool safe = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_./+-:@%=,", c) != nullptr;
  });
  if (safe) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The fix command that renames `from` to `to`: on Windows (cmd and PowerShell both have
// "move"), with backslashes and double quotes; elsewhere a POSIX shell's mv.
std::string MoveFix(const std::string& from, const std::string& to) {
  if (HostOs() != TargetOs::kWindows) return "mv " + ShellQuote(from) + " " + ShellQuote(to);
  auto quoted = [](std::string p) {
    std::replace(p.begin(), p.end(), '/', '\\');
    return "\"" + p + "\"";
  };
  return "move " + quoted(from) + " " + quoted(to);
}

// Whether doctor sees POSIX modes: not for a Windows target (its files have none), and not
// from Windows itself (Win32 shows no execute bit, even for a Linux home on a shared disk).
bool ModesVisible(TargetOs target) {
  return target != TargetOs::kWindows && HostOs() != TargetOs::kWindows;
}

// "darwin-aarch64" -> darwin/arm64: a platform spelled with a non-Go arch name, which kuberlr
// never reads (the RD doc's mistake). nullopt for anything else.
std::optional<std::pair<TargetOs, Arch>> ParseMisnamedPlatformDir(std::string_view name) {
  const std::size_t dash = name.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto os = ParseOs(name.substr(0, dash));
  if (!os.has_value()) return std::nullopt;
  const std::string_view arch = name.substr(dash + 1);
  if (arch == "aarch64") return std::make_pair(*os, Arch::kArm64);
  if (arch == "x86_64" || arch == "x86-64" || arch == "x64")
    return std::make_pair(*os, Arch::kAmd64);
  return std::nullopt;
}

// A kuberlr file name: the version, and what makes it differ from KubectlFileName.
struct KubectlName {
  std::optional<KubectlVersion> version;  // nullopt: not kubectl<X.Y.Z> at all
  std::vector<std::string> problems;
};

KubectlName ClassifyKubectlName(std::string_view name, TargetOs os) {
  KubectlName r;
  if (!name.starts_with("kubectl")) return r;
  std::string_view v = name.substr(7);
  const bool exe = v.ends_with(".exe");
  if (exe) v.remove_suffix(4);
  const bool leading_v = v.starts_with("v");
  if (leading_v) v.remove_prefix(1);
  auto parsed = ParseKubectlVersion(v);
  if (!parsed.has_value()) return r;
  r.version = *parsed;
  // kuberlr reads the version with Sscanf("kubectl%d.%d.%d") after trimming ".exe" on Windows
  // only, so only a "v" certainly hides the file from it; the rest is our (and kuberlr's
  // download) naming contract, which install and the kubectl-cover check rely on.
  if (os != TargetOs::kWindows && exe) {
    r.problems.push_back("\".exe\" on a " + std::string(OsName(os)) + " target");
  }
  if (os == TargetOs::kWindows && !exe) r.problems.push_back("no \".exe\"");
  if (leading_v) r.problems.push_back("\"v\" before the version");
  return r;
}

// Kubectls kuberlr would find after a rename, and that rename: the cover check's fix for the
// versions they serve.
struct Renamable {
  KubectlVersion version;
  std::string fix;
};

// A name kuberlr counts as `v`: the executable bit, and how kuberlr reads a name that is not
// the canonical kubectl<X.Y.Z>[.exe].
void CheckCountedKubectl(Doctor& d, const std::string& path, const std::string& name,
                         const KubectlVersion& v, const FileInfo& info) {
  const TargetOs os = d.dest().os;
  if (ModesVisible(os) && info.type == FileInfo::Type::kRegular && (info.mode & 0111) == 0) {
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.mode & 07777));
    return d.Add("kubectl-file", name, CheckStatus::kFail,
                 path + ": not executable (mode " + mode + "): kuberlr cannot run it",
                 "chmod 0755 " + ShellQuote(path));
  }
  std::string msg = path + ": kubectl " + v.ToString();
  if (name != KubectlFileName(v.ToString(), os)) {
    msg += " (kuberlr reads this name as " + v.ToString() + ")";
  }
  if (info.type == FileInfo::Type::kSymlink) {
    msg += " (a symlink; its target is not checked)";
  } else if (ModesVisible(os)) {
    msg += ", executable";
  }
  d.Add("kubectl-file", name, CheckStatus::kOk, msg);
}

// One entry of the target's platform directory. kuberlr counts it by name alone
// (KuberlrVersionOfName: kubectl<X.Y.Z>, kubectl<X.Y>, anything starting kubectl<X.Y.Z>), so
// doctor counts exactly those; a counted entry that is not a runnable file fails, because
// kuberlr would pick it and fail to run it.
void CheckKubectlFile(Doctor& d, std::vector<Renamable>& renamable, const std::string& dir,
                      const std::string& name) {
  const std::string path = JoinPath(dir, name);
  const TargetOs os = d.dest().os;
  auto info = d.fs.Stat(path);
  if (!info.has_value())
    return d.Add("kubectl-file", name, CheckStatus::kFail, info.error().message());
  const bool file =
      info->type == FileInfo::Type::kRegular || info->type == FileInfo::Type::kSymlink;
  if (auto counted = KuberlrVersionOfName(name, os)) {
    if (!file) {
      return d.Add("kubectl-file", name, CheckStatus::kFail,
                   path + ": not a file, but kuberlr counts it as kubectl " +
                       counted->ToString() + " and fails to run it");
    }
    return CheckCountedKubectl(d, path, name, *counted, *info);
  }
  const KubectlName k = ClassifyKubectlName(name, os);
  if (!k.version || !file) {
    return d.Add("kubectl-file", name, CheckStatus::kWarn,
                 path + ": not a " + KubectlFileName("<X.Y.Z>", os) + " file: not counted");
  }
  // Only a name kuberlr does not count reaches here ("kubectlv1.30.4"): never canonical.
  const std::string canonical = KubectlFileName(k.version->ToString(), os);
  const std::string mv = MoveFix(path, JoinPath(dir, canonical));
  d.Add("kubectl-file", name, CheckStatus::kFail,
        path + ": wrong name (" + (k.problems.empty() ? "spelling" : Join(k.problems, ", ")) +
            "), expected " + canonical + ": kuberlr ignores it",
        mv);
  renamable.push_back({*k.version, mv});
}

// kubectls in a misnamed directory that means the target platform (darwin-aarch64).
void CollectRenamable(Doctor& d, std::vector<Renamable>& renamable, const std::string& dir,
                      const std::string& fix) {
  auto names = d.fs.ListDir(dir);
  if (!names.has_value()) return;
  for (const auto& name : *names) {
    const KubectlName k = ClassifyKubectlName(name, d.dest().os);
    if (k.version && k.problems.empty()) renamable.push_back({*k.version, fix});
  }
}

// A directory of the kuberlr dir other than the target's platform directory.
void CheckOtherPlatformDir(Doctor& d, std::vector<Renamable>& renamable, const std::string& name) {
  const std::string root = d.dest().kuberlr_dir;
  const std::string path = JoinPath(root, name);
  auto info = d.fs.Stat(path);
  if (!info.has_value() || info->type != FileInfo::Type::kDirectory) return;  // kuberlr.conf
  if (ParseKuberlrPlatformDir(name)) return;  // another platform's kubectls
  const std::string target = KuberlrPlatformDir(d.dest().os, d.dest().arch);
  auto meant = ParseMisnamedPlatformDir(name);
  if (!meant) {
    return d.Add("kuberlr-dir", name, CheckStatus::kWarn,
                 path + ": not a kuberlr platform directory (<os>-<arch>, e.g. " + target +
                     "): kuberlr ignores it");
  }
  const std::string right = KuberlrPlatformDir(meant->first, meant->second);
  const std::string right_path = JoinPath(root, right);
  const std::string fix = d.fs.Stat(right_path).has_value()
                              ? "move its kubectl files into " + right_path
                              : MoveFix(path, right_path);
  const bool ours = right == target;
  d.Add("kuberlr-dir", name, ours ? CheckStatus::kFail : CheckStatus::kWarn,
        path + ": wrong name: kuberlr reads " + right + " (Go's GOARCH), never " + name, fix);
  if (ours) CollectRenamable(d, renamable, path, fix);
}

std::vector<Renamable> CheckKuberlr(Doctor& d) {
  std::vector<Renamable> renamable;
  const std::string root = d.dest().kuberlr_dir;
  const std::string target = KuberlrPlatformDir(d.dest().os, d.dest().arch);
  const std::string dir = JoinPath(root, target);
  auto info = d.fs.Stat(dir);
  if (!info.has_value()) {
    const bool missing = info.error().code() == ErrorCode::kNotFound;
    d.Add("kuberlr-dir", target, missing ? CheckStatus::kWarn : CheckStatus::kFail,
          missing ? dir + ": missing: kuberlr has no local kubectl" : info.error().message());
  } else if (info->type != FileInfo::Type::kDirectory) {
    d.Add("kuberlr-dir", target, CheckStatus::kFail,
          dir + ": not a directory: kuberlr cannot use it");
  } else {
    d.Add("kuberlr-dir", target, CheckStatus::kOk, dir + ": present");
    auto names = d.fs.ListDir(dir);
    if (!names.has_value())
      d.Add("kuberlr-dir", target, CheckStatus::kFail, names.error().message());
    for (const auto& name : names.has_value() ? *names : std::vector<std::string>{}) {
      CheckKubectlFile(d, renamable, dir, name);
    }
  }
  auto names = ListDirIfExists(d.fs, root);
  if (!names.has_value()) {
    d.Add("kuberlr-dir", BaseName(root), CheckStatus::kFail, names.error().message());
    return renamable;
  }
  for (const auto& name : *names) {
    if (name != target) CheckOtherPlatformDir(d, renamable, name);
  }
  return renamable;
}

// ---- kuberlr's system directory ---------------------------------------------------------------

// The versioned kubectls in kuberlr's system directory (/usr/bin), when checking this machine.
std::vector<SystemKubectl> CheckSystemKubectls(Doctor& d) {
  if (!CountsSystemKubectls(d.dest())) return {};
  const std::string& dir = d.env.system_kubectl_dir;
  auto found = ListSystemKubectls(d.fs, dir);
  if (!found.has_value()) {
    d.Add("system-kubectl", dir, CheckStatus::kWarn, found.error().message() + ": not counted");
    return {};
  }
  if (d.fs.Stat(JoinPath(dir, "kubectl")).has_value()) {
    d.Add("system-kubectl", "kubectl", CheckStatus::kOk,
          JoinPath(dir, "kubectl") +
              ": not counted: kuberlr only uses versioned names here (kubectl<X.Y.Z>, "
              "kubectl<X.Y>)");
  }
  for (const auto& k : *found) {
    d.Add("system-kubectl", BaseName(k.path), CheckStatus::kOk,
          k.path + ": kubectl " + k.version.ToString() + " (kuberlr uses it too)");
  }
  return *found;
}

// ---- kubectl cover ----------------------------------------------------------------------------

std::string CoverFix(const Doctor& d, const CoverageReport& r,
                     const std::vector<Renamable>& renamable, Minor m) {
  for (const auto& x : renamable) {
    if (KubectlServes(x.version, m)) return x.fix;
  }
  const KubectlSuggestion* s = SuggestionFor(r, m);
  if (s == nullptr) return "";
  return "add kubectl " + s->ToString() + ": " +
         KubectlFixCommand({*s}, d.dest().os, d.dest().arch) + " on the connected side, then " +
         std::string(kReinstall);
}

// Where kuberlr finds kubectl `k`: its own directory first, else the system directory.
std::string ServedBy(const Doctor& d, const std::vector<KubectlVersion>& local,
                     const std::vector<SystemKubectl>& system, const KubectlVersion& k) {
  if (std::find(local.begin(), local.end(), k) != local.end()) {
    const std::string dir =
        JoinPath(d.dest().kuberlr_dir, KuberlrPlatformDir(d.dest().os, d.dest().arch));
    return JoinPath(dir, KubectlFileName(k.ToString(), d.dest().os));
  }
  for (const auto& s : system) {
    if (s.version == k) return s.path;
  }
  return k.ToString();
}

// The check `install` runs at its end (coverage.h), with kuberlr's system kubectls counted.
void CheckCover(Doctor& d, const std::vector<Renamable>& renamable,
                const std::vector<SystemKubectl>& system) {
  auto k3s = ListCachedK3sVersions(d.fs, d.dest().cache_dir);
  auto local = ListKuberlrKubectls(d.fs, d.dest());
  const std::string platform = KuberlrPlatformDir(d.dest().os, d.dest().arch);
  const std::string dir = JoinPath(d.dest().kuberlr_dir, platform);
  if (!k3s.has_value() || !local.has_value()) {
    const Status& e = !k3s.has_value() ? k3s.error() : local.error();
    return d.Add("kubectl-cover", platform, CheckStatus::kFail, e.message());
  }
  std::vector<KubectlVersion> all = *local;
  for (const auto& s : system) all.push_back(s.version);
  std::sort(all.begin(), all.end());
  const CoverageReport r = CheckKubectlCoverage(*k3s, all);
  const std::string nor =
      CountsSystemKubectls(d.dest()) ? " (nor in " + d.env.system_kubectl_dir + ")" : "";
  for (std::size_t i = 0; i < r.entries.size(); ++i) {
    const K3sVersion& v = (*k3s)[i];
    if (const auto& k = r.entries[i].served_by) {
      d.Add("kubectl-cover", v.text, CheckStatus::kOk,
            "served by " + ServedBy(d, *local, system, *k));
      continue;
    }
    d.Add("kubectl-cover", v.text, CheckStatus::kFail,
          dir + ": no kubectl " + KubectlWindow(MinorOf(v)) + " for " + v.text + nor +
              ": kubectl fails offline with this version",
          CoverFix(d, r, renamable, MinorOf(v)));
  }
  if (!r.ok()) d.report.kubectl_fix = KubectlFixCommand(r.suggested, d.dest().os, d.dest().arch);
}

}  // namespace

void CheckKuberlrAndCover(Doctor& d) {
  const std::vector<Renamable> renamable = CheckKuberlr(d);
  CheckCover(d, renamable, CheckSystemKubectls(d));
}

}  // namespace rdbundle::unpacker::doctor_internal
