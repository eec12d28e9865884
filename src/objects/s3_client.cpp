#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <curl/curl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <string_view>

#include "objects/objects.h"
#include "objects/signed_request.h"
#include "util/strings.h"

namespace frugal::objects {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The [default] profile's keys from ~/.aws/credentials, when the environment has none.
void read_credentials_file(std::string& key, std::string& secret, std::string& token) {
  std::ifstream in(env("HOME") + "/.aws/credentials");
  std::string line;
  bool in_default = false;
  while (std::getline(in, line)) {
    std::string_view t = util::trim(line);
    if (t.starts_with("[")) {
      in_default = t == "[default]";
      continue;
    }
    auto eq = t.find('=');
    if (!in_default || eq == std::string_view::npos) continue;
    std::string name(util::trim(t.substr(0, eq))), value(util::trim(t.substr(eq + 1)));
    if (name == "aws_access_key_id") key = value;
    else if (name == "aws_secret_access_key") secret = value;
    else if (name == "aws_session_token") token = value;
  }
}

std::size_t to_string(char* data, std::size_t size, std::size_t n, void* into) {
  static_cast<std::string*>(into)->append(data, size * n);
  return size * n;
}

struct Easy {
  CURL* curl = curl_easy_init();
  ~Easy() {
    if (curl) curl_easy_cleanup(curl);
  }
};

}  // namespace

