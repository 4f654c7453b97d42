// Files downloaded into place, each checked against its upstream SHA-256 while it arrives.
//
// For each job:
//  1. A file already at `path` is hashed: the right digest means it is kept (the download dir
//     is a content cache: names are never trusted, digests are); a wrong one is removed and
//     downloaded again (or, offline, is an error).
//  2. Otherwise the bytes go to "<path>.part". A .part left by an earlier run is re-hashed
//     and resumed with "Range: bytes=<size>-"; a server that answers 200 instead of 206 makes
//     the download start over cleanly. A transfer cut short is resumed the same way on the
//     next attempt; transient failures are retried with backoff (packer/http.h).
//  3. At the end the digest must match: then the .part is synced and renamed to `path`. A
//     mismatch deletes the .part and fails (kHashMismatch, exit 4) with the URL, expected and
//     actual digests; only a mismatch after resuming a .part of an earlier run is retried once
//     from byte 0 (that .part may have been damaged).
// Interrupted or failed downloads keep their .part, so the next run resumes them.
// Downloads run in parallel (`parallel` connections); memory use does not depend on file sizes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/os/fs.h"
#include "packer/http.h"
#include "packer/kit.h"

namespace rdbundle::packer {

struct DownloadJob {
  std::string url;
  std::string path;                   // where the verified file goes
  std::string sha256;                 // expected digest, 64 lowercase hex
  std::optional<std::uint64_t> size;  // expected size (release list): a cap and for progress
  std::uint32_t mode = 0644;
  // A Rancher Desktop installer: upstream publishes only "<asset>.sha512sum", so the job is
  // checked against this SHA-512 (128 lowercase hex) instead, with the same failure
  // (kHashMismatch, "sha512 mismatch (expected ..., got ...)") as a k3s digest mismatch.
  std::optional<std::string> sha512;
  // For the progress total only, when `size` is unknown: what a HEAD request said (the plan's
  // size), so the total is known before the first byte (issue 18 item 3).
  std::optional<std::uint64_t> expected_size = {};
};

struct DownloadOptions {
  HttpOptions http;
  int parallel = 4;       // downloads at a time (and files hashed at a time)
  bool offline = false;   // only check what is there: anything missing is an error
  bool progress = false;  // one progress line for all downloads (stderr)
};

struct DownloadReport {
  std::size_t cached = 0;      // files already in place with the right digest
  std::size_t downloaded = 0;  // files downloaded
  std::size_t resumed = 0;     // of those, resumed from a partial download
  std::uint64_t bytes = 0;     // bytes received over the network
  double seconds = 0;          // time spent downloading
  std::size_t documents = 0;   // files fetched as documents before (sha256sum files; FetchKit)
};

// Brings every job's file into place, verified. Errors: kHashMismatch (digest), kNetwork
// (after the retries), kLimitExceeded (more bytes than the expected size), kNotFound (offline:
// "not in the download cache (--offline): <path>, ..."), kIo, kInterrupted.
Result<DownloadReport> DownloadAll(Fs& fs, const std::vector<DownloadJob>& jobs,
                                   const DownloadOptions& options, const NoteFn& note);

// SHA-256 of a file (lowercase hex), read in chunks; kInterrupted on a signal.
Result<std::string> HashFile(Fs& fs, const std::string& path);

}  // namespace rdbundle::packer
