#include "packer/bundle_output.h"

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "common/cli/console.h"
#include "common/cli/progress.h"
#include "common/os/platform.h"
#include "packer/tar_zstd_writer.h"

namespace rdbundle::packer {
namespace {

constexpr std::size_t kCopyChunk = 1u << 20;
constexpr std::string_view kManifestEntry = "manifest.json";
constexpr std::string_view kSignatureEntry = "manifest.json.minisig";

Status AlreadyExists(const std::string& path) {
  return Status::Usage(path + ": already exists (use --force to overwrite)");
}

Status CheckOnePath(Fs& fs, const std::string& path, bool force) {
  auto info = fs.Stat(path);
  if (!info.has_value()) {
    return info.error().code() == ErrorCode::kNotFound ? Status::Ok() : info.error();
  }
  if (info->type == FileInfo::Type::kDirectory) return Status::Usage(path + ": is a directory");
  return force ? Status::Ok() : AlreadyExists(path);
}

Status Interrupted(const std::string& output) {
  return Status::Interrupted("interrupted (signal " + std::to_string(InterruptSignal()) + "); " +
                             output + " not written");
}

// "<OUT>.part": created exclusively and flock'ed while written; removed unless committed.
class PartFile {
 public:
  PartFile(Fs& fs, std::string output) : fs_(fs), output_(std::move(output)), path_(output_ + ".part") {}
  ~PartFile() {
    if (created_ && !committed_) (void)fs_.RemoveFile(path_);
  }
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  Result<std::unique_ptr<WritableFile>> Create(const NoteFn& note) {
    RDB_RETURN_IF_ERROR(RemoveStale(note));
    RDB_ASSIGN_OR_RETURN(auto file, fs_.CreateNew(path_, 0600));
    created_ = true;
    RDB_ASSIGN_OR_RETURN(lock_, fs_.TryLock(path_));
    if (!lock_) return Status::Io(path_ + ": locked by another rdbundle-pack writing " + output_);
    return file;
  }

  // chmod 0644, fsync, close, rename to OUT (without `force`: only if OUT still does not
  // exist), fsync the directory.
  Status Commit(std::unique_ptr<WritableFile> file, bool force) {
    RDB_RETURN_IF_ERROR(file->SetMode(0644));
    RDB_RETURN_IF_ERROR(file->Sync());
    RDB_RETURN_IF_ERROR(file->Close());
    Status s = force ? fs_.Rename(path_, output_) : fs_.RenameNoReplace(path_, output_);
    if (!s.ok()) return !force && fs_.Stat(output_).has_value() ? AlreadyExists(output_) : s;
    committed_ = true;
    return fs_.SyncDir(DirName(output_));
  }

 private:
  // A .part whose lock is free was left by a build that died (SIGKILL, power loss).
  Status RemoveStale(const NoteFn& note) {
    auto info = fs_.Stat(path_);
    if (!info.has_value()) {
      return info.error().code() == ErrorCode::kNotFound ? Status::Ok() : info.error();
    }
    if (info->type != FileInfo::Type::kRegular) return Status::Io(path_ + ": exists and is not a regular file");
    RDB_ASSIGN_OR_RETURN(auto lock, fs_.TryLock(path_));
    if (!lock) return Status::Io(path_ + ": another rdbundle-pack is writing " + output_);
    note("removing " + path_ + ", left by an interrupted build");
    return fs_.RemoveFile(path_);
  }

