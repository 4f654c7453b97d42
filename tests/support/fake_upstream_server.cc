// The in-process HTTP/1.1 server of FakeUpstreamServer (fake_upstream.h): what
// tests/support/fake_upstream.py does over plain http, with the same faults and the same log,
// in threads of the test program (one for accepting, one per connection) over socket.h. It
// runs where the test runs, Linux or Windows (under Wine the test cannot start the host's
// python). The script stays for https and for demo/run.sh.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <list>
#include <mutex>
#include <thread>

#include "common/base/strings.h"
#include "common/format/json_strict.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/socket.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace rdbundle::testsupport {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr int kPollMs = 100;  // how often blocked threads look at the stop flag

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// urllib.parse.unquote: %XX decoded, anything else (a malformed escape too) kept.
std::string Unquote(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The value of `name` in a query string ("per_page=5&page=2"), or `fallback`.
std::string QueryValue(const std::string& query, const std::string& name,
                       const std::string& fallback) {
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(start, end - start);
    const std::size_t eq = pair.find('=');
    if (eq != std::string::npos && Unquote(pair.substr(0, eq)) == name) {
      return Unquote(pair.substr(eq + 1));
    }
    start = end + 1;
  }
  return fallback;
}

int ToInt(const std::string& s, int fallback) {
  if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) {
        return c >= '0' && c <= '9';
      })) {
    return fallback;
  }
  return std::stoi(s);
}

// "bytes=A-" or "bytes=A-B": {A, B or -1}; false for anything else.
bool ParseRange(const std::string& v, std::uint64_t* a, std::int64_t* b) {
  const std::string prefix = "bytes=";
  if (v.rfind(prefix, 0) != 0 || v.find(',') != std::string::npos) return false;
  const std::string spec = v.substr(prefix.size());
  const std::size_t dash = spec.find('-');
  if (dash == std::string::npos) return false;
  const std::string first = spec.substr(0, dash), last = spec.substr(dash + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() < 19 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(first) || (!last.empty() && !digits(last))) return false;
  *a = std::stoull(first);
  *b = last.empty() ? -1 : static_cast<std::int64_t>(std::stoull(last));
  return true;
}

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 416: return "Requested Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

struct Request {
  std::string method, target, version;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

}  // namespace

