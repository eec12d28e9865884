#pragma once
// Objects: S3 and S3-compatible object storage over HTTP (libcurl, requests signed with its
// CURLOPT_AWS_SIGV4 — no AWS SDK). Checkpoints go here now; the data and computation caches next.
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

class S3Client {
 public:
  static Result<S3Client> from_environment();

  Result<void> put_file(const S3Url& to, const std::string& local_path);
  Result<void> get_file(const S3Url& from, const std::string& local_path);  // via a temp file + rename
  Result<std::vector<std::string>> list(const S3Url& prefix);               // keys under it
  Result<void> remove(const S3Url& object);

 private:
  std::string url_of(const S3Url& where) const;
  std::string m_endpoint, m_region, m_access_key, m_secret_key, m_session_token;
  bool m_path_style = true;
};

}  // namespace frugal::objects
