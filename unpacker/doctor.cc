#include "unpacker/doctor.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "common/hash.h"
#include "common/json_strict.h"
#include "common/k3s_versions.h"
#include "common/limits.h"
#include "common/platform.h"
#include "common/sha256sums.h"
#include "unpacker/coverage.h"

namespace rdbundle::unpacker {
namespace {

constexpr std::size_t kHashChunk = 1u << 20;
constexpr std::string_view kReinstall = "rdbundle-unpack install KIT.rdbundle";
constexpr std::string_view kOffline = "Rancher Desktop downloads it on start, which fails offline";

std::string Short(std::string_view hex) { return std::string(hex.substr(0, 12)) + "…"; }

std::string Plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

// State of one doctor run: the resolved destinations and the items found so far.
struct Doctor {
  Fs& fs;
  const DoctorCommand& cmd;
  const DoctorEnv& env;
  DoctorReport report;
  std::vector<K3sVersion> cached;    // every CACHE/k3s/<valid version>/ directory
  std::vector<K3sVersion> complete;  // ... with every file present and matching its sums line

  const Destinations& dest() const { return report.dest; }
  void Add(std::string check, std::string subject, CheckStatus status, std::string message,
           std::string fix = "") {
    report.items.push_back(
        {std::move(check), std::move(subject), status, std::move(message), std::move(fix)});
  }
};

// ---- CACHE/k3s/<version>/ ---------------------------------------------------------------------

// SHA-256 of a file, streamed in chunks through Fs. kInterrupted on SIGINT/SIGTERM.
Result<std::string> HashFile(Fs& fs, const std::string& path) {
  RDB_ASSIGN_OR_RETURN(auto in, fs.OpenForRead(path));
  Sha256 sha;
  std::vector<char> buf(kHashChunk);
  for (;;) {
    if (InterruptSignal() != 0) return Status::Interrupted("interrupted");
    RDB_ASSIGN_OR_RETURN(std::size_t n, in->Read(buf.data(), buf.size()));
    if (n == 0) break;
    sha.Update(buf.data(), n);
  }
  return sha.FinishHex();
}

struct K3sFiles {
  std::string binary, sums, images;  // full paths; images empty when neither name exists
  bool all_present = true;
};

std::string ReinstallFix(const K3sVersion& v, Arch arch) {
  return "install a bundle that carries " + v.text + " for " + std::string(ArchName(arch)) + ": " +
         std::string(kReinstall);
}

// True when `path` is a file (or a symlink: RD follows it; k3s-sha256 reads through it); adds
// a k3s-files failure otherwise.
bool RequireFile(Doctor& d, const K3sVersion& v, const std::string& path,
                 const std::string& missing_detail = "") {
  auto info = d.fs.Stat(path);
  if (info.has_value() &&
      (info->type == FileInfo::Type::kRegular || info->type == FileInfo::Type::kSymlink)) {
    return true;
  }
  std::string msg;
  if (info.has_value()) {
    msg = path + ": not a regular file: Rancher Desktop cannot use it";
  } else if (info.error().code() == ErrorCode::kNotFound) {
    msg = path + ": missing" + missing_detail + ": " + std::string(kOffline);
  } else {
    msg = info.error().message();
  }
  d.Add("k3s-files", v.text, CheckStatus::kFail, msg, ReinstallFix(v, d.dest().arch));
  return false;
}

// RD's choice of images file: the first of .tar.zst, .tar that exists (doc 2.1).
std::string FindImages(Fs& fs, const std::string& dir, Arch arch) {
  for (const auto& name : K3sImagesNames(arch)) {
    if (fs.Stat(JoinPath(dir, name)).has_value()) return JoinPath(dir, name);
  }
  return "";
}

K3sFiles CheckK3sFiles(Doctor& d, const K3sVersion& v, const std::string& dir) {
  const Arch arch = d.dest().arch;
  K3sFiles f{JoinPath(dir, K3sBinaryName(arch)), JoinPath(dir, K3sSumsName(arch)),
             FindImages(d.fs, dir, arch)};
  f.all_present &= RequireFile(d, v, f.binary);
  f.all_present &= RequireFile(d, v, f.sums);
  if (f.images.empty()) {
    const auto names = K3sImagesNames(arch);
    const bool gz = d.fs.Stat(JoinPath(dir, names[1] + ".gz")).has_value();
    RequireFile(d, v, JoinPath(dir, names[0]),
                std::string(", and no .tar either") + (gz ? " (.tar.gz is never used)" : ""));
    f.all_present = false;
  } else {
    f.all_present &= RequireFile(d, v, f.images);
  }
  if (f.all_present) {
    d.Add("k3s-files", v.text, CheckStatus::kOk,
          BaseName(f.binary) + ", " + BaseName(f.sums) + " and " + BaseName(f.images) + " present");
  }
  return f;
}

// Checks one present file against its sums line. Returns "" when it matches (or, without
// `hash`, is listed), else the failure message. kInterrupted is passed up.
Result<std::string> CheckSumLine(Doctor& d, const std::vector<Sha256SumLine>& lines,
                                 const std::string& sums, const std::string& path, bool hash) {
  const std::string name = BaseName(path);
  const Sha256SumLine* line = FindSum(lines, name);
  const std::string consequence = "Rancher Desktop re-downloads it on start, which fails offline";
  if (line == nullptr) return sums + ": no line for " + name + ": " + consequence;
  if (!hash) return std::string();
  auto got = HashFile(d.fs, path);
  if (!got.has_value()) {
    if (got.error().code() == ErrorCode::kInterrupted) return got.error();
    return got.error().message();
  }
  if (*got == line->hex) return std::string();
  return path + ": sha256 mismatch with " + BaseName(sums) + " (expected " + Short(line->hex) +
         ", got " + Short(*got) + "): " + consequence;
}

// The sums file's lines for the binary and the images (hashed with --deep). True when all
// present files match.
Result<bool> CheckK3sSums(Doctor& d, const K3sVersion& v, const K3sFiles& f) {
  const std::string fix = ReinstallFix(v, d.dest().arch);
  auto text = ReadFileToString(d.fs, f.sums, kMaxSumsFileBytes);
  auto lines = text.has_value() ? ParseSha256Sums(*text, f.sums)
                                : Result<std::vector<Sha256SumLine>>(text.error());
  if (!lines.has_value()) {
    d.Add("k3s-sha256", v.text, CheckStatus::kFail, lines.error().message(), fix);
    return false;
  }
  bool ok = true;
  std::vector<std::string> hashed, listed;
  for (const auto& [path, hash] : {std::pair{f.binary, true}, std::pair{f.images, d.cmd.deep}}) {
    if (path.empty() || !d.fs.Stat(path).has_value()) continue;
    RDB_ASSIGN_OR_RETURN(std::string problem, CheckSumLine(d, *lines, f.sums, path, hash));
    if (!problem.empty()) {
      d.Add("k3s-sha256", v.text, CheckStatus::kFail, problem, fix);
      ok = false;
    }
    (hash ? hashed : listed).push_back(BaseName(path));
  }
  if (!ok || (hashed.empty() && listed.empty())) return ok;
  std::string msg;
  if (!hashed.empty()) {
    msg = hashed[0] + (hashed.size() > 1 ? " and " + hashed[1] + " match " : " matches ") +
          BaseName(f.sums);
  }
  if (!listed.empty()) {
    msg += (msg.empty() ? listed[0] + " listed in " + BaseName(f.sums)
                        : "; " + listed[0] + " listed") +
           ", not hashed (--deep hashes it)";
  }
  d.Add("k3s-sha256", v.text, CheckStatus::kOk, msg);
  return ok;
}

Status CheckK3sVersionDir(Doctor& d, const K3sVersion& v, const std::string& dir) {
  d.cached.push_back(v);
  const K3sFiles f = CheckK3sFiles(d, v, dir);
  bool sums_ok = false;
  if (d.fs.Stat(f.sums).has_value()) {
    RDB_ASSIGN_OR_RETURN(sums_ok, CheckK3sSums(d, v, f));
  }
  if (f.all_present && sums_ok) d.complete.push_back(v);
  if (BelowRdMinimum(v)) {
    d.Add("k3s-rd-minimum", v.text, CheckStatus::kWarn,
          dir + ": older than v1.25.3: Rancher Desktop 1.19 and later do not offer it");
  }
  return Status::Ok();
}

Status CheckK3sCache(Doctor& d) {
  const std::string k3s_dir = JoinPath(d.dest().cache_dir, "k3s");
  auto names = ListDirIfExists(d.fs, k3s_dir);
  if (!names.has_value()) {
    d.Add("k3s-dir", "k3s", CheckStatus::kFail, names.error().message());
    return Status::Ok();
  }
  for (const auto& name : *names) {
    const std::string path = JoinPath(k3s_dir, name);
    auto info = d.fs.Stat(path);
    if (!info.has_value() || info->type != FileInfo::Type::kDirectory) {
      const bool link = info.has_value() && info->type == FileInfo::Type::kSymlink;
      d.Add("k3s-dir", name, CheckStatus::kWarn,
            path + (link ? ": a symlink: not checked"
                         : ": not a directory: Rancher Desktop ignores it"));
      continue;
    }
    auto v = ParseK3sVersion(name);
    if (!v.has_value()) {
      d.Add("k3s-dir", name, CheckStatus::kFail,
            path + ": " + v.error().message() + ": Rancher Desktop ignores this directory",
            "rename it to the exact k3s release, e.g. v1.30.4+k3s1");
      continue;
    }
    RDB_RETURN_IF_ERROR(CheckK3sVersionDir(d, *v, path));
  }
  std::sort(d.cached.begin(), d.cached.end());
  std::sort(d.complete.begin(), d.complete.end());
  if (d.cached.empty()) {
    d.Add("k3s-dir", "k3s", CheckStatus::kFail,
          k3s_dir + ": no k3s version cached: Rancher Desktop cannot start Kubernetes offline",
          std::string(kReinstall));
  }
  return Status::Ok();
}

// ---- CACHE/k3s-versions.json ------------------------------------------------------------------

constexpr std::string_view kFixCommand = "rdbundle-unpack doctor --fix";

// Writes `file` atomically while holding the cache lock that `install` takes.
Status WriteVersionsFile(Doctor& d, const std::string& path, const K3sVersionsFile& file) {
  RDB_ASSIGN_OR_RETURN(auto lock, d.fs.TryLock(d.dest().cache_dir));
  if (!lock) {
    return Status::Io(d.dest().cache_dir +
                      ": another rdbundle-unpack is installing here; try again later");
  }
  return WriteFileAtomic(d.fs, path, SerializeK3sVersionsFile(file), 0644);
}

std::vector<std::string> Texts(const std::vector<K3sVersion>& versions) {
  std::vector<std::string> out;
  for (const auto& v : versions) out.push_back(v.text);
  return out;
}

// Missing or invalid file: RD falls back to the list built into it.
Status ReportUnusableVersionsFile(Doctor& d, const std::string& path, const std::string& why) {
  if (d.complete.empty()) {
    d.Add("k3s-versions-json", "k3s-versions.json", CheckStatus::kWarn, why);
    return Status::Ok();
  }
  if (!d.cmd.fix) {
    d.Add("k3s-versions-json", "k3s-versions.json", CheckStatus::kFail, why,
          std::string(kFixCommand) + " (writes it from the cached versions)");
    return Status::Ok();
  }
  K3sVersionsFile file;
  file.versions = Texts(d.complete);
  file.channels = DeriveChannels(d.complete);
  RDB_RETURN_IF_ERROR(WriteVersionsFile(d, path, file));
  d.Add("k3s-versions-json", "k3s-versions.json", CheckStatus::kOk,
        path + ": written with the " + Plural(d.complete.size(), "cached version") +
            " (--fix); it was unusable: " + why);
  return Status::Ok();
}

// Cached versions the file does not list (fail, or merged with --fix), and listed versions
// that are not cached at all (warn: selecting them needs the network).
Status CompareVersions(Doctor& d, const std::string& path, const K3sVersionsFile& file) {
  const std::set<std::string> listed(file.versions.begin(), file.versions.end());
  std::vector<K3sVersion> missing;
  for (const auto& v : d.complete) {
    if (listed.count(v.text) == 0) missing.push_back(v);
  }
  if (d.cmd.fix && !missing.empty()) {
    K3sVersionsFile add;
    add.versions = Texts(missing);
    RDB_RETURN_IF_ERROR(WriteVersionsFile(d, path, MergeK3sVersions(file, add)));
  }
  for (const auto& v : missing) {
    if (d.cmd.fix) {
      d.Add("k3s-versions-json", v.text, CheckStatus::kOk, path + ": added " + v.text + " (--fix)");
    } else {
      d.Add("k3s-versions-json", v.text, CheckStatus::kFail,
            path + ": does not list " + v.text +
                ", which is cached: Rancher Desktop does not offer it",
            std::string(kFixCommand));
    }
  }
  const std::vector<std::string> cached_texts = Texts(d.cached);
  const std::set<std::string> cached(cached_texts.begin(), cached_texts.end());
  for (const auto& s : file.versions) {
    if (cached.count(s) > 0) continue;
    d.Add("k3s-versions-json", s, CheckStatus::kWarn,
          path + ": lists " + s + ", which is not cached: selecting it needs the network");
  }
  return Status::Ok();
}

Status CheckVersionsFile(Doctor& d) {
  const std::string path = JoinPath(d.dest().cache_dir, "k3s-versions.json");
  auto text = ReadFileToString(d.fs, path, kMaxVersionsJsonBytes);
  if (!text.has_value()) {
    if (text.error().code() != ErrorCode::kNotFound) {  // unreadable: never overwritten
      d.Add("k3s-versions-json", "k3s-versions.json", CheckStatus::kFail, text.error().message());
      return Status::Ok();
    }
    return ReportUnusableVersionsFile(
        d, path, path + ": missing: Rancher Desktop offers only the versions built into it");
  }
  auto file = ParseK3sVersionsFile(*text, path, K3sVersionsParseMode::kUserCache);
  if (!file.has_value()) return ReportUnusableVersionsFile(d, path, file.error().message());
  d.Add("k3s-versions-json", "k3s-versions.json", CheckStatus::kOk,
        path + ": valid (cacheVersion 2, " + Plural(file->versions.size(), "version") + ", " +
            Plural(file->channels.size(), "channel") + ")");
  return CompareVersions(d, path, *file);
}

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
  std::string consequence;  // what goes wrong with the name, when that is certain
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
  if (leading_v) {
    r.problems.push_back("\"v\" before the version");
    r.consequence = ": kuberlr ignores it";
  }
  return r;
}

std::string Join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i > 0 ? std::string(sep) : "") + v[i];
  return out;
}

