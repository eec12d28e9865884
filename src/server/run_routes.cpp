// Frugal's own API for runs under /api/v1/runs: create, finish, search, one run, and its metrics
// and resource samples in batches. Every write goes through tracking/, the one door for run data.
#include <fmt/format.h>
#include <limits>

#include "catalog/catalog.h"
#include "core/time.h"
#include "server/idempotency.h"
#include "server/routes.h"
#include "tracking/tracking.h"

namespace frugal::server {
namespace {

constexpr std::size_t k_max_points_per_batch = 1000;  // metric points or samples
constexpr std::int64_t k_max_page = 1000;
constexpr std::size_t k_max_history = 100'000;  // points of one history answer

const char* const k_run_columns =
    "id, name, experiment, username, team, project, model, dataset, command, host, instance_type, started_at, "
    "ended_at, duration_ms, status, exit_code, cost_nanos, gpu_count, attempt";

json run_json(const store::Row& r) {
  static const char* names[] = {"id", "name", "experiment", "user", "team", "project", "model", "dataset", "command",
                                "host", "instance_type", "started_at", "ended_at", "duration_ms", "status", "exit_code",
                                "cost_usd", "gpu_count", "attempt"};
  json out = json::object();
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (std::string_view(names[i]) == "cost_usd")  // exact, as a decimal string
      out[names[i]] = store::is_null(r[i]) ? json(nullptr) : json(Money::from_nanos(store::as_int(r[i])).to_string());
    else
      out[names[i]] = value_json(r[i]);
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> string_map(const json& body, const std::string& name) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_object()) return fail(ErrorCode::invalid, fmt::format("field '{}': expected an object of strings", name));
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return fail(ErrorCode::invalid, fmt::format("field '{}.{}': expected a string", name, k));
    FRUGAL_CHECK(check_text(k, fmt::format("{} (a key)", name)));
    FRUGAL_CHECK(check_text(v.get_ref<const std::string&>(), fmt::format("{}.{}", name, k)));
    out.emplace_back(k, v.get<std::string>());
  }
  return out;
}

// A count of GPUs: a negative one would make a negative cost, and a cast would wrap a huge one.
Result<std::optional<int>> gpu_count_field(const json& body, const char* name) {
  constexpr std::int64_t k_max_gpus = 65536;
  auto n = FRUGAL_TRY(integer_field(body, name, "", Field::optional));
  if (!n) return std::optional<int>{};
  if (*n < 0 || *n > k_max_gpus) return fail(ErrorCode::invalid, fmt::format("field '{}': {} GPUs; expected 0 to {}", name, *n, k_max_gpus));
  return std::optional<int>{static_cast<int>(*n)};
}

