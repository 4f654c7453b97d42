#include "unpacker/commands.h"

#include <algorithm>
#include <memory>

#include "common/base/strings.h"
#include "common/cli/progress.h"
#include "common/format/json_strict.h"
#include "common/format/minisign.h"
#include "common/os/platform.h"
#include "common/rd/installed_rd.h"
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
    std::fprintf(stderr, "rdbundle-unpack: warning: %s\n", w.c_str());
  }
  std::unique_ptr<ReadableFile> in;
  if (opts.bundle == "-") {
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
  return b;
}

std::string RateSummary(std::uint64_t bytes, double seconds) {
  return FormatBytes(bytes) + " in " + FormatDuration(seconds) + " (" +
         FormatBytes(seconds > 0 ? static_cast<std::uint64_t>(bytes / seconds) : bytes) + "/s)";
}

OrderedJson ManifestSummaryJson(const Preamble& p) {
  const Manifest& m = p.manifest;
  // Cannot throw: these exact bytes already passed ParseJsonStrict in ParseManifest.
  OrderedJson j = OrderedJson::parse(p.manifest_bytes);
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

Status RunVerify(Fs& fs, const ReadOptions& opts, std::FILE* out) {
  RDB_ASSIGN_OR_RETURN(OpenBundle b, Open(fs, opts));
  VerifyOnly handler;
  RDB_RETURN_IF_ERROR(b.reader->ReadPayloads(handler));
  b.progress->Finish();
  const Manifest& m = b.preamble->manifest;
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

// The RD doc's failure scenario: a cached k3s version with no kubectl within one minor.
Status ReportCoverage(Fs& fs, const InstallCommand& cmd, const Destinations& d, std::FILE* out) {
  RDB_ASSIGN_OR_RETURN(auto k3s, ListCachedK3sVersions(fs, d.cache_dir));
  RDB_ASSIGN_OR_RETURN(auto kubectls, ListKuberlrKubectls(fs, d));
  if (k3s.empty()) return Status::Ok();
  if (CountsSystemKubectls(d)) {  // kuberlr also picks /usr/bin/kubectl<X.Y[.Z]> (by name)
    RDB_ASSIGN_OR_RETURN(auto system, ListSystemKubectls(fs, std::string(kKuberlrSystemDir)));
    for (const auto& s : system) kubectls.push_back(s.version);
    std::sort(kubectls.begin(), kubectls.end());
  }
  const CoverageReport report = CheckKubectlCoverage(k3s, kubectls);
  const std::string platform = KuberlrPlatformDir(d.os, d.arch);
  std::fprintf(out, "kubectl coverage (%s):\n", JoinPath(d.kuberlr_dir, platform).c_str());
  for (const auto& line : FormatCoverage(report, platform)) std::fprintf(out, "%s\n", line.c_str());
  if (report.ok()) return Status::Ok();
  std::fprintf(stderr, "rdbundle-unpack: WARNING: %zu k3s minor version(s) have no kubectl within "
               "one minor version; kubectl will fail offline when Rancher Desktop runs them\n",
               report.uncovered.size());
  if (cmd.require_kubectl_cover) {
    return Status::CheckFailed("kubectl coverage incomplete (--require-kubectl-cover)");
  }
  return Status::Ok();
}

}  // namespace

Status RunInstall(Fs& fs, const InstallCommand& cmd, std::FILE* out) {
  RDB_ASSIGN_OR_RETURN(Destinations dest, ResolveDestinations(cmd.dest, GetEnvReal));
  if (RunningUnderWsl() && !cmd.dest.os && !cmd.dest.cache_dir) {
    std::fprintf(stderr, "rdbundle-unpack: note: running under WSL; for Rancher Desktop on "
                 "Windows use --target-os windows --home /mnt/c/Users/<you>\n");
  }
  RDB_ASSIGN_OR_RETURN(OpenBundle b, Open(fs, cmd.read));
  InstallOptions opts{dest, cmd.dry_run, cmd.all_platforms, cmd.force};
  if (cmd.installers_dir) {
    opts.installers_dir = *cmd.installers_dir;
  } else if (!dest.home.empty()) {
    opts.installers_dir = JoinPath(dest.home, kDefaultInstallersDirName);
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
  for (const auto& w : report.warnings) std::fprintf(stderr, "rdbundle-unpack: warning: %s\n", w.c_str());
  std::fprintf(out, "%s: signature OK (key %s), all %zu files verified\n", b.reader->what().c_str(),
               b.preamble->manifest.key_id.c_str(), b.preamble->manifest.files.size());
  PrintInstallReport(cmd, dest, report, b.progress->ElapsedSeconds(), out);
  if (cmd.dry_run) return Status::Ok();
  return ReportCoverage(fs, cmd, dest, out);
}

Status RunListInstalled(Fs& fs, const ListInstalledCommand& cmd, std::FILE* out) {
  RDB_ASSIGN_OR_RETURN(Destinations dest, ResolveDestinations(cmd.dest, GetEnvReal));
  std::string warning;
  InstallState state = LoadInstallState(fs, dest.cache_dir, &warning);
  if (!warning.empty()) return Status::Corrupt(warning);
  if (cmd.json) {
    std::fprintf(out, "%s", SerializeInstallState(state).c_str());
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
