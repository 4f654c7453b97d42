#include "packer/oci_commands.h"

#include "common/base/quote.h"
#include "common/cli/progress.h"
#include "common/format/json_strict.h"
#include "common/format/limits.h"
#include "common/format/minisign.h"
#include "common/rd/layout.h"
#include "packer/oci_manifest.h"
#include "unpacker/bundle_reader.h"
#include "unpacker/commands.h"

namespace rdbundle::packer {
namespace {

Result<TrustedKeys> LoadPushKeys(Fs& fs, const PushCommand& c) {
  unpacker::KeyOptions opts;
  if (c.public_key) opts.public_keys = {*c.public_key};
  opts.trusted_dir = c.trusted_dir;
  RDB_ASSIGN_OR_RETURN(TrustedKeys keys, unpacker::LoadKeys(fs, opts));
  for (const auto& w : keys.warnings()) std::fprintf(stderr, "rdbundle-pack: warning: %s\n", w.c_str());
  return keys;
}

// The signed manifest, after its signature verified (a bundle nobody can install is never
// pushed; its annotations come from verified bytes).
Result<Manifest> VerifiedManifest(Fs& fs, const std::string& bundle, const TrustedKeys& keys) {
  RDB_ASSIGN_OR_RETURN(auto in, fs.OpenForRead(bundle));
  unpacker::BundleReaderOptions ro;
  ro.prefetch_depth = 0;
  unpacker::BundleReader reader(std::move(in), bundle, ro);
  RDB_ASSIGN_OR_RETURN(const unpacker::Preamble* p, reader.ReadPreamble(keys));
  return p->manifest;
}

// BUNDLE.minisig, when it exists: it must verify against the bundle's BLAKE2b.
Result<std::optional<std::string>> DetachedSignature(Fs& fs, const std::string& bundle,
                                                     const TrustedKeys& keys,
                                                     const Blake2b512Digest& blake2b) {
  const std::string path = bundle + ".minisig";
  auto text = ReadFileToString(fs, path, kMaxSignatureBlobBytes);
  if (!text.has_value()) {
    if (text.error().code() == ErrorCode::kNotFound) return std::optional<std::string>();
    return text.error();
  }
  RDB_ASSIGN_OR_RETURN(Signature sig, ParseSignatureFile(*text, path));
  auto key = keys.VerifyPrehashed(sig, blake2b);
  if (!key.has_value()) return key.error().WithContext(path);
  return std::optional<std::string>(std::move(*text));
}

BlobOpener FileOpener(Fs& fs, const std::string& path) {
  return [&fs, path]() { return fs.OpenForRead(path); };
}

std::string Rate(std::uint64_t bytes, double seconds) {
  return FormatBytes(static_cast<std::uint64_t>(seconds > 0 ? static_cast<double>(bytes) / seconds : 0)) + "/s";
}

}  // namespace

Status RunPush(Fs& fs, const PushCommand& c, std::FILE* out, std::FILE* err) {
  RDB_ASSIGN_OR_RETURN(OciRef ref, ParseOciRef(c.target, OciRefKind::kManifest));
  if (ref.tag.empty() || !ref.digest.empty()) {
    return Status::Usage(QuoteForMessage(c.target) + ": push needs a tag and no digest (oci://HOST/REPO:TAG)");
  }
  RDB_ASSIGN_OR_RETURN(TrustedKeys keys, LoadPushKeys(fs, c));
  RDB_ASSIGN_OR_RETURN(Manifest signed_manifest, VerifiedManifest(fs, c.bundle, keys));
  RDB_ASSIGN_OR_RETURN(FileInfo info, fs.Stat(c.bundle));
  FileDigest bundle;
  {
    Progress hashing("hashing", info.size, c.progress);
    RDB_ASSIGN_OR_RETURN(bundle, DigestFile(fs, c.bundle, &hashing));
    hashing.Finish();
  }
  RDB_ASSIGN_OR_RETURN(auto sig_text, DetachedSignature(fs, c.bundle, keys, bundle.blake2b));
  std::optional<OciDescriptor> sig_layer;
  if (sig_text) sig_layer = OciDescriptor{"", OciDigestOf(*sig_text), sig_text->size(), "", {}};
  const std::string name = BaseName(c.bundle);
  const OciManifest m = BundleArtifact(signed_manifest, IsSafeFileName(name) ? name : "bundle.rdbundle",
                                       {"", bundle.digest, bundle.size, "", {}}, sig_layer);
  RegistryOptions ro = c.registry;
  ro.actions = "pull,push";
  RegistryClient client(ref, ro);
  const std::string config = "{}";
  auto from_string = [&fs](const std::string& s) -> BlobOpener {
    (void)fs;
    return [s]() -> Result<std::unique_ptr<ReadableFile>> {
      struct Mem final : ReadableFile {
        explicit Mem(std::string d) : data(std::move(d)) {}
        Result<std::size_t> Read(void* buf, std::size_t n) override {
          const std::size_t k = std::min(n, data.size() - pos);
          std::copy_n(data.data() + pos, k, static_cast<char*>(buf));
          pos += k;
          return k;
        }
        const std::string& path() const override { return name; }
        std::string data, name = "<memory>";
        std::size_t pos = 0;
      };
      return std::unique_ptr<ReadableFile>(std::make_unique<Mem>(s));
    };
  };
  RDB_ASSIGN_OR_RETURN(UploadReport cr, client.UploadBlob(std::string(kEmptyDigest), 2, from_string(config), nullptr));
  (void)cr;
  Progress uploading("pushing", bundle.size, c.progress);
  RDB_ASSIGN_OR_RETURN(UploadReport br, client.UploadBlob(bundle.digest, bundle.size, FileOpener(fs, c.bundle), &uploading));
  const double seconds = uploading.ElapsedSeconds();
  uploading.Finish();
  if (sig_layer) {
    RDB_ASSIGN_OR_RETURN(UploadReport sr, client.UploadBlob(sig_layer->digest, sig_layer->size,
                                                            from_string(*sig_text), nullptr));
    (void)sr;
  }
  RDB_ASSIGN_OR_RETURN(std::string digest, client.PutManifest(ref.tag, SerializeOciManifest(m)));
  std::string summary = "rdbundle-pack: pushed " + name + " (" + FormatBytes(bundle.size) + ")";
  if (br.existed) {
    summary += "; the registry already had the bundle blob";
  } else {
    summary += " in " + FormatDuration(seconds) + ", " + Rate(bundle.size, seconds);
    if (br.resumed > 0) summary += ", " + std::to_string(br.resumed) + " chunk(s) resumed";
    if (br.restarted > 0) summary += ", restarted " + std::to_string(br.restarted) + " time(s)";
  }
  if (!sig_layer) summary += "; no " + name + ".minisig to push";
  std::fprintf(err, "%s\n", summary.c_str());
  OciRef pushed = ref;
  pushed.digest = digest;
  std::fprintf(out, "%s\n", pushed.ToString().c_str());
  return Status::Ok();
}

namespace {

// The bundle layer into a .part file next to `path`, renamed when its digest matched.
Status PullToFile(Fs& fs, RegistryClient& client, const OciDescriptor& layer, const std::string& path,
                  Progress* progress) {
  const std::string dir = DirName(path);
  RDB_ASSIGN_OR_RETURN(auto file, fs.CreateTemp(dir, "." + BaseName(path) + ".part-"));
  const std::string tmp = file->path();
  Status s = client.GetBlob(layer.digest, layer.size,
                            [&](const char* d, std::size_t n) { return file->Append(d, n); }, progress);
  if (s.ok()) s = file->SetMode(0644);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (s.ok()) s = fs.Rename(tmp, path);
  if (s.ok()) s = fs.SyncDir(dir);
  if (!s.ok()) {
    file.reset();
    (void)fs.RemoveFile(tmp);
  }
  return s;
}

}  // namespace

Status RunPull(Fs& fs, const PullCommand& c, std::FILE* err) {
  RDB_ASSIGN_OR_RETURN(OciRef ref, ParseOciRef(c.source, OciRefKind::kManifest));
  RegistryClient client(ref, c.registry);
  RDB_ASSIGN_OR_RETURN(auto fetched, client.GetManifest(ref.Reference(), false));
  const std::string what = ref.ToString();
  RDB_ASSIGN_OR_RETURN(OciManifest m, ParseOciManifest(fetched->bytes, what));
  RDB_ASSIGN_OR_RETURN(BundleLayers layers, FindBundleLayers(m, what));
  const bool to_stdout = c.output && *c.output == "-";
  const std::string path = c.output.value_or(layers.file_name.empty() ? "bundle.rdbundle" : layers.file_name);
  if (!to_stdout && !c.force) {
    for (const std::string& p : {path, path + ".minisig"}) {
      if (fs.Stat(p).has_value()) return Status::Usage(p + ": already exists (use --force to overwrite)");
    }
  }
  Progress progress("pulling", layers.bundle->size, c.progress);
  if (to_stdout) {
    RDB_RETURN_IF_ERROR(client.GetBlob(layers.bundle->digest, layers.bundle->size,
                                       [](const char* d, std::size_t n) -> Status {
                                         if (std::fwrite(d, 1, n, stdout) != n) {
                                           return Status::Io("<stdout>: write failed");
                                         }
                                         return Status::Ok();
                                       },
                                       &progress));
    if (std::fflush(stdout) != 0) return Status::Io("<stdout>: write failed");
  } else {
    RDB_RETURN_IF_ERROR(PullToFile(fs, client, *layers.bundle, path, &progress));
    if (layers.signature != nullptr) {
      std::string sig;
      RDB_RETURN_IF_ERROR(client.GetBlob(layers.signature->digest, layers.signature->size,
                                         [&](const char* d, std::size_t n) {
                                           sig.append(d, n);
                                           return Status::Ok();
                                         },
                                         nullptr));
      RDB_RETURN_IF_ERROR(WriteFileAtomic(fs, path + ".minisig", sig, 0644));
    }
  }
  const double seconds = progress.ElapsedSeconds();
  progress.Finish();
  std::fprintf(err, "rdbundle-pack: pulled %s@%s (%s) in %s, %s%s\n", what.c_str(), fetched->digest.c_str(),
               FormatBytes(layers.bundle->size).c_str(), FormatDuration(seconds).c_str(),
               Rate(layers.bundle->size, seconds).c_str(),
               to_stdout ? " to stdout" : (" to " + path + (layers.signature ? " (+ .minisig)" : "")).c_str());
  return Status::Ok();
}

Status RunLs(const LsCommand& c, std::FILE* out) {
  RDB_ASSIGN_OR_RETURN(OciRef ref, ParseOciRef(c.repository, OciRefKind::kRepository));
  RegistryClient client(ref, c.registry);
  RDB_ASSIGN_OR_RETURN(std::vector<std::string> tags, client.ListTags());
  OrderedJson all = OrderedJson::array();
  for (const std::string& tag : tags) {
    RDB_ASSIGN_OR_RETURN(auto fetched, client.GetManifest(tag, true));
    if (!fetched) continue;  // deleted between the list and now
    const std::string what = ref.ToString() + ":" + tag;
    auto m = ParseOciManifest(fetched->bytes, what);
    const bool ours = m.has_value() && FindBundleLayers(*m, what).has_value();
    auto a = [&](std::string_view key) -> std::string {
      if (!ours) return "";
      auto it = m->annotations.find(std::string(key));
      return it == m->annotations.end() ? "" : it->second;
    };
    if (c.json) {
      OrderedJson j;
      j["tag"] = tag;
      j["digest"] = fetched->digest;
      j["rdbundle"] = ours;
      if (ours) {
        auto layers = FindBundleLayers(*m, what);
        j["size"] = layers->bundle->size;
        j["signature"] = layers->signature != nullptr;
        OrderedJson ann = OrderedJson::object();
        for (const auto& [k, v] : m->annotations) ann[k] = v;
        j["annotations"] = ann;
      }
      all.push_back(j);
      continue;
    }
    std::string line = tag + "  " + fetched->digest.substr(0, 7 + 12);
    if (!ours) {
      line += "  (not an rdbundle artifact)";
    } else {
      line += "  " + a(kCreatedAnnotation) + "  k3s " + a(kK3sVersionsAnnotation) + " (" +
              a(kK3sArchesAnnotation) + ")  kubectl " + a(kKubectlAnnotation) + "  key " + a(kKeyIdAnnotation);
    }
    // Annotations are the registry's text: printable only.
    for (char& ch : line) {
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
    }
    std::fprintf(out, "%s\n", line.c_str());
  }
  if (c.json) std::fprintf(out, "%s\n", all.dump(2).c_str());
  return Status::Ok();
}

}  // namespace rdbundle::packer