Result<Reply> create_run(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  tracking::RunStart run;
  run.name = FRUGAL_TRY(string_field(body, "name", "", Field::optional));
  if (auto c = body.find("command"); c != body.end() && c->is_array()) {
    for (std::size_t i = 0; i < c->size(); ++i) {
      if (!(*c)[i].is_string()) return fail(ErrorCode::invalid, fmt::format("field 'command[{}]': expected a string", i));
      FRUGAL_CHECK(check_text((*c)[i].get_ref<const std::string&>(), fmt::format("command[{}]", i)));
      run.command.push_back((*c)[i].get<std::string>());
    }
  } else if (c != body.end() && !c->is_null()) {
    return fail(ErrorCode::invalid, "field 'command': expected an array of strings");
  }
  if (run.command.empty()) run.command = {run.name.empty() ? std::string("(remote)") : run.name};
  run.labels.user = FRUGAL_TRY(string_field(body, "user", "", Field::optional));
  run.labels.team = FRUGAL_TRY(string_field(body, "team", "", Field::optional));
  run.labels.project = FRUGAL_TRY(string_field(body, "project", "", Field::optional));
  run.labels.model = FRUGAL_TRY(string_field(body, "model", "", Field::optional));
  run.labels.dataset = FRUGAL_TRY(string_field(body, "dataset", "", Field::optional));
  run.labels.experiment = FRUGAL_TRY(string_field(body, "experiment", "", Field::optional));
  run.host = FRUGAL_TRY(string_field(body, "host", "", Field::optional));
  run.provider = FRUGAL_TRY(string_field(body, "provider", "", Field::optional));
  run.region = FRUGAL_TRY(string_field(body, "region", "", Field::optional));
  run.instance_type = FRUGAL_TRY(string_field(body, "instance_type", "", Field::optional));
  run.instance_id = FRUGAL_TRY(string_field(body, "instance_id", "", Field::optional));
  std::string hourly = FRUGAL_TRY(string_field(body, "hourly_usd", "", Field::optional));
  if (!hourly.empty()) {
    auto price = Money::parse(hourly);
    // The dearest cloud instances cost about $100 an hour: $10,000 bounds a typo, and keeps every
    // run's cost within what the store holds.
    if (!price || *price < Money() || *price > Money::from_units(10'000))
      return fail(ErrorCode::invalid, "field 'hourly_usd': expected a decimal string from \"0\" to \"10000\", such as \"3.06\"");
    run.hourly_price = *price;
    run.price_source = "flag";
  } else if (!run.instance_type.empty()) {
    auto price = catalog::price_of(call.store, run.instance_type, run.region, run.provider, catalog::Pricing::on_demand);
    if (!price) return std::unexpected(price.error().wrap("field 'instance_type'"));
    run.hourly_price = price->hourly;
    run.price_source = price->source;
    run.instance_gpu_count = price->instance_gpu_count;
  }
  run.gpu_count = FRUGAL_TRY(gpu_count_field(body, "gpu_count")).value_or(run.instance_gpu_count);
  if (auto n = FRUGAL_TRY(gpu_count_field(body, "instance_gpu_count"))) run.instance_gpu_count = *n;
  std::string started = FRUGAL_TRY(string_field(body, "started_at", "", Field::optional));
  run.started = call.now;
  if (!started.empty()) {
    auto t = parse_utc(started);
    if (!t) return fail(ErrorCode::invalid, fmt::format("field 'started_at': {}", t.error().message));
    run.started = *t;
  }
  run.params = FRUGAL_TRY(string_map(body, "params"));
  run.tags = FRUGAL_TRY(string_map(body, "tags"));
  std::int64_t id = 0;
  bool repeated = false;
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    if (auto earlier = FRUGAL_TRY(run_of_key(call, s, "create"))) {  // sent again: the run it made then
      id = *earlier;
      repeated = true;
      return {};
    }
    id = FRUGAL_TRY(tracking::start_run(s, run, writer_of(call.who)));
    FRUGAL_TRY(claim_key(call, s, id, "create"));
    return {};
  }));
  return Reply{repeated ? 200 : 201, {{"id", id}}};
}

