// MLflow's searches. runs/search: AND filters (mlflow_filter.h) over metrics, params, tags and
// attributes, order_by, and paging by offset tokens; a non-admin token sees its team's runs only.
// experiments/search: the experiments the token sees (tracking's rule), filtered, ordered and paged
// here: a team sees tens of them, not millions.
#include <algorithm>
#include <cctype>
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

Result<std::int64_t> mlflow_page_offset(const json& fields) {
  std::int64_t offset = 0;
  std::string token = FRUGAL_TRY(string_field(fields, "page_token", "", Field::optional));
  if (token.empty()) return offset;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), offset);
  if (ec != std::errc() || end != token.data() + token.size() || offset < 0 || offset > 1'000'000'000)
    return fail(ErrorCode::invalid, "field 'page_token': not a token this server gave");
  return offset;
}

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
  std::int64_t offset = FRUGAL_TRY(mlflow_page_offset(body));
  sql += fmt::format(" LIMIT {} OFFSET {}", max_results + 1, offset);
  auto rows = FRUGAL_TRY(call.store.query(sql, params));
  json runs = json::array();
  for (std::size_t i = 0; i < rows.rows.size() && static_cast<std::int64_t>(i) < max_results; ++i)
    runs.push_back(FRUGAL_TRY(mlflow_run_json(call.store, store::as_int(rows.rows[i][0]))));
  json out = {{"runs", runs}};
  if (static_cast<std::int64_t>(rows.rows.size()) > max_results) out["next_page_token"] = std::to_string(offset + max_results);
  return Reply{200, out};
}

// ---- experiments/search ----------------------------------------------------------------------