// Kubectls kuberlr would find after a rename, and that rename: the cover check's fix for the
// versions they serve.
struct Renamable {
  KubectlVersion version;
  std::string fix;
};

// One entry of the target's platform directory.
void CheckKubectlFile(Doctor& d, std::vector<Renamable>& renamable, const std::string& dir,
                      const std::string& name) {
  const std::string path = JoinPath(dir, name);
  const TargetOs os = d.dest().os;
  auto info = d.fs.Stat(path);
  if (!info.has_value())
    return d.Add("kubectl-file", name, CheckStatus::kFail, info.error().message());
  const KubectlName k = ClassifyKubectlName(name, os);
  const bool file =
      info->type == FileInfo::Type::kRegular || info->type == FileInfo::Type::kSymlink;
  if (!k.version || !file) {
    return d.Add("kubectl-file", name, CheckStatus::kWarn,
                 path + ": not a " + KubectlFileName("<X.Y.Z>", os) + " file: not counted");
  }
  const std::string canonical = KubectlFileName(k.version->ToString(), os);
  bool ok = true;
  if (name != canonical) {
    const std::string mv = "mv " + ShellQuote(path) + " " + ShellQuote(JoinPath(dir, canonical));
    d.Add("kubectl-file", name, CheckStatus::kFail,
          path + ": wrong name (" + (k.problems.empty() ? "spelling" : Join(k.problems, ", ")) +
              "), expected " + canonical + k.consequence,
          mv);
    renamable.push_back({*k.version, mv});
    ok = false;
  }
  if (os != TargetOs::kWindows && info->type == FileInfo::Type::kRegular &&
      (info->mode & 0111) == 0) {
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info->mode & 07777));
    d.Add("kubectl-file", name, CheckStatus::kFail,
          path + ": not executable (mode " + mode + "): kuberlr cannot run it",
          "chmod 0755 " + ShellQuote(path));
    ok = false;
  }
  if (!ok) return;
  std::string msg = path + ": kubectl " + k.version->ToString();
  if (info->type == FileInfo::Type::kSymlink) {
    msg += " (a symlink; its target is not checked)";
  } else if (os != TargetOs::kWindows) {
    msg += ", executable";
  }
  d.Add("kubectl-file", name, CheckStatus::kOk, msg);
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
                              : "mv " + ShellQuote(path) + " " + ShellQuote(right_path);
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

