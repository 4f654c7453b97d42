#include "packer/build.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "common/base/hex.h"
#include "common/cli/console.h"
#include "common/cli/progress.h"
#include "common/format/hash.h"
#include "common/format/manifest.h"
#include "common/format/minisign.h"
#include "common/os/platform.h"
#include "common/rd/k3s_versions.h"
#include "common/signing/signing.h"
#include "packer/bundle_output.h"
#include "packer/cover.h"
#include "rdbundle/version_info.h"

namespace rdbundle::packer {
namespace {

constexpr std::int64_t kMaxSourceDateEpoch = 077777777777;  // ustar mtime field
constexpr const char* kPlaceholderKeyId = "0000000000000000";

struct Run {
  Fs& fs;
  const BuildOptions& o;
  std::FILE* out;
  std::FILE* err;
  bool progress = false;
  int threads = 1;
  std::unique_ptr<FileLock> download_lock;  // fetching: the download dir, until written
  std::optional<std::int64_t> epoch;  // SOURCE_DATE_EPOCH
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  // A note on `err` (stderr: through the console, so it never runs into a progress line);
  // nothing with -q.
  void Note(const std::string& line) const {
    if (GetVerbosity() == Verbosity::kQuiet) return;
    if (err == stderr) return Say(line);
    std::fprintf(err, "rdbundle-pack: %s\n", line.c_str());
    std::fflush(err);
  }
};

Status CheckOptions(const BuildOptions& o) {
  const int inputs = int{o.from_dir.has_value()} + int{o.from_rd_cache} + int{o.fetch.has_value()};
  if (inputs != 1) {
    return Status::Usage("build needs exactly one input: --from DIR, --from-rd-cache, or neither "
                         "to fetch from upstream");
  }
  if (!o.from_rd_cache && (o.rd.home || o.rd.cache_dir || o.rd.kuberlr_dir)) {
    return Status::Usage("--home, --cache-dir and --kuberlr-dir go with --from-rd-cache");
  }
  if (!o.dry_run && o.output.empty()) return Status::Usage("build needs -o OUT.rdbundle");
  if (!o.dry_run && !o.secret_key) return Status::Usage("build needs -s KEY (the secret key)");
  if (o.output == "-") {
    return Status::Usage("-o -: a bundle is written to a file (atomically), not to stdout");
  }
  if (o.level < 1 || o.level > ZSTD_maxCLevel()) {
    return Status::Usage("--level must be from 1 to " + std::to_string(ZSTD_maxCLevel()));
  }
  if (o.threads < 0) return Status::Usage("--threads must be at least 1");
  if (o.detached_sig) {
    // The file name goes into the detached signature's trusted comment: check it before the
    // work, not after the bundle is written.
    Status s = CheckTrustedComment("rdbundle-format:1 bundle-id:" + std::string(32, '0') +
                                   " file:" + BaseName(o.output));
    if (!s.ok()) return Status::Usage(o.output + ": file name unusable in a signature: " + s.message());
  }
  return Status::Ok();
}

// --from names a kit directory: say so when it does not exist (not "nothing to pack" after
// the key's password was asked for).
Status CheckFromDir(Fs& fs, const std::string& dir) {
  auto info = fs.Stat(dir);
  if (!info.has_value() && info.error().code() == ErrorCode::kNotFound) {
    return Status::NotFound("--from " + dir + ": no such directory");
  }
  if (!info.has_value()) return info.error();
  if (info->type == FileInfo::Type::kDirectory) return Status::Ok();
  if (info->type == FileInfo::Type::kSymlink && fs.OpenRoot(dir).has_value()) return Status::Ok();
  return Status::Usage("--from " + dir + ": not a directory (a kit directory holds cache/ and "
                       "kuberlr/; see rdbundle-pack build --help)");
}

Result<KitSource> ResolveSource(const Run& r) {
  if (r.o.from_dir) {
    return KitSource{JoinPath(*r.o.from_dir, "cache"), JoinPath(*r.o.from_dir, "kuberlr")};
  }
  DestinationOptions d = r.o.rd;
  d.os = HostOs();
  d.arch = HostArch();
  RDB_ASSIGN_OR_RETURN(Destinations dest, ResolveDestinations(d, r.o.getenv));
  r.Note("reading Rancher Desktop's cache " + dest.cache_dir + " and " + dest.kuberlr_dir);
  return KitSource{dest.cache_dir, dest.kuberlr_dir};
}

Result<std::optional<SecretKey>> LoadKey(const Run& r) {
  if (!r.o.secret_key) return std::optional<SecretKey>();
  PasswordSource source = r.o.password;
  source.fs = &r.fs;
  const std::string path = *r.o.secret_key;
  // Only for an encrypted key: scrypt takes seconds (issue 18 item 2: say so, after the prompt).
  PasswordProvider provider = [source, &r, path]() -> Result<std::string> {
    auto password = ReadPassword(source, /*confirm=*/false);
    if (password.has_value()) r.Note("decrypting the secret key " + path + " (scrypt: a few seconds)");
    return password;
  };
  std::string warning;
  RDB_ASSIGN_OR_RETURN(SecretKey key, LoadSecretKey(r.fs, *r.o.secret_key, provider, &warning));
  if (!warning.empty()) r.Note("warning: " + warning);
  return std::optional<SecretKey>(std::move(key));
}

std::string DescribeKit(const Kit& kit) {
  std::string s = "packing";
  if (!kit.k3s_versions.empty()) {
    s += " k3s";
    for (std::size_t i = 0; i < kit.k3s_versions.size(); ++i) {
      s += (i > 0 ? ", " : " ") + kit.k3s_versions[i].text;
    }
    s += " (";
    for (std::size_t i = 0; i < kit.arches.size(); ++i) {
      s += (i > 0 ? ", " : "") + std::string(ArchName(kit.arches[i]));
    }
    s += ")";
  }
  if (!kit.kubectls.empty()) {
    s += std::string(kit.k3s_versions.empty() ? "" : ";") + " kubectl";
    for (std::size_t i = 0; i < kit.kubectls.size(); ++i) {
      const auto& k = kit.kubectls[i];
      s += (i > 0 ? ", " : " ") + k.version + " " + std::string(OsName(k.os)) + "/" +
           std::string(ArchName(k.arch));
    }
  }
  return s;
}

struct Inputs {
  KitSource source;
  KitSelection selection;
  std::map<std::string, FileSource> sources;  // fetched files, by bundle path
};

// A local tree, RD's cache, or the download dir once the fetch is done.
Result<Inputs> GatherInputs(Run& r) {
  if (!r.o.fetch) {
    RDB_ASSIGN_OR_RETURN(KitSource source, ResolveSource(r));
    return Inputs{std::move(source), r.o.selection, {}};
  }
  FetchOptions fetch = *r.o.fetch;
  fetch.before_download = [&r](const Plan& plan, std::uint64_t download_bytes) {
    std::vector<SpaceNeed> needs = {{r.o.fetch->download_dir, download_bytes, "downloads"}};
    if (!r.o.dry_run) needs.push_back({DirName(r.o.output), plan.KnownBytes(), "the bundle"});
    return CheckFreeSpace(r.fs, needs);
  };
  RDB_ASSIGN_OR_RETURN(Fetched f, FetchKit(r.fs, fetch, r.progress,
                                           [&r](const std::string& line) { r.Note(line); }));
  r.Note(DescribeDownloads(f.report));
  r.download_lock = std::move(f.lock);
  return Inputs{std::move(f.source), std::move(f.selection), std::move(f.sources)};
}

// Fetched kits: every input file has a source (the selection is exact, so anything else is
// a bug).
Status AttachSources(Kit& kit, const std::map<std::string, FileSource>& sources) {
  if (sources.empty()) return Status::Ok();
  for (KitFile& f : kit.files) {
    auto it = sources.find(f.bundle_path);
    if (it == sources.end()) return Status::Internal(f.input_path + ": not a fetched file");
    f.source = it->second;
  }
  return Status::Ok();
}

// What CheckKit hashed is what was verified against upstream (nothing changed it since).
Status CheckSources(const Kit& kit) {
  for (const KitFile& f : kit.files) {
    if (!f.source || !f.source->sha256 || *f.source->sha256 == f.sha256) continue;
    return Status::HashMismatch(f.input_path + ": changed after it was verified against " +
                                f.source->url + " (expected " + *f.source->sha256 + ", got " +
                                f.sha256 + ")");
  }
  return Status::Ok();
}

Result<Kit> FindAndCheckKit(Run& r) {
  RDB_ASSIGN_OR_RETURN(Inputs in, GatherInputs(r));
  auto note = [&r](const std::string& line) { r.Note(line); };
  RDB_ASSIGN_OR_RETURN(Kit kit, DiscoverKit(r.fs, in.source, in.selection, note));
  RDB_RETURN_IF_ERROR(AttachSources(kit, in.sources));
  r.Note(DescribeKit(kit));
  std::uint64_t total = 0;
  for (const KitFile& f : kit.files) total += f.size();
  // Before every input is read: the bundle is at most about the size of its inputs.
  if (!r.o.dry_run && !r.o.fetch) {
    RDB_RETURN_IF_ERROR(CheckFreeSpace(r.fs, {{DirName(r.o.output), total, "the bundle"}}));
  }
  Progress progress("checking", total, r.progress);
  progress.SetFileCount(static_cast<std::size_t>(std::count_if(
      kit.files.begin(), kit.files.end(), [](const KitFile& f) { return !f.input_path.empty(); })));
  KitCheckOptions check{r.threads, &progress, note};
  Status s = CheckKit(r.fs, kit, check);
  progress.Finish();
  RDB_RETURN_IF_ERROR(s);
  RDB_RETURN_IF_ERROR(CheckSources(kit));
  return kit;
}

Status CheckCover(const Run& r, const Kit& kit) {
  const CoverReport report = CheckKubectlCover(kit.k3s_versions, kit.kubectls);
  if (report.ok()) return Status::Ok();
  for (const std::string& line : FormatCover(report)) r.Note("warning: " + line);
  if (r.o.require_kubectl_cover) {
    return Status::CheckFailed("kubectl cover incomplete (--require-kubectl-cover); nothing written");
  }
  return Status::Ok();
}

std::string DeriveBundleId(Manifest m) {
  m.bundle_id = std::string(32, '0');
  const Sha256Digest d = Sha256::Of(SerializeManifest(m));
  return HexEncode(std::span<const std::uint8_t>(d.data(), 16));
}

std::string RandomBundleId() {
  std::uint8_t id[16];
  randombytes_buf(id, sizeof id);
  return HexEncode(id);
}

struct Signed {
  std::int64_t created = 0;  // the manifest's `created`, also every tar mtime
  Manifest manifest;
  std::string manifest_bytes;
  std::string signature;
  std::optional<SecretKey> key;
};

Result<Signed> MakeSignedManifest(const Run& r, const Kit& kit, std::optional<SecretKey> key) {
  const std::string key_id = key ? KeyIdString(key->key_id()) : kPlaceholderKeyId;
  const std::int64_t created = r.epoch.value_or(UnixNow());
  RDB_ASSIGN_OR_RETURN(Manifest m, MakeManifest(kit, key_id, created, r.epoch.has_value()));
  Signed s{created, std::move(m), "", "", std::move(key)};
  s.manifest_bytes = SerializeManifest(s.manifest);
  if (s.key) {
    RDB_ASSIGN_OR_RETURN(Signature sig, Sign(*s.key, s.manifest_bytes,
                                             ManifestTrustedComment(s.manifest),
                                             "rdbundle manifest signature"));
    s.signature = SerializeSignatureFile(sig);
  }
  return s;
}

std::string Percent(std::uint64_t part, std::uint64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", whole == 0 ? 0.0 : 100.0 * part / whole);
  return buf;
}

void PrintSummary(const Run& r, const Signed& s, const BundleWritten& w) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - r.start).count();
  const std::uint64_t in = s.manifest.TotalBytes();
  std::fprintf(r.out, "%s: %zu files, %s -> %s (%s), bundle-id %s, key %s, %s\n",
               r.o.output.c_str(), s.manifest.files.size(), FormatBytes(in).c_str(),
               FormatBytes(w.bytes).c_str(), Percent(w.bytes, in).c_str(),
               s.manifest.bundle_id.c_str(), s.manifest.key_id.c_str(),
               FormatDuration(secs).c_str());
  if (w.detached_sig) std::fprintf(r.out, "%s: detached signature\n", w.detached_sig->c_str());
  std::fflush(r.out);
}

