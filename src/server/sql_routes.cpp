// POST /api/v1/sql: read-only SQL over the documented schema, on a read-only connection of its
// own (the guard `frugal sql` has: writes, ATTACH and pragmas refused), with row and time limits.
#include <fmt/format.h>

#include "server/routes.h"

namespace frugal::server {
namespace {

Result<Reply> sql(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  std::string text = FRUGAL_TRY(string_field(body, "sql", "", Field::required));
  auto max_rows = FRUGAL_TRY(integer_field(body, "max_rows", "", Field::optional)).value_or(call.options.max_sql_rows);
  if (max_rows < 1 || max_rows > call.options.max_sql_rows)
    return fail(ErrorCode::invalid, fmt::format("field 'max_rows': expected 1 to {}", call.options.max_sql_rows));
  // Its own read-only connection: the same guard as `frugal sql` (writes, ATTACH, pragmas refused).
  auto reader = FRUGAL_TRY(store::open_store(call.options.database, store::Access::read_only));
  reader->set_query_time_limit(call.options.sql_timeout_ms);
  json rows = json::array(), columns = json::array();
  bool truncated = false;
  auto result = reader->query(text);  // columns come with the result
  if (!result) return std::unexpected(result.error());
  for (const auto& c : result->columns) columns.push_back(c);
  for (const auto& r : result->rows) {
    if (static_cast<std::int64_t>(rows.size()) >= max_rows) {
      truncated = true;
      break;
    }
    json row = json::array();
    for (const auto& v : r) row.push_back(value_json(v));
    rows.push_back(row);
  }
  return Reply{200, {{"columns", columns}, {"rows", rows}, {"truncated", truncated}}};
}

}  // namespace

void add_sql_routes(std::vector<Route>& routes) {
  routes.push_back({"POST", "/api/v1/sql", Access::admin, "read-only SQL over the documented schema, with row and time limits", sql});
}

}  // namespace frugal::server
