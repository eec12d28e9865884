#pragma once
// Private to src/objects: how a libcurl request is signed as S3 (SigV4 by libcurl itself).
#include <curl/curl.h>
#include <string>

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

// Signs `curl`'s request with `signing`. The body is streamed, not hashed: S3 accepts an unsigned
// payload over a signed request.
void sign_request(CURL* curl, const Signing& signing, SignedRequest& request);

}  // namespace frugal::objects