Status Build(Run& r) {
  RDB_RETURN_IF_ERROR(CheckOptions(r.o));
  RDB_ASSIGN_OR_RETURN(r.epoch, SourceDateEpoch(r.o.getenv));
  if (r.o.from_dir) RDB_RETURN_IF_ERROR(CheckFromDir(r.fs, *r.o.from_dir));
  if (!r.o.dry_run) RDB_RETURN_IF_ERROR(CheckOutputPaths(r.fs, r.o.output, r.o.detached_sig, r.o.force));
  RDB_ASSIGN_OR_RETURN(std::optional<SecretKey> key, LoadKey(r));
  RDB_ASSIGN_OR_RETURN(Kit kit, FindAndCheckKit(r));
  RDB_RETURN_IF_ERROR(CheckCover(r, kit));
  RDB_ASSIGN_OR_RETURN(Signed s, MakeSignedManifest(r, kit, std::move(key)));
  if (r.o.dry_run) {
    if (!s.key) r.Note("dry run without -s: keyId " + std::string(kPlaceholderKeyId) + " is a placeholder");
    std::fputs(s.manifest_bytes.c_str(), r.out);
    std::fflush(r.out);
    return Status::Ok();
  }
  BundleWriteOptions w;
  w.output = r.o.output;
  w.force = r.o.force;
  w.level = r.o.level;
  w.threads = r.threads;
  w.mtime = s.created;
  w.progress = r.progress;
  w.detached_sig = r.o.detached_sig;
  RDB_ASSIGN_OR_RETURN(BundleWritten written,
                       WriteBundle(r.fs, kit, s.manifest, s.manifest_bytes, s.signature, *s.key,
                                   w, [&r](const std::string& line) { r.Note(line); }));
  PrintSummary(r, s, written);
  return Status::Ok();
}

}  // namespace