class FakeUpstreamServer::Impl {
 public:
  explicit Impl(const std::string& root) : root_(std::filesystem::path(root)) {
    listener_ = Socket::ListenLoopback(&port_);
    if (!listener_.valid()) {
      port_ = 0;
      return;
    }
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
      for (Connection& c : connections_) c.socket.Shutdown();
    }
    wake_.notify_all();
    if (acceptor_.joinable()) acceptor_.join();
    for (Connection& c : connections_) c.thread.join();
  }

  int port() const { return port_; }

  void SetFaults(const std::string& json) {
    Json j = Json::parse(json, nullptr, false);
    std::lock_guard<std::mutex> l(mu_);
    faults_ = j.is_object() ? std::move(j) : Json::object();
    counts_.clear();  // new faults: count requests afresh
  }

  std::vector<LoggedRequest> Requests() {
    std::lock_guard<std::mutex> l(mu_);
    return log_;
  }

  void ClearLog() {
    std::lock_guard<std::mutex> l(mu_);
    log_.clear();
  }

 private:
  struct Connection {
    Socket socket;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  // The state of one request's response: its log entry goes out once, before the last bytes.
  struct Exchange {
    Socket* socket;
    LoggedRequest entry;
    bool logged = false;
    bool close = false;  // close the connection after this response
  };

  void AcceptLoop() {
    while (true) {
      Socket s = listener_.Accept(kPollMs);
      std::lock_guard<std::mutex> l(mu_);
      if (stop_) return;
      // Reap the connections that ended.
      for (auto it = connections_.begin(); it != connections_.end();) {
        if (it->done) {
          it->thread.join();
          it = connections_.erase(it);
        } else {
          ++it;
        }
      }
      if (!s.valid()) continue;
      Connection& c = connections_.emplace_back();
      c.socket = std::move(s);
      c.thread = std::thread([this, &c] {
        try {
          Serve(c.socket);
        } catch (const std::exception& e) {  // a fault the test wrote wrongly: say so
          std::fprintf(stderr, "fake upstream: %s\n", e.what());
        }
        {
          std::lock_guard<std::mutex> lock(mu_);  // ~Impl may be shutting it down
          c.socket.Close();
        }
        c.done = true;
      });
    }
  }

  bool Stopping() {
    std::lock_guard<std::mutex> l(mu_);
    return stop_;
  }

  // Requests on one connection until the client or the server ends it.
  void Serve(Socket& socket) {
    std::string buffer;
    char chunk[16384];
    while (true) {
      std::size_t end;
      while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (buffer.size() > (64u << 10)) return;
        const long n = socket.Receive(chunk, sizeof chunk, kPollMs);
        if (n == Socket::kTimeout) {
          if (Stopping()) return;
          continue;
        }
        if (n <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      Request req;
      if (!Parse(buffer.substr(0, end), &req)) {
        SendSimple(socket, 400);
        return;
      }
      buffer.erase(0, end + 4);
      Exchange x{&socket, {}};
      const std::string connection = AsciiLower(req.Header("connection"));
      x.close = connection == "close" || (req.version == "HTTP/1.0" && connection != "keep-alive");
      if (req.method != "GET" && req.method != "HEAD") {
        SendSimple(socket, 501);
        return;
      }
      if (!Respond(req, x) || x.close) return;
    }
  }

  static bool Parse(const std::string& head, Request* req) {
    std::size_t pos = head.find("\r\n");
    const std::string line = head.substr(0, pos);
    const std::size_t s1 = line.find(' '), s2 = line.rfind(' ');
    if (s1 == std::string::npos || s2 == s1) return false;
    req->method = line.substr(0, s1);
    req->target = line.substr(s1 + 1, s2 - s1 - 1);
    req->version = line.substr(s2 + 1);
    if (req->version.rfind("HTTP/1.", 0) != 0 || req->target.empty()) return false;
    while (pos != std::string::npos) {
      const std::size_t start = pos + 2;
      pos = head.find("\r\n", start);
      const std::string h = head.substr(start, pos == std::string::npos ? pos : pos - start);
      const std::size_t colon = h.find(':');
      if (colon == std::string::npos) continue;
      std::string value = h.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
      req->headers[AsciiLower(h.substr(0, colon))] = value;
    }
    return true;
  }

  void SendSimple(const Socket& socket, int status) {
    const std::string body = "fake upstream: " + std::to_string(status) + "\n";
    const std::string head = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
                             "\r\nServer: fake-upstream/1\r\nConnection: close\r\n"
                             "Content-Type: text/plain\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n";
    (void)socket.SendAll((head + body).data(), head.size() + body.size());
  }

  // The faults of `path` and the number of this request since they were set.
  std::pair<Json, int> Faults(const std::string& path) {
    std::lock_guard<std::mutex> l(mu_);
    const int n = ++counts_[path];
    auto it = faults_.find(path);
    return {it != faults_.end() && it->is_object() ? *it : Json::object(), n};
  }

  void Log(Exchange& x, std::int64_t sent = -1) {
    if (x.logged) return;
    if (sent >= 0) x.entry.sent = static_cast<std::uint64_t>(sent);
    std::lock_guard<std::mutex> l(mu_);
    log_.push_back(x.entry);
    x.logged = true;
  }

  // Waits `seconds` or until the server stops.
  void Sleep(double seconds) {
    std::unique_lock<std::mutex> l(mu_);
    wake_.wait_for(l, std::chrono::duration<double>(seconds), [this] { return stop_; });
  }

  static std::string StatusLine(int status) {
    return "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
           "\r\nServer: fake-upstream/1\r\n";
  }

  // False when the connection is to end (the peer went away, or a reset).
  bool Respond(const Request& req, Exchange& x) {
    const std::size_t q = req.target.find('?');
    const std::string path = Unquote(req.target.substr(0, q));
    const std::string query = q == std::string::npos ? "" : req.target.substr(q + 1);
    const bool head = req.method == "HEAD";
    x.entry = {req.method, path, query, req.Header("range"), 0, 0, req.Header("user-agent")};
    auto [fault, n] = Faults(path);
    const int times = fault.value("times", 1);
    if (fault.contains("delay") && n <= times) {
      Log(x);
      Sleep(fault["delay"].is_number() ? fault["delay"].get<double>() : 0);
      if (Stopping()) return false;
    }
    const Json statuses = fault.value("status", Json::array());
    if (statuses.is_array() && n <= static_cast<int>(statuses.size())) {
      return ErrorPage(statuses[static_cast<std::size_t>(n - 1)].get<int>(), head, x);
    }
    if (fault.contains("status_always")) return ErrorPage(fault["status_always"].get<int>(), head, x);
    if (fault.value("missing", false)) return ErrorPage(404, head, x);
    if (fault.contains("redirect")) {
      x.entry.status = 302;
      const std::string h = StatusLine(302) + "Location: " + fault["redirect"].get<std::string>() +
                            "\r\nContent-Length: 0\r\n\r\n";
      Log(x);
      return x.socket->SendAll(h.data(), h.size());
    }
    std::string body, extra;
    std::filesystem::path file;
    if (!Load(path, query, fault, &body, &file, &extra)) return ErrorPage(404, head, x);
    const bool reset = fault.contains("reset_after") && n <= times;
    return SendBody(req, body, file, extra, head, fault, reset ? fault["reset_after"].get<std::int64_t>() : -1,
                    x);
  }

  bool ErrorPage(int status, bool head, Exchange& x) {
    const std::string body = "fake upstream: " + std::to_string(status) + "\n";
    x.entry.status = status;
    const std::string h = StatusLine(status) + "Content-Type: text/plain\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n";
    if (head) {
      Log(x);
      return x.socket->SendAll(h.data(), h.size());
    }
    if (!x.socket->SendAll(h.data(), h.size())) return false;
    Log(x, static_cast<std::int64_t>(body.size()));
    return x.socket->SendAll(body.data(), body.size());
  }

  // The body of `path`: bytes in *body, or a file to stream in *file; extra headers in *extra.
  bool Load(const std::string& path, const std::string& query, const Json& fault,
            std::string* body, std::filesystem::path* file, std::string* extra) {
    std::filesystem::path full = root_;
    std::size_t start = 0;
    while (start < path.size()) {
      std::size_t end = path.find('/', start);
      if (end == std::string::npos) end = path.size();
      const std::string part = path.substr(start, end - start);
      if (part == "..") return false;  // never outside the root
      if (!part.empty() && part != ".") full /= part;
      start = end + 1;
    }
    std::error_code ec;
    std::filesystem::path paged = full;
    paged += ".paged.json";
    if (std::filesystem::is_regular_file(paged, ec)) {
      return Page(paged, path, query, fault, body, extra);
    }
    if (!std::filesystem::is_regular_file(full, ec)) return false;
    if (fault.value("corrupt", false)) {
      std::ifstream in(full, std::ios::binary);
      body->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      if (body->empty()) {
        *body = "x";
      } else {
        (*body)[0] = static_cast<char>((*body)[0] ^ 0xFF);
      }
      return true;
    }
    *file = full;
    return true;
  }

  // GitHub's pagination over the JSON array in `paged`.
  bool Page(const std::filesystem::path& paged, const std::string& path, const std::string& query,
            const Json& fault, std::string* body, std::string* extra) {
    std::ifstream in(paged, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const OrderedJson items = OrderedJson::parse(text, nullptr, false);
    if (!items.is_array()) return false;
    const int per_page = std::clamp(ToInt(QueryValue(query, "per_page", "30"), 30), 1, 100);
    const int page = std::max(ToInt(QueryValue(query, "page", "1"), 1), 1);
    OrderedJson chunk = OrderedJson::array();
    for (std::size_t i = static_cast<std::size_t>((page - 1) * per_page);
         i < items.size() && i < static_cast<std::size_t>(page * per_page); ++i) {
      chunk.push_back(items[i]);
    }
    *body = chunk.dump();
    *extra = "Content-Type: application/json\r\n";
    if (!fault.value("no_link", false)) {
      const std::string url = "http://127.0.0.1:" + std::to_string(port_) + path;
      std::string links = "<" + url + "?per_page=" + std::to_string(per_page) + "&page=1>; rel=\"first\"";
      if (static_cast<std::size_t>(page * per_page) < items.size()) {
        links = "<" + url + "?per_page=" + std::to_string(per_page) + "&page=" +
                std::to_string(page + 1) + ">; rel=\"next\", " + links;
      }
      *extra += "Link: " + links + "\r\n";
    }
    return true;
  }

  bool SendBody(const Request& req, const std::string& bytes, const std::filesystem::path& file,
                const std::string& extra, bool head, const Json& fault, std::int64_t reset_after,
                Exchange& x) {
    std::error_code ec;
    const std::uint64_t size = file.empty() ? bytes.size() : std::filesystem::file_size(file, ec);
    std::uint64_t start = 0, end = size - 1;  // inclusive; unused for an empty body
    int status = 200;
    const std::string range = req.Header("range");
    if (!range.empty() && !fault.value("ignore_range", false)) {
      std::uint64_t a = 0;
      std::int64_t b = -1;
      if (!ParseRange(range, &a, &b) || a >= size) {
        x.entry.status = 416;
        const std::string h = StatusLine(416) + "Content-Range: bytes */" + std::to_string(size) +
                              "\r\nContent-Length: 0\r\n\r\n";
        Log(x);
        return x.socket->SendAll(h.data(), h.size());
      }
      start = a;
      end = b < 0 ? size - 1 : std::min<std::uint64_t>(static_cast<std::uint64_t>(b), size - 1);
      status = 206;
    }
    const std::uint64_t length = size == 0 ? 0 : end - start + 1;
    x.entry.status = status;
    std::string h = StatusLine(status) +
                    (extra.empty() ? std::string("Content-Type: application/octet-stream\r\n") : extra) +
                    "Content-Length: " + std::to_string(length) + "\r\n";
    if (status == 206) {
      h += "Content-Range: bytes " + std::to_string(start) + "-" + std::to_string(end) + "/" +
           std::to_string(size) + "\r\n";
    }
    h += "\r\n";
    if (head) {
      Log(x);
      return x.socket->SendAll(h.data(), h.size());
    }
    if (!x.socket->SendAll(h.data(), h.size())) return false;
    const std::uint64_t stop = start + length;
    const std::uint64_t limit =
        reset_after < 0 ? stop : std::min(stop, start + static_cast<std::uint64_t>(reset_after));
    const auto sent = static_cast<std::int64_t>(limit - start);
    bool ok = true;
    if (file.empty()) {
      Log(x, sent);
      ok = x.socket->SendAll(bytes.data() + start, static_cast<std::size_t>(limit - start));
    } else {
      std::ifstream in(file, std::ios::binary);
      in.seekg(static_cast<std::streamoff>(start));
      std::string buf(kChunk, '\0');
      for (std::uint64_t pos = start; ok && pos < limit;) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, limit - pos));
        in.read(buf.data(), static_cast<std::streamsize>(want));
        const auto got = static_cast<std::size_t>(in.gcount());
        if (got == 0) break;
        if (pos + got >= limit) Log(x, sent);
        ok = x.socket->SendAll(buf.data(), got);
        pos += got;
      }
    }
    Log(x, sent);  // an empty body
    if (reset_after >= 0 && limit < stop) {
      // The connection is cut mid-body with a TCP RST.
      std::lock_guard<std::mutex> l(mu_);  // ~Impl may be shutting it down
      x.socket->Reset();
      return false;
    }
    return ok;
  }

  std::filesystem::path root_;
  Socket listener_;
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::list<Connection> connections_;
  Json faults_ = Json::object();
  std::map<std::string, int> counts_;
  std::vector<LoggedRequest> log_;
};

