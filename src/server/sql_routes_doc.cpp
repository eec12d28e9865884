// What the route of sql_routes.cpp takes and answers (openapi.h).
#include "server/openapi.h"

namespace frugal::server {

std::vector<OperationDoc> sql_route_docs() {
  return {
      {.route = "POST /api/v1/sql",
       .operation_id = "querySql",
       .body = R"({
         "type": "object", "required": ["sql"],
         "properties": {"sql": {"type": "string", "description": "one read-only statement over the documented schema, docs/schema.md"},
                        "max_rows": {"type": "integer", "format": "int64", "minimum": 1,
                                     "description": "at most the server's limit (10,000 by default), which is also the default"}}})",
       .body_example = R"({"sql": "SELECT team, sum(cost_usd) AS usd FROM runs GROUP BY team", "max_rows": 100})",
       .answers = {{200, "the rows, streamed; truncated past max_rows or the reply's size limit",
                    R"({"type": "object", "required": ["columns", "rows", "truncated"],
                        "properties": {"columns": {"type": "array", "items": {"type": "string"}},
                                       "rows": {"type": "array", "items": {"type": "array", "items": {},
                                                                           "description": "null, a number or a string per column"}},
                                       "truncated": {"type": "boolean"}}})"},
                   {400, "SQL that does not parse, writes, or is more than one statement; a bad max_rows"},
                   {413, "over the query's time or memory limit, or a first row over the reply's size limit"}}},
  };
}

}  // namespace frugal::server
