#include "packer/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <random>
#include <thread>

#include "common/base/quote.h"
#include "common/base/strings.h"
#include "common/cli/console.h"
#include "common/os/fs.h"
#include "common/os/platform.h"
#include "common/rd/layout.h"
#include "rdbundle/version_info.h"

namespace rdbundle::packer {
namespace {

// An error page is read and dropped; one larger than this ends the transfer.
constexpr std::uint64_t kMaxErrorBody = 64u << 10;
constexpr long kMaxRedirects = 10;
constexpr long kMaxRetryDelayMs = 30'000;
constexpr long kMaxRetryAfterS = 60;
constexpr std::string_view kGitHubApi = "https://api.github.com/";

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Text from the network or libcurl for a one-line message: printable ASCII, bounded.
std::string OneLine(std::string_view s, std::size_t max = 160) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<std::uint64_t> ParseU64(std::string_view s) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// The state of one request, shared with libcurl's callbacks.
struct Exchange {
  BodySink* sink = nullptr;
  BodySource* source = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  HttpResponse resp;
  bool follow = true;
  std::string reason_phrase;
  bool begun = false;
  bool interrupted = false;
  std::uint64_t error_body = 0;
  Status sink_status;
  Status source_status;
  char errbuf[CURL_ERROR_SIZE] = {};
};

// "HTTP/1.1 206 Partial Content": a new response starts (redirects give several).
void OnStatusLine(Exchange& ex, std::string_view line) {
  ex.resp.content_length.reset();
  ex.resp.range_start.reset();
  ex.resp.retry_after_s.reset();
  ex.resp.has_link = ex.resp.link_next = false;
  ex.resp.headers.clear();
  ex.resp.error_body.clear();
  ex.reason_phrase.clear();
  const auto sp = line.find(' ');
  if (sp == std::string_view::npos) return;
  std::string_view rest = line.substr(sp + 1);
  const auto sp2 = rest.find(' ');
  if (auto code = ParseU64(rest.substr(0, sp2)); code && *code < 1000) {
    ex.resp.status = static_cast<long>(*code);
  }
  if (sp2 != std::string_view::npos) ex.reason_phrase = OneLine(Trim(rest.substr(sp2 + 1)), 64);
}

// "bytes 100-999/1000" -> 100.
std::optional<std::uint64_t> RangeStart(std::string_view v) {
  if (!v.starts_with("bytes ")) return std::nullopt;
  v.remove_prefix(6);
  return ParseU64(v.substr(0, v.find('-')));
}

void OnHeaderField(Exchange& ex, std::string_view name, std::string_view value) {
  const std::string n = AsciiLower(name);
  if (ex.resp.headers.size() < kMaxResponseHeaders) {
    ex.resp.headers.emplace_back(n.substr(0, 256), std::string(value.substr(0, 4096)));
  }
  if (n == "content-length") {
    ex.resp.content_length = ParseU64(value);
  } else if (n == "content-range") {
    ex.resp.range_start = RangeStart(value);
  } else if (n == "retry-after") {
    if (auto s = ParseU64(value); s && *s < 86400) ex.resp.retry_after_s = static_cast<long>(*s);
  } else if (n == "link") {
    ex.resp.has_link = true;
    ex.resp.link_next = AsciiLower(value).find("rel=\"next\"") != std::string::npos;
  } else if (n == "location") {
    ex.resp.location = std::string(value.substr(0, 2048));
  }
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto& ex = *static_cast<Exchange*>(user);
  const std::string_view line = Trim(std::string_view(data, size * n));
  if (line.starts_with("HTTP/")) {
    OnStatusLine(ex, line);
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    OnHeaderField(ex, Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)));
  }
  return size * n;
}

bool Is2xx(long status) { return status >= 200 && status < 300; }

std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* user) {
  auto& ex = *static_cast<Exchange*>(user);
  const std::size_t len = size * n;
  if (!Is2xx(ex.resp.status) || ex.sink == nullptr) {
    ex.error_body += len;  // an error page (or a body nobody asked for): dropped
    std::string& kept = ex.resp.error_body;
    if (kept.size() < kMaxErrorBodyKept) kept.append(data, std::min(len, kMaxErrorBodyKept - kept.size()));
    return ex.error_body > kMaxErrorBody ? 0 : len;
  }
  if (!ex.begun) {
    ex.begun = true;
    ex.sink_status = ex.sink->Begin(ex.resp);
    if (!ex.sink_status.ok()) return 0;
  }
  ex.sink_status = ex.sink->Write(data, len);
  return ex.sink_status.ok() ? len : 0;
}

