#pragma once
// Private to src/objects (and its tests): how a request is shaped and signed as S3 — SigV4 by libcurl
// itself (CURLOPT_AWS_SIGV4). tests/unit/objects holds these against the AWS test-suite vectors and
// against botocore's signatures for the same requests, with the time pinned by an X-Amz-Date header.
#include <curl/curl.h>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "core/error.h"
#include "objects/objects.h"

namespace frugal::objects {

// The strings libcurl keeps pointers to; they must outlive the request.
struct SignedRequest {
  std::string sigv4, userpwd;
  curl_slist* headers = nullptr;
  SignedRequest() = default;
  SignedRequest(const SignedRequest&) = delete;
  SignedRequest& operator=(const SignedRequest&) = delete;
  ~SignedRequest() { curl_slist_free_all(headers); }
};

// Signs `curl`'s request with `signing`: every header in `request.headers` (appended to before or
// after, up to curl_easy_perform) is signed, with Host and X-Amz-Date. The path is sent and signed
// as given (S3 does not normalise "." or ".." segments; libcurl would). The body is streamed, not
// hashed: S3 accepts an unsigned payload over a signed request.
void sign_request(CURL* curl, const Signing& signing, SignedRequest& request);

// An object key as the request path S3 signs: each byte percent-encoded except RFC 3986's
// unreserved characters and '/'.
std::string uri_encode_path(std::string_view path);

// Sends one signed request (`upload`, of `upload_size` bytes, as the body of a PUT); returns the
// HTTP status and fills `body`. What S3Client's put_file, list and remove send.
Result<long> send_signed(const std::string& url, const char* method, const Signing& signing, std::FILE* upload,
                         std::int64_t upload_size, std::string& body);

// The ListObjectsV2 URL for the keys under `prefix`, the page after `continuation_token` ("" for
// the first), its query in canonical form.
std::string list_url(const S3Client& client, const S3Url& prefix, const std::string& continuation_token);

}  // namespace frugal::objects
