#pragma once
// Objects: S3 and S3-compatible object storage over HTTP (libcurl, requests signed with its
// CURLOPT_AWS_SIGV4 — no AWS SDK). Checkpoints go here; the data cache reads through http_download.
//
// Where and who, read once from the environment (the standard AWS variables):
//   endpoint  FRUGAL_S3_ENDPOINT, else AWS_ENDPOINT_URL, else https://s3.<region>.amazonaws.com
//             (a custom endpoint is addressed path-style: http://host:port/bucket/key; AWS
//             virtual-host style, https://bucket.s3.<region>.amazonaws.com/key, except for a bucket
//             whose name is no single DNS label, such as one with dots, which TLS would refuse)
//   region    AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1
//   keys      AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the [default]
//             profile of ~/.aws/credentials
// Not thread-safe: one client per thread.
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
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
  std::uint64_t bytes = 0;   // the whole object's size (a resumed download counts what it had)
  std::string etag;          // as the server sent it, quotes removed; may be empty
  bool resumed = false;      // a download that appended to a partial file (206 to a Range request)
  std::string sha256_base64{}; // the object's SHA-256 when the server sent one (x-amz-checksum-sha256)
  // A multipart object's composite checksum instead ("<base64>-<parts>", x-amz-checksum-type:
  // COMPOSITE): a SHA-256 of its parts' SHA-256s, not of its bytes, so never in sha256_base64.
  // Such a download is checked by size and ETag (Content-Length, If-Range, Content-Range).
  std::string sha256_composite{};
};

// Keys for signing requests with AWS SigV4 (by libcurl); absent for plain HTTP.
struct Signing {
  std::string region, access_key, secret_key, session_token;
  std::string service = "s3";
  std::string payload_hash = "UNSIGNED-PAYLOAD";  // x-amz-content-sha256; empty: not sent (non-S3 services)
  // More request headers, signed with the rest ("Name: value"). A "Host" or "X-Amz-Date" here is
  // signed instead of the URL's host and the current time, as the AWS test vectors need.
  std::vector<std::string> headers;
};

// The query string SigV4 signs and servers recompute: parameters sorted by name, then value, each
// percent-encoded except RFC 3986's unreserved characters ('/' too). libcurl 7.88 signs the query as
// given, so every signed URL must carry its query in this form.
std::string canonical_query(std::vector<std::pair<std::string, std::string>> params);

// A download that goes on from a partial file: bytes [0, offset) are already in the local file and
// belong to the object version `etag`. The server is asked for the rest (Range, If-Range); one that
// answers with the whole object, or with another ETag, restarts it from byte 0.
struct Resume {
  std::uint64_t offset = 0;
  std::string etag;
};

// GETs an http(s) URL into `local_path` (created or truncated, or appended to for `resume`; the
// caller renames it into place). A non-2xx status → not_found (404) or io naming the URL; a body of
// another length than the server announced → io. A resumed download appends only a 206 of the same
// ETag whose Content-Range continues the partial file to the object's end; any other answer to it
// fetches the whole object again. `signing` signs it as an S3 request. `etag_seen`,
// when given, gets the ETag as soon as the headers arrive, so a caller can resume a download that
// fails midway.
// `progress`, when given, is called as the body arrives (at most a few times a second, by libcurl)
// with the bytes of the object held so far (a resumed download counts its partial file) and its
// whole size (0 while unknown).
using DownloadProgress = std::function<void(std::uint64_t held, std::uint64_t total)>;
Result<ObjectInfo> http_download(const std::string& url, const std::string& local_path, const Signing* signing = nullptr,
                                 const Resume* resume = nullptr, std::string* etag_seen = nullptr,
                                 const DownloadProgress* progress = nullptr);
// HEAD of an http(s) URL: its size and ETag.
Result<ObjectInfo> http_head(const std::string& url, const Signing* signing = nullptr);

// A GET whose answer is read into memory (an API's JSON), at most `max_bytes` of it.
struct HttpGetOptions {
  std::vector<std::string> headers{};     // "Authorization: Bearer …"
  std::string user{}, password{};         // HTTP basic authentication, when user is not empty
  std::size_t max_bytes = 512u << 20;
  long timeout_s = 300;
  // Ask for a compressed answer: less to send over a network, more work for both ends (Prometheus
  // spends longer compressing its JSON than sending it over a fast link).
  bool compressed = false;
};
struct HttpAnswer {
  long status = 0;
  std::string body;
};
// Errors: unavailable when no answer came (refused, timed out, cut off), naming the URL less any
// password in it; invalid for an answer over max_bytes. Any HTTP status is an answer.
Result<HttpAnswer> http_get(const std::string& url, const HttpGetOptions& options);

class S3Client {
 public:
  // Where and who from the environment (above); a non-empty `endpoint` or `region` overrides it.
  static Result<S3Client> from_environment(const std::string& endpoint = "", const std::string& region = "");

  // The URL and keys a request for `where` goes to, for http_download / http_head.
  std::string url_for(const S3Url& where) const { return url_of(where); }
  Signing signing() const {
    Signing s;
    s.region = m_region;
    s.access_key = m_access_key;
    s.secret_key = m_secret_key;
    s.session_token = m_session_token;
    return s;
  }

  Result<void> put_file(const S3Url& to, const std::string& local_path);
  Result<std::vector<std::string>> list(const S3Url& prefix);               // keys under it
  Result<void> remove(const S3Url& object);

 private:
  std::string url_of(const S3Url& where) const;
  std::string m_endpoint, m_region, m_access_key, m_secret_key, m_session_token;
  bool m_path_style = true;
};

}  // namespace frugal::objects
