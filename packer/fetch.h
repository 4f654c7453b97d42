// `build` without --from/--from-rd-cache: resolve a Plan, then bring its files into the
// download dir (packer/upstream.h layout), each verified against its upstream digest, and hand
// the result to the normal packing path as a `--from`-shaped kit with an exact selection.
//
// Digests: every k3s binary and images archive against its line in the release's
// sha256sum-<arch>.txt (fetched first, strictly parsed, kept as the kit's sums file), every
// kubectl against its kubectl[.exe].sha256. The download dir is locked while a build uses it.
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/base/status.h"
#include "common/format/manifest.h"
#include "common/os/fs.h"
#include "packer/download.h"
#include "packer/kit.h"
#include "packer/plan.h"
#include "packer/upstream.h"

namespace rdbundle::packer {

struct FetchOptions {
  UpstreamUrls urls;
  HttpOptions http;
  std::string download_dir;  // --download-dir (default DefaultDownloadDir)
  bool offline = false;      // --offline: only the download dir, no network at all
  int parallel = 4;          // --parallel
  PlanRequest request;
  // Called once the plan and the downloads are known, before any large download (the cheap
  // checks of issue 18 item 1): `download_bytes` is what is not in the download dir yet (of
  // the files whose size upstream states).
  std::function<Status(const Plan& plan, std::uint64_t download_bytes)> before_download = {};
};

struct Fetched {
  Plan plan;
  KitSource source;           // the download dir's cache/ and kuberlr/
  KitSelection selection;     // exactly the planned files
  // Bundle path -> where it came from (URL and upstream digest; the sums file: URL only).
  std::map<std::string, FileSource> sources;
  DownloadReport report;
  std::unique_ptr<FileLock> lock;  // held until the bundle is written
};

// Resolves, downloads and verifies. Progress (one line for all downloads) when `progress`.
// Errors: those of MakePlan and DownloadAll, plus kIo "<dir>: another rdbundle-pack is using
// this download dir".
Result<Fetched> FetchKit(Fs& fs, const FetchOptions& options, bool progress, const NoteFn& note);

// One line for the notes, counting every file of the plan as `plan` does: "10 files: 5
// downloaded (1.2 GiB) in 0:12, 84.0 MiB/s; 3 verified from the download cache; 2 checksum
// files".
std::string DescribeDownloads(const DownloadReport& report);

}  // namespace rdbundle::packer