// kuberlr's system kubectls are this machine's: count them only when doctor checks this
// machine's own setup (an explicit --home, --cache-dir or --kuberlr-dir may be another's).
bool TargetIsHost(const DestinationOptions& o) {
  return !o.home && !o.cache_dir && !o.kuberlr_dir && (!o.os || *o.os == HostOs()) &&
         (!o.arch || *o.arch == HostArch()) && HostOs() != TargetOs::kWindows;
}

// kuberlr reads a system kubectl's version from its file name, never by running it:
// kubectl<X.Y.Z>, or kubectl<X.Y> (patch 0) as distributions name versioned kubectls
// (flavio/kuberlr internal/finder/kubectl_finder.go, inferSystemKubectlVersion).
std::optional<KubectlVersion> SystemKubectlVersion(std::string_view name) {
  if (!name.starts_with("kubectl")) return std::nullopt;
  name.remove_prefix(7);
  if (name.starts_with("v")) return std::nullopt;  // kuberlr's "%d" does not take it
  auto v = ParseKubectlVersion(name);
  if (!v.has_value() && std::count(name.begin(), name.end(), '.') == 1) {
    v = ParseKubectlVersion(std::string(name) + ".0");
  }
  return v.has_value() ? std::optional<KubectlVersion>(*v) : std::nullopt;
}

