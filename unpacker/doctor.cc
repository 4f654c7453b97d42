#include "unpacker/doctor.h"


#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "common/format/json_strict.h"
#include "common/os/platform.h"
#include "common/rd/rd_rules.h"
#include "unpacker/doctor_internal.h"

namespace rdbundle::unpacker {

using namespace doctor_internal;  // NOLINT(google-build-using-namespace): the doctor's own parts

namespace {

// ---- output -----------------------------------------------------------------------------------

const char* StatusWord(CheckStatus s) {
  switch (s) {
    case CheckStatus::kOk:
      return "ok  ";
    case CheckStatus::kWarn:
      return "warn";
    case CheckStatus::kFail:
      return "FAIL";
  }
  return "";
}

const char* StatusColor(CheckStatus s) {
  switch (s) {
    case CheckStatus::kOk:
      return "\033[32m";
    case CheckStatus::kWarn:
      return "\033[33m";
    case CheckStatus::kFail:
      return "\033[1;31m";
  }
  return "";
}

// "Rancher Desktop 1.19.3 (macOS app, /Applications/...): lists k3s v1.25.3 and later".
std::string DescribeRd(const DoctorReport& r) {
  const auto version = r.rd ? r.rd->version : std::nullopt;
  const std::string rules = "lists k3s v" + RdMinimumK3s(version).ToString() + " and later";
  if (!r.rd) return "none found: rules of Rancher Desktop 1.19 and later (" + rules + ")";
  const std::string at = " (" + r.rd->how + ", " + r.rd->where + ")";
  if (!version) return "version not known" + at + ": rules of 1.19 and later (" + rules + ")";
  return version->ToString() + at + ": " + rules;
}

}  // namespace

std::string_view CheckStatusName(CheckStatus s) {
  switch (s) {
    case CheckStatus::kOk:
      return "ok";
    case CheckStatus::kWarn:
      return "warn";
    case CheckStatus::kFail:
      return "fail";
  }
  return "";
}

std::size_t DoctorReport::Count(CheckStatus s) const {
  return static_cast<std::size_t>(
      std::count_if(items.begin(), items.end(), [s](const CheckItem& i) { return i.status == s; }));
}

Result<DoctorReport> RunDoctorChecks(Fs& fs, const DoctorCommand& cmd, const DoctorEnv& env) {
  RDB_ASSIGN_OR_RETURN(Destinations dest, ResolveDestinations(cmd.dest, env.getenv));
  Doctor d{fs, cmd, env, DoctorReport{dest, {}, {}, ""}, {}, {}, {}};
  CheckInstalledRd(d);
  RDB_RETURN_IF_ERROR(CheckK3sCache(d));
  RDB_RETURN_IF_ERROR(CheckVersionsFile(d));
  CheckKuberlrAndCover(d);
  return std::move(d.report);
}

std::string FormatDoctorJson(const DoctorReport& r) {
  OrderedJson j = OrderedJson::object();
  j["schemaVersion"] = 1;  // docs/json.md
  j["target"] = {{"os", OsName(r.dest.os)},
                 {"arch", ArchName(r.dest.arch)},
                 {"cacheDir", r.dest.cache_dir},
                 {"kuberlrDir", r.dest.kuberlr_dir}};
  OrderedJson rd = {{"found", r.rd.has_value()}};
  if (r.rd) {
    rd["where"] = r.rd->where;
    rd["how"] = r.rd->how;
    if (r.rd->version) rd["version"] = r.rd->version->ToString();
  }
  rd["minimumK3s"] = RdMinimumK3s(r.rd ? r.rd->version : std::nullopt).ToString();
  j["rancherDesktop"] = std::move(rd);
  j["summary"] = {{"ok", r.Count(CheckStatus::kOk)},
                  {"warn", r.Count(CheckStatus::kWarn)},
                  {"fail", r.Count(CheckStatus::kFail)}};
  j["checks"] = OrderedJson::array();
  for (const CheckItem& i : r.items) {
    OrderedJson item = {{"check", i.check},
                        {"subject", i.subject},
                        {"status", CheckStatusName(i.status)},
                        {"message", i.message}};
    if (!i.fix.empty()) item["fix"] = i.fix;
    j["checks"].push_back(std::move(item));
  }
  if (!r.kubectl_fix.empty()) j["kubectlFix"] = r.kubectl_fix;
  // `replace`: file names on disk need not be UTF-8.
  return j.dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

std::string FormatDoctorText(const DoctorReport& r, bool color) {
  std::string out = "Rancher Desktop offline check (" + std::string(OsName(r.dest.os)) + "/" +
                    std::string(ArchName(r.dest.arch)) + ")\n  cache    " + r.dest.cache_dir +
                    "\n  kuberlr  " + r.dest.kuberlr_dir + "\n  Rancher Desktop  " + DescribeRd(r) +
                    "\n";
  for (const CheckItem& i : r.items) {
    const std::string word =
        color ? StatusColor(i.status) + std::string(StatusWord(i.status)) + "\033[0m"
              : StatusWord(i.status);
    char check[24];
    std::snprintf(check, sizeof check, "%-17s", i.check.c_str());
    out += "  " + word + "  " + check + "  " + i.subject + ": " + i.message + "\n";
    if (!i.fix.empty()) out += "        fix: " + i.fix + "\n";
  }
  if (!r.kubectl_fix.empty()) out += "kubectl for every gap in one bundle: " + r.kubectl_fix + "\n";
  out += Plural(r.Count(CheckStatus::kOk), "check") + " ok, " +
         std::to_string(r.Count(CheckStatus::kWarn)) + " warn, " +
         std::to_string(r.Count(CheckStatus::kFail)) + " fail\n";
  return out;
}

Status RunDoctor(Fs& fs, const DoctorCommand& cmd, const DoctorEnv& env, std::FILE* out) {
  RDB_ASSIGN_OR_RETURN(DoctorReport report, RunDoctorChecks(fs, cmd, env));
  // Colour only on a terminal that understands it, and never with NO_COLOR set to anything
  // but "" (no-color.org) or TERM=dumb.
  const auto no_color = env.getenv("NO_COLOR");
  const bool color = cmd.color.value_or(StdoutIsTerminal() && !(no_color && !no_color->empty()) &&
                                        env.getenv("TERM").value_or("") != "dumb");
  const std::string text = cmd.json ? FormatDoctorJson(report) : FormatDoctorText(report, color);
  std::fwrite(text.data(), 1, text.size(), out);
  if (std::fflush(out) != 0) return Status::FromErrno("<stdout>", errno);
  const std::size_t failed = report.Count(CheckStatus::kFail);
  if (failed == 0) return Status::Ok();
  return Status::CheckFailed("doctor: " + Plural(failed, "check") + " failed");
}

}  // namespace rdbundle::unpacker
