// Internals shared by doctor.cc, doctor_k3s.cc and doctor_kuberlr.cc (not a public header).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/base/strings.h"
#include "common/format/version.h"
#include "common/rd/installed_rd.h"
#include "unpacker/doctor.h"

namespace rdbundle::unpacker::doctor_internal {

inline constexpr std::string_view kReinstall = "rdbundle-unpack install KIT.rdbundle";
inline constexpr std::string_view kOffline =
    "Rancher Desktop downloads it on start, which fails offline";

inline std::string Plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

// State of one doctor run: the resolved destinations and the items found so far.
struct Doctor {
  Fs& fs;
  const DoctorCommand& cmd;
  const DoctorEnv& env;
  DoctorReport report;
  std::vector<K3sVersion> cached;    // every CACHE/k3s/<valid version>/ directory
  std::vector<K3sVersion> complete;  // ... with every file present and matching its sums line
  std::optional<InstalledRd> rd;      // the Rancher Desktop found, whose rules apply
  std::optional<RdVersion> rd_version() const { return rd ? rd->version : std::nullopt; }

  const Destinations& dest() const { return report.dest; }
  void Add(std::string check, std::string subject, CheckStatus status, std::string message,
           std::string fix = "") {
    report.items.push_back(
        {std::move(check), std::move(subject), status, std::move(message), std::move(fix)});
  }
};

// doctor_k3s.cc: the installed Rancher Desktop, CACHE/k3s/<version>/ directories, then
// CACHE/k3s-versions.json (and --fix).
void CheckInstalledRd(Doctor& d);
Status CheckK3sCache(Doctor& d);
Status CheckVersionsFile(Doctor& d);
// doctor_kuberlr.cc: platform directories, kubectl files, kuberlr's system directory, and the
// kubectl cover (the check install runs, coverage.h).
void CheckKuberlrAndCover(Doctor& d);

}  // namespace rdbundle::unpacker::doctor_internal