struct SystemKubectl {
  KubectlVersion version;
  std::string path;
};

// The versioned kubectls in kuberlr's system directory (/usr/bin), when checking this machine.
std::vector<SystemKubectl> CheckSystemKubectls(Doctor& d) {
  std::vector<SystemKubectl> out;
  if (!TargetIsHost(d.cmd.dest)) return out;
  const std::string& dir = d.env.system_kubectl_dir;
  auto names = ListDirIfExists(d.fs, dir);
  if (!names.has_value()) {
    d.Add("system-kubectl", dir, CheckStatus::kWarn, names.error().message() + ": not counted");
    return out;
  }
  for (const auto& name : *names) {
    const std::string path = JoinPath(dir, name);
    if (name == "kubectl") {
      d.Add("system-kubectl", name, CheckStatus::kOk,
            path +
                ": not counted: kuberlr only uses versioned names here (kubectl<X.Y.Z>, "
                "kubectl<X.Y>)");
    } else if (auto v = SystemKubectlVersion(name)) {
      d.Add("system-kubectl", name, CheckStatus::kOk,
            path + ": kubectl " + v->ToString() + " (kuberlr uses it too)");
      out.push_back({*v, path});
    }
  }
  return out;
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
      TargetIsHost(d.cmd.dest) ? " (nor in " + d.env.system_kubectl_dir + ")" : "";
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

// ---- output -----------------------------------------------------------------------------------

const char* StatusWord(CheckStatus s) {
  switch (s) {
    case CheckStatus::kOk:
      return "ok  ";
    case CheckStatus::kWarn:
      return "warn";
    case CheckStatus::kFail:
      return "FAIL";
  }
  return "";
}

const char* StatusColor(CheckStatus s) {
  switch (s) {
    case CheckStatus::kOk:
      return "\033[32m";
    case CheckStatus::kWarn:
      return "\033[33m";
    case CheckStatus::kFail:
      return "\033[1;31m";
  }
  return "";
}

}  // namespace

