#include "common/base/status.h"

#include <cerrno>
#include <cstring>

namespace rdbundle {

ExitCode ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return ExitCode::kOk;
    case ErrorCode::kUsage:
      return ExitCode::kUsage;
    case ErrorCode::kBadSignature:
    case ErrorCode::kUntrustedKey:
    case ErrorCode::kBadKey:
      return ExitCode::kSignature;
    case ErrorCode::kCorrupt:
    case ErrorCode::kUnsupportedVersion:
    case ErrorCode::kLimitExceeded:
    case ErrorCode::kHashMismatch:
      return ExitCode::kCorrupt;
    case ErrorCode::kIo:
    case ErrorCode::kNoSpace:
    case ErrorCode::kNotFound:
      return ExitCode::kIo;
    case ErrorCode::kNetwork:
      return ExitCode::kNetwork;
    case ErrorCode::kCheckFailed:
      return ExitCode::kCheckFailed;
    case ErrorCode::kInterrupted:
      return ExitCode::kInterrupted;
    case ErrorCode::kInternal:
      return ExitCode::kInternal;
  }
  return ExitCode::kInternal;
}

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kUsage: return "usage";
    case ErrorCode::kBadSignature: return "bad-signature";
    case ErrorCode::kUntrustedKey: return "untrusted-key";
    case ErrorCode::kBadKey: return "bad-key";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kUnsupportedVersion: return "unsupported-version";
    case ErrorCode::kLimitExceeded: return "limit-exceeded";
    case ErrorCode::kHashMismatch: return "hash-mismatch";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kNoSpace: return "no-space";
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kNetwork: return "network";
    case ErrorCode::kCheckFailed: return "check-failed";
    case ErrorCode::kInterrupted: return "interrupted";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

Status Status::FromErrno(std::string_view context, int err) {
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(err);
  switch (err) {
    case ENOENT:
      return NotFound(std::move(msg));
    case ENOSPC:
#if defined(EDQUOT)  // not in the Windows C runtime
    case EDQUOT:
#endif
      return NoSpace(std::move(msg));
    default:
      return Io(std::move(msg));
  }
}

Status Status::WithContext(std::string_view context) const& {
  Status copy = *this;
  return std::move(copy).WithContext(context);
}

Status Status::WithContext(std::string_view context) && {
  if (ok() || context.empty()) return std::move(*this);
  std::string msg(context);
  msg += ": ";
  msg += message_;
  message_ = std::move(msg);
  return std::move(*this);
}

}  // namespace rdbundle
