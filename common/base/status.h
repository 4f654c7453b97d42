// Status and Result<T>: how errors cross module boundaries.
//
// Every failure carries an ErrorCode (what kind of failure, stable numbers) and one message line
// that names the file or entry and the reason, e.g.
//   "kit.rdbundle: cache/k3s/v1.30.4+k3s1/k3s: sha256 mismatch (expected 1d0b.., got 4d48..)".
// Each ErrorCode maps to one documented process exit code (ExitCodeFor, README "Exit codes").
// Exceptions never cross module boundaries.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace rdbundle {

// Numeric values are stable: they appear in --json output. Append only.
enum class ErrorCode : int {
  kOk = 0,
  kUsage = 1,               // bad command line or option value
  kBadSignature = 2,        // signature does not verify
  kUntrustedKey = 3,        // signed by a key that is not trusted
  kBadKey = 4,              // malformed key or signature file, wrong password
  kCorrupt = 5,             // malformed bundle, manifest, tar, zstd, input file
  kUnsupportedVersion = 6,  // format version this reader does not know
  kLimitExceeded = 7,       // a size/count limit of the format was exceeded
  kHashMismatch = 8,        // content does not match its signed or upstream digest
  kIo = 9,                  // filesystem error
  kNoSpace = 10,            // not enough free space at a destination
  kNotFound = 11,           // a required input file does not exist
  kNetwork = 12,            // download failed (packer only)
  kCheckFailed = 13,        // the command ran and its check found problems (doctor, cover)
  kInterrupted = 14,        // SIGINT/SIGTERM
  kInternal = 15,           // a bug: should never happen
};

// Process exit codes (documented in README.md and format-spec/). Several ErrorCodes share one.
enum class ExitCode : int {
  kOk = 0,
  kCheckFailed = 1,   // ran fine, verdict negative (doctor found failures, cover missing)
  kUsage = 2,         // bad command line
  kSignature = 3,     // untrusted key, bad signature, malformed key/signature, wrong password
  kCorrupt = 4,       // corrupt or malformed bundle or input, unsupported version, limits, hashes
  kIo = 5,            // I/O error, missing file, not enough disk space
  kNetwork = 6,       // download failed
  kInternal = 70,     // bug (EX_SOFTWARE)
  kInterrupted = 130, // interrupted by a signal; destination left as it was
};

ExitCode ExitCodeFor(ErrorCode code);
std::string_view ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status Usage(std::string m) { return {ErrorCode::kUsage, std::move(m)}; }
  static Status BadSignature(std::string m) { return {ErrorCode::kBadSignature, std::move(m)}; }
  static Status UntrustedKey(std::string m) { return {ErrorCode::kUntrustedKey, std::move(m)}; }
  static Status BadKey(std::string m) { return {ErrorCode::kBadKey, std::move(m)}; }
  static Status Corrupt(std::string m) { return {ErrorCode::kCorrupt, std::move(m)}; }
  static Status Unsupported(std::string m) { return {ErrorCode::kUnsupportedVersion, std::move(m)}; }
  static Status Limit(std::string m) { return {ErrorCode::kLimitExceeded, std::move(m)}; }
  static Status HashMismatch(std::string m) { return {ErrorCode::kHashMismatch, std::move(m)}; }
  static Status Io(std::string m) { return {ErrorCode::kIo, std::move(m)}; }
  static Status NoSpace(std::string m) { return {ErrorCode::kNoSpace, std::move(m)}; }
  static Status NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Status Network(std::string m) { return {ErrorCode::kNetwork, std::move(m)}; }
  static Status CheckFailed(std::string m) { return {ErrorCode::kCheckFailed, std::move(m)}; }
  static Status Interrupted(std::string m) { return {ErrorCode::kInterrupted, std::move(m)}; }
  static Status Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

  // From errno: ENOENT -> kNotFound, ENOSPC/EDQUOT -> kNoSpace, else kIo.
  // Message: "<context>: <strerror(err)>".
  static Status FromErrno(std::string_view context, int err);

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  ExitCode exit_code() const { return ExitCodeFor(code_); }

  // Prefixes the message with "<context>: " (no-op on OK), e.g. the bundle or entry name.
  Status WithContext(std::string_view context) const&;
  Status WithContext(std::string_view context) &&;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// A value or a non-OK Status. Same method names as std::expected.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // REQUIRES: !has_value()
  const Status& error() const& { return std::get<1>(v_); }
  Status error() && { return std::get<1>(std::move(v_)); }
  // OK when it holds a value.
  Status status() const { return has_value() ? Status::Ok() : error(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace rdbundle

#define RDB_CONCAT_INNER_(a, b) a##b
#define RDB_CONCAT_(a, b) RDB_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define RDB_RETURN_IF_ERROR(expr)                                 \
  do {                                                            \
    if (::rdbundle::Status rdb_s_ = (expr); !rdb_s_.ok()) return rdb_s_; \
  } while (0)

// `RDB_ASSIGN_OR_RETURN(auto x, F())`: declares x from a Result or returns its error.
#define RDB_ASSIGN_OR_RETURN(lhs, expr) \
  RDB_ASSIGN_OR_RETURN_IMPL_(RDB_CONCAT_(rdb_r_, __LINE__), lhs, expr)
#define RDB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.has_value()) return std::move(tmp).error(); \
  lhs = std::move(tmp).value()