  Fs& fs_;
  const std::string output_;
  const std::string path_;
  std::unique_ptr<FileLock> lock_;
  bool created_ = false;
  bool committed_ = false;
};

// Renaming the bundle over one of its own inputs (with --force) would destroy the kit.
Status CheckNotAnInput(Fs& fs, const Kit& kit, const std::string& output) {
  auto info = fs.Stat(output);
  if (!info.has_value()) return Status::Ok();
  for (const KitFile& f : kit.files) {
    if (!f.input_path.empty() && f.identity.inode == info->inode &&
        f.identity.device == info->device) {
      return Status::Usage(output + ": is an input file (" + f.input_path + ")");
    }
  }
  return Status::Ok();
}

// Copies one input into its tar entry, refusing a file that changed since it was hashed.
Status CopyFile(Fs& fs, const KitFile& f, TarZstdWriter& w, Progress& progress,
                const std::string& output) {
  RDB_RETURN_IF_ERROR(CheckUnchanged(fs, f));
  RDB_ASSIGN_OR_RETURN(auto in, fs.OpenForRead(f.input_path));
  RDB_RETURN_IF_ERROR(w.BeginEntry(f.bundle_path, f.identity.size, ModeForRole(f.role)));
  std::vector<char> buf(kCopyChunk);
  for (std::uint64_t left = f.identity.size; left > 0;) {
    if (InterruptSignal() != 0) return Interrupted(output);
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), left));
    RDB_ASSIGN_OR_RETURN(std::size_t n, in->Read(buf.data(), want));
    if (n == 0) return Status::Corrupt(f.input_path + ": changed while packing (now shorter)");
    RDB_RETURN_IF_ERROR(w.Write(buf.data(), n));
    left -= n;
    progress.Add(n);
  }
  RDB_ASSIGN_OR_RETURN(std::size_t extra, in->Read(buf.data(), 1));
  if (extra != 0) return Status::Corrupt(f.input_path + ": changed while packing (now longer)");
  return CheckUnchanged(fs, f);
}

Status WriteEntries(Fs& fs, const Kit& kit, const std::string& manifest_bytes,
                    const std::string& signature, TarZstdWriter& w, const BundleWriteOptions& o) {
  RDB_RETURN_IF_ERROR(w.AddEntry(kManifestEntry, manifest_bytes, 0644));
  RDB_RETURN_IF_ERROR(w.AddEntry(kSignatureEntry, signature, 0644));
  std::uint64_t total = 0;
  for (const KitFile& f : kit.files) total += f.size();
  Progress progress("writing", total, o.progress);
  progress.SetFileCount(kit.files.size());
  for (const KitFile& f : kit.files) {
    if (InterruptSignal() != 0) return Interrupted(o.output);
    if (f.content) {
      RDB_RETURN_IF_ERROR(w.AddEntry(f.bundle_path, *f.content, ModeForRole(f.role)));
      progress.Add(f.content->size());
    } else {
      RDB_RETURN_IF_ERROR(CopyFile(fs, f, w, progress, o.output));
    }
    progress.FileDone();
    SayVerbose("added " + f.bundle_path + " (" + FormatBytes(f.size()) + ")");
  }
  progress.Finish();
  return w.Finish();
}

TarZstdOptions WriterOptions(const Kit& kit, const std::string& manifest_bytes,
                                     const std::string& signature, const BundleWriteOptions& o) {
  std::vector<std::uint64_t> sizes = {manifest_bytes.size(), signature.size()};
  for (const KitFile& f : kit.files) sizes.push_back(f.size());
  TarZstdOptions t;
  t.level = o.level;
  t.threads = std::max(o.threads, 1);
  t.mtime = o.mtime;
  t.tar_bytes = UstarArchiveBytes(sizes);
  t.digest = o.detached_sig;  // BLAKE2b of the output: only for OUT.minisig
  return t;
}

// OUT.minisig: what `minisign -Sm OUT` would write, with our trusted comment.
Status WriteDetachedSig(Fs& fs, const std::string& path, const Manifest& m,
                        const Blake2b512Digest& digest, const SecretKey& key,
                        const std::string& output) {
  const std::string comment = ManifestTrustedComment(m) + " file:" + BaseName(output);
  auto sig = SignPrehashed(key, digest, comment, "signature from rdbundle-pack secret key");
  if (!sig.has_value()) return sig.error().WithContext(path);
  return WriteFileAtomic(fs, path, SerializeSignatureFile(*sig), 0644);
}

}  // namespace

