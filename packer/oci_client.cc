#include "packer/oci_client.h"

#include <algorithm>
#include <charconv>

#include "common/base/quote.h"
#include "common/cli/progress.h"
#include "common/format/hash.h"
#include "common/format/json_strict.h"
#include "common/os/platform.h"
#include "packer/oci_manifest.h"

namespace rdbundle::packer {
namespace {

constexpr std::size_t kReadBytes = 1u << 20;
constexpr int kMaxTagPages = 1000;

// `length` bytes of an open file from its current position; counts what it handed out.
class FileChunk final : public BodySource {
 public:
  FileChunk(ReadableFile& f, std::uint64_t length, std::uint64_t& pos, std::uint64_t& sent)
      : f_(f), length_(length), pos_(pos), sent_(sent) {}
  std::uint64_t size() const override { return length_; }
  Result<std::size_t> Read(char* buf, std::size_t n) override {
    if (InterruptSignal() != 0) return Status::Interrupted(f_.path() + ": interrupted");
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n, length_ - done_));
    std::size_t got = 0;
    while (got < want) {
      RDB_ASSIGN_OR_RETURN(std::size_t k, f_.Read(buf + got, want - got));
      if (k == 0) return Status::Io(f_.path() + ": shorter than when it was hashed (changed during the push?)");
      got += k;
    }
    done_ += got;
    pos_ += got;
    sent_ += got;
    return got;
  }

 private:
  ReadableFile& f_;
  const std::uint64_t length_;
  std::uint64_t done_ = 0;
  std::uint64_t& pos_;
  std::uint64_t& sent_;
};

class StringSink final : public BodySink {
 public:
  explicit StringSink(std::size_t max) : max_(max) {}
  Status Begin(const HttpResponse&) override {
    body.clear();
    return Status::Ok();
  }
  Status Write(const char* d, std::size_t n) override {
    if (n > max_ - body.size()) return Status::Limit("larger than " + std::to_string(max_) + " bytes");
    body.append(d, n);
    return Status::Ok();
  }
  std::string body;

 private:
  const std::size_t max_;
};

std::string AppendQuery(const std::string& url, const std::string& param) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

bool IsUrlSafe(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '`' && c != '#';
  });
}

// "0-<last>" -> last + 1 bytes; "0-0" is read as nothing (distribution writes it for an empty
// upload too: a registry that has one byte refuses the next PATCH, and the upload restarts).
std::optional<std::uint64_t> RangeEnd(std::string_view v) {
  if (v.starts_with("bytes=")) v.remove_prefix(6);
  if (!v.starts_with("0-")) return std::nullopt;
  v.remove_prefix(2);
  std::uint64_t last = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), last);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return last == 0 ? 0 : last + 1;
}

}  // namespace

std::string RegistryErrorDetail(std::string_view body) {
  auto j = ParseJsonStrict(body, "error", kMaxErrorBodyKept);
  if (!j.has_value() || !j->is_object()) return "";
  auto errors = j->find("errors");
  if (errors == j->end() || !errors->is_array() || errors->empty() || !(*errors)[0].is_object()) return "";
  const Json& e = (*errors)[0];
  std::string out;
  if (auto c = e.find("code"); c != e.end() && c->is_string()) out = c->get<std::string>();
  if (auto m = e.find("message"); m != e.end() && m->is_string()) {
    out += (out.empty() ? "" : ": ") + m->get<std::string>();
  }
  if (out.empty()) return "";
  std::string clean;
  for (char c : out.substr(0, 200)) clean += (c >= 0x20 && c < 0x7f) ? c : '?';
  return " (" + clean + ")";
}

RegistryClient::RegistryClient(OciRef ref, RegistryOptions options)
    : ref_(std::move(ref)),
      options_(std::move(options)),
      base_((options_.plain_http ? "http://" : "https://") + ref_.Registry()),
      session_(std::make_unique<HttpSession>(options_.http)),
      auth_(std::make_unique<RegistryAuth>(*session_, ref_, options_.credentials, options_.actions,
                                           options_.plain_http)) {}

