// MLflow's runs/search: AND filters (mlflow_filter.h) over metrics, params, tags and attributes,
// order_by, and paging by offset tokens; a non-admin token sees its team's runs only.
#include <charconv>
#include <fmt/format.h>

#include "core/time.h"
#include "server/mlflow.h"
#include "server/mlflow_filter.h"
#include "server/mlflow_status.h"
#include "util/strings.h"

namespace frugal::server {
namespace {

TimePoint from_ms(std::int64_t ms) { return TimePoint{std::chrono::milliseconds(ms)}; }

}  // namespace

Result<Reply> mlflow_search_runs(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  std::string sql = "SELECT r.id FROM runs r WHERE 1 = 1";
  std::vector<store::Value> params;
  if (auto ids = body.find("experiment_ids"); ids != body.end() && ids->is_array() && !ids->empty()) {
    std::string list;
    for (const auto& id : *ids) {
      std::string text = id.is_string() ? id.get<std::string>() : id.dump();
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc()) return fail(ErrorCode::invalid, fmt::format("field 'experiment_ids': '{}' is not an id", text));
      list += fmt::format("{}{}", list.empty() ? "" : ", ", v);
    }
    // A run is in its team's experiment of its name, else the shared one: another team's experiment
    // holds none of this token's runs, so its id finds what an absent one does.
    sql += fmt::format(" AND {} IN ({})", tracking::run_experiment_id_sql("r"), list);
  }
  if (call.who.role != Role::admin) {
    sql += " AND r.team = ?";
    params.emplace_back(call.who.team);
  }
  std::string filter = FRUGAL_TRY(string_field(body, "filter", "", Field::optional));
  for (const auto& c : FRUGAL_TRY(parse_filter(filter))) {
    // MLflow's LIKE is case-sensitive and ILIKE is not. SQLite's LIKE ignores ASCII case; PostgreSQL
    // has both.
    std::string op = c.op == "ILIKE" && call.store.dialect() != "postgresql" ? "LIKE" : c.op;
    if (c.kind == FilterKind::metrics) {
      if (op.ends_with("LIKE"))
        return fail(ErrorCode::invalid, fmt::format("filter: {} compares text; metrics.{} is a number", op, c.key));
      sql += fmt::format(" AND (SELECT value FROM metrics WHERE run_id = r.id AND key = ? ORDER BY step DESC, time DESC LIMIT 1) {} ?", op);
      params.emplace_back(c.key);
      params.emplace_back(*c.number);
    } else if (c.kind == FilterKind::params || c.kind == FilterKind::tags) {
      sql += fmt::format(" AND (SELECT value FROM {} WHERE run_id = r.id AND key = ?) {} ?",
                         c.kind == FilterKind::params ? "params" : "tags", op);
      params.emplace_back(c.key);
      params.emplace_back(c.text);
    } else if (c.key == "status") {
      sql += fmt::format(" AND {} {} ?", mlflow_status_sql("r.status"), op);
      params.emplace_back(c.text);
    } else if (c.key == "run_name") {
      sql += fmt::format(" AND r.name {} ?", op);
      params.emplace_back(c.text);
    } else if (c.key == "user_id") {
      sql += fmt::format(" AND r.username {} ?", op);
      params.emplace_back(c.text);
    } else if (c.key == "run_id") {
      sql += fmt::format(" AND CAST(r.id AS TEXT) {} ?", op);
      params.emplace_back(c.text);
    } else if (c.key == "start_time" || c.key == "end_time") {
      // Within the years our text form holds, as the other MLflow routes take a time (NaN and 1e300
      // have no instant, and casting them to an integer is undefined).
      if (!c.number || !(*c.number >= 0 && *c.number <= 253'402'300'799'999.0))
        return fail(ErrorCode::invalid,
                    fmt::format("filter: attributes.{} compares with milliseconds since 1970, before the year 10000", c.key));
      sql += fmt::format(" AND r.{} {} ?", c.key == "start_time" ? "started_at" : "ended_at", op);
      params.emplace_back(format_utc(from_ms(static_cast<std::int64_t>(*c.number))));
    } else {
      return fail(ErrorCode::invalid, fmt::format("filter: attributes.{} is not searchable (status, run_name, user_id, run_id, start_time, end_time)", c.key));
    }
  }
  std::string order;
  if (auto ob = body.find("order_by"); ob != body.end() && ob->is_array()) {
    for (std::size_t i = 0; i < ob->size(); ++i) {
      if (!(*ob)[i].is_string()) return fail(ErrorCode::invalid, fmt::format("field 'order_by[{}]': expected a string", i));
      std::string_view term = (*ob)[i].get_ref<const std::string&>();
      std::string_view rest = term;
      std::string ident = FRUGAL_TRY(take_name(rest));
      rest = skip_space(rest);
      bool desc = util::iequals(rest, "desc");
      if (!rest.empty() && !desc && !util::iequals(rest, "asc"))
        return fail(ErrorCode::invalid, fmt::format("field 'order_by[{}]': '{}' is not ASC or DESC", i, rest));
      std::string expr;
      if (ident == "attributes.start_time" || ident == "start_time") expr = "r.started_at";
      else if (ident == "attributes.end_time" || ident == "end_time") expr = "r.ended_at";
      else if (ident == "attributes.run_name" || ident == "run_name") expr = "r.name";
      else if (ident.starts_with("metrics.")) {
        expr = "(SELECT value FROM metrics WHERE run_id = r.id AND key = ? ORDER BY step DESC, time DESC LIMIT 1)";
        params.emplace_back(ident.substr(8));
      } else if (ident.starts_with("params.")) {
        expr = "(SELECT value FROM params WHERE run_id = r.id AND key = ?)";
        params.emplace_back(ident.substr(7));
      } else {
        return fail(ErrorCode::invalid, fmt::format("field 'order_by[{}]': cannot order by '{}'", i, ident));
      }
      order += fmt::format("{}{} IS NULL, {} {}", order.empty() ? "" : ", ", expr, expr, desc ? "DESC" : "ASC");
      if (ident.starts_with("metrics.") || ident.starts_with("params.")) params.push_back(params.back());  // used twice
    }
  }
  sql += " ORDER BY " + (order.empty() ? std::string("r.started_at DESC") : order) + ", r.id DESC";
  std::int64_t max_results = FRUGAL_TRY(integer_field(body, "max_results", "", Field::optional)).value_or(1000);
  if (max_results < 1 || max_results > 50000) return fail(ErrorCode::invalid, "field 'max_results': expected 1 to 50000");
  std::int64_t offset = 0;
  std::string token = FRUGAL_TRY(string_field(body, "page_token", "", Field::optional));
  if (!token.empty()) {
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), offset);
    if (ec != std::errc() || offset < 0 || offset > 1'000'000'000)
      return fail(ErrorCode::invalid, "field 'page_token': not a token this server gave");
  }
  sql += fmt::format(" LIMIT {} OFFSET {}", max_results + 1, offset);
  auto rows = FRUGAL_TRY(call.store.query(sql, params));
  json runs = json::array();
  for (std::size_t i = 0; i < rows.rows.size() && static_cast<std::int64_t>(i) < max_results; ++i)
    runs.push_back(FRUGAL_TRY(mlflow_run_json(call.store, store::as_int(rows.rows[i][0]))));
  json out = {{"runs", runs}};
  if (static_cast<std::int64_t>(rows.rows.size()) > max_results) out["next_page_token"] = std::to_string(offset + max_results);
  return Reply{200, out};
}

}  // namespace frugal::server