Status CheckOutputPaths(Fs& fs, const std::string& output, bool detached_sig, bool force) {
  const std::string dir = DirName(output);
  auto info = fs.Stat(dir);
  if (!info.has_value() && info.error().code() == ErrorCode::kNotFound) {
    return Status::NotFound(output + ": no directory " + dir + " to write it in (create it, or "
                            "choose another -o)");
  }
  if (!info.has_value()) return info.error();
  if (info->type != FileInfo::Type::kDirectory && !fs.OpenRoot(dir).has_value()) {
    return Status::Usage(output + ": " + dir + " is not a directory");
  }
  RDB_RETURN_IF_ERROR(CheckOnePath(fs, output, force));
  if (detached_sig) RDB_RETURN_IF_ERROR(CheckOnePath(fs, output + ".minisig", force));
  return Status::Ok();
}

Status CheckFreeSpace(Fs& fs, const std::vector<SpaceNeed>& needs) {
  struct Device {
    std::uint64_t bytes = 0;
    std::vector<std::string> dirs, what;
    std::uint64_t free = 0;
  };
  std::map<std::uint64_t, Device> devices;
  for (const SpaceNeed& n : needs) {
    if (n.bytes == 0) continue;
    RDB_ASSIGN_OR_RETURN(std::string dir, NearestExistingDir(fs, n.dir));
    RDB_ASSIGN_OR_RETURN(FileInfo info, fs.Stat(dir));
    Device& d = devices[info.device];
    if (d.dirs.empty()) {
      RDB_ASSIGN_OR_RETURN(d.free, fs.FreeBytes(dir));
    }
    d.bytes += n.bytes;
    d.dirs.push_back(n.dir);
    d.what.push_back(n.what + " " + FormatBytes(n.bytes));
  }
  for (const auto& [device, d] : devices) {
    if (d.bytes <= d.free) continue;
    std::string what;
    for (std::size_t i = 0; i < d.what.size(); ++i) what += (i ? " + " : "") + d.what[i];
    return Status::NoSpace(d.dirs.front() + ": not enough free space: about " +
                           FormatBytes(d.bytes) + " needed (" + what + "), " +
                           FormatBytes(d.free) + " available; nothing was downloaded or written");
  }
  return Status::Ok();
}

Result<BundleWritten> WriteBundle(Fs& fs, const Kit& kit, const Manifest& manifest,
                                  const std::string& manifest_bytes, const std::string& signature,
                                  const SecretKey& key, const BundleWriteOptions& o,
                                  const NoteFn& note) {
  RDB_RETURN_IF_ERROR(CheckNotAnInput(fs, kit, o.output));
  // Nothing is created while an input is already known to have changed since it was hashed;
  // each file is checked again right before and after it is copied.
  for (const KitFile& f : kit.files) RDB_RETURN_IF_ERROR(CheckUnchanged(fs, f));
  const TarZstdOptions topts = WriterOptions(kit, manifest_bytes, signature, o);
  PartFile part(fs, o.output);  // declared before the writer: removed after it is gone
  RDB_ASSIGN_OR_RETURN(auto file, part.Create(note));
  RDB_ASSIGN_OR_RETURN(auto writer, TarZstdWriter::Create(std::move(file), topts));
  RDB_RETURN_IF_ERROR(WriteEntries(fs, kit, manifest_bytes, signature, *writer, o));
  if (InterruptSignal() != 0) return Interrupted(o.output);
  BundleWritten written;
  written.bytes = writer->compressed_bytes();
  const Blake2b512Digest digest = writer->digest();
  RDB_RETURN_IF_ERROR(part.Commit(writer->TakeFile(), o.force));
  if (o.detached_sig) {
    const std::string sig_path = o.output + ".minisig";
    RDB_RETURN_IF_ERROR(WriteDetachedSig(fs, sig_path, manifest, digest, key, o.output));
    written.detached_sig = sig_path;
  }
  return written;
}

}  // namespace rdbundle::packer