RegistryClient::~RegistryClient() = default;

std::string RegistryClient::RepoUrl(const std::string& rest) const {
  return base_ + "/v2/" + ref_.repository + rest;
}

Result<RegistryClient::Attempted> RegistryClient::Send(
    HttpRequest req, BodySink* sink, const std::function<std::unique_ptr<BodySource>()>& make_body,
    bool retry) {
  const int max = retry ? std::max(1, options_.http.attempts) : 1;
  const std::vector<std::string> base_headers = req.headers;
  for (int attempt = 1;;) {
    req.headers = base_headers;
    if (std::string h = auth_->Header(); !h.empty()) req.headers.push_back(h);
    std::unique_ptr<BodySource> body = make_body ? make_body() : nullptr;
    req.upload = body.get();
    RDB_ASSIGN_OR_RETURN(HttpResponse r, session_->Perform(req, sink));
    if (r.curl_code == 0 && r.status == 401) {
      RDB_RETURN_IF_ERROR(auth_->Answer(r, req.url));
      continue;  // not an attempt: the same request, now authorized
    }
    if (r.ok()) auth_->Accepted();
    if (r.ok() || !r.transient() || attempt >= max) return Attempted{std::move(r), attempt};
    RDB_RETURN_IF_ERROR(
        WaitToRetry(options_.http, req.url, r, attempt + 1, max, session_->cancel()));
    ++attempt;
  }
}

Status RegistryClient::Failed(const std::string& url, const Attempted& a) const {
  HttpResponse r = a.response;
  r.reason += RegistryErrorDetail(r.error_body);
  return NetworkError(url, r, a.attempts);
}

Result<std::string> RegistryClient::ResolveLocation(const HttpResponse& r, const std::string& url) const {
  const std::string loc = r.Header("location");
  if (!IsUrlSafe(loc) || loc.size() > 4096) {
    return Status::Network(url + ": the registry sent no usable upload Location");
  }
  if (loc.front() == '/') return base_ + loc;
  if (loc.starts_with(base_ + "/")) return loc;
  // The upload URL carries our Authorization: it must stay on the registry's origin.
  return Status::Network(url + ": the registry sent an upload Location on another origin: " +
                         QuoteForMessage(loc.substr(0, 200)));
}

Result<bool> RegistryClient::BlobExists(const std::string& digest) {
  const std::string url = RepoUrl("/blobs/" + digest);
  HttpRequest req{url, true, 0, false};
  RDB_ASSIGN_OR_RETURN(Attempted a, Send(req, nullptr, nullptr, true));
  if (a.response.ok()) return true;
  if (a.response.curl_code == 0 && a.response.status == 404) return false;
  return Failed(url, a);
}

Result<std::string> RegistryClient::StartUpload() {
  const std::string url = RepoUrl("/blobs/uploads/");
  HttpRequest req{url, false, 0, false};
  req.method = "POST";
  RDB_ASSIGN_OR_RETURN(Attempted a, Send(req, nullptr, nullptr, true));
  if (!a.response.ok()) return Failed(url, a);
  return ResolveLocation(a.response, url);
}

Result<std::optional<std::uint64_t>> RegistryClient::UploadOffset(const std::string& location,
                                                                  std::string& newest) {
  HttpRequest req{location, false, 0, false};
  req.follow_redirects = false;
  RDB_ASSIGN_OR_RETURN(Attempted a, Send(req, nullptr, nullptr, true));
  if (!a.response.ok()) return std::optional<std::uint64_t>();  // gone: restart
  auto end = RangeEnd(a.response.Header("range"));
  if (!end) return std::optional<std::uint64_t>();
  if (!a.response.Header("location").empty()) {
    RDB_ASSIGN_OR_RETURN(newest, ResolveLocation(a.response, location));
  }
  return end;
}