FakeUpstreamServer::FakeUpstreamServer(const std::string& root, const std::string& work_dir,
                                       const std::string& tls_cert, const std::string& tls_key)
    : control_(JoinPath(work_dir, "fake-upstream-control.json")),
      log_(JoinPath(work_dir, "fake-upstream-log.jsonl")),
      tls_(!tls_cert.empty()) {
  if (!tls_) {
    impl_ = std::make_unique<Impl>(root);
    port_ = impl_->port();
    return;
  }
#if !defined(_WIN32)
  // https: the script (python's ssl); the test program has no TLS server of its own.
  const std::string port_file = JoinPath(work_dir, "fake-upstream-port");
  (void)DefaultFs().RemoveFile(port_file);
  WriteFileOrDie(control_, "{}\n");
  process_ = std::make_unique<Subprocess>(std::vector<std::string>{
      "python3", ScriptPath(), "--root", root, "--port-file", port_file, "--control", control_,
      "--log", log_, "--tls-cert", tls_cert, "--tls-key", tls_key});
  port_ = WaitForPortFile(port_file);
#else
  (void)tls_key;  // no python under Wine: ok() is false
#endif
}

FakeUpstreamServer::~FakeUpstreamServer() {
  if (process_) {
    process_->Kill(SIGTERM);
    process_->Wait();
  }
}

void FakeUpstreamServer::SetFaults(const std::string& json) {
  if (impl_) return impl_->SetFaults(json);
  const std::string tmp = control_ + ".tmp";
  WriteFileOrDie(tmp, json);
  (void)DefaultFs().Rename(tmp, control_);
}

std::vector<LoggedRequest> FakeUpstreamServer::Requests() const {
  if (impl_) return impl_->Requests();
  std::vector<LoggedRequest> out;
  auto text = ReadFileToString(DefaultFs(), log_, 64u << 20);
  if (!text.has_value()) return out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text->find('\n', start)) != std::string::npos; start = nl + 1) {
    const Json j = Json::parse(text->substr(start, nl - start), nullptr, false);
    if (!j.is_object()) continue;
    out.push_back({j.value("method", ""), j.value("path", ""), j.value("query", ""),
                   j.value("range", ""), j.value("status", 0), j.value("sent", std::uint64_t{0}),
                   j.value("user_agent", "")});
  }
  return out;
}

void FakeUpstreamServer::ClearLog() {
  if (impl_) return impl_->ClearLog();
  WriteFileOrDie(log_, "");
}

}  // namespace rdbundle::testsupport
