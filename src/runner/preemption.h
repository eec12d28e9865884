#pragma once
// PreemptionWatch: polls the cloud's metadata service for a spot preemption notice, so the job
// gets SIGTERM (and time to checkpoint) before the machine is taken.
//   aws: GET /latest/meta-data/spot/instance-action (IMDSv2 token first, v1 as a fallback):
//        200 = notice, 404 = none.
//   gcp: GET /computeMetadata/v1/instance/preempted with "Metadata-Flavor: Google": "TRUE" = notice.
//   URL: any other http(s) URL: a 200 whose body is not empty, "false" or "FALSE" = notice.
// FRUGAL_METADATA_URL replaces the metadata service's address (http://169.254.169.254 for aws,
// http://metadata.google.internal for gcp): for tests, which run a local HTTP server there.
// Private to runner/.
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"

namespace frugal::runner {

class PreemptionWatch {
 public:
  // `source`: aws, gcp or an http(s) URL. Unknown → invalid.
  static Result<std::unique_ptr<PreemptionWatch>> create(const std::string& source);
  ~PreemptionWatch();

  // One poll (short timeouts: never holds the runner up for long). The notice, in words, if any.
  std::optional<std::string> poll();

 private:
  PreemptionWatch() = default;
  std::string m_kind;  // aws, gcp, url
  std::string m_url;
  std::string m_token_url;  // aws IMDSv2
};

}  // namespace frugal::runner
