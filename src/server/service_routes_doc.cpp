// What the service routes of http_server.cpp answer (openapi.h).
#include "server/openapi.h"

namespace frugal::server {

std::vector<OperationDoc> service_route_docs() {
  return {
      {.route = "GET /healthz",
       .operation_id = "getHealth",
       .answers = {{200, "the server answers",
                    R"({"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok"]}}})"}}},
      {.route = "GET /api/openapi.json",
       .operation_id = "getOpenApiDocument",
       .answers = {{200, "this document (OpenAPI 3.0.3)", R"({"type": "object", "required": ["openapi", "info", "paths"]})"}}},
  };
}

}  // namespace frugal::server
