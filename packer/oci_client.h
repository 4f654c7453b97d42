// A client of the OCI distribution API (opencontainers/distribution-spec spec.md) for one
// repository, on top of packer/http.h: authentication (packer/oci_auth.h), retries with
// backoff for idempotent requests, chunked blob upload that resumes or restarts after a failed
// chunk, and blob download that is hashed while it streams and resumes with Range.
// Protocol details: format-spec/oci-artifact.md sections 4-6.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/format/hash.h"
#include "common/os/fs.h"
#include "packer/http.h"
#include "packer/oci_auth.h"
#include "packer/oci_ref.h"

namespace rdbundle {
class Progress;
}

namespace rdbundle::packer {

inline constexpr std::uint64_t kDefaultChunkBytes = 16u << 20;

struct RegistryOptions {
  HttpOptions http;
  bool plain_http = false;  // http:// instead of https://
  std::uint64_t chunk_bytes = kDefaultChunkBytes;
  CredentialOptions credentials;
  std::string actions = "pull";  // the token scope: "pull" or "pull,push"
};

// What an upload did, for the summary line and the tests.
struct UploadReport {
  bool existed = false;          // HEAD found the blob: nothing sent
  std::uint64_t bytes_sent = 0;  // body bytes sent in PATCH requests (including failed ones)
  int resumed = 0;               // chunks continued at the registry's offset after a failure
  int restarted = 0;             // uploads started over (the registry could not resume)
};

// Where a blob's bytes come from: reopened at any offset (uploads restart and resume).
using BlobOpener = std::function<Result<std::unique_ptr<ReadableFile>>()>;

// " (CODE: message)" from a registry's error body ({"errors":[{"code":..,"message":..}]}),
// printable and bounded; "" when the body is not that.
std::string RegistryErrorDetail(std::string_view body);

class RegistryClient {
 public:
  RegistryClient(OciRef ref, RegistryOptions options);
  ~RegistryClient();

  const OciRef& ref() const { return ref_; }
  // "https://host[:port]".
  const std::string& base() const { return base_; }

  // HEAD /v2/<name>/blobs/<digest>: true on 200, false on 404.
  Result<bool> BlobExists(const std::string& digest);

  // Uploads `size` bytes from `open` as blob `digest` (sections 4.2-4.4), unless it exists.
  // `progress`, when set, advances by the bytes the registry accepted.
  Result<UploadReport> UploadBlob(const std::string& digest, std::uint64_t size,
                                  const BlobOpener& open, Progress* progress);

  // PUT /v2/<name>/manifests/<tag>. Returns the digest of `bytes`.
  Result<std::string> PutManifest(const std::string& tag, const std::string& bytes);

  // GET /v2/<name>/manifests/<reference>: the exact bytes (at most kMaxOciManifestBytes) and
  // their digest, checked against `reference` when it is a digest. nullopt on 404 when
  // `missing_ok`.
  struct FetchedManifest {
    std::string bytes;
    std::string digest;
  };
  Result<std::optional<FetchedManifest>> GetManifest(const std::string& reference, bool missing_ok);

  // GET /v2/<name>/blobs/<digest>: `size` bytes to `write`, hashed while they stream; a cut
  // transfer is resumed with Range. kHashMismatch when the digest differs, kLimitExceeded on
  // more bytes than `size`; the caller discards what it received then.
  Status GetBlob(const std::string& digest, std::uint64_t size,
                 const std::function<Status(const char*, std::size_t)>& write, Progress* progress);

  // Every tag (GET /v2/<name>/tags/list, following Link rel="next").
  Result<std::vector<std::string>> ListTags();

 private:
  struct Attempted {
    HttpResponse response;
    int attempts = 1;
  };
  std::string RepoUrl(const std::string& rest) const;
  Result<std::string> ResolveLocation(const HttpResponse& r, const std::string& what) const;
  // One request with authentication: a 401 gets one retry after the challenge was answered.
  // `make_body` makes a fresh body per try (nullptr: none). Transient failures are retried
  // (with backoff) when `retry`.
  Result<Attempted> Send(HttpRequest req, BodySink* sink,
                         const std::function<std::unique_ptr<BodySource>()>& make_body, bool retry);
  Status Failed(const std::string& url, const Attempted& a) const;
  Result<std::string> StartUpload();
  Result<std::optional<std::uint64_t>> UploadOffset(const std::string& location, std::string& newest);
  Status SendChunks(const std::string& digest, std::uint64_t size, const BlobOpener& open,
                    Progress* progress, UploadReport& report);

  OciRef ref_;
  RegistryOptions options_;
  std::string base_;
  std::unique_ptr<HttpSession> session_;
  std::unique_ptr<RegistryAuth> auth_;
};

// "sha256:<hex>" and size of a file, read in chunks (interruptible).
// Also its BLAKE2b-512, for the detached minisign signature (prehashed), in the same pass.
struct FileDigest {
  std::string digest;
  std::uint64_t size = 0;
  Blake2b512Digest blake2b{};
};
Result<FileDigest> DigestFile(Fs& fs, const std::string& path, Progress* progress);

}  // namespace rdbundle::packer
