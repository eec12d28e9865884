#include <unistd.h>
#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <curl/curl.h>
#include <fmt/format.h>
#include <memory>
#include <string_view>

#include "objects/objects.h"
#include "objects/signed_request.h"
#include "util/strings.h"

namespace frugal::objects {
namespace {

// One request's state, shared with curl's callbacks.
struct Transfer {
  CURL* curl = curl_easy_init();
  SignedRequest signed_request;
  std::string etag, sha256, checksum_type, content_range;
  std::string* etag_seen = nullptr;
  std::FILE* out = nullptr;            // null for a HEAD
  const Resume* resume = nullptr;
  const DownloadProgress* progress = nullptr;
  bool checked_status = false;
  bool writing = false;                // a 2xx body goes to `out`; an error page is dropped
  bool appending = false;              // a 206 that continues the partial file
  std::string restart;                 // why the partial is of no use (another version, a 206 elsewhere)
  ~Transfer() {
    if (curl) curl_easy_cleanup(curl);
  }
};

// Keeps the headers the download is checked by; curl hands them over one line at a time.
std::size_t on_header(char* data, std::size_t size, std::size_t n, void* into) {
  auto* t = static_cast<Transfer*>(into);
  std::string_view line(data, size * n);
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string_view name = util::trim(line.substr(0, colon)), value = util::trim(line.substr(colon + 1));
  if (util::iequals(name, "etag")) {
    if (value.starts_with("W/")) value.remove_prefix(2);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    t->etag = std::string(value);
    if (t->etag_seen) *t->etag_seen = t->etag;
  } else if (util::iequals(name, "x-amz-checksum-sha256")) {
    t->sha256 = std::string(value);
  } else if (util::iequals(name, "x-amz-checksum-type")) {
    t->checksum_type = std::string(value);
  } else if (util::iequals(name, "content-range")) {
    t->content_range = std::string(value);
  }
  return size * n;
}

// Whether a 206's "Content-Range: bytes FIRST-LAST/TOTAL" is the rest of the object from `offset`,
// what "Range: bytes=OFFSET-" asked for ("" when it is; else why not).
std::string continues_from(std::string_view content_range, std::uint64_t offset) {
  std::uint64_t first = 0, last = 0, total = 0;
  bool total_known = true;
  std::string_view rest = content_range;
  auto number = [&rest](std::uint64_t& into) {
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), into);
    if (ec != std::errc()) return false;
    rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
    return true;
  };
  auto skip = [&rest](std::string_view text) {
    if (!rest.starts_with(text)) return false;
    rest.remove_prefix(text.size());
    return true;
  };
  if (!skip("bytes ") || !number(first) || !skip("-") || !number(last) || !skip("/"))
    return fmt::format("a 206 without a byte range (Content-Range: '{}')", content_range);
  if (rest == "*") total_known = false;
  else if (!number(total) || !rest.empty()) return fmt::format("a 206 with Content-Range '{}'", content_range);
  if (first != offset) return fmt::format("a 206 from byte {}, not {}", first, offset);
  if (total_known && last + 1 != total) return fmt::format("a 206 that ends at byte {} of {}", last, total);
  return "";
}

// Decides, at the first byte of the body, where the body goes: a 206 that continues the version we
// hold is appended; a 200 replaces the partial file; anything else is not the object.
std::size_t on_body(char* data, std::size_t size, std::size_t n, void* into) {
  auto* t = static_cast<Transfer*>(into);
  if (!t->checked_status) {
    t->checked_status = true;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    t->writing = status / 100 == 2;
    if (status == 206 && t->resume) {
      t->restart = t->etag != t->resume->etag ? "the object changed since the partial download"
                                              : continues_from(t->content_range, t->resume->offset);
      if (!t->restart.empty()) return 0;  // aborts the transfer
      t->appending = true;
    } else if (t->writing && t->resume) {
      if (std::fflush(t->out) != 0 || ::ftruncate(::fileno(t->out), 0) != 0 || std::fseek(t->out, 0, SEEK_SET) != 0) return 0;
    }
  }
  if (!t->writing) return size * n;
  return std::fwrite(data, 1, size * n, t->out);
}

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

