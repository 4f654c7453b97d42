// HTTP for the packer's fetch commands: the only place that includes <curl/curl.h> (the
// unpacker never links libcurl; tests/packer/link_test.cc checks it).
//
// Every request is made the same way:
//  - http and https only, redirects included (CURLOPT_PROTOCOLS_STR / REDIR_PROTOCOLS_STR:
//    a mirror cannot send us to file:// or anything else); from an https URL only https
//    redirects are followed, so TLS cannot be dropped on the way;
//  - TLS verified (system CA store, or --ca-bundle); --insecure switches it off and is never
//    the default;
//  - proxies from the usual environment variables (libcurl's default, left untouched);
//  - a connect timeout, and a low-speed limit instead of a total timeout, so a 1 GiB image on a
//    slow link works while a stalled connection is dropped;
//  - User-Agent "rdbundle-pack/<version>";
//  - an error body (4xx/5xx) is never handed to the caller as content.
// Retries (exponential backoff with jitter, Retry-After honoured) are for transient failures
// only: HTTP 408/429/5xx, timeouts, refused or reset connections, transfers cut short.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"

namespace rdbundle::packer {

// A transfer slower than this many bytes per second for stall_timeout_s seconds is aborted
// (and retried).
inline constexpr long kStallBytesPerSecond = 1024;
inline constexpr std::size_t kMaxResponseHeaders = 100;
inline constexpr std::size_t kMaxErrorBodyKept = 4096;

struct HttpOptions {
  std::string user_agent;                 // default "rdbundle-pack/<version>"
  std::optional<std::string> ca_bundle;   // --ca-bundle FILE (PEM), for internal mirrors
  // The system's CA bundle when there is no --ca-bundle (SystemCaBundle); libcurl's own
  // default otherwise.
  std::optional<std::string> system_ca_bundle;
  bool insecure = false;                  // --insecure: no TLS verification
  int connect_timeout_s = 30;
  int stall_timeout_s = 60;
  int attempts = 5;                       // tries per request: 1 + retries
  int retry_delay_ms = 1000;              // first backoff; doubles per attempt, max 30 s
  // Sent as "Authorization: Bearer" to https://api.github.com/ only (rate limits).
  std::optional<std::string> github_token;

  HttpOptions();
};

// The system's CA bundle for TLS without --ca-bundle: the first of the usual PEM bundle files
// that exists, on the OS running us: /etc/ssl/certs/ca-certificates.crt (Debian, Ubuntu,
// Alpine, Arch), /etc/pki/tls/certs/ca-bundle.crt (RHEL, Fedora), /etc/ssl/ca-bundle.pem
// (SUSE), /etc/ssl/cert.pem (macOS, Alpine, BSDs). The static release binaries carry an
// OpenSSL whose compiled-in defaults fit only some of these systems (tools/cross/README.md).
// nullopt on Windows (Schannel uses the Windows store), when $SSL_CERT_FILE or $SSL_CERT_DIR
// chooses (OpenSSL reads them), or when none exists (libcurl's default then).
// `exists` tells whether a path names a file (or a symlink to one: the bundles usually are).
std::optional<std::string> SystemCaBundle(
    const std::function<std::optional<std::string>(const char*)>& getenv,
    const std::function<bool(const std::string&)>& exists);
std::optional<std::string> SystemCaBundle();

// How one request ended (after redirects). Network failures are described here, not as a
// Status, so that the caller decides whether to retry.
struct HttpResponse {
  long status = 0;            // final HTTP status; 0 when there was no response
  int curl_code = 0;          // CURLcode; 0 is CURLE_OK
  std::string reason;         // one line: "HTTP 404 Not Found", "Connection reset by peer (...)"
  std::optional<std::uint64_t> content_length;
  std::optional<std::uint64_t> range_start;  // first byte of a 206 (Content-Range)
  std::optional<long> retry_after_s;
  bool has_link = false;      // a Link header was sent (GitHub pagination)
  bool link_next = false;     // ... with rel="next"
  std::string location;       // the last redirect target, for messages (or the Location of
                              // the final response: the registry's upload URL)
  // Headers of the final response, names lowercased, at most kMaxResponseHeaders; for
  // protocols built on top (OCI registries: Location, Range, Docker-Content-Digest,
  // WWW-Authenticate).
  std::vector<std::pair<std::string, std::string>> headers;
  // The start of an error (non-2xx) body, at most kMaxErrorBodyKept bytes, for messages.
  std::string error_body;