Status RegistryClient::SendChunks(const std::string& digest, std::uint64_t size,
                                  const BlobOpener& open, Progress* progress, UploadReport& report) {
  RDB_ASSIGN_OR_RETURN(std::string location, StartUpload());
  std::unique_ptr<ReadableFile> file;
  std::uint64_t file_pos = 0, offset = 0, accepted = 0;
  const int max_failures = std::max(1, options_.http.attempts);
  int failures = 0;
  auto seek = [&](std::uint64_t to) -> Status {
    if (!file || file_pos > to) {
      RDB_ASSIGN_OR_RETURN(file, open());
      file_pos = 0;
    }
    std::string skip(kReadBytes, '\0');
    while (file_pos < to) {
      RDB_ASSIGN_OR_RETURN(std::size_t k, file->Read(skip.data(), std::min<std::uint64_t>(skip.size(), to - file_pos)));
      if (k == 0) return Status::Io(file->path() + ": shorter than when it was hashed");
      file_pos += k;
    }
    return Status::Ok();
  };
  while (offset < size) {
    const std::uint64_t len = std::min<std::uint64_t>(options_.chunk_bytes, size - offset);
    HttpRequest req{location, false, 0, false};
    req.method = "PATCH";
    req.headers = {"Content-Type: application/octet-stream",
                   "Content-Range: " + std::to_string(offset) + "-" + std::to_string(offset + len - 1)};
    Status body_status;
    auto make_body = [&]() -> std::unique_ptr<BodySource> {
      body_status = seek(offset);
      if (!body_status.ok()) return std::make_unique<StringSource>("");
      return std::make_unique<FileChunk>(*file, len, file_pos, report.bytes_sent);
    };
    auto sent = Send(req, nullptr, make_body, false);
    RDB_RETURN_IF_ERROR(body_status);
    if (!sent.has_value()) return sent.error();
    if (sent.has_value() && sent->response.ok()) {
      RDB_ASSIGN_OR_RETURN(location, ResolveLocation(sent->response, location));
      offset += len;
      if (auto end = RangeEnd(sent->response.Header("range")); end && *end != offset) {
        return Status::Network(location + ": the registry has " + std::to_string(*end) +
                               " bytes after a PATCH that ended at " + std::to_string(offset));
      }
      if (progress != nullptr) progress->Add(offset - accepted);
      accepted = offset;
      continue;
    }
    {
      const HttpResponse& r = sent->response;
      const bool refused = r.curl_code == 0 && (r.status == 400 || r.status == 404 || r.status == 416);
      if (!r.transient() && !refused) return Failed(req.url, *sent);
      if (++failures > max_failures) return Failed(req.url, Attempted{r, failures});
      RDB_RETURN_IF_ERROR(WaitToRetry(options_.http, req.url, r, failures + 1, max_failures + 1,
                                      session_->cancel()));
      if (!refused) {
        // Where is the upload now? Continue there, or start over (section 4.4).
        RDB_ASSIGN_OR_RETURN(auto at, UploadOffset(location, location));
        if (at && *at <= size) {
          offset = *at;
          ++report.resumed;
          if (progress != nullptr && offset > accepted) progress->Add(offset - accepted);
          accepted = std::max(accepted, offset);
          continue;
        }
      }
    }
    RDB_ASSIGN_OR_RETURN(location, StartUpload());
    offset = 0;
    ++report.restarted;
  }
  const std::string url = AppendQuery(location, "digest=" + digest);
  HttpRequest req{url, false, 0, false};
  req.method = "PUT";
  RDB_ASSIGN_OR_RETURN(Attempted a, Send(req, nullptr, [] { return std::make_unique<StringSource>(""); }, true));
  if (!a.response.ok()) {
    if (a.response.status == 400 && RegistryErrorDetail(a.response.error_body).find("DIGEST_INVALID") != std::string::npos) {
      return Status::HashMismatch(url + ": the registry computed another digest than " + digest +
                                  " (did the file change during the push?)");
    }
    return Failed(url, a);
  }
  const std::string got = a.response.Header("docker-content-digest");
  if (!got.empty() && got != digest) {
    return Status::HashMismatch(url + ": the registry stored " + QuoteForMessage(got.substr(0, 80)) +
                                ", expected " + digest);
  }
  return Status::Ok();
}

