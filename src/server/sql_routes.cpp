// POST /api/v1/sql: read-only SQL over the documented schema, on a read-only connection of its
// own (the guard `frugal sql` has: writes, ATTACH and pragmas refused), with row, time and memory
// limits. Rows stream from the store into the reply's JSON one at a time, and the query stops at
// the first row past `max_rows` or past the reply's size limit ("truncated": true): a query of any
// size costs the rows of its reply and no more.
#include <fmt/format.h>

#include "server/routes.h"

namespace frugal::server {
namespace {

// JSON as every reply writes it (nlohmann's compact dump), so the bytes are those of a json body.
std::string json_text(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Result<Reply> sql(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  std::string text = FRUGAL_TRY(string_field(body, "sql", "", Field::required));
  auto max_rows = FRUGAL_TRY(integer_field(body, "max_rows", "", Field::optional)).value_or(call.options.max_sql_rows);
  if (max_rows < 1 || max_rows > call.options.max_sql_rows)
    return fail(ErrorCode::invalid, fmt::format("field 'max_rows': expected 1 to {}", call.options.max_sql_rows));
  // Its own read-only connection: the same guard as `frugal sql` (writes, ATTACH, pragmas refused).
  auto reader = FRUGAL_TRY(store::open_store(call.options.database, store::Access::read_only));
  reader->set_query_time_limit(call.options.sql_timeout_ms);
  reader->set_query_memory_limit(call.options.sql_memory_bytes);
  std::string reply_text;  // {"columns":[...],"rows":[[...],...],"truncated":...}
  std::string row_text;
  std::int64_t rows = 0;
  bool truncated = false;
  auto streamed = reader->stream(
      text, {},
      [&](const std::vector<std::string>& columns) {
        reply_text = R"({"columns":)" + json_text(columns) + R"(,"rows":[)";
      },
      [&](const store::Row& row) {
        if (rows == max_rows) {
          truncated = true;
          return false;
        }
        row_text = rows > 0 ? ",[" : "[";
        for (std::size_t i = 0; i < row.size(); ++i) {
          if (i > 0) row_text += ',';
          row_text += json_text(value_json(row[i]));
        }
        row_text += ']';
        if (reply_text.size() + row_text.size() > call.options.max_sql_reply_bytes) {
          truncated = true;
          return false;
        }
        reply_text += row_text;
        ++rows;
        return true;
      });
  if (!streamed) return std::unexpected(streamed.error());
  if (truncated && rows == 0)
    return fail(ErrorCode::too_large, fmt::format("sql: the first row alone is over the reply's limit of {} MiB",
                                                  call.options.max_sql_reply_bytes >> 20));
  reply_text += fmt::format(R"(],"truncated":{}}})", truncated);
  Reply reply;
  reply.text = std::move(reply_text);
  reply.content_type = "application/json";
  return reply;
}

}  // namespace

void add_sql_routes(std::vector<Route>& routes) {
  routes.push_back({"POST", "/api/v1/sql", Access::admin,
                    "read-only SQL over the documented schema, streamed, with row, time and memory limits", sql});
}

}  // namespace frugal::server