std::string_view CheckStatusName(CheckStatus s) {
  switch (s) {
    case CheckStatus::kOk:
      return "ok";
    case CheckStatus::kWarn:
      return "warn";
    case CheckStatus::kFail:
      return "fail";
  }
  return "";
}

std::size_t DoctorReport::Count(CheckStatus s) const {
  return static_cast<std::size_t>(
      std::count_if(items.begin(), items.end(), [s](const CheckItem& i) { return i.status == s; }));
}

Result<DoctorReport> RunDoctorChecks(Fs& fs, const DoctorCommand& cmd, const DoctorEnv& env) {
  RDB_ASSIGN_OR_RETURN(Destinations dest, ResolveDestinations(cmd.dest, env.getenv));
  Doctor d{fs, cmd, env, DoctorReport{dest, {}, ""}, {}, {}};
  RDB_RETURN_IF_ERROR(CheckK3sCache(d));
  RDB_RETURN_IF_ERROR(CheckVersionsFile(d));
  const std::vector<Renamable> renamable = CheckKuberlr(d);
  CheckCover(d, renamable, CheckSystemKubectls(d));
  return std::move(d.report);
}

std::string FormatDoctorJson(const DoctorReport& r) {
  OrderedJson j = OrderedJson::object();
  j["version"] = 1;
  j["target"] = {{"os", OsName(r.dest.os)},
                 {"arch", ArchName(r.dest.arch)},
                 {"cacheDir", r.dest.cache_dir},
                 {"kuberlrDir", r.dest.kuberlr_dir}};
  j["summary"] = {{"ok", r.Count(CheckStatus::kOk)},
                  {"warn", r.Count(CheckStatus::kWarn)},
                  {"fail", r.Count(CheckStatus::kFail)}};
  j["checks"] = OrderedJson::array();
  for (const CheckItem& i : r.items) {
    OrderedJson item = {{"check", i.check},
                        {"subject", i.subject},
                        {"status", CheckStatusName(i.status)},
                        {"message", i.message}};
    if (!i.fix.empty()) item["fix"] = i.fix;
    j["checks"].push_back(std::move(item));
  }
  if (!r.kubectl_fix.empty()) j["kubectlFix"] = r.kubectl_fix;
  // `replace`: file names on disk need not be UTF-8.
  return j.dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

std::string FormatDoctorText(const DoctorReport& r, bool color) {
  std::string out = "Rancher Desktop offline check (" + std::string(OsName(r.dest.os)) + "/" +
                    std::string(ArchName(r.dest.arch)) + ")\n  cache    " + r.dest.cache_dir +
                    "\n  kuberlr  " + r.dest.kuberlr_dir + "\n";
  for (const CheckItem& i : r.items) {
    const std::string word =
        color ? StatusColor(i.status) + std::string(StatusWord(i.status)) + "\033[0m"
              : StatusWord(i.status);
    char check[24];
    std::snprintf(check, sizeof check, "%-17s", i.check.c_str());
    out += "  " + word + "  " + check + "  " + i.subject + ": " + i.message + "\n";
    if (!i.fix.empty()) out += "        fix: " + i.fix + "\n";
  }
  if (!r.kubectl_fix.empty()) out += "kubectl for every gap in one bundle: " + r.kubectl_fix + "\n";
  out += Plural(r.Count(CheckStatus::kOk), "check") + " ok, " +
         std::to_string(r.Count(CheckStatus::kWarn)) + " warn, " +
         std::to_string(r.Count(CheckStatus::kFail)) + " fail\n";
  return out;
}

Status RunDoctor(Fs& fs, const DoctorCommand& cmd, const DoctorEnv& env, std::FILE* out) {
  RDB_ASSIGN_OR_RETURN(DoctorReport report, RunDoctorChecks(fs, cmd, env));
  const bool color = cmd.color.value_or(StdoutIsTerminal() && !env.getenv("NO_COLOR"));
  const std::string text = cmd.json ? FormatDoctorJson(report) : FormatDoctorText(report, color);
  std::fwrite(text.data(), 1, text.size(), out);
  if (std::fflush(out) != 0) return Status::FromErrno("<stdout>", errno);
  const std::size_t failed = report.Count(CheckStatus::kFail);
  if (failed == 0) return Status::Ok();
  return Status::CheckFailed("doctor: " + Plural(failed, "check") + " failed");
}

}  // namespace rdbundle::unpacker