Result<Reply> finish_run(Call& call) {
  auto id = FRUGAL_TRY(run_in_scope(call, call.path_params.at(0)));
  auto body = FRUGAL_TRY(parse_body(call));
  tracking::RunEnd end;
  std::string status = FRUGAL_TRY(string_field(body, "status", "", Field::required));
  auto parsed = tracking::parse_status(status);
  if (!parsed || *parsed == tracking::RunStatus::running)
    return fail(ErrorCode::invalid, fmt::format("field 'status': '{}' is not how a run ends (finished, failed, killed, ...)", status));
  end.status = *parsed;
  if (auto code = FRUGAL_TRY(integer_field(body, "exit_code", "", Field::optional))) {
    if (*code < std::numeric_limits<int>::min() || *code > std::numeric_limits<int>::max())
      return fail(ErrorCode::invalid, fmt::format("field 'exit_code': {} is not an exit status", *code));
    end.exit_code = static_cast<int>(*code);
  }
  end.stop_reason = FRUGAL_TRY(string_field(body, "stop_reason", "", Field::optional));
  // What the agent measured while the job ran (frugal run's summary), so leaderboards by idle
  // GPU cost and early-stop savings count agent runs too.
  auto money_field = [&](const char* name) -> Result<std::optional<Money>> {
    std::string text = FRUGAL_TRY(string_field(body, name, "", Field::optional));
    if (text.empty()) return std::optional<Money>{};
    auto m = Money::parse(text);
    if (!m || *m < Money() || *m > Money::from_units(1'000'000'000))
      return fail(ErrorCode::invalid, fmt::format("field '{}': expected a decimal string of dollars", name));
    return std::optional<Money>{*m};
  };
  end.saved = FRUGAL_TRY(money_field("saved_usd"));
  end.usage.idle_cost = FRUGAL_TRY(money_field("idle_cost_usd"));
  end.usage.gpu_util_mean = FRUGAL_TRY(number_field(body, "gpu_util_mean", "", Field::optional));
  end.usage.gpu_util_peak = FRUGAL_TRY(number_field(body, "gpu_util_peak", "", Field::optional));
  end.usage.gpu_util_p95 = FRUGAL_TRY(number_field(body, "gpu_util_p95", "", Field::optional));
  if (auto peak = FRUGAL_TRY(integer_field(body, "gpu_mem_peak_bytes", "", Field::optional)); peak && *peak >= 0)
    end.usage.gpu_mem_peak_bytes = static_cast<std::uint64_t>(*peak);
  end.usage.idle_gpu_seconds = FRUGAL_TRY(number_field(body, "idle_gpu_seconds", "", Field::optional)).value_or(0);
  end.usage.cpu_bound = FRUGAL_TRY(integer_field(body, "cpu_bound", "", Field::optional)).value_or(0) != 0;
  end.work_lost_ms = FRUGAL_TRY(integer_field(body, "work_lost_ms", "", Field::optional));
  std::string ended = FRUGAL_TRY(string_field(body, "ended_at", "", Field::optional));
  end.ended = call.now;
  if (!ended.empty()) {
    auto t = parse_utc(ended);
    if (!t) return fail(ErrorCode::invalid, fmt::format("field 'ended_at': {}", t.error().message));
    end.ended = *t;
  }
  tracking::RunSummary summary;
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {  // checked and ended in one transaction
    store::Value p[] = {id};
    if (!FRUGAL_TRY(claim_key(call, s, id, "end"))) {  // sent again: report how it ended then
      auto r = FRUGAL_TRY(s.query("SELECT status, coalesce(duration_ms, 0), cost_nanos FROM runs WHERE id = ?", p));
      summary.id = id;
      summary.status = tracking::parse_status(store::as_text(r.rows.at(0)[0])).value_or(tracking::RunStatus::finished);
      summary.duration_ms = store::as_int(r.rows.at(0)[1]);
      if (!store::is_null(r.rows.at(0)[2])) summary.cost = Money::from_nanos(store::as_int(r.rows.at(0)[2]));
      return {};
    }
    auto state = FRUGAL_TRY(s.query("SELECT status FROM runs WHERE id = ?", p));
    if (store::as_text(state.rows.at(0)[0]) != "running")
      return fail(ErrorCode::conflict, fmt::format("run {} has already ended", id));
    summary = FRUGAL_TRY(tracking::finish_run(s, id, end));
    return {};
  }));
  return Reply{200, {{"id", id}, {"status", tracking::status_name(summary.status)}, {"duration_ms", summary.duration_ms},
                     {"cost_usd", summary.cost ? json(summary.cost->to_string()) : json(nullptr)}}};
}

Result<Reply> search_runs(Call& call) {
  std::string sql = fmt::format("SELECT {} FROM runs WHERE 1 = 1", k_run_columns);
  std::vector<store::Value> params;
  static const std::pair<const char*, const char*> filters[] = {
      {"team", "team"},   {"user", "username"}, {"project", "project"},       {"model", "model"},
      {"dataset", "dataset"}, {"experiment", "experiment"}, {"status", "status"}, {"instance_type", "instance_type"}};
  for (const auto& [name, column] : filters)
    if (auto it = call.query.find(name); it != call.query.end()) {
      sql += fmt::format(" AND {} = ?", column);
      params.emplace_back(it->second);
    }
  if (call.who.role != Role::admin) {  // a member sees its team's runs only, whatever it asks
    sql += " AND team = ?";
    params.emplace_back(call.who.team);
  }
  for (const auto& [name, op] : {std::pair{"since", ">="}, std::pair{"until", "<"}})
    if (auto it = call.query.find(name); it != call.query.end()) {
      auto t = parse_time_bound(it->second, call.now, name);
      if (!t) return fail(ErrorCode::invalid, fmt::format("query '{}': {}", name, t.error().message));
      sql += fmt::format(" AND started_at {} ?", op);
      params.emplace_back(format_utc(*t));
    }
  std::int64_t limit = 100;
  if (auto it = call.query.find("limit"); it != call.query.end()) {
    auto n = parse_id(it->second, "query 'limit'");
    if (!n || *n > k_max_page) return fail(ErrorCode::invalid, fmt::format("query 'limit': expected 1 to {}", k_max_page));
    limit = *n;
  }
  if (auto it = call.query.find("page_token"); it != call.query.end()) {
    auto after = FRUGAL_TRY(parse_id(it->second, "query 'page_token'"));
    sql += " AND id < ?";
    params.emplace_back(after);
  }
  sql += fmt::format(" ORDER BY id DESC LIMIT {}", limit + 1);
  auto rows = FRUGAL_TRY(call.store.query(sql, params));
  json runs = json::array();
  for (std::size_t i = 0; i < rows.rows.size() && static_cast<std::int64_t>(i) < limit; ++i) runs.push_back(run_json(rows.rows[i]));
  json out = {{"runs", runs}};
  if (static_cast<std::int64_t>(rows.rows.size()) > limit) out["next_page_token"] = std::to_string(runs.back()["id"].get<std::int64_t>());
  return Reply{200, out};
}