  // The first header named `lower_name` (lowercase), or "".
  std::string Header(std::string_view lower_name) const;
  bool ok() const { return curl_code == 0 && status >= 200 && status < 300; }
  // Worth another attempt: 408, 429, 5xx, timeouts, refused/reset connections, cut transfers.
  bool transient() const;
};

struct HttpRequest {
  std::string url;
  bool head = false;
  std::uint64_t range_from = 0;  // > 0: "Range: bytes=<range_from>-"
  // Accept gzip/deflate/br (documents: the release list shrinks ~10x). Never for files: a
  // digest and a Range are about the bytes as stored.
  bool compressed = false;
  // Below: for protocols on top of HTTP (packer/oci_client.h). Defaults give a plain GET/HEAD.
  std::string method;                // "POST", "PATCH", "PUT", "DELETE"; "" = GET (HEAD)
  std::vector<std::string> headers;  // extra request headers, "Name: value"
  class BodySource* upload = nullptr;  // request body (PATCH, PUT, POST), else none
  bool follow_redirects = true;      // false: a 3xx is the response (its Location kept)
};

// A request body, read in order once (a body is never rewound: requests with one are not
// redirected and not retried by the session itself).
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual std::uint64_t size() const = 0;
  // Up to n bytes into buf; 0 only at the end. A non-OK status aborts the request and is what
  // Perform returns.
  virtual Result<std::size_t> Read(char* buf, std::size_t n) = 0;
};

// A request body held in memory (a form, a manifest).
class StringSource final : public BodySource {
 public:
  explicit StringSource(std::string s) : s_(std::move(s)) {}
  std::uint64_t size() const override { return s_.size(); }
  Result<std::size_t> Read(char* buf, std::size_t n) override {
    const std::size_t k = std::min(n, s_.size() - pos_);
    std::copy_n(s_.data() + pos_, k, buf);
    pos_ += k;
    return k;
  }

 private:
  std::string s_;
  std::size_t pos_ = 0;
};

// Receives the body of a 2xx response. Error bodies never reach it.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // Once, before the first byte (or at the end for an empty body). A non-OK Status aborts the
  // transfer and is what Perform returns.
  virtual Status Begin(const HttpResponse& head) = 0;
  virtual Status Write(const char* data, std::size_t n) = 0;
};

// One libcurl easy handle with the settings above; keeps connections alive between requests.
// Not thread-safe: one session per thread.
class HttpSession {
 public:
  // `cancel`, when set, aborts a transfer in progress (another download failed).
  explicit HttpSession(HttpOptions options, const std::atomic<bool>* cancel = nullptr);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // One request, no retry. Returns the response (which may describe a failure), or the
  // sink's error, or kInterrupted (SIGINT/SIGTERM, or `cancel`).
  Result<HttpResponse> Perform(const HttpRequest& request, BodySink* sink);

  const HttpOptions& options() const { return options_; }
  const std::atomic<bool>* cancel() const { return cancel_; }

 private:
  Result<HttpResponse> PerformQuietly(const HttpRequest& request, BodySink* sink);
  struct Handle;
  HttpOptions options_;
  const std::atomic<bool>* cancel_;
  std::unique_ptr<Handle> handle_;
};

// The wait before attempt `attempt` (2, 3, ...): retry_delay_ms * 2^(attempt-2), at most 30 s,
// with jitter (a random 50-100% of it), and at least Retry-After (at most 60 s) when given.
std::chrono::milliseconds RetryDelay(const HttpOptions& options, int attempt,
                                     std::optional<long> retry_after_s);

// Sleeps; kInterrupted as soon as a signal arrives or `cancel` is set.
Status SleepInterruptibly(std::chrono::milliseconds delay, const std::atomic<bool>* cancel);

// Before attempt `next` of `max` of `url`, which failed with `r`: says so on stderr (console.h,
// "<url>: retrying in 2 s (2/5): <reason>"), then waits RetryDelay (kInterrupted on SIGINT or
// `cancel`).
Status WaitToRetry(const HttpOptions& options, const std::string& url, const HttpResponse& r,
                   int next, int max, const std::atomic<bool>* cancel);
// "2 s", "300 ms": a wait as the retry note shows it.
std::string FormatWait(std::chrono::milliseconds wait);

// "<url>: <reason>" with the attempt count when more than one was made.
Status NetworkError(const std::string& url, const HttpResponse& r, int attempts);

struct Document {
  std::string body;
  bool has_link = false;
  bool link_next = false;
};

// GETs a small document (JSON, sha256sum file, stable-X.Y.txt, kubectl.sha256), retrying
// transient failures. At most max_bytes (kLimitExceeded "<url>: larger than N bytes", no
// retry). HTTP 404/410 gives nullopt when `missing_ok`, else kNetwork like any other failure:
// "<url>: HTTP 503 Service Unavailable (5 attempts)".
Result<std::optional<Document>> GetDocument(HttpSession& session, const std::string& url,
                                            std::size_t max_bytes, bool missing_ok);

// HEAD with retries: the Content-Length, nullopt when the server sends none. kNetwork on
// failure (404 included).
Result<std::optional<std::uint64_t>> GetContentLength(HttpSession& session, const std::string& url);

// A base URL given on the command line: http:// or https://, a host, printable ASCII without
// spaces, quotes or backslashes, no query or fragment, at most 1024 bytes. kUsage otherwise.
Status CheckBaseUrl(std::string_view option, std::string_view url);

}  // namespace rdbundle::packer