std::string uri_encode_path(std::string_view path) {
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') out.push_back(static_cast<char>(c));
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

Result<long> send_signed(const std::string& url, const char* method, const Signing& signing, std::FILE* upload,
                         std::int64_t upload_size, std::string& body) {
  Easy e;
  if (!e.curl) return fail(ErrorCode::unavailable, "S3: libcurl handle");
  SignedRequest request;
  sign_request(e.curl, signing, request);
  curl_easy_setopt(e.curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e.curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e.curl, CURLOPT_CONNECTTIMEOUT, 10L);
  if (upload) {
    curl_easy_setopt(e.curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e.curl, CURLOPT_READDATA, upload);
    curl_easy_setopt(e.curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload_size));
  } else if (std::strcmp(method, "GET") != 0) {
    curl_easy_setopt(e.curl, CURLOPT_CUSTOMREQUEST, method);
  }
  curl_easy_setopt(e.curl, CURLOPT_WRITEFUNCTION, to_string);
  curl_easy_setopt(e.curl, CURLOPT_WRITEDATA, &body);
  CURLcode rc = curl_easy_perform(e.curl);
  if (rc != CURLE_OK) return fail(ErrorCode::unavailable, fmt::format("S3 {} {}: {}", method, url, curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(e.curl, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

std::string list_url(const S3Client& client, const S3Url& prefix, const std::string& continuation_token) {
  std::vector<std::pair<std::string, std::string>> params = {{"list-type", "2"}, {"prefix", prefix.key}};
  if (!continuation_token.empty()) params.emplace_back("continuation-token", continuation_token);
  return fmt::format("{}?{}", client.url_for({prefix.bucket, ""}), canonical_query(std::move(params)));
}

Result<S3Url> parse_s3_url(const std::string& url) {
  if (!url.starts_with("s3://") || url.size() == 5)
    return fail(ErrorCode::invalid, fmt::format("'{}' is not an s3://bucket/prefix URL", url));
  std::string rest = url.substr(5);
  auto slash = rest.find('/');
  S3Url out{rest.substr(0, slash), slash == std::string::npos ? "" : rest.substr(slash + 1)};
  while (!out.key.empty() && out.key.back() == '/') out.key.pop_back();
  if (out.bucket.empty()) return fail(ErrorCode::invalid, fmt::format("'{}': no bucket", url));
  return out;
}

Result<S3Client> S3Client::from_environment(const std::string& endpoint, const std::string& region) {
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialised) return fail(ErrorCode::unavailable, "libcurl did not initialise");
  S3Client c;
  c.m_region = region.empty() ? env("AWS_REGION") : region;
  if (c.m_region.empty()) c.m_region = env("AWS_DEFAULT_REGION");
  if (c.m_region.empty()) c.m_region = "us-east-1";
  c.m_endpoint = endpoint.empty() ? env("FRUGAL_S3_ENDPOINT") : endpoint;
  if (c.m_endpoint.empty()) c.m_endpoint = env("AWS_ENDPOINT_URL");
  if (!c.m_endpoint.empty() && !c.m_endpoint.starts_with("http://") && !c.m_endpoint.starts_with("https://"))
    return fail(ErrorCode::invalid, fmt::format("S3 endpoint '{}': expected http://host[:port] or https://host[:port]", c.m_endpoint));
  if (c.m_region.empty() || !std::all_of(c.m_region.begin(), c.m_region.end(), [](unsigned char ch) {
        return std::islower(ch) || std::isdigit(ch) || ch == '-';
      }))
    return fail(ErrorCode::invalid, fmt::format("S3 region '{}': expected a name like us-east-1", c.m_region));
  c.m_path_style = !c.m_endpoint.empty();
  if (c.m_endpoint.empty()) c.m_endpoint = fmt::format("https://s3.{}.amazonaws.com", c.m_region);
  while (c.m_endpoint.ends_with("/")) c.m_endpoint.pop_back();
  c.m_access_key = env("AWS_ACCESS_KEY_ID");
  c.m_secret_key = env("AWS_SECRET_ACCESS_KEY");
  c.m_session_token = env("AWS_SESSION_TOKEN");
  if (c.m_access_key.empty()) read_credentials_file(c.m_access_key, c.m_secret_key, c.m_session_token);
  if (c.m_access_key.empty() || c.m_secret_key.empty())
    return fail(ErrorCode::invalid, "S3: no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
                                    "~/.aws/credentials [default])");
  return c;
}

namespace {

// A bucket name that can lead the host name under TLS: one DNS label. A dotted name would not match
// the *.s3.<region>.amazonaws.com certificate, so it is addressed path-style, as the AWS SDKs do.
bool is_virtual_hostable(std::string_view bucket) {
  auto label_char = [](unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '-'; };
  return bucket.size() >= 3 && bucket.size() <= 63 && std::all_of(bucket.begin(), bucket.end(), label_char) &&
         bucket.front() != '-' && bucket.back() != '-';
}

}  // namespace

std::string S3Client::url_of(const S3Url& where) const {
  if (m_path_style || !is_virtual_hostable(where.bucket)) {
    // The bucket itself (a LIST) is /bucket, as the SDKs write it, not /bucket/.
    if (where.key.empty()) return fmt::format("{}/{}", m_endpoint, where.bucket);
    return fmt::format("{}/{}/{}", m_endpoint, where.bucket, uri_encode_path(where.key));
  }
  auto scheme = m_endpoint.find("://");
  return fmt::format("{}{}.{}/{}", m_endpoint.substr(0, scheme + 3), where.bucket, m_endpoint.substr(scheme + 3),
                     uri_encode_path(where.key));
}

Result<void> S3Client::put_file(const S3Url& to, const std::string& local_path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(local_path.c_str(), "rb"), std::fclose);
  if (!in) return fail(ErrorCode::io, fmt::format("{}: {}", local_path, std::strerror(errno)));
  std::error_code ec;
  auto size = static_cast<std::int64_t>(std::filesystem::file_size(local_path, ec));
  std::string body;
  std::string url = url_of(to);
  long status = FRUGAL_TRY(send_signed(url, "PUT", signing(), in.get(), size, body));
  if (status / 100 != 2) return fail(ErrorCode::io, fmt::format("S3 PUT {}: HTTP {} {}", url, status, body.substr(0, 300)));
  return {};
}

Result<std::vector<std::string>> S3Client::list(const S3Url& prefix) {
  std::vector<std::string> keys;
  std::string token;
  for (;;) {
    std::string url = list_url(*this, prefix, token);
    std::string body;
    long status = FRUGAL_TRY(send_signed(url, "GET", signing(), nullptr, 0, body));
    if (status / 100 != 2) return fail(ErrorCode::io, fmt::format("S3 LIST {}: HTTP {}", url, status));
    // The ListObjectsV2 answer is small XML: its <Key> and <NextContinuationToken> elements suffice.
    for (std::size_t at = 0; (at = body.find("<Key>", at)) != std::string::npos;) {
      auto end = body.find("</Key>", at);
      keys.push_back(body.substr(at + 5, end - at - 5));
      at = end;
    }
    auto next = body.find("<NextContinuationToken>");
    if (next == std::string::npos) break;
    auto end = body.find("</NextContinuationToken>", next);
    token = body.substr(next + 23, end - next - 23);
  }
  return keys;
}

Result<void> S3Client::remove(const S3Url& object) {
  std::string body;
  std::string url = url_of(object);
  long status = FRUGAL_TRY(send_signed(url, "DELETE", signing(), nullptr, 0, body));
  if (status / 100 != 2 && status != 404) return fail(ErrorCode::io, fmt::format("S3 DELETE {}: HTTP {}", url, status));
  return {};
}

}  // namespace frugal::objects