std::size_t OnUpload(char* data, std::size_t size, std::size_t n, void* user) {
  auto& ex = *static_cast<Exchange*>(user);
  auto got = ex.source->Read(data, size * n);
  if (!got.has_value()) {
    ex.source_status = got.error();
    return CURL_READFUNC_ABORT;
  }
  return *got;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& ex = *static_cast<Exchange*>(user);
  if (InterruptSignal() != 0 || (ex.cancel != nullptr && ex.cancel->load())) {
    ex.interrupted = true;
    return 1;
  }
  return 0;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

void SetProtocols(CURL* c, bool https) {
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0: the _STR options
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
#else
  curl_easy_setopt(c, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
                   static_cast<long>(https ? CURLPROTO_HTTPS : CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

// GitHub's API wants these; the token goes to api.github.com only (libcurl does not forward
// a custom Authorization header to another host on redirect). Then the request's own.
Slist Headers(const HttpOptions& o, const HttpRequest& req) {
  curl_slist* list = nullptr;
  if (req.url.starts_with(kGitHubApi)) {
    list = curl_slist_append(list, "Accept: application/vnd.github+json");
    if (o.github_token && !o.github_token->empty()) {
      list = curl_slist_append(list, ("Authorization: Bearer " + *o.github_token).c_str());
    }
  }
  for (const std::string& h : req.headers) list = curl_slist_append(list, h.c_str());
  // No "Expect: 100-continue" round trip before a body: registries answer at once.
  if (req.upload != nullptr) list = curl_slist_append(list, "Expect:");
  return Slist(list);
}

// Method and body of a request with one (packer/oci_client.h).
void SetMethod(CURL* c, const HttpRequest& req, Exchange& ex) {
  if (req.upload != nullptr) {
    ex.source = req.upload;
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, OnUpload);
    curl_easy_setopt(c, CURLOPT_READDATA, &ex);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.upload->size()));
    // Fewer read callbacks per chunk than libcurl's default 64 KiB.
    curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
  } else if (req.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(0));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
  }
  // CURLOPT_UPLOAD means PUT; POST with a body is not needed by the registry protocol.
  if (!req.method.empty() && req.method != "PUT" && !(req.method == "POST" && req.upload == nullptr)) {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
}

void SetOptions(CURL* c, const HttpOptions& o, const std::string& url, Exchange& ex,
                curl_slist* headers) {
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  SetProtocols(c, url.starts_with("https://"));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, ex.follow ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, kMaxRedirects);
  curl_easy_setopt(c, CURLOPT_USERAGENT, o.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(o.connect_timeout_s));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, kStallBytesPerSecond);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(o.stall_timeout_s));
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ex.errbuf);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &ex);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &ex);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  if (o.ca_bundle) {
    curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_bundle->c_str());
  } else if (o.system_ca_bundle) {
    curl_easy_setopt(c, CURLOPT_CAINFO, o.system_ca_bundle->c_str());
  }
  if (o.insecure) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (headers != nullptr) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
}

// The scheme of an absolute Location ("file" for "file:///etc/passwd"), lower case; empty for a
// relative one. RFC 3986 section 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":".
std::string LocationScheme(std::string_view location) {
  std::string scheme;
  for (char ch : location) {
    if (ch == ':') return scheme;
    const bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    const bool other = (ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.';
    if (!(alpha || (other && !scheme.empty()))) return "";
    scheme += static_cast<char>(alpha ? (ch | 0x20) : ch);
  }
  return "";
}

std::string CurlReason(CURLcode rc, const Exchange& ex, bool https) {
  // A redirect to a protocol we do not follow: libcurl says "unsupported protocol", or, when
  // it was built without that protocol at all (the static builds have HTTP and HTTPS only),
  // that the URL is malformed.
  const std::string scheme = LocationScheme(ex.resp.location);
  const bool other_scheme = !scheme.empty() && scheme != "https" && (https || scheme != "http");
  if ((rc == CURLE_UNSUPPORTED_PROTOCOL && !ex.resp.location.empty()) ||
      (rc == CURLE_URL_MALFORMAT && other_scheme)) {
    return "redirected to " + QuoteForMessage(ex.resp.location) + ", refused (only " +
           (https ? "https" : "http and https") + " redirects are followed)";
  }
  std::string s = curl_easy_strerror(rc);
  if (ex.errbuf[0] != '\0') s += " (" + OneLine(ex.errbuf) + ")";
  return s;
}

}  // namespace

HttpOptions::HttpOptions() : user_agent(std::string("rdbundle-pack/") + RDBUNDLE_VERSION) {}