Result<Reply> get_run(Call& call) {
  auto id = FRUGAL_TRY(run_in_scope(call, call.path_params.at(0)));
  store::Value p[] = {id};
  auto rows = FRUGAL_TRY(call.store.query(fmt::format("SELECT {} FROM runs WHERE id = ?", k_run_columns), p));
  json run = run_json(rows.rows.at(0));
  for (const char* table : {"params", "tags"}) {
    json kv = json::object();
    auto r = FRUGAL_TRY(call.store.query(fmt::format("SELECT key, value FROM {} WHERE run_id = ? ORDER BY key", table), p));
    for (const auto& row : r.rows) kv[store::as_text(row[0])] = store::as_text(row[1]);
    run[table] = kv;
  }
  json latest = json::object();
  auto m = FRUGAL_TRY(call.store.query(
      "SELECT key, value, step FROM (SELECT key, value, step, row_number() OVER (PARTITION BY key ORDER BY step DESC, "
      "time DESC) AS rank FROM metrics WHERE run_id = ?) AS latest WHERE rank = 1 ORDER BY key",
      p));
  for (const auto& row : m.rows)
    latest[store::as_text(row[0])] = {{"value", metric_value_json(tracking::metric_value(row[1]))}, {"step", value_json(row[2])}};
  run["latest_metrics"] = latest;
  json checkpoints = json::array();
  auto c = FRUGAL_TRY(call.store.query("SELECT * FROM checkpoints WHERE run_id = ? ORDER BY time, path", p));
  for (const auto& row : c.rows) {
    json one = json::object();
    for (std::size_t i = 0; i < c.columns.size(); ++i) one[c.columns[i]] = value_json(row[i]);
    checkpoints.push_back(one);
  }
  run["checkpoints"] = checkpoints;
  auto extra = FRUGAL_TRY(call.store.query(
      "SELECT stop_reason, hourly_price_nanos, gpu_count, instance_gpu_count, started_at, ended_at FROM runs WHERE id = ?", p));
  const auto& e = extra.rows.at(0);
  run["stop_reason"] = value_json(e[0]);
  json keys = json::array();
  FRUGAL_CHECK(call.store.for_each_row("SELECT DISTINCT key FROM metrics WHERE run_id = ? ORDER BY key", p, [&](const store::Row& r) {
    keys.push_back(store::as_text(r[0]));
    return true;
  }));
  run["metric_keys"] = keys;
  // What was sampled: whether `frugal run` watched it (host rows) and saw GPUs (a row per GPU per sample).
  auto sampled = FRUGAL_TRY(call.store.query("SELECT count(*), count(gpu_index) FROM samples WHERE run_id = ?", p));
  std::int64_t sample_rows = store::as_int(sampled.rows.at(0)[0]), gpu_rows = store::as_int(sampled.rows.at(0)[1]);
  run["sample_counts"] = {{"host", sample_rows - gpu_rows}, {"gpu", gpu_rows}};
  // Attempts: the chain of retries this run belongs to, first to last.
  json attempts = json::array();
  FRUGAL_CHECK(call.store.for_each_row(
      "WITH RECURSIVE up(id, parent) AS (SELECT id, parent_run_id FROM runs WHERE id = ?1 "
      "UNION ALL SELECT r.id, r.parent_run_id FROM runs r JOIN up ON r.id = up.parent), "
      "root(id) AS (SELECT id FROM up WHERE parent IS NULL), "
      "down(id) AS (SELECT id FROM root UNION ALL SELECT r.id FROM runs r JOIN down ON r.parent_run_id = down.id) "
      "SELECT r.id, r.attempt, r.status, r.started_at, r.duration_ms, r.cost_nanos FROM runs r JOIN down USING (id) ORDER BY r.attempt",
      p, [&](const store::Row& r) {
        attempts.push_back({{"id", store::as_int(r[0])}, {"attempt", store::as_int(r[1])}, {"status", store::as_text(r[2])},
                            {"started_at", store::as_text(r[3])}, {"duration_ms", value_json(r[4])},
                            {"cost_usd", store::is_null(r[5]) ? json(nullptr) : json(Money::from_nanos(store::as_int(r[5])).to_string())}});
        return true;
      }));
  run["attempts"] = attempts;
  // Cost accrues linearly over a run (one price, fixed GPUs): its start, and its end or now.
  json accrual = json::array();
  if (!store::is_null(e[1])) {
    auto started = parse_utc(store::as_text(e[4]));
    TimePoint until = store::is_null(e[5]) ? call.now : parse_utc(store::as_text(e[5])).value_or(call.now);
    if (started) {
      Money total = tracking::estimate_cost(Money::from_nanos(store::as_int(e[1])), (until - *started).count(),
                                            static_cast<int>(store::as_int(e[2])), static_cast<int>(store::as_int(e[3])));
      accrual.push_back({{"time", format_utc(*started)}, {"cost_usd", "0.00"}});
      accrual.push_back({{"time", format_utc(until)}, {"cost_usd", total.to_string()}});
    }
  }
  run["cost_accrual"] = accrual;
  return Reply{200, run};
}