namespace {

// SQL's LIKE as MLflow's stores run it: % any run of characters, _ one; ILIKE ignores ASCII case.
bool like(std::string_view text, std::string_view pattern, bool ignore_case) {
  auto same = [&](char a, char b) {
    return ignore_case ? std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)) : a == b;
  };
  auto one_character = [&](std::size_t at) {  // a UTF-8 character is one _, not one per byte
    do ++at;
    while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80);
    return at;
  };
  std::size_t t = 0, p = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == '_') {
      ++p;
      t = one_character(t);
    } else if (p < pattern.size() && same(pattern[p], text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = resume = one_character(resume);
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

template <typename T>
bool compare(const T& a, std::string_view op, const T& b) {
  if (op == "=") return a == b;
  if (op == "!=") return a != b;
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  return a >= b;
}

bool compares_text(std::string_view op) { return op == "=" || op == "!=" || op == "LIKE" || op == "ILIKE"; }

bool text_matches(const std::string& value, const FilterClause& c) {
  if (c.op.ends_with("LIKE")) return like(value, c.text, c.op == "ILIKE");
  return compare(value, c.op, c.text);
}

bool is_time(std::string_view key) { return key == "creation_time" || key == "last_update_time"; }

// What MLflow's experiment search refuses, refused before any experiment is looked at.
Result<void> check_clause(const FilterClause& c) {
  if (c.kind == FilterKind::tags) {
    if (!compares_text(c.op)) return fail(ErrorCode::invalid, fmt::format("filter: tags.{} compares with =, !=, LIKE or ILIKE", c.key));
    return {};
  }
  if (c.kind != FilterKind::attributes)
    return fail(ErrorCode::invalid, "filter: an experiment has a name, times and tags, no metrics or params");
  if (c.key == "name") {
    if (!compares_text(c.op)) return fail(ErrorCode::invalid, "filter: name compares with =, !=, LIKE or ILIKE");
    return {};
  }
  if (is_time(c.key)) {
    if (!c.number || c.op.ends_with("LIKE"))
      return fail(ErrorCode::invalid, fmt::format("filter: {} compares (=, !=, <, <=, >, >=) with milliseconds since 1970", c.key));
    return {};
  }
  return fail(ErrorCode::invalid,
              fmt::format("filter: '{}' is not searchable (name, creation_time, last_update_time, tags.<key>)", c.key));
}

// An experiment's one tag is frugal.team, for a team's (mlflow_experiment_json); no other tag matches.
bool matches(const FilterClause& c, const tracking::Experiment& e) {
  if (c.kind == FilterKind::tags) return c.key == "frugal.team" && e.team && text_matches(*e.team, c);
  if (c.key == "name") return text_matches(e.name, c);
  return compare(static_cast<double>(mlflow_ms_of_text(e.created_at)), c.op, *c.number);  // never updated: both times
}

struct OrderTerm {
  std::string key;  // name, experiment_id, creation_time, last_update_time
  bool descending = false;
};

Result<std::vector<OrderTerm>> experiment_order(const json& fields) {
  std::vector<OrderTerm> terms;
  json given = json::array();
  if (auto ob = fields.find("order_by"); ob != fields.end() && !ob->is_null())
    given = ob->is_array() ? *ob : json::array({*ob});  // a GET's query holds one
  for (std::size_t i = 0; i < given.size(); ++i) {
    if (!given[i].is_string()) return fail(ErrorCode::invalid, fmt::format("field 'order_by[{}]': expected a string", i));
    std::string_view rest = given[i].get_ref<const std::string&>();
    std::string key = FRUGAL_TRY(take_name(rest));
    for (std::string_view prefix : {"attributes.", "attribute."})
      if (key.starts_with(prefix)) key.erase(0, prefix.size());
    rest = skip_space(rest);
    bool descending = util::iequals(rest, "desc");
    if (!rest.empty() && !descending && !util::iequals(rest, "asc"))
      return fail(ErrorCode::invalid, fmt::format("field 'order_by[{}]': '{}' is not ASC or DESC", i, rest));
    if (key != "name" && key != "experiment_id" && !is_time(key))
      return fail(ErrorCode::invalid, fmt::format("field 'order_by[{}]': cannot order by '{}' (name, experiment_id, "
                                                  "creation_time, last_update_time)", i, key));
    terms.push_back({key, descending});
  }
  if (terms.empty()) terms = {{"creation_time", true}, {"experiment_id", false}};  // MLflow's default
  bool by_id = false;
  for (const auto& t : terms) by_id = by_id || t.key == "experiment_id";
  if (!by_id) terms.push_back({"experiment_id", true});  // MLflow's tie-breaker
  return terms;
}

// -1, 0, 1 as `a` sorts before, with, after `b` on `term`.
int order_of(const tracking::Experiment& a, const tracking::Experiment& b, const OrderTerm& term) {
  auto three_way = [](const auto& x, const auto& y) { return x < y ? -1 : y < x ? 1 : 0; };
  int c = term.key == "name"            ? three_way(a.name, b.name)
          : term.key == "experiment_id" ? three_way(a.id, b.id)
                                        : three_way(mlflow_ms_of_text(a.created_at), mlflow_ms_of_text(b.created_at));
  return term.descending ? -c : c;
}

// view_type: ACTIVE_ONLY (1, the default), DELETED_ONLY (2) or ALL (3), by name or number.
Result<std::optional<std::string>> lifecycle_of_view(const json& fields) {
  auto it = fields.find("view_type");
  if (it == fields.end() || it->is_null()) return std::optional<std::string>{"active"};
  std::string view = it->is_string() ? it->get<std::string>() : it->dump();
  if (view == "ACTIVE_ONLY" || view == "1") return std::optional<std::string>{"active"};
  if (view == "DELETED_ONLY" || view == "2") return std::optional<std::string>{"deleted"};
  if (view == "ALL" || view == "3") return std::optional<std::string>{};
  return fail(ErrorCode::invalid, fmt::format("field 'view_type': '{}' is not ACTIVE_ONLY, DELETED_ONLY or ALL", view));
}

}  // namespace

Result<Reply> mlflow_search_experiments(Call& call) {
  auto f = FRUGAL_TRY(mlflow_fields(call));
  auto lifecycle = FRUGAL_TRY(lifecycle_of_view(f));
  auto clauses = FRUGAL_TRY(parse_filter(FRUGAL_TRY(string_field(f, "filter", "", Field::optional))));
  for (const auto& c : clauses) FRUGAL_CHECK(check_clause(c));
  auto order = FRUGAL_TRY(experiment_order(f));
  std::int64_t max_results = FRUGAL_TRY(integer_field(f, "max_results", "", Field::optional)).value_or(1000);
  if (max_results < 1 || max_results > 50000) return fail(ErrorCode::invalid, "field 'max_results': expected 1 to 50000");
  std::int64_t offset = FRUGAL_TRY(mlflow_page_offset(f));

  std::vector<tracking::Experiment> found;
  for (auto& e : FRUGAL_TRY(tracking::list_experiments(call.store, reader_of(call.who)))) {
    bool keep = !lifecycle || e.lifecycle_stage == *lifecycle;
    for (const auto& c : clauses) keep = keep && matches(c, e);
    if (keep) found.push_back(std::move(e));
  }
  std::ranges::sort(found, [&](const auto& a, const auto& b) {
    for (const auto& term : order)
      if (int c = order_of(a, b, term)) return c < 0;
    return false;
  });
  json page = json::array();
  for (auto i = static_cast<std::size_t>(std::min<std::int64_t>(offset, std::ssize(found)));
       i < found.size() && std::ssize(page) < max_results; ++i)
    page.push_back(mlflow_experiment_json(found[i]));
  json out = {{"experiments", page}};
  if (offset + max_results < std::ssize(found)) out["next_page_token"] = std::to_string(offset + max_results);
  return Reply{200, out};
}

}  // namespace frugal::server