std::optional<std::string> SystemCaBundle(
    const std::function<std::optional<std::string>(const char*)>& getenv,
    const std::function<bool(const std::string&)>& exists) {
#if defined(_WIN32)
  (void)getenv;
  (void)exists;
  return std::nullopt;
#else
  for (const char* var : {"SSL_CERT_FILE", "SSL_CERT_DIR"}) {
    if (auto v = getenv(var); v && !v->empty()) return std::nullopt;
  }
  for (const char* f : {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                        "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"}) {
    if (exists(f)) return std::string(f);
  }
  return std::nullopt;
#endif
}

std::optional<std::string> SystemCaBundle() {
  return SystemCaBundle(GetEnvReal, [](const std::string& path) {
    auto info = DefaultFs().Stat(path);
    return info.has_value() && (info->type == FileInfo::Type::kRegular ||
                         info->type == FileInfo::Type::kSymlink);
  });
}

std::string HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

bool HttpResponse::transient() const {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_OK:
      return status == 408 || status == 429 || status >= 500;
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SEND_FAIL_REWIND:  // the connection died while a request body was being sent
      return true;
    default:
      return false;
  }
}

struct HttpSession::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

HttpSession::HttpSession(HttpOptions options, const std::atomic<bool>* cancel)
    : options_(std::move(options)), cancel_(cancel), handle_(std::make_unique<Handle>()) {
  GlobalInit();
  handle_->curl = curl_easy_init();
}

HttpSession::~HttpSession() = default;

Result<HttpResponse> HttpSession::Perform(const HttpRequest& req, BodySink* sink) {
  const auto start = std::chrono::steady_clock::now();
  auto r = PerformQuietly(req, sink);
  if (GetVerbosity() == Verbosity::kVerbose) {  // -v: each request
    const std::string method = !req.method.empty() ? req.method : req.head ? "HEAD" : "GET";
    const std::string range = req.range_from > 0 ? " (from byte " + std::to_string(req.range_from) + ")" : "";
    const std::string outcome = !r.has_value() ? r.error().message()
                                : r->ok()      ? "HTTP " + std::to_string(r->status)
                                               : r->reason;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start).count();
    SayVerbose(method + " " + req.url + range + ": " + outcome + " (" + std::to_string(ms) + " ms)");
  }
  return r;
}

Result<HttpResponse> HttpSession::PerformQuietly(const HttpRequest& req, BodySink* sink) {
  CURL* c = handle_->curl;
  if (c == nullptr) return Status::Internal("libcurl initialisation failed");
  curl_easy_reset(c);  // keeps live connections
  const std::string& url = req.url;
  Exchange ex;
  ex.sink = req.head ? nullptr : sink;
  ex.cancel = cancel_;
  ex.follow = req.follow_redirects && req.upload == nullptr && req.method.empty();
  Slist headers = Headers(options_, req);
  SetOptions(c, options_, url, ex, headers.get());
  SetMethod(c, req, ex);
  if (req.head) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  const std::string range = std::to_string(req.range_from) + "-";
  if (req.range_from > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
  if (req.compressed && req.range_from == 0) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  const CURLcode rc = curl_easy_perform(c);
  if (ex.interrupted) return Status::Interrupted(url + ": interrupted");
  if (!ex.sink_status.ok()) return ex.sink_status;
  if (!ex.source_status.ok()) return ex.source_status;
  HttpResponse& r = ex.resp;
  r.curl_code = rc;
  if (rc != CURLE_OK) {
    r.reason = CurlReason(rc, ex, url.starts_with("https://"));
    return r;
  }
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  r.status = code;
  if (!Is2xx(code)) {
    r.reason = "HTTP " + std::to_string(code) +
               (ex.reason_phrase.empty() ? "" : " " + ex.reason_phrase);
    return r;
  }
  if (ex.sink != nullptr && !ex.begun) RDB_RETURN_IF_ERROR(ex.sink->Begin(r));  // empty body
  return r;
}

std::chrono::milliseconds RetryDelay(const HttpOptions& o, int attempt,
                                     std::optional<long> retry_after_s) {
  const int doublings = std::clamp(attempt - 2, 0, 20);
  const long base = std::min<long>(kMaxRetryDelayMs,
                                   static_cast<long>(std::max(o.retry_delay_ms, 0)) << doublings);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  long ms = base / 2 + static_cast<long>(rng() % static_cast<std::uint64_t>(base / 2 + 1));
  if (retry_after_s) ms = std::max(ms, std::min(*retry_after_s, kMaxRetryAfterS) * 1000);
  return std::chrono::milliseconds(ms);
}

Status SleepInterruptibly(std::chrono::milliseconds delay, const std::atomic<bool>* cancel) {
  const auto end = std::chrono::steady_clock::now() + delay;
  for (;;) {
    if (InterruptSignal() != 0 || (cancel != nullptr && cancel->load())) {
      return Status::Interrupted("interrupted");
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) return Status::Ok();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        end - now, std::chrono::milliseconds(50)));
  }
}