Result<Reply> log_metrics(Call& call) {
  auto id = FRUGAL_TRY(run_in_scope(call, call.path_params.at(0)));
  auto body = FRUGAL_TRY(parse_body(call));
  auto it = body.find("metrics");
  if (it == body.end() || !it->is_array()) return fail(ErrorCode::invalid, "field 'metrics': expected an array");
  if (it->size() > k_max_points_per_batch)
    return fail(ErrorCode::too_large, fmt::format("field 'metrics': {} points; at most {} a batch", it->size(), k_max_points_per_batch));
  std::vector<tracking::MetricPoint> points;
  points.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {  // all checked before anything is written
    const json& m = (*it)[i];
    std::string path = fmt::format("metrics[{}]", i);
    if (!m.is_object()) return fail(ErrorCode::invalid, fmt::format("field '{}': expected an object", path));
    tracking::MetricPoint p;
    p.key = FRUGAL_TRY(string_field(m, "key", path, Field::required));
    p.value = *FRUGAL_TRY(number_field(m, "value", path, Field::required));
    p.step = FRUGAL_TRY(integer_field(m, "step", path, Field::optional));
    p.time = call.now;
    if (std::string time = FRUGAL_TRY(string_field(m, "time", path, Field::optional)); !time.empty()) {
      auto t = parse_utc(time);
      if (!t) return fail(ErrorCode::invalid, fmt::format("field '{}.time': expected a UTC time", path));
      p.time = *t;
    }
    points.push_back(std::move(p));
  }
  bool repeated = false;
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    if (!FRUGAL_TRY(claim_key(call, s, id, "metrics"))) {  // this batch arrived before
      repeated = true;
      return {};
    }
    return tracking::log_metrics(s, id, points);
  }));
  return Reply{200, {{"count", repeated ? 0 : points.size()}, {"repeated", repeated}}};
}

