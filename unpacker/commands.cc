#include "unpacker/commands.h"

#include <algorithm>
#include <memory>

#include "common/base/strings.h"
#include "common/cli/console.h"
#include "common/cli/progress.h"
#include "common/format/json_strict.h"
#include "common/format/minisign.h"
#include "common/os/platform.h"
#include "common/rd/installed_rd.h"
#include "common/rd/kuberlr.h"
#include "common/rd/rd_installer.h"
#include "unpacker/bundle_reader.h"
#include "unpacker/coverage.h"
#include "unpacker/installer.h"
#include "unpacker/state.h"

namespace rdbundle::unpacker {
namespace {

// A PayloadHandler that only verifies (every sink is the reader's own hashing).
class VerifyOnly final : public PayloadHandler {
 public:
  Result<std::unique_ptr<PayloadSink>> Begin(const ManifestFile&, std::size_t) override {
    return std::unique_ptr<PayloadSink>();
  }
};

struct OpenBundle {
  std::unique_ptr<Progress> progress;
  std::unique_ptr<BundleReader> reader;
  const Preamble* preamble = nullptr;
};

// Opens the bundle, verifies the signature and parses the manifest.
Result<OpenBundle> Open(Fs& fs, const ReadOptions& opts) {
  RDB_ASSIGN_OR_RETURN(TrustedKeys keys, LoadKeys(fs, opts.keys));
  for (const auto& w : keys.warnings()) {
    Warn(w);
  }
  std::unique_ptr<ReadableFile> in;
  if (opts.bundle == "-") {
    if (StdinIsTerminal()) {
      Say("reading the bundle from standard input, which is a terminal: waiting for a pipe "
          "(cat kit.rdbundle | rdbundle-unpack ... -), Ctrl-C to stop");
    }
    in = OpenStdin();
  } else {
    RDB_ASSIGN_OR_RETURN(in, fs.OpenForRead(opts.bundle));
  }
  OpenBundle b;
  b.progress = std::make_unique<Progress>("verifying", 0,
                                          opts.progress.value_or(StderrIsTerminal()));
  BundleReaderOptions ro;
  ro.max_window_log = opts.max_window_log;
  ro.progress = b.progress.get();
  b.reader = std::make_unique<BundleReader>(std::move(in), opts.bundle == "-" ? "<stdin>" : opts.bundle, ro);
  RDB_ASSIGN_OR_RETURN(b.preamble, b.reader->ReadPreamble(keys));
  b.progress->SetTotal(b.preamble->manifest.TotalBytes());
  b.progress->SetFileCount(b.preamble->manifest.files.size());
  return b;
}

std::string RateSummary(std::uint64_t bytes, double seconds) {
  return FormatBytes(bytes) + " in " + FormatDuration(seconds) + " (" +
         FormatBytes(seconds > 0 ? static_cast<std::uint64_t>(bytes / seconds) : bytes) + "/s)";
}

OrderedJson ManifestSummaryJson(const Preamble& p) {
  const Manifest& m = p.manifest;
  OrderedJson j = OrderedJson::object();
  j["schemaVersion"] = kJsonSchemaVersion;
  // Cannot throw: these exact bytes already passed ParseJsonStrict in ParseManifest.
  const OrderedJson manifest = OrderedJson::parse(p.manifest_bytes);
  for (auto it = manifest.begin(); it != manifest.end(); ++it) j[it.key()] = it.value();
  j["keySource"] = p.key_source;
  j["totalBytes"] = m.TotalBytes();
  j["verified"] = "signature";  // the payload was not read
  return j;
}

void PrintManifest(const Preamble& p, const std::string& what, std::FILE* out) {
  const Manifest& m = p.manifest;
  std::fprintf(out, "%s: signature OK (key %s from %s)\n", what.c_str(), m.key_id.c_str(),
               p.key_source.c_str());
  std::fprintf(out, "  bundle id  %s\n  created    %s\n  generator  %s\n", m.bundle_id.c_str(),
               m.created.c_str(), m.generator.c_str());
  std::vector<std::string> arches, kubectls;
  for (Arch a : m.k3s_arches) arches.emplace_back(ArchName(a));
  for (const auto& k : m.kubectl) {
    kubectls.push_back(k.version + " " + std::string(OsName(k.os)) + "/" +
                       std::string(ArchName(k.arch)));
  }
  std::fprintf(out, "  k3s        %s (%s)\n", Join(m.k3s_versions, ", ").c_str(),
               Join(arches, ", ").c_str());
  std::fprintf(out, "  kubectl    %s\n", Join(kubectls, ", ").c_str());
  if (m.format_version >= 2) {
    std::vector<std::string> channels, installers;
    for (const auto& [name, value] : m.k3s_channels) channels.push_back(name + " -> " + value);
    for (const auto& i : m.rd_installers) {
      installers.push_back("Rancher Desktop " + i.version + " " +
                           std::string(RdPlatformName(i.platform)));
    }
    std::fprintf(out, "  channels   %s\n", channels.empty() ? "-" : Join(channels, ", ").c_str());
    std::fprintf(out, "  installers %s\n",
                 installers.empty() ? "-" : Join(installers, ", ").c_str());
  }
  std::fprintf(out, "  files      %zu, %s\n", m.files.size(), FormatBytes(m.TotalBytes()).c_str());
  for (const auto& f : m.files) {
    std::fprintf(out, "    %04o %10s  %s\n", f.mode, FormatBytes(f.size).c_str(), f.path.c_str());
  }
}

}  // namespace

Status CheckDestinationOptions(Fs& fs, const DestinationOptions& dest, bool writes) {
  if (dest.home) {
    auto info = fs.Stat(*dest.home);
    if (!info.has_value() && info.error().code() == ErrorCode::kNotFound) {
      return Status::NotFound("--home " + *dest.home + ": no such directory");
    }
    if (!info.has_value()) return info.error();
    if (info->type != FileInfo::Type::kDirectory &&
        !(info->type == FileInfo::Type::kSymlink && fs.OpenRoot(*dest.home).has_value())) {
      return Status::Usage("--home " + *dest.home + ": not a directory");
    }
  }
  const bool other_os = dest.os && *dest.os != HostOs();
  if (writes && other_os && !dest.home && !(dest.cache_dir && dest.kuberlr_dir)) {
    const std::string os(OsName(*dest.os));
    return Status::Usage("--target-os " + os + " on this " + std::string(OsName(HostOs())) +
                         " machine needs --home DIR (the " + os + " user's home, e.g. "
                         "/mnt/c/Users/<you> from WSL) or --cache-dir and --kuberlr-dir; this "
                         "machine's home is not where that Rancher Desktop reads");
  }
  return Status::Ok();
}

Result<TrustedKeys> LoadKeys(Fs& fs, const KeyOptions& opts) {
  TrustedKeys keys;
  if (!opts.public_keys.empty()) {
    for (const auto& path : opts.public_keys) RDB_RETURN_IF_ERROR(keys.LoadFile(fs, path));
    return keys;
  }
  const bool explicit_dir = opts.trusted_dir.has_value();
  const std::optional<std::string> dir =
      explicit_dir ? opts.trusted_dir : DefaultTrustedDir(GetEnvReal);
  if (!dir) {
    return Status::UntrustedKey(
        "no trusted public keys: HOME is not set or not an absolute path, so there is no default "
        "trusted-key directory (keys are never taken from the current directory); pass "
        "-p KEY.pub or --trusted-dir DIR");
  }
  RDB_RETURN_IF_ERROR(keys.LoadDir(fs, *dir, /*missing_ok=*/!explicit_dir));
  return keys;
}

std::optional<std::string> DefaultTrustedDir(const GetEnvFn& getenv) {
  auto absolute = [](const std::optional<std::string>& v) {  // "/..." or a Windows "C:\\..."
    return v && (v->starts_with('/') || (v->size() > 2 && (*v)[1] == ':'));
  };
  if (auto xdg = getenv("XDG_CONFIG_HOME"); absolute(xdg)) return JoinPath(*xdg, "rdbundle/trusted");
  if (auto home = getenv("HOME"); absolute(home)) return JoinPath(*home, ".config/rdbundle/trusted");
  return std::nullopt;
}

Status RunVerify(Fs& fs, const ReadOptions& opts, std::FILE* out, bool json) {
  RDB_ASSIGN_OR_RETURN(OpenBundle b, Open(fs, opts));
  VerifyOnly handler;
  RDB_RETURN_IF_ERROR(b.reader->ReadPayloads(handler));
  b.progress->Finish();
  const Manifest& m = b.preamble->manifest;
  if (json) {
    OrderedJson j = OrderedJson::object();
    j["schemaVersion"] = kJsonSchemaVersion;
    j["bundle"] = b.reader->what();
    j["verified"] = "all";  // the signature, every entry and its sha256, the end of the stream
    j["bundleId"] = m.bundle_id;
    j["keyId"] = m.key_id;
    j["keySource"] = b.preamble->key_source;
    j["created"] = m.created;
    j["files"] = m.files.size();
    j["bytes"] = m.TotalBytes();
    j["seconds"] = b.progress->ElapsedSeconds();
    std::fprintf(out, "%s\n", j.dump(2, ' ', false, OrderedJson::error_handler_t::replace).c_str());
    return Status::Ok();
  }
  std::fprintf(out, "%s: OK: signature (key %s), %zu files, %s\n", b.reader->what().c_str(),
               m.key_id.c_str(), m.files.size(),
               RateSummary(m.TotalBytes(), b.progress->ElapsedSeconds()).c_str());
  return Status::Ok();
}

Status RunList(Fs& fs, const ListCommand& cmd, std::FILE* out) {
  RDB_ASSIGN_OR_RETURN(OpenBundle b, Open(fs, cmd.read));
  if (cmd.json) {
    std::fprintf(out, "%s\n", ManifestSummaryJson(*b.preamble).dump(2).c_str());
  } else {
    PrintManifest(*b.preamble, b.reader->what(), out);
    std::fprintf(out, "(payload not read: `rdbundle-unpack verify` checks every file)\n");
  }
  return Status::Ok();
}

namespace {

// In install --json.
const char* ActionKey(FileAction a) {
  switch (a) {
    case FileAction::kWrite: return "write";
    case FileAction::kUnchanged: return "unchanged";
    case FileAction::kOtherPlatform: return "otherPlatform";
    case FileAction::kMerge: return "merge";
  }
  return "";
}

const char* ActionName(FileAction a) {
  switch (a) {
    case FileAction::kWrite: return "write";
    case FileAction::kUnchanged: return "unchanged";
    case FileAction::kOtherPlatform: return "skip (other platform)";
    case FileAction::kMerge: return "merge";
  }
  return "";
}

// Each carried Rancher Desktop installer: where it is and what to do with it; the others were
// for another platform.
void PrintInstallerSteps(const InstallReport& r, std::FILE* out) {
  for (const auto& p : r.plan) {
    if (p.file->role != FileRole::kRdInstaller) continue;
    auto where = ClassifyPayloadPath(p.file->path);
    if (!where.has_value()) continue;
    auto version = ParseRdVersion(where->rd_version);
    if (!version.has_value()) continue;
    const std::string platform(RdPlatformName(*where->rd_platform));
    if (p.action == FileAction::kOtherPlatform) {
      std::fprintf(out, "Rancher Desktop %s for %s: not placed (another platform; "
                   "--all-platforms places it)\n", where->rd_version.c_str(), platform.c_str());
      continue;
    }
    std::fprintf(out, "Rancher Desktop %s for %s: %s%s\n", where->rd_version.c_str(),
                 platform.c_str(), p.final_path.c_str(),
                 p.action == FileAction::kUnchanged ? " (already there)" : "");
    for (const auto& step : RdInstallerNextSteps(*where->rd_platform, *version, p.final_path)) {
      std::fprintf(out, "  %s\n", step.c_str());
    }
  }
}

void PrintInstallReport(const InstallCommand& cmd, const Destinations& d, const InstallReport& r,
                        double seconds, std::FILE* out) {
  if (cmd.dry_run) {
    std::fprintf(out, "dry run: nothing written. Plan:\n");
    for (const auto& p : r.plan) {
      std::fprintf(out, "  %-22s %s\n", ActionName(p.action),
                   p.final_path.empty() ? p.file->path.c_str() : p.final_path.c_str());
    }
    return;
  }
  if (r.files_written == 0 && !r.versions_json_changed) {
    std::fprintf(out, "already installed: %zu files unchanged in %s and %s; nothing written",
                 r.files_unchanged, d.cache_dir.c_str(), d.kuberlr_dir.c_str());
    if (r.files_other_platform > 0) {
      std::fprintf(out, "; %zu for other platforms not installed", r.files_other_platform);
    }
    std::fprintf(out, "\n");
    PrintInstallerSteps(r, out);
    return;
  }
  std::fprintf(out, "installed %zu files, %s into %s and %s", r.files_written,
               RateSummary(r.bytes_written, seconds).c_str(), d.cache_dir.c_str(),
               d.kuberlr_dir.c_str());
  std::fprintf(out, "; %zu unchanged; %zu for other platforms not installed\n",
               r.files_unchanged, r.files_other_platform);
  if (!r.versions_added.empty()) {
    std::fprintf(out, "k3s-versions.json: added %s\n", Join(r.versions_added, ", ").c_str());
  }
  PrintInstallerSteps(r, out);
}

// What kuberlr can choose from for `d` and the cached k3s versions: as they are, or as they
// will be once the files of `plan` marked for writing (or unchanged) are in place.
Result<CoverageReport> CoverageOf(Fs& fs, const Destinations& d,
                                  const std::vector<PlannedFile>& plan) {
  RDB_ASSIGN_OR_RETURN(auto k3s, ListCachedK3sVersions(fs, d.cache_dir));
  RDB_ASSIGN_OR_RETURN(auto kubectls, ListKuberlrKubectls(fs, d));
  if (CountsSystemKubectls(d)) {  // kuberlr also picks /usr/bin/kubectl<X.Y[.Z]> (by name)
    RDB_ASSIGN_OR_RETURN(auto system, ListSystemKubectls(fs, std::string(kKuberlrSystemDir)));
    for (const auto& s : system) kubectls.push_back(s.version);
  }
  const std::string platform = KuberlrPlatformDir(d.os, d.arch);
  for (const PlannedFile& p : plan) {
    if (p.action != FileAction::kWrite && p.action != FileAction::kUnchanged) continue;
    if (p.dest == Destination::kCache) {
      if (auto v = ParseK3sVersion(p.group); v.has_value()) k3s.push_back(*v);
    } else if (p.dest == Destination::kKuberlr && p.group == platform) {
      if (auto v = KuberlrVersionOfName(p.name, d.os)) kubectls.push_back(*v);
    }
  }
  std::sort(k3s.begin(), k3s.end());
  k3s.erase(std::unique(k3s.begin(), k3s.end()), k3s.end());
  std::sort(kubectls.begin(), kubectls.end());
  kubectls.erase(std::unique(kubectls.begin(), kubectls.end()), kubectls.end());
  return CheckKubectlCoverage(k3s, kubectls);
}

void PrintCoverage(const CoverageReport& report, const Destinations& d, std::FILE* out) {
  const std::string platform = KuberlrPlatformDir(d.os, d.arch);
  std::fprintf(out, "kubectl coverage (%s):\n", JoinPath(d.kuberlr_dir, platform).c_str());
  for (const auto& line : FormatCoverage(report, platform)) std::fprintf(out, "%s\n", line.c_str());
}

// --require-kubectl-cover decides before anything is written (issue 18 item 5): the coverage
// the cache would have after this install.
Status CheckCoverageBeforeWriting(Fs& fs, const Destinations& d,
                                  const std::vector<PlannedFile>& plan, std::FILE* out) {
  RDB_ASSIGN_OR_RETURN(CoverageReport report, CoverageOf(fs, d, plan));
  if (report.ok() || report.entries.empty()) return Status::Ok();
  PrintCoverage(report, d, out);
  return Status::CheckFailed("kubectl coverage would be incomplete (--require-kubectl-cover): " +
                             std::to_string(report.uncovered.size()) +
                             " k3s minor version(s) without a kubectl within one minor; nothing "
                             "written");
}

// The RD doc's failure scenario: a cached k3s version with no kubectl within one minor. The
// lines go to `out` unless `json` (then the report is part of the summary object).
Result<CoverageReport> ReportCoverage(Fs& fs, const Destinations& d, bool json, std::FILE* out) {
  RDB_ASSIGN_OR_RETURN(CoverageReport report, CoverageOf(fs, d, {}));
  if (report.entries.empty()) return report;
  if (!json) PrintCoverage(report, d, out);
  if (report.ok()) return report;
  Say("WARNING: " + std::to_string(report.uncovered.size()) + " k3s minor version(s) have no "
      "kubectl within one minor version; kubectl will fail offline when Rancher Desktop runs "
      "them");
  return report;
}

OrderedJson CoverageJson(const CoverageReport& r, const Destinations& d) {
  OrderedJson j = OrderedJson::object();
  j["kuberlrDir"] = JoinPath(d.kuberlr_dir, KuberlrPlatformDir(d.os, d.arch));
  j["ok"] = r.ok();
  j["k3s"] = OrderedJson::array();
  for (const CoverageEntry& e : r.entries) {
    j["k3s"].push_back({{"version", e.k3s_version},
                        {"servedBy", e.served_by ? OrderedJson(e.served_by->ToString())
                                                 : OrderedJson(nullptr)}});
  }
  j["uncovered"] = OrderedJson::array();
  for (const Minor& m : r.uncovered) j["uncovered"].push_back(m.ToString());
  j["suggested"] = OrderedJson::array();
  for (const KubectlSuggestion& k : r.suggested) j["suggested"].push_back(k.ToString());
  return j;
}

// install --json: one summary object (docs/json.md).
OrderedJson InstallJson(const InstallCommand& cmd, const Destinations& d, const OpenBundle& b,
                        const InstallReport& r, const std::optional<CoverageReport>& coverage) {
  const Manifest& m = b.preamble->manifest;
  OrderedJson j = OrderedJson::object();
  j["schemaVersion"] = kJsonSchemaVersion;
  j["bundle"] = b.reader->what();
  j["bundleId"] = m.bundle_id;
  j["keyId"] = m.key_id;
  j["keySource"] = b.preamble->key_source;
  j["dryRun"] = cmd.dry_run;
  j["alreadyInstalled"] = !cmd.dry_run && r.files_written == 0 && !r.versions_json_changed;
  j["target"] = {{"os", std::string(OsName(d.os))}, {"arch", std::string(ArchName(d.arch))},
                 {"cacheDir", d.cache_dir}, {"kuberlrDir", d.kuberlr_dir}};
  j["files"] = OrderedJson::array();
  for (const PlannedFile& p : r.plan) {
    OrderedJson f = {{"path", p.file->path}, {"action", ActionKey(p.action)}};
    f["destination"] = p.final_path.empty() ? OrderedJson(nullptr) : OrderedJson(p.final_path);
    j["files"].push_back(std::move(f));
  }
  j["written"] = {{"files", r.files_written}, {"bytes", r.bytes_written}};
  j["unchanged"] = r.files_unchanged;
  j["otherPlatform"] = r.files_other_platform;
  j["versionsAdded"] = r.versions_added;
  j["warnings"] = r.warnings;
  j["kubectlCoverage"] = coverage ? CoverageJson(*coverage, d) : OrderedJson(nullptr);
  j["seconds"] = b.progress->ElapsedSeconds();
  return j;
}

}  // namespace

Status RunInstall(Fs& fs, const InstallCommand& cmd, std::FILE* out) {
  RDB_RETURN_IF_ERROR(CheckDestinationOptions(fs, cmd.dest, /*writes=*/true));
  RDB_ASSIGN_OR_RETURN(Destinations dest, ResolveDestinations(cmd.dest, GetEnvReal));
  if (RunningUnderWsl() && !cmd.dest.os && !cmd.dest.cache_dir) {
    Say("note: running under WSL; for Rancher Desktop on Windows use --target-os windows "
        "--home /mnt/c/Users/<you>");
  }
  RDB_ASSIGN_OR_RETURN(OpenBundle b, Open(fs, cmd.read));
  InstallOptions opts{dest, cmd.dry_run, cmd.all_platforms, cmd.force};
  if (cmd.installers_dir) {
    opts.installers_dir = *cmd.installers_dir;
  } else if (!dest.home.empty()) {
    opts.installers_dir = JoinPath(dest.home, kDefaultInstallersDirName);
  }
  if (cmd.require_kubectl_cover) {
    std::FILE* lines = cmd.json ? stderr : out;  // stdout holds only the JSON object
    opts.check_plan = [&fs, &dest, lines](const std::vector<PlannedFile>& plan) {
      return CheckCoverageBeforeWriting(fs, dest, plan, lines);
    };
  }
  // The installed RD's rules (minimum k3s version, built-in list) when the target is this
  // machine; for another home (a mounted one) the current rules.
  if (dest.is_host) {
    if (auto rd = DetectInstalledRd(fs, dest, GetEnvReal)) opts.rd = rd->version;
  }
  Installer installer(fs, opts);
  RDB_RETURN_IF_ERROR(installer.Prepare(*b.preamble));
  b.progress->SetLabel(cmd.dry_run ? "verifying" : "installing");
  RDB_RETURN_IF_ERROR(b.reader->ReadPayloads(installer.handler()));
  RDB_ASSIGN_OR_RETURN(InstallReport report, installer.Commit(b.reader->small_files()));
  b.progress->Finish();
  for (const auto& w : report.warnings) Warn(w);
  std::optional<CoverageReport> coverage;
  if (!cmd.json) {
    std::fprintf(out, "%s: signature OK (key %s), all %zu files verified\n",
                 b.reader->what().c_str(), b.preamble->manifest.key_id.c_str(),
                 b.preamble->manifest.files.size());
    PrintInstallReport(cmd, dest, report, b.progress->ElapsedSeconds(), out);
  }
  if (!cmd.dry_run) {
    RDB_ASSIGN_OR_RETURN(coverage, ReportCoverage(fs, dest, cmd.json, out));
  }
  if (cmd.json) {
    const OrderedJson j = InstallJson(cmd, dest, b, report, coverage);
    std::fprintf(out, "%s\n", j.dump(2, ' ', false, OrderedJson::error_handler_t::replace).c_str());
  }
  if (coverage && !coverage->ok() && cmd.require_kubectl_cover) {
    return Status::CheckFailed("kubectl coverage incomplete (--require-kubectl-cover)");
  }
  return Status::Ok();
}

namespace {

// list --installed --json (docs/json.md): the install record without its internals (the
// inode and mtime it uses to skip unchanged files).
OrderedJson InstalledJson(const Destinations& d, const InstallState& state) {
  OrderedJson j = OrderedJson::object();
  j["schemaVersion"] = kJsonSchemaVersion;
  j["cacheDir"] = d.cache_dir;
  j["installs"] = OrderedJson::array();
  for (const InstallRecord& r : state.installs) {
    j["installs"].push_back({{"bundleId", r.bundle_id}, {"keyId", r.key_id},
                             {"created", r.created}, {"installedAt", r.installed_at},
                             {"generator", r.generator}, {"target", r.target},
                             {"files", r.files}, {"bytes", r.bytes}});
  }
  j["files"] = OrderedJson::array();
  for (const auto& [path, f] : state.files) {
    j["files"].push_back({{"path", path}, {"sha256", f.sha256}, {"size", f.size},
                          {"bundleId", f.bundle_id}});
  }
  return j;
}

}  // namespace

Status RunListInstalled(Fs& fs, const ListInstalledCommand& cmd, std::FILE* out) {
  RDB_RETURN_IF_ERROR(CheckDestinationOptions(fs, cmd.dest, /*writes=*/false));
  RDB_ASSIGN_OR_RETURN(Destinations dest, ResolveDestinations(cmd.dest, GetEnvReal));
  std::string warning;
  InstallState state = LoadInstallState(fs, dest.cache_dir, &warning);
  if (!warning.empty()) return Status::Corrupt(warning);
  if (cmd.json) {
    std::fprintf(out, "%s\n", InstalledJson(dest, state).dump(2, ' ', false,
                                                                OrderedJson::error_handler_t::replace)
                                  .c_str());
    return Status::Ok();
  }
  if (state.installs.empty()) {
    std::fprintf(out, "no bundles installed into %s\n", dest.cache_dir.c_str());
    return Status::Ok();
  }
  for (const auto& r : state.installs) {
    std::fprintf(out, "%s  bundle %s  key %s  created %s  %s  %llu files, %s\n",
                 r.installed_at.c_str(), r.bundle_id.c_str(), r.key_id.c_str(), r.created.c_str(),
                 r.target.c_str(), static_cast<unsigned long long>(r.files),
                 FormatBytes(r.bytes).c_str());
  }
  std::fprintf(out, "files:\n");
  for (const auto& [path, f] : state.files) {
    std::fprintf(out, "  %s  %10s  %s\n", f.sha256.substr(0, 12).c_str(),
                 FormatBytes(f.size).c_str(), path.c_str());
  }
  return Status::Ok();
}

}  // namespace rdbundle::unpacker