Result<Manifest> MakeManifest(const Kit& kit, const std::string& key_id, std::int64_t created,
                              bool reproducible) {
  Manifest m;
  m.created = FormatRfc3339Utc(created);
  m.generator = std::string("rdbundle-pack ") + RDBUNDLE_VERSION;
  m.key_id = key_id;
  for (const KitFile& f : kit.files) {
    ManifestFile mf;
    mf.path = f.bundle_path;
    mf.size = f.size();
    mf.sha256 = f.sha256;
    mf.role = f.role;
    mf.mode = ModeForRole(f.role);
    mf.source = f.source;
    m.files.push_back(std::move(mf));
  }
  RDB_RETURN_IF_ERROR(FillManifestSummaries(m).WithContext("internal error"));
  if (m.format_version >= 2) {
    // format-spec/rdbundle-v2.md section 4: k3s.channels repeats the bundled file's channels.
    for (const KitFile& f : kit.files) {
      if (f.role != FileRole::kK3sVersions || !f.content) continue;
      RDB_ASSIGN_OR_RETURN(K3sVersionsFile file,
                           ParseK3sVersionsFile(*f.content, f.bundle_path));
      m.k3s_channels = file.channels;
    }
  }
  m.bundle_id = reproducible ? DeriveBundleId(m) : RandomBundleId();
  if (Status s = ValidateManifest(m); !s.ok()) {
    return Status::Internal("the manifest would not be valid: " + s.message());
  }
  return m;
}


Result<std::optional<std::int64_t>> SourceDateEpoch(const GetEnvFn& getenv) {
  auto v = getenv("SOURCE_DATE_EPOCH");
  if (!v) return std::optional<std::int64_t>();
  std::int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || ptr != v->data() + v->size() || n < 0 || n > kMaxSourceDateEpoch) {
    return Status::Usage("SOURCE_DATE_EPOCH=\"" + v->substr(0, 32) +
                         "\" is not a whole number of seconds from 0 to " +
                         std::to_string(kMaxSourceDateEpoch));
  }
  return std::optional<std::int64_t>(n);
}

Status RunBuild(Fs& fs, const BuildOptions& options, std::FILE* out, std::FILE* err) {
  if (sodium_init() < 0) return Status::Internal("libsodium initialisation failed");
  Run r{fs, options, out, err};
  r.progress = options.progress.value_or(StderrIsTerminal());
  r.threads = options.threads > 0 ? options.threads
                                  : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return Build(r);
}

}  // namespace rdbundle::packer
