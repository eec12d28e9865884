// What the route of metrics_routes.cpp answers (openapi.h).
#include "server/openapi.h"

namespace frugal::server {

std::vector<OperationDoc> metrics_route_docs() {
  return {
      {.route = "GET /metrics",
       .operation_id = "getPrometheusMetrics",
       .answers = {{200, "Prometheus text format 0.0.4: spend, runs, GPU utilisation, cache savings",
                    R"({"type": "string"})", "text/plain"}}},
  };
}

}  // namespace frugal::server
