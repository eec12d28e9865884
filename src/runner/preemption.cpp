#include "runner/preemption.h"

#include <cstdlib>
#include <curl/curl.h>
#include <fmt/format.h>
#include <vector>

namespace frugal::runner {
namespace {

struct Response {
  long status = 0;
  std::string body;
};

std::size_t append(char* data, std::size_t size, std::size_t n, void* into) {
  auto* body = static_cast<std::string*>(into);
  if (body->size() < 65536) body->append(data, size * n);
  return size * n;
}

// One request with short timeouts; status 0 when the service did not answer.
Response request(const std::string& url, const char* method, const std::vector<std::string>& headers) {
  Response r;
  CURL* curl = curl_easy_init();
  if (!curl) return r;
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 300L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 800L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a process that forwards signals
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // metadata services are never behind a proxy
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return r;
}

std::string base(const char* fallback) {
  const char* override = std::getenv("FRUGAL_METADATA_URL");
  return override && *override ? override : fallback;
}

}  // namespace

Result<std::unique_ptr<PreemptionWatch>> PreemptionWatch::create(const std::string& source) {
  std::unique_ptr<PreemptionWatch> w(new PreemptionWatch());
  if (source == "aws") {
    w->m_kind = "aws";
    w->m_url = base("http://169.254.169.254") + "/latest/meta-data/spot/instance-action";
    w->m_token_url = base("http://169.254.169.254") + "/latest/api/token";
  } else if (source == "gcp") {
    w->m_kind = "gcp";
    w->m_url = base("http://metadata.google.internal") + "/computeMetadata/v1/instance/preempted";
  } else if (source.starts_with("http://") || source.starts_with("https://")) {
    w->m_kind = "url";
    w->m_url = source;
  } else {
    return fail(ErrorCode::invalid,
                fmt::format("--preemption-notice '{}': expected aws, gcp or an http(s) URL to poll", source));
  }
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialised) return fail(ErrorCode::unavailable, "--preemption-notice: libcurl did not initialise");
  return w;
}

PreemptionWatch::~PreemptionWatch() = default;

std::optional<std::string> PreemptionWatch::poll() {
  if (m_kind == "aws") {
    std::vector<std::string> headers;
    Response token = request(m_token_url, "PUT", {"X-aws-ec2-metadata-token-ttl-seconds: 60"});
    if (token.status == 200) headers.push_back("X-aws-ec2-metadata-token: " + token.body);
    Response r = request(m_url, "GET", headers);
    if (r.status == 200) return fmt::format("AWS spot interruption notice: {}", r.body);
    return std::nullopt;
  }
  if (m_kind == "gcp") {
    Response r = request(m_url, "GET", {"Metadata-Flavor: Google"});
    if (r.status == 200 && r.body.starts_with("TRUE")) return "GCP preemption notice";
    return std::nullopt;
  }
  Response r = request(m_url, "GET", {});
  if (r.status == 200 && !r.body.empty() && r.body != "false" && r.body != "FALSE" && r.body != "false\n")
    return fmt::format("preemption notice from {}", m_url);
  return std::nullopt;
}

}  // namespace frugal::runner