// libcurl's transfer-info callback: the body so far, for a progress line. Only a 2xx body counts.
int on_transfer_info(void* from, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(from);
  if (!t->writing) return 0;
  std::uint64_t before = t->appending ? t->resume->offset : 0;
  (*t->progress)(before + static_cast<std::uint64_t>(now), total > 0 ? before + static_cast<std::uint64_t>(total) : 0);
  return 0;
}

// `start_over` → the partial is of no use: the caller restarts without resuming.
Result<ObjectInfo> perform(const std::string& url, std::FILE* out, const Signing* signing, const Resume* resume,
                           std::string* etag_seen, bool& start_over, const DownloadProgress* progress = nullptr) {
  Transfer t;
  if (!t.curl) return fail(ErrorCode::unavailable, "libcurl handle");
  t.out = out;
  t.resume = resume;
  t.progress = progress && *progress ? progress : nullptr;
  t.etag_seen = etag_seen;
  // A Range header, not CURLOPT_RESUME_FROM (curl fails a resumed transfer answered with 200, and
  // a 200 is the right answer, If-Range, when the object changed) nor CURLOPT_RANGE (whose header
  // libcurl does not sign; the AWS SDKs sign Range, so the range cannot be changed on the way).
  if (resume) {
    t.signed_request.headers = curl_slist_append(t.signed_request.headers, fmt::format("Range: bytes={}-", resume->offset).c_str());
    t.signed_request.headers = curl_slist_append(t.signed_request.headers, fmt::format("If-Range: \"{}\"", resume->etag).c_str());
  }
  if (signing) sign_request(t.curl, *signing, t.signed_request);
  else if (t.signed_request.headers) curl_easy_setopt(t.curl, CURLOPT_HTTPHEADER, t.signed_request.headers);
  curl_easy_setopt(t.curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(t.curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(t.curl, CURLOPT_FOLLOWLOCATION, signing ? 0L : 1L);
  curl_easy_setopt(t.curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(t.curl, CURLOPT_CONNECTTIMEOUT, 10L);
  // A server that stops sending for 30 s is treated as a cut connection (and resumed), not waited on forever.
  curl_easy_setopt(t.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(t.curl, CURLOPT_LOW_SPEED_TIME, 30L);
  curl_easy_setopt(t.curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(t.curl, CURLOPT_HEADERDATA, &t);
  if (out) {
    // Bigger reads than libcurl's 16 KiB default: fewer callbacks and writes (the curl tool uses 100 KiB).
    curl_easy_setopt(t.curl, CURLOPT_BUFFERSIZE, 512L * 1024);
    curl_easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(t.curl, CURLOPT_WRITEDATA, &t);
    if (t.progress) {
      curl_easy_setopt(t.curl, CURLOPT_XFERINFOFUNCTION, on_transfer_info);
      curl_easy_setopt(t.curl, CURLOPT_XFERINFODATA, &t);
      curl_easy_setopt(t.curl, CURLOPT_NOPROGRESS, 0L);
    }
  } else {
    curl_easy_setopt(t.curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, discard);
  }
  CURLcode rc = curl_easy_perform(t.curl);
  start_over = !t.restart.empty();
  if (start_over) return fail(ErrorCode::io, fmt::format("{}: {}", url, t.restart));
  long status = 0;
  curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
  // 416: the range is past the object's end (it shrank, or the partial is whole): start again.
  if (resume && status == 416) {
    start_over = true;
    return fail(ErrorCode::io, fmt::format("{}: HTTP 416 to a resumed download", url));
  }
  if (rc != CURLE_OK) return fail(ErrorCode::unavailable, fmt::format("{}: {}", url, curl_easy_strerror(rc)));
  if (status / 100 != 2)
    return fail(status == 404 ? ErrorCode::not_found : ErrorCode::io, fmt::format("{}: HTTP {}", url, status));
  curl_off_t announced = -1, received = 0;
  curl_easy_getinfo(t.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
  curl_easy_getinfo(t.curl, CURLINFO_SIZE_DOWNLOAD_T, &received);
  if (out && announced >= 0 && announced != received)
    return fail(ErrorCode::io, fmt::format("{}: got {} bytes of {} (connection cut?)", url, received, announced));
  std::uint64_t before = t.appending && resume ? resume->offset : 0;
  ObjectInfo info{static_cast<std::uint64_t>(out ? received : std::max<curl_off_t>(announced, 0)) + before, t.etag,
                  t.appending};
  // A range's checksum is not the object's. A composite one (S3's multipart checksum: "-<parts>"
  // after the base64, or the type named) hashes the parts' hashes, so the bytes cannot be held to it.
  if (!t.appending && !t.sha256.empty()) {
    bool composite = util::iequals(t.checksum_type, "COMPOSITE") || t.sha256.find('-') != std::string::npos;
    (composite ? info.sha256_composite : info.sha256_base64) = t.sha256;
  }
  return info;
}

}  // namespace

void sign_request(CURL* curl, const Signing& signing, SignedRequest& request) {
  request.sigv4 = fmt::format("aws:amz:{}:{}", signing.region, signing.service);
  request.userpwd = signing.access_key + ":" + signing.secret_key;
  if (!signing.payload_hash.empty())
    request.headers = curl_slist_append(request.headers, ("x-amz-content-sha256: " + signing.payload_hash).c_str());
  if (!signing.session_token.empty())
    request.headers = curl_slist_append(request.headers, ("x-amz-security-token: " + signing.session_token).c_str());
  for (const auto& header : signing.headers) request.headers = curl_slist_append(request.headers, header.c_str());
  // The path as given: S3 keys may hold "." and ".." segments, which libcurl would otherwise remove
  // (RFC 3986), sending and signing another key's path.
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, request.sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERPWD, request.userpwd.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, request.headers);
}

std::string canonical_query(std::vector<std::pair<std::string, std::string>> params) {
  auto encode = [](std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out.push_back(static_cast<char>(c));
      else out += fmt::format("%{:02X}", c);
    }
    return out;
  };
  for (auto& [name, value] : params) {
    name = encode(name);
    value = encode(value);
  }
  std::sort(params.begin(), params.end());  // SigV4 sorts the encoded names (then values) bytewise
  std::string out;
  for (const auto& [name, value] : params) out += fmt::format("{}{}={}", out.empty() ? "" : "&", name, value);
  return out;
}

Result<ObjectInfo> http_download(const std::string& url, const std::string& local_path, const Signing* signing,
                                 const Resume* resume, std::string* etag_seen, const DownloadProgress* progress) {
  if (resume && (resume->offset == 0 || resume->etag.empty())) resume = nullptr;  // nothing to go on from
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(local_path.c_str(), resume ? "ab" : "wb"), std::fclose);
  if (!out) return fail(ErrorCode::io, fmt::format("{}: {}", local_path, std::strerror(errno)));
  bool start_over = false;
  auto info = perform(url, out.get(), signing, resume, etag_seen, start_over, progress);
  if (!info && start_over) {  // the partial is of no use: the whole object, once more
    out.reset(std::fopen(local_path.c_str(), "wb"));
    if (!out) return fail(ErrorCode::io, fmt::format("{}: {}", local_path, std::strerror(errno)));
    info = perform(url, out.get(), signing, nullptr, etag_seen, start_over, progress);
  }
  if (std::fflush(out.get()) != 0 || std::ferror(out.get()))
    return fail(ErrorCode::io, fmt::format("{}: write failed", local_path));
  return info;
}

Result<ObjectInfo> http_head(const std::string& url, const Signing* signing) {
  bool start_over = false;
  return perform(url, nullptr, signing, nullptr, nullptr, start_over);
}

}  // namespace frugal::objects
