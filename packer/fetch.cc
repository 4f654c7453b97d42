#include "packer/fetch.h"

#include <algorithm>

#include "common/cli/progress.h"
#include "common/format/sha256sums.h"

namespace rdbundle::packer {
namespace {

Result<std::unique_ptr<FileLock>> LockDownloadDir(Fs& fs, const std::string& dir) {
  RDB_RETURN_IF_ERROR(MakeDirs(fs, dir, nullptr));
  RDB_ASSIGN_OR_RETURN(auto lock, fs.TryLock(dir));
  if (!lock) return Status::Io(dir + ": another rdbundle-pack is using this download dir");
  return lock;
}

// The expected digests of one version's binary and images, from its sums file.
Status AddK3sJobs(Upstream& up, const DownloadDir& dir, const PlannedK3s& k, Arch arch,
                  const Plan& plan, std::vector<DownloadJob>& jobs,
                  std::map<std::string, FileSource>& sources) {
  const std::string sums_name = K3sSumsName(arch);
  const std::string sums_url = K3sAssetUrl(up.urls(), k.version.text, sums_name);
  RDB_ASSIGN_OR_RETURN(std::string text, up.K3sSums(k.version.text, arch));
  RDB_ASSIGN_OR_RETURN(auto lines, ParseSha256Sums(text, sums_url));
  sources[K3sBundlePath(k.version.text, sums_name)] = FileSource{sums_url, std::nullopt};
  for (const PlannedFile& f : plan.files) {
    auto p = ClassifyPayloadPath(f.bundle_path);
    if (!p.has_value() || p->k3s_version != k.version.text || p->arch != arch ||
        f.role == FileRole::kK3sSums) {
      continue;
    }
    const std::string name = BaseName(f.bundle_path);
    const Sha256SumLine* line = FindSum(lines, name);
    if (line == nullptr) {
      return Status::Corrupt(sums_url + ": no line for " + name + " (nothing to check it against)");
    }
    jobs.push_back({f.url, JoinPath(dir.root, f.bundle_path), line->hex, f.size, ModeForRole(f.role)});
    sources[f.bundle_path] = FileSource{f.url, line->hex};
  }
  return Status::Ok();
}

Status AddKubectlJobs(Upstream& up, const DownloadDir& dir, const Plan& plan,
                      std::vector<DownloadJob>& jobs, std::map<std::string, FileSource>& sources) {
  for (const PlannedKubectl& k : plan.kubectls) {
    RDB_ASSIGN_OR_RETURN(std::string hex, up.KubectlDigest(k.version, k.os, k.arch));
    const std::string path = KubectlBundlePath(k.os, k.arch, k.version.ToString());
    const std::string url = KubectlUrl(up.urls(), k.version, k.os, k.arch);
    DownloadJob job{url, JoinPath(dir.root, path), hex, std::nullopt, ModeForRole(FileRole::kKubectl)};
    for (const PlannedFile& f : plan.files) {
      if (f.bundle_path == path) job.expected_size = f.size;  // the plan's HEAD
    }
    jobs.push_back(std::move(job));
    sources[path] = FileSource{url, hex};
  }
  return Status::Ok();
}

// RD installers: each checked against its "<asset>.sha512sum" (RD's updater refuses an asset
// without one, LonghornProvider.ts), a mismatch failing like a k3s digest mismatch.
Status AddInstallerJobs(Upstream& up, const DownloadDir& dir, const Plan& plan,
                        std::vector<DownloadJob>& jobs, std::map<std::string, FileSource>& sources) {
  for (const PlannedInstaller& i : plan.installers) {
    RDB_ASSIGN_OR_RETURN(std::string sha512, up.RdInstallerSha512(i.version, i.platform));
    const std::string path = InstallerBundlePath(i.version.ToString(), i.platform);
    const std::string url = RdAssetUrl(up.urls(), i.version, i.platform);
    std::optional<std::uint64_t> size;
    for (const PlannedFile& f : plan.files) {
      if (f.bundle_path == path) size = f.size;
    }
    DownloadJob job{url, dir.InstallerFile(i.version, i.platform), "", size, 0644};
    job.sha512 = sha512;
    jobs.push_back(std::move(job));
    sources[path] = FileSource{url, std::nullopt, sha512};
  }
  return Status::Ok();
}

KitSelection ExactSelection(const Plan& plan) {
  KitSelection sel;
  sel.exact = true;
  for (const PlannedK3s& k : plan.k3s) sel.k3s_versions.push_back(k.version.text);
  sel.arches = plan.arches;
  for (const PlannedKubectl& k : plan.kubectls) {
    sel.kubectls.push_back({k.version.ToString(), k.os, k.arch});
  }
  for (const PlannedInstaller& i : plan.installers) {
    sel.installers.push_back({i.version.ToString(), i.platform});
  }
  return sel;
}

std::string PlanNote(const Plan& plan) {
  std::string s = "plan:";
  for (std::size_t i = 0; i < plan.k3s.size(); ++i) {
    const PlannedK3s& k = plan.k3s[i];
    s += (i > 0 ? ", " : " k3s ") + k.version.text + " (";
    for (std::size_t j = 0; j < k.selected_by.size(); ++j) s += (j > 0 ? ", " : "") + k.selected_by[j];
    s += ")";
  }
  for (std::size_t i = 0; i < plan.kubectls.size(); ++i) {
    const PlannedKubectl& k = plan.kubectls[i];
    s += (i > 0 ? ", " : (plan.k3s.empty() ? " kubectl " : "; kubectl ")) + k.version.ToString() +
         " " + std::string(OsName(k.os)) + "/" + std::string(ArchName(k.arch));
  }
  return s;
}

// The sha256sum files: plan files fetched as documents before the downloads.
std::size_t PlanSumsFiles(const Plan& plan) {
  return static_cast<std::size_t>(std::count_if(plan.files.begin(), plan.files.end(), [](const PlannedFile& f) {
    return f.role == FileRole::kK3sSums;
  }));
}

}  // namespace

Result<Fetched> FetchKit(Fs& fs, const FetchOptions& o, bool progress, const NoteFn& note) {
  Fetched f;
  RDB_ASSIGN_OR_RETURN(f.lock, LockDownloadDir(fs, o.download_dir));
  Upstream up(fs, {o.urls, o.download_dir, o.offline, /*save=*/true, o.http});
  PlanRequest request = o.request;
  // kubectl sizes by HEAD (one small request each), so the progress total is known before
  // the first download (issue 18 item 3), as `plan` shows it.
  RDB_ASSIGN_OR_RETURN(f.plan, MakePlan(up, request));
  note(PlanNote(f.plan));
  const DownloadDir dir{o.download_dir};
  std::vector<DownloadJob> jobs;
  for (const PlannedK3s& k : f.plan.k3s) {
    for (Arch arch : f.plan.arches) {
      RDB_RETURN_IF_ERROR(AddK3sJobs(up, dir, k, arch, f.plan, jobs, f.sources));
    }
  }
  RDB_RETURN_IF_ERROR(AddKubectlJobs(up, dir, f.plan, jobs, f.sources));
  RDB_RETURN_IF_ERROR(AddInstallerJobs(up, dir, f.plan, jobs, f.sources));
  if (!f.plan.k3s.empty()) {
    // RD's own list from the same upstream: `build` keeps its channels that name a bundled
    // version (BuildVersionsFile).
    RDB_RETURN_IF_ERROR(MakeDirs(fs, dir.CacheDir(), nullptr));
    RDB_RETURN_IF_ERROR(WriteFileAtomic(fs, dir.VersionsJson(),
                                        SerializeK3sVersionsFile(f.plan.rd_versions), 0644));
  }
  if (o.before_download) {
    std::uint64_t missing = 0;
    for (const DownloadJob& j : jobs) {
      auto have = fs.Stat(j.path);
      if (j.size && !(have.has_value() && have->size == *j.size)) missing += *j.size;
    }
    RDB_RETURN_IF_ERROR(o.before_download(f.plan, missing));
  }
  DownloadOptions d{o.http, o.parallel, o.offline, progress};
  RDB_ASSIGN_OR_RETURN(f.report, DownloadAll(fs, jobs, d, note));
  f.report.documents = PlanSumsFiles(f.plan);
  f.source = KitSource{dir.CacheDir(), dir.KuberlrDir(), dir.InstallersDir()};
  f.selection = ExactSelection(f.plan);
  return f;
}

std::string DescribeDownloads(const DownloadReport& r) {
  const std::size_t files = r.downloaded + r.cached + r.documents;
  std::string s = std::to_string(files) + (files == 1 ? " file: " : " files: ");
  if (r.downloaded > 0) {
    const double rate = r.seconds > 0 ? static_cast<double>(r.bytes) / r.seconds : 0;
    s += std::to_string(r.downloaded) + " downloaded (" + FormatBytes(r.bytes) + ") in " +
         FormatDuration(r.seconds) + ", " + FormatBytes(static_cast<std::uint64_t>(rate)) + "/s";
    if (r.resumed > 0) s += ", " + std::to_string(r.resumed) + " resumed";
  } else {
    s += "nothing to download";
  }
  if (r.cached > 0) s += "; " + std::to_string(r.cached) + " verified from the download cache";
  if (r.documents > 0) {
    s += "; " + std::to_string(r.documents) + " checksum file" + (r.documents == 1 ? "" : "s");
  }
  return s;
}

}  // namespace rdbundle::packer
