#pragma once
// Objects: S3 and S3-compatible object storage over HTTP (libcurl, requests signed with its
// CURLOPT_AWS_SIGV4 — no AWS SDK). Checkpoints go here; the data cache reads through http_download.
//
// Where and who, read once from the environment (the standard AWS variables):
//   endpoint  FRUGAL_S3_ENDPOINT, else AWS_ENDPOINT_URL, else https://s3.<region>.amazonaws.com
//             (a custom endpoint is addressed path-style: http://host:port/bucket/key)
//   region    AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1
//   keys      AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the [default]
//             profile of ~/.aws/credentials
// Not thread-safe: one client per thread.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace frugal::objects {

struct S3Url {
  std::string bucket;
  std::string key;  // without a leading '/'; may be empty (the bucket's root)
};

// "s3://bucket/some/prefix" → {bucket, "some/prefix"}. Anything else → invalid.
Result<S3Url> parse_s3_url(const std::string& url);

// What a GET or HEAD learned of an object.
struct ObjectInfo {
  std::uint64_t bytes = 0;
  std::string etag;  // as the server sent it, quotes removed; may be empty
};

// Keys for signing S3 requests; empty for plain HTTP.
struct Signing {
  std::string region, access_key, secret_key, session_token;
};

// GETs an http(s) URL into `local_path` (created or truncated; the caller renames it into place).
// A non-2xx status → not_found (404) or io naming the URL; a body of another length than the
// server announced → io. `signing` signs it as an S3 request.
Result<ObjectInfo> http_download(const std::string& url, const std::string& local_path, const Signing* signing = nullptr);
// HEAD of an http(s) URL: its size and ETag.
Result<ObjectInfo> http_head(const std::string& url, const Signing* signing = nullptr);

class S3Client {
 public:
  static Result<S3Client> from_environment();

  // The URL and keys a request for `where` goes to, for http_download / http_head.
  std::string url_for(const S3Url& where) const { return url_of(where); }
  Signing signing() const { return {m_region, m_access_key, m_secret_key, m_session_token}; }

  Result<void> put_file(const S3Url& to, const std::string& local_path);
  Result<std::vector<std::string>> list(const S3Url& prefix);               // keys under it
  Result<void> remove(const S3Url& object);

 private:
  std::string url_of(const S3Url& where) const;
  std::string m_endpoint, m_region, m_access_key, m_secret_key, m_session_token;
  bool m_path_style = true;
};

}  // namespace frugal::objects
