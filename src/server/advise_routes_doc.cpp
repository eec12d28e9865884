// What the routes of advise_routes.cpp take and answer (openapi.h).
#include "server/openapi.h"

namespace frugal::server {

std::vector<OperationDoc> advise_route_docs() {
  return {
      {.route = "GET /api/v1/recommendations",
       .operation_id = "listRecommendations",
       .query = {{"team", "an admin's filter (a member sees its own team's)"}},
       .answers = {{200, "open recommendations, largest monthly saving first",
                    R"({"type": "object", "required": ["recommendations"],
                        "properties": {"recommendations": {"type": "array", "items": {"$ref": "Recommendation"}}}})"}}},
      {.route = "POST /api/v1/recommendations/{id}/dismiss",
       .operation_id = "dismissRecommendation",
       .path = {{"id", "the recommendation's id", R"({"type": "string"})", R"("spot-3fa2b1c0")"}},
       .body = R"({"type": "object", "required": ["why"], "properties": {"why": {"type": "string", "description": "kept with it"}}})",
       .body_example = R"({"why": "we need the A100s for the 70B run"})",
       .answers = {{200, "dismissed", R"({"type": "object", "required": ["dismissed"], "properties": {"dismissed": {"type": "string"}}})"},
                   {404, "no such recommendation"},
                   {409, "it was dismissed already"}}},
  };
}

}  // namespace frugal::server
