// A GET whose answer is read into memory, bounded: an API's JSON (Prometheus' query_range).
#include <curl/curl.h>
#include <fmt/format.h>
#include <memory>

#include "objects/objects.h"

namespace frugal::objects {
namespace {

struct Body {
  std::string text;
  std::size_t max_bytes = 0;
  bool too_big = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* into) {
  auto* b = static_cast<Body*>(into);
  if (b->text.size() + size * n > b->max_bytes) {
    b->too_big = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  b->text.append(data, size * n);
  return size * n;
}

// The URL as messages show it: without a user:password@ part.
std::string shown(const std::string& url) {
  auto scheme = url.find("://");
  auto at = url.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme == std::string::npos || at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
  return url.substr(0, scheme + 3) + url.substr(at + 1);
}

}  // namespace

Result<HttpAnswer> http_get(const std::string& url, const HttpGetOptions& options) {
  CURL* curl = curl_easy_init();
  if (!curl) return fail(ErrorCode::unavailable, "libcurl is not available (apt install libcurl4)");
  std::unique_ptr<CURL, void (*)(CURL*)> guard(curl, curl_easy_cleanup);
  curl_slist* headers = nullptr;
  for (const auto& h : options.headers) headers = curl_slist_append(headers, h.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers_guard(headers, curl_slist_free_all);
  Body body;
  body.max_bytes = options.max_bytes;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!options.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, options.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options.password.c_str());
  }
  if (options.compressed) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip, deflate, zstd: what curl can read
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, options.timeout_s);
  CURLcode rc = curl_easy_perform(curl);
  if (body.too_big)
    return fail(ErrorCode::invalid, fmt::format("{}: the answer is over {} MiB", shown(url), options.max_bytes >> 20));
  if (rc != CURLE_OK) return fail(ErrorCode::unavailable, fmt::format("{}: {}", shown(url), curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  return HttpAnswer{status, std::move(body.text)};
}

}  // namespace frugal::objects