// Resource samples of a run, as `frugal run` takes them: up to 1000, all or nothing. Samples timed
// after the run ended are not stored, and the answer counts them (after_end).
Result<Reply> log_samples(Call& call) {
  auto id = FRUGAL_TRY(run_in_scope(call, call.path_params.at(0)));
  auto body = FRUGAL_TRY(parse_body(call));
  auto it = body.find("samples");
  if (it == body.end() || !it->is_array()) return fail(ErrorCode::invalid, "field 'samples': expected an array");
  if (it->size() > k_max_points_per_batch)
    return fail(ErrorCode::too_large, fmt::format("field 'samples': {} samples; at most {} a batch", it->size(), k_max_points_per_batch));
  std::vector<tracking::SampleRow> rows;
  rows.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& m = (*it)[i];
    std::string path = fmt::format("samples[{}]", i);
    if (!m.is_object()) return fail(ErrorCode::invalid, fmt::format("field '{}': expected an object", path));
    auto time = parse_utc(FRUGAL_TRY(string_field(m, "time", path, Field::required)));
    if (!time) return fail(ErrorCode::invalid, fmt::format("field '{}.time': expected a UTC time", path));
    tracking::SampleRow r;
    r.time = *time;
    r.gpu_index = FRUGAL_TRY(integer_field(m, "gpu_index", path, Field::optional));
    r.gpu_util_pct = FRUGAL_TRY(number_field(m, "gpu_util_pct", path, Field::optional));
    r.gpu_mem_bytes = FRUGAL_TRY(integer_field(m, "gpu_mem_bytes", path, Field::optional));
    r.power_w = FRUGAL_TRY(number_field(m, "power_w", path, Field::optional));
    r.cpu_pct = FRUGAL_TRY(number_field(m, "cpu_pct", path, Field::optional));
    r.rss_bytes = FRUGAL_TRY(integer_field(m, "rss_bytes", path, Field::optional));
    rows.push_back(r);
  }
  bool repeated = false;
  tracking::SamplesWritten written;
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    if (!FRUGAL_TRY(claim_key(call, s, id, "samples"))) {
      repeated = true;
      return {};
    }
    written = FRUGAL_TRY(tracking::record_samples(s, id, rows));
    return {};
  }));
  return Reply{200, {{"count", written.stored}, {"after_end", written.after_end}, {"repeated", repeated}}};
}

Result<Reply> metric_history(Call& call) {
  auto id = FRUGAL_TRY(run_in_scope(call, call.path_params.at(0)));
  std::string sql = "SELECT key, step, time, value FROM metrics WHERE run_id = ?";
  std::vector<store::Value> params = {id};
  if (auto it = call.query.find("key"); it != call.query.end()) {
    sql += " AND key = ?";
    params.emplace_back(it->second);
  }
  sql += " ORDER BY key, step, time";
  json points = json::array();
  bool truncated = false;
  FRUGAL_CHECK(call.store.for_each_row(sql, params, [&](const store::Row& r) {
    if (points.size() == k_max_history) {  // the dashboard asks /series for long curves
      truncated = true;
      return false;
    }
    points.push_back({{"key", store::as_text(r[0])}, {"step", store::as_int(r[1])}, {"time", store::as_text(r[2])},
                      {"value", metric_value_json(tracking::metric_value(r[3]))}});
    return true;
  }));
  return Reply{200, {{"metrics", points}, {"truncated", truncated}}};
}

}  // namespace

void add_run_routes(std::vector<Route>& routes) {
  routes.push_back({"POST", "/api/v1/runs", Access::agent, "start a run (an agent's team is its token's)", create_run});
  routes.push_back({"GET", "/api/v1/runs", Access::member,
                    "search runs: team, user, project, model, dataset, experiment, status, instance_type, since, until, limit, page_token",
                    search_runs});
  routes.push_back({"GET", "/api/v1/runs/{id}", Access::member, "one run with params, tags, latest metrics, checkpoints", get_run});
  routes.push_back({"PATCH", "/api/v1/runs/{id}", Access::agent,
                    "end a run: status, exit_code, ended_at, stop_reason; what was measured: gpu_util_mean, gpu_util_peak, gpu_util_p95, "
                    "gpu_mem_peak_bytes, idle_gpu_seconds, idle_cost_usd, cpu_bound, saved_usd, work_lost_ms",
                    finish_run});
  routes.push_back({"POST", "/api/v1/runs/{id}/metrics", Access::agent, "log up to 1000 metric points", log_metrics});
  routes.push_back({"GET", "/api/v1/runs/{id}/metrics", Access::member, "a run's metric history (?key=)", metric_history});
  routes.push_back({"POST", "/api/v1/runs/{id}/samples", Access::agent,
                    "log up to 1000 resource samples {time, cpu_pct, rss_bytes, gpu_index, gpu_util_pct, gpu_mem_bytes, power_w}",
                    log_samples});
}

}  // namespace frugal::server
