#include "unpacker/doctor_internal.h"

#include <algorithm>
#include <set>

#include "common/format/hash.h"
#include "common/format/limits.h"
#include "common/format/sha256sums.h"
#include "common/os/platform.h"
#include "common/rd/k3s_versions.h"
#include "common/rd/rd_rules.h"
#include "unpacker/coverage.h"
#include "unpacker/roots.h"


namespace rdbundle::unpacker::doctor_internal {
namespace {

// ---- CACHE/k3s/<version>/ ---------------------------------------------------------------------

// SHA-256 of a file, streamed through Fs. kInterrupted on SIGINT/SIGTERM.
Result<std::string> HashFile(Fs& fs, const std::string& path) {
  RDB_ASSIGN_OR_RETURN(auto in, fs.OpenRegular(path));
  return Sha256HexOfFile(*in, OnInterrupt::kStop);
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

// RD's choice of images file: the first of .tar.zst, .tar that exists
// (docs/rancher-desktop.md#per-version-directory).
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
  return path + ": sha256 mismatch with " + BaseName(sums) + " (expected " + ShortHex(line->hex) +
         ", got " + ShortHex(*got) + "): " + consequence;
}

// The sums file's lines for the binary and the images (hashed with --deep). True when all
// present files match.
Result<bool> CheckK3sSums(Doctor& d, const K3sVersion& v, const K3sFiles& f) {
  const std::string fix = ReinstallFix(v, d.dest().arch);
  auto text = ReadRegularFileToString(d.fs, f.sums, kMaxSumsFileBytes);
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
  if (BelowRdMinimumFor(v, d.rd_version())) {
    // k3sHelper.ts readCache: `if (version && semver.gte(version, this.minimumVersion))`.
    const std::string rd = d.rd_version()
                               ? "Rancher Desktop " + d.rd_version()->ToString() + " does not"
                               : "Rancher Desktop 1.19 and later do not";
    d.Add("k3s-rd-minimum", v.text, CheckStatus::kWarn,
          dir + ": older than v" + RdMinimumK3s(d.rd_version()).ToString() + ": " + rd +
              " offer it");
  }
  return Status::Ok();
}

}  // namespace

void CheckInstalledRd(Doctor& d) {
  // Shown in the report's header (FormatDoctorText, "rancherDesktop" in JSON); an item only
  // when its rules are older than the ones rdbundle follows.
  d.rd = DetectInstalledRd(d.fs, d.dest(), d.env.getenv);
  d.report.rd = d.rd;
  if (d.rd && d.rd->version && !RdHasBuiltinVersionList(*d.rd->version)) {
    const std::string oldest = kOldestRdFollowed.ToString();
    d.Add("rancher-desktop", d.rd->version->ToString(), CheckStatus::kWarn,
          d.rd->where + ": Rancher Desktop " + d.rd->version->ToString() + " is older than " +
              oldest + ": without a usable k3s-versions.json it offers no version offline (no "
              "built-in list); rdbundle follows the rules of " + oldest + " and later",
          "upgrade Rancher Desktop to " + oldest + " or later");
  }
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
    // installer.h kStagingPrefix: there only while an install runs or after one was killed.
    if (name.starts_with(".rdbundle-")) {
      d.Add("k3s-dir", name, CheckStatus::kWarn,
            path + ": left by an interrupted install; the next install removes it",
            std::string(kReinstall));
      continue;
    }
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

namespace {

// ---- CACHE/k3s-versions.json ------------------------------------------------------------------

constexpr std::string_view kFixCommand = "rdbundle-unpack doctor --fix";

// Writes `file` atomically while holding the cache lock that `install` takes.
// The cache root is resolved once, following a symlink there (a cache moved to another disk,
// issue 13 item 5); the file below it is replaced through the directory handle. Root fixing
// another user's cache gives that user the file, as install does (issue 13 item 4).
Status WriteVersionsFile(Doctor& d, const std::string& path, const K3sVersionsFile& file) {
  RDB_ASSIGN_OR_RETURN(OwnerPlan owner, DecideOwnerFor(d.fs, d.dest()));
  RDB_ASSIGN_OR_RETURN(auto cache, d.fs.OpenRoot(d.dest().cache_dir));
  RDB_ASSIGN_OR_RETURN(auto lock, cache->TryLock());
  if (!lock) {
    return Status::Io(d.dest().cache_dir +
                      ": another rdbundle-unpack is installing here; try again later");
  }
  return WriteFileAtomic(*cache, BaseName(path), SerializeK3sVersionsFile(file), 0644, owner.get());
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
  // No channels: the cache has no channel data and none is invented (BuildVersionsFile in
  // packer/kit.h says why; RD selects the highest version without a "stable" one).
  RDB_RETURN_IF_ERROR(WriteVersionsFile(d, path, file));
  d.Add("k3s-versions-json", "k3s-versions.json", CheckStatus::kOk,
        path + ": written with the " + Plural(d.complete.size(), "cached version") +
            " (--fix); it was unusable: " + why);
  return Status::Ok();
}

// Cached versions the file does not list (fail, or merged with --fix), listed builds that
// shadow a complete build of the same X.Y.Z (fail, or dropped with --fix), and listed versions
// that are not cached at all (warn: selecting them needs the network).
Status CompareVersions(Doctor& d, const std::string& path, const K3sVersionsFile& file) {
  const std::set<std::string> listed(file.versions.begin(), file.versions.end());
  std::vector<K3sVersion> missing;
  for (const auto& v : d.complete) {
    if (listed.count(v.text) == 0) missing.push_back(v);
  }
  const std::vector<std::string> complete_texts = Texts(d.complete);
  const std::set<std::string> complete(complete_texts.begin(), complete_texts.end());
  // As it will be written (sorted, with the missing versions), then as it is now.
  K3sVersionsFile add;
  add.versions = Texts(missing);
  K3sVersionsFile fixed = MergeK3sVersions(file, add);
  fixed.versions = DropShadowingBuilds(fixed.versions, complete);
  const auto shadowed = FindShadowedBuilds(file.versions, complete, d.rd_version());
  if (d.cmd.fix && (!missing.empty() || !shadowed.empty())) {
    RDB_RETURN_IF_ERROR(WriteVersionsFile(d, path, fixed));
  }
  for (const ShadowedBuild& s : shadowed) {
    // k3sHelper.ts: readCache keys versions by X.Y.Z and the build listed last wins;
    // filterVersionsAgainstCache then offers 1.30.2 because v1.30.2+k3s1 is cached, and
    // ensureK3sImages looks in `path.join(cacheDir, version.raw)` = the winner's directory.
    const std::string what = path + ": lists " + s.winner + " after " + s.complete +
                             ": Rancher Desktop picks the last listed build of " + s.key +
                             " and looks in k3s/" + s.winner +
                             ", which is not complete: " + std::string(kOffline);
    if (d.cmd.fix) {
      d.Add("k3s-shadowed", s.winner, CheckStatus::kOk,
            path + ": dropped " + s.winner + ", so Rancher Desktop uses " + s.complete + " (--fix)");
    } else {
      d.Add("k3s-shadowed", s.winner, CheckStatus::kFail, what, std::string(kFixCommand));
    }
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

}  // namespace

Status CheckVersionsFile(Doctor& d) {
  const std::string path = JoinPath(d.dest().cache_dir, "k3s-versions.json");
  auto text = ReadRegularFileToString(d.fs, path, kMaxVersionsJsonBytes);
  if (!text.has_value()) {
    if (text.error().code() != ErrorCode::kNotFound) {  // unreadable: never overwritten
      d.Add("k3s-versions-json", "k3s-versions.json", CheckStatus::kFail, text.error().message());
      return Status::Ok();
    }
    return ReportUnusableVersionsFile(
        d, path, path + ": missing: Rancher Desktop offers only the versions built into it");
  }
  // Exactly what RD's readCache keeps or discards (rd_rules.h RdReadCache): an entry RD skips
  // (null, "junk") does not make the file unusable.
  const RdCacheView view = RdReadCache(*text, d.rd_version());
  if (view.verdict != RdCacheVerdict::kUsed) {
    const std::string consequence = view.verdict == RdCacheVerdict::kFallsBack
                                        ? "Rancher Desktop ignores the file"
                                        : "Rancher Desktop discards everything in it";
    return ReportUnusableVersionsFile(d, path, path + ": " + view.reason + ": " + consequence);
  }
  K3sVersionsFile file;
  file.versions = view.parsed;
  file.channels = view.parsed_channels;
  std::string skipped;
  if (view.unparsable > 0) {
    skipped = "; " + std::to_string(view.unparsable) +
              (view.unparsable == 1 ? " entry" : " entries") +
              " of \"versions\" that Rancher Desktop skips";
  }
  d.Add("k3s-versions-json", "k3s-versions.json", CheckStatus::kOk,
        path + ": valid (cacheVersion 2, " + Plural(view.parsed.size(), "version") + ", " +
            Plural(view.parsed_channels.size(), "channel") + skipped + ")");
  return CompareVersions(d, path, file);
}

}  // namespace rdbundle::unpacker::doctor_internal