std::string FormatWait(std::chrono::milliseconds wait) {
  if (wait.count() < 1000) return std::to_string(wait.count()) + " ms";
  return std::to_string((wait.count() + 500) / 1000) + " s";
}

Status WaitToRetry(const HttpOptions& options, const std::string& url, const HttpResponse& r,
                   int next, int max, const std::atomic<bool>* cancel) {
  const std::chrono::milliseconds delay = RetryDelay(options, next, r.retry_after_s);
  Say(url + ": retrying in " + FormatWait(delay) + " (" + std::to_string(next) + "/" +
      std::to_string(max) + "): " + r.reason);
  return SleepInterruptibly(delay, cancel);
}

Status NetworkError(const std::string& url, const HttpResponse& r, int attempts) {
  std::string msg = url + ": " + r.reason;
  if (attempts > 1) msg += " (" + std::to_string(attempts) + " attempts)";
  if (url.starts_with(kGitHubApi) && (r.status == 403 || r.status == 429)) {
    msg += "; GitHub allows 60 API requests an hour without a token: set GITHUB_TOKEN";
  }
  return Status::Network(msg);
}

namespace {

class StringSink final : public BodySink {
 public:
  StringSink(const std::string& url, std::size_t max) : url_(url), max_(max) {}
  Status Begin(const HttpResponse& head) override {
    body_.clear();
    if (head.content_length && *head.content_length > max_) return TooLarge();
    return Status::Ok();
  }
  Status Write(const char* data, std::size_t n) override {
    if (n > max_ - body_.size()) return TooLarge();
    body_.append(data, n);
    return Status::Ok();
  }
  std::string& body() { return body_; }

 private:
  Status TooLarge() const {
    return Status::Limit(url_ + ": larger than " + std::to_string(max_) + " bytes");
  }
  const std::string& url_;
  const std::size_t max_;
  std::string body_;
};

// Performs `req` until it succeeds, fails for good, or the attempts are used up.
Result<HttpResponse> Retrying(HttpSession& session, const HttpRequest& req, BodySink* sink,
                              int& made) {
  const int max = std::max(1, session.options().attempts);
  for (int attempt = 1;; ++attempt) {
    made = attempt;
    RDB_ASSIGN_OR_RETURN(HttpResponse r, session.Perform(req, sink));
    if (r.ok() || !r.transient() || attempt >= max) return r;
    RDB_RETURN_IF_ERROR(
        WaitToRetry(session.options(), req.url, r, attempt + 1, max, session.cancel()));
  }
}

}  // namespace

Result<std::optional<Document>> GetDocument(HttpSession& session, const std::string& url,
                                            std::size_t max_bytes, bool missing_ok) {
  StringSink sink(url, max_bytes);
  int made = 0;
  RDB_ASSIGN_OR_RETURN(HttpResponse r, Retrying(session, {url, false, 0, true}, &sink, made));
  if (r.ok()) return std::optional<Document>(Document{std::move(sink.body()), r.has_link, r.link_next});
  if (missing_ok && r.curl_code == 0 && (r.status == 404 || r.status == 410)) {
    return std::optional<Document>();
  }
  return NetworkError(url, r, made);
}

Result<std::optional<std::uint64_t>> GetContentLength(HttpSession& session, const std::string& url) {
  int made = 0;
  RDB_ASSIGN_OR_RETURN(HttpResponse r, Retrying(session, {url, true, 0, false}, nullptr, made));
  if (!r.ok()) return NetworkError(url, r, made);
  return r.content_length;
}

Status CheckBaseUrl(std::string_view option, std::string_view url) {
  const auto bad = [&](const std::string& why) {
    return Status::Usage("--" + std::string(option) + " " + QuoteForMessage(url) + ": " + why);
  };
  if (url.size() > 1024) return bad("longer than 1024 bytes");
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return bad("only http:// and https:// URLs are supported");
  }
  if (rest.empty() || rest.front() == '/') return bad("no host");
  for (char c : url) {
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '`') {
      return bad("contains a space, a control character or a character URLs cannot hold");
    }
    if (c == '?' || c == '#') return bad("a base URL takes no query or fragment");
  }
  return Status::Ok();
}

}  // namespace rdbundle::packer
