// Reads a bundle in one streaming pass and enforces format-spec sections 3-5 and 9.2:
//   manifest.json -> manifest.json.minisig -> verify against trusted keys -> parse manifest
//   -> each payload entry exactly as the next manifest file (path, type, size, SHA-256)
//   -> end-of-archive, trailing bytes, end of the zstd stream.
// What happens to payload bytes is up to a PayloadHandler (verify discards them, install
// stages them); the reader guarantees a handler sees no byte before the signature verified
// and learns whether each file verified before it may keep it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "common/base/status.h"
#include "common/cli/progress.h"
#include "common/format/hash.h"
#include "common/format/limits.h"
#include "common/format/manifest.h"
#include "common/format/minisign.h"
#include "common/os/fs.h"
#include "unpacker/chunk_source.h"
#include "unpacker/tar_reader.h"

namespace rdbundle::unpacker {

// Receives one payload file's bytes. Exactly one of Commit/Abort is called last.
class PayloadSink {
 public:
  virtual ~PayloadSink() = default;
  virtual Status Write(std::span<const std::uint8_t> data) = 0;
  // Called once the whole file arrived with the right size and SHA-256.
  virtual Status Commit() = 0;
  // Called on any failure; must not throw and should remove what it created.
  virtual void Abort() = 0;
};

class PayloadHandler {
 public:
  virtual ~PayloadHandler() = default;
  // A sink for files[index], or nullptr to only verify it (hash, discard).
  virtual Result<std::unique_ptr<PayloadSink>> Begin(const ManifestFile& file,
                                                     std::size_t index) = 0;
};

struct BundleReaderOptions {
  int max_window_log = kDefaultMaxWindowLog;
  // Decompress on a background thread into a ring of this many 1 MiB chunks, and hash on
  // another one (0: everything on the caller's thread).
  int prefetch_depth = 8;
  Progress* progress = nullptr;  // advanced by payload bytes
};

struct Preamble {
  Manifest manifest;
  std::string manifest_bytes;  // exactly what was signed
  Signature signature;
  PublicKey key;          // the trusted key that verified it
  std::string key_source; // where that key came from (path)
};

class HashPipe;

class BundleReader {
 public:
  // `in` is the bundle (a file or stdin); `what` names it in messages.
  BundleReader(std::unique_ptr<ReadableFile> in, std::string what,
               const BundleReaderOptions& opts);
  ~BundleReader();

  // Reads and verifies the first two entries, then parses the manifest. Nothing of the
  // manifest is trusted (or returned) before the signature verified.
  Result<const Preamble*> ReadPreamble(const TrustedKeys& keys);

  // Streams every payload entry through `handler`, then checks the end of the bundle.
  // A damaged bundle (kCorrupt, kHashMismatch) is reported with the entry being read, where
  // in the bundle it was noticed and what to do (DamagedBundleHint).
  // REQUIRES: ReadPreamble succeeded.
  Status ReadPayloads(PayloadHandler& handler);

  // Verified contents of the small files the reader checks (sha256sum files,
  // k3s-versions.json), by bundle path. Valid after ReadPayloads succeeded.
  const std::map<std::string, std::string>& small_files() const { return small_files_; }

  const std::string& what() const { return what_; }
  std::uint64_t compressed_bytes() const { return src_->input_bytes(); }

 private:
  Result<std::string> ReadSmallEntry(std::string_view expected_name, std::size_t max_bytes,
                                     std::string_view description);
  Status ReadOneFile(const ManifestFile& f, std::size_t index, PayloadHandler& handler);
  Status StreamEntry(const ManifestFile& f, PayloadSink* sink, std::string* keep);
  Status CheckSmallFile(const ManifestFile& f, const std::string& content);
  Status Fail(const Status& s) const;

  const std::string what_;
  const BundleReaderOptions opts_;
  std::unique_ptr<ChunkSource> src_;
  std::unique_ptr<TarReader> tar_;
  // SHA-256 of the current entry; with a prefetch thread, on a thread of its own fed with
  // pinned chunks (decompress | hash | parse and write: three stages in parallel).
  std::unique_ptr<HashPipe> hasher_;  // after src_: gone before it
  std::optional<Preamble> preamble_;
  std::map<std::string, std::string> small_files_;
  const ManifestFile* current_ = nullptr;  // the entry ReadPayloads is reading
};

// "; in ENTRY (at or before byte N of the bundle): the file is damaged, copy it again" for a
// failure `message` noticed while reading `entry` (empty: none) after `compressed_bytes`
// bytes of the bundle were read; the entry is left out when the message names it already.
std::string DamagedBundleHint(std::string_view message, std::string_view entry,
                              std::uint64_t compressed_bytes);

}  // namespace rdbundle::unpacker