Result<UploadReport> RegistryClient::UploadBlob(const std::string& digest, std::uint64_t size,
                                                const BlobOpener& open, Progress* progress) {
  UploadReport report;
  RDB_ASSIGN_OR_RETURN(report.existed, BlobExists(digest));
  if (report.existed) {
    if (progress != nullptr) progress->Add(size);
    return report;
  }
  RDB_RETURN_IF_ERROR(SendChunks(digest, size, open, progress, report));
  return report;
}

Result<std::string> RegistryClient::PutManifest(const std::string& tag, const std::string& bytes) {
  const std::string url = RepoUrl("/manifests/" + tag);
  HttpRequest req{url, false, 0, false};
  req.method = "PUT";
  req.headers = {"Content-Type: " + std::string(kOciManifestMediaType)};
  RDB_ASSIGN_OR_RETURN(Attempted a, Send(req, nullptr, [&] { return std::make_unique<StringSource>(bytes); }, true));
  if (!a.response.ok()) return Failed(url, a);
  const std::string digest = OciDigestOf(bytes);
  const std::string got = a.response.Header("docker-content-digest");
  if (!got.empty() && got != digest) {
    return Status::HashMismatch(url + ": the registry stored the manifest as " +
                                QuoteForMessage(got.substr(0, 80)) + ", expected " + digest);
  }
  return digest;
}

Result<std::optional<RegistryClient::FetchedManifest>> RegistryClient::GetManifest(
    const std::string& reference, bool missing_ok) {
  const std::string url = RepoUrl("/manifests/" + reference);
  HttpRequest req{url, false, 0, false};
  req.headers = {"Accept: " + std::string(kOciManifestMediaType) + ", " + std::string(kOciIndexMediaType) +
                 ", application/vnd.docker.distribution.manifest.v2+json"};
  StringSink sink(kMaxOciManifestBytes);
  auto sent = Send(req, &sink, nullptr, true);
  if (!sent.has_value()) return sent.error().WithContext(url);
  if (!sent->response.ok()) {
    if (missing_ok && sent->response.curl_code == 0 && sent->response.status == 404) {
      return std::optional<FetchedManifest>();
    }
    return Failed(url, *sent);
  }
  FetchedManifest m{std::move(sink.body), ""};
  m.digest = OciDigestOf(m.bytes);
  if (IsValidSha256Digest(reference) && m.digest != reference) {
    return Status::HashMismatch(url + ": the manifest's digest is " + m.digest);
  }
  return std::optional<FetchedManifest>(std::move(m));
}

