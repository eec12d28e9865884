// What the routes of token_routes.cpp take and answer (openapi.h).
#include "server/openapi.h"

namespace frugal::server {

std::vector<OperationDoc> token_route_docs() {
  return {
      {.route = "GET /api/v1/me",
       .operation_id = "getMe",
       .answers = {{200, "the caller's role and team",
                    R"({"type": "object", "required": ["role", "team"],
                        "properties": {"role": {"$ref": "Role"}, "team": {"type": "string", "description": "\"\" for an admin token"}}})"}}},
      {.route = "POST /api/v1/tokens",
       .operation_id = "createToken",
       .body = R"({
         "type": "object", "required": ["role"],
         "properties": {"role": {"$ref": "Role"},
                        "team": {"type": "string", "description": "required for agent and member tokens: the team it acts for"},
                        "name": {"type": "string"},
                        "expires": {"type": "string", "description": "a length of time from now: 90s, 30m, 12h, 7d, 2w, 1h30m", "example": "90d"}}})",
       .body_example = R"({"role": "agent", "team": "vision", "name": "ci runner", "expires": "90d"})",
       .answers = {{201, "the token, shown this once",
                    R"({"type": "object", "required": ["token", "note"],
                        "properties": {"token": {"type": "string", "example": "frugal_3f2a9c0d5e6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f"},
                                       "note": {"type": "string"}}})"}}},
      {.route = "GET /api/v1/tokens",
       .operation_id = "listTokens",
       .answers = {{200, "every token, oldest first",
                    R"({"type": "object", "required": ["tokens"], "properties": {"tokens": {"type": "array", "items": {"$ref": "Token"}}}})"}}},
      {.route = "DELETE /api/v1/tokens/{id}",
       .operation_id = "revokeToken",
       .path = {{"id", "the token's id (GET /api/v1/tokens)", R"({"type": "integer", "format": "int64", "minimum": 1})", "7"}},
       .answers = {{200, "revoked (revoking again keeps the first time)",
                    R"({"type": "object", "required": ["id", "revoked"],
                        "properties": {"id": {"type": "integer", "format": "int64"}, "revoked": {"type": "boolean", "enum": [true]}}})"},
                   {404, "no such token"}}},
  };
}

}  // namespace frugal::server
