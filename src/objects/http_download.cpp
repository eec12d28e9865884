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

struct Transfer {
  CURL* curl = curl_easy_init();
  SignedRequest signed_request;
  std::string etag;
  ~Transfer() {
    if (curl) curl_easy_cleanup(curl);
  }
};

// Keeps the ETag response header; curl hands headers over one line at a time.
std::size_t on_header(char* data, std::size_t size, std::size_t n, void* into) {
  std::string_view line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos && util::iequals(util::trim(line.substr(0, colon)), "etag")) {
    std::string_view value = util::trim(line.substr(colon + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    static_cast<Transfer*>(into)->etag = std::string(value);
  }
  return size * n;
}

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

Result<ObjectInfo> perform(const std::string& url, std::FILE* out, const Signing* signing) {
  Transfer t;
  if (!t.curl) return fail(ErrorCode::unavailable, "libcurl handle");
  if (signing) sign_request(t.curl, *signing, t.signed_request);
  curl_easy_setopt(t.curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(t.curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(t.curl, CURLOPT_FOLLOWLOCATION, signing ? 0L : 1L);
  curl_easy_setopt(t.curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(t.curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(t.curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(t.curl, CURLOPT_HEADERDATA, &t);
  if (out) {
    curl_easy_setopt(t.curl, CURLOPT_WRITEDATA, out);
  } else {
    curl_easy_setopt(t.curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, discard);
  }
  CURLcode rc = curl_easy_perform(t.curl);
  if (rc != CURLE_OK) return fail(ErrorCode::unavailable, fmt::format("{}: {}", url, curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
  if (status / 100 != 2)
    return fail(status == 404 ? ErrorCode::not_found : ErrorCode::io, fmt::format("{}: HTTP {}", url, status));
  curl_off_t announced = -1, received = 0;
  curl_easy_getinfo(t.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
  curl_easy_getinfo(t.curl, CURLINFO_SIZE_DOWNLOAD_T, &received);
  ObjectInfo info{static_cast<std::uint64_t>(out ? received : std::max<curl_off_t>(announced, 0)), t.etag};
  if (out && announced >= 0 && announced != received)
    return fail(ErrorCode::io, fmt::format("{}: got {} bytes of {} (connection cut?)", url, received, announced));
  return info;
}

}  // namespace

void sign_request(CURL* curl, const Signing& signing, SignedRequest& request) {
  request.sigv4 = fmt::format("aws:amz:{}:s3", signing.region);
  request.userpwd = signing.access_key + ":" + signing.secret_key;
  request.headers = curl_slist_append(request.headers, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  if (!signing.session_token.empty())
    request.headers = curl_slist_append(request.headers, ("x-amz-security-token: " + signing.session_token).c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, request.sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERPWD, request.userpwd.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, request.headers);
}

Result<ObjectInfo> http_download(const std::string& url, const std::string& local_path, const Signing* signing) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(local_path.c_str(), "wb"), std::fclose);
  if (!out) return fail(ErrorCode::io, fmt::format("{}: {}", local_path, std::strerror(errno)));
  auto info = perform(url, out.get(), signing);
  if (std::fflush(out.get()) != 0 || std::ferror(out.get()))
    return fail(ErrorCode::io, fmt::format("{}: write failed", local_path));
  return info;
}

Result<ObjectInfo> http_head(const std::string& url, const Signing* signing) { return perform(url, nullptr, signing); }

}  // namespace frugal::objects