Status RegistryClient::GetBlob(const std::string& digest, std::uint64_t size,
                               const std::function<Status(const char*, std::size_t)>& write,
                               Progress* progress) {
  const std::string url = RepoUrl("/blobs/" + digest);
  Sha256 sha;
  std::uint64_t received = 0;
  // Receives one response: skips what an earlier response already delivered when the server
  // ignored the Range, hashes and forwards the rest.
  struct Sink final : BodySink {
    Sink(const std::string& u, std::uint64_t sz, std::uint64_t& rcv, Sha256& h,
         const std::function<Status(const char*, std::size_t)>& w, Progress* p)
        : url(u), size(sz), received(rcv), sha(h), write(w), progress(p) {}
    Status Begin(const HttpResponse& head) override {
      skip = 0;
      if (received > 0) {
        if (!head.range_start) {
          skip = received;  // 200: the whole blob again
        } else if (*head.range_start != received) {
          return Status::Network(url + ": the registry answered a Range request at the wrong offset");
        }
      }
      return Status::Ok();
    }
    Status Write(const char* d, std::size_t n) override {
      const std::size_t drop = static_cast<std::size_t>(std::min<std::uint64_t>(skip, n));
      skip -= drop;
      d += drop;
      n -= drop;
      if (n == 0) return Status::Ok();
      if (n > size - received) {
        return Status::Limit(url + ": more bytes than the " + std::to_string(size) + " the manifest gives");
      }
      sha.Update(d, n);
      received += n;
      if (progress != nullptr) progress->Add(n);
      return write(d, n);
    }
    const std::string& url;
    const std::uint64_t size;
    std::uint64_t& received;
    Sha256& sha;
    const std::function<Status(const char*, std::size_t)>& write;
    Progress* progress;
    std::uint64_t skip = 0;
  } sink(url, size, received, sha, write, progress);
  const int max = std::max(1, options_.http.attempts);
  for (int failures = 0;;) {
    HttpRequest req{url, false, received, false};
    const std::uint64_t before = received;
    RDB_ASSIGN_OR_RETURN(Attempted a, Send(req, &sink, nullptr, false));
    if (a.response.ok() && received == size) break;
    if (a.response.ok()) {  // ended early without an error from libcurl
      a.response.reason = "the blob ended after " + std::to_string(received) + " of " + std::to_string(size) + " bytes";
    } else if (!a.response.transient()) {
      return Failed(url, a);
    }
    if (received == before) ++failures;
    if (failures >= max) return Failed(url, Attempted{a.response, failures});
    RDB_RETURN_IF_ERROR(
        WaitToRetry(options_.http, url, a.response, failures + 1, max, session_->cancel()));
  }
  const std::string got = "sha256:" + sha.FinishHex();
  if (got != digest) return Status::HashMismatch(url + ": sha256 mismatch (got " + got + ")");
  return Status::Ok();
}

Result<std::vector<std::string>> RegistryClient::ListTags() {
  std::vector<std::string> tags;
  std::string url = RepoUrl("/tags/list?n=1000");
  for (int page = 0; page < kMaxTagPages; ++page) {
    HttpRequest req{url, false, 0, false};
    StringSink sink(kMaxOciTagsBytes);
    RDB_ASSIGN_OR_RETURN(Attempted a, Send(req, &sink, nullptr, true));
    if (!a.response.ok()) return Failed(url, a);
    RDB_ASSIGN_OR_RETURN(auto more, ParseOciTags(sink.body, url));
    if (tags.size() + more.size() > kMaxOciTags) return Status::Limit(url + ": more than " + std::to_string(kMaxOciTags) + " tags");
    tags.insert(tags.end(), more.begin(), more.end());
    // Link: </v2/<name>/tags/list?last=x&n=1000>; rel="next"
    const std::string link = a.response.Header("link");
    const auto lt = link.find('<'), gt = link.find('>');
    if (!a.response.link_next || lt == std::string::npos || gt == std::string::npos || gt < lt) break;
    const std::string next = link.substr(lt + 1, gt - lt - 1);
    if (!next.starts_with("/v2/") || !IsUrlSafe(next)) {
      return Status::Network(url + ": a Link to " + QuoteForMessage(next.substr(0, 200)) + " (not /v2/ on this registry)");
    }
    url = base_ + next;
  }
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return tags;
}

Result<FileDigest> DigestFile(Fs& fs, const std::string& path, Progress* progress) {
  RDB_ASSIGN_OR_RETURN(auto f, fs.OpenForRead(path));
  Sha256 sha;
  Blake2b512 blake;
  FileDigest out;
  std::string buf(kReadBytes, '\0');
  for (;;) {
    if (InterruptSignal() != 0) return Status::Interrupted(path + ": interrupted");
    RDB_ASSIGN_OR_RETURN(std::size_t k, f->Read(buf.data(), buf.size()));
    if (k == 0) break;
    sha.Update(buf.data(), k);
    blake.Update(buf.data(), k);
    out.size += k;
    if (progress != nullptr) progress->Add(k);
  }
  out.digest = "sha256:" + sha.FinishHex();
  out.blake2b = blake.Finish();
  return out;
}

}  // namespace rdbundle::packer
