// MLflow's tracking REST API (/api/2.0/mlflow/...), so teams keep their MLflow loggers and point
// MLFLOW_TRACKING_URI at Frugal: experiments, runs, params, tags and metrics land in the same
// tables `frugal run` writes, and the tags mlflow.user and frugal.team|project|model|dataset fill
// the run's labels, so cost attaches to MLflow runs. Run ids are our run ids, as strings.
// Limits and error shapes are MLflow's: log-batch ≤ 1000 metrics, 100 params, 100 tags,
// {"error_code", "message"}.
#include <charconv>
#include <cmath>
#include <fmt/format.h>

#include "core/time.h"
#include "server/routes.h"
#include "tracking/tracking.h"
#include "util/strings.h"

namespace frugal::server {
namespace {

constexpr std::size_t k_batch_metrics = 1000, k_batch_params = 100, k_batch_tags = 100, k_batch_total = 1000;

std::int64_t epoch_ms(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint from_ms(std::int64_t ms) { return TimePoint{std::chrono::milliseconds(ms)}; }

// An MLflow time in ms, within the years our text form holds (1970 to 9999).
Result<std::optional<TimePoint>> ms_field(const json& object, const std::string& name, const std::string& path) {
  auto ms = FRUGAL_TRY(integer_field(object, name, path, false));
  if (!ms) return std::optional<TimePoint>{};
  if (*ms < 0 || *ms > 253'402'300'799'999)
    return fail(ErrorCode::invalid, fmt::format("field '{}{}{}': milliseconds since 1970, before the year 10000", path,
                                                path.empty() ? "" : ".", name));
  return std::optional<TimePoint>{from_ms(*ms)};
}
std::int64_t ms_of_text(const std::string& utc) {
  auto t = parse_utc(utc);
  return t ? epoch_ms(*t) : 0;
}

std::string mlflow_status(std::string_view ours) {
  if (ours == "running") return "RUNNING";
  if (ours == "finished") return "FINISHED";
  if (ours == "killed" || ours == "stopped_early") return "KILLED";
  return "FAILED";
}

Result<tracking::RunStatus> our_status(std::string_view mlflow) {
  if (mlflow == "RUNNING" || mlflow == "SCHEDULED") return tracking::RunStatus::running;
  if (mlflow == "FINISHED") return tracking::RunStatus::finished;
  if (mlflow == "FAILED") return tracking::RunStatus::failed;
  if (mlflow == "KILLED") return tracking::RunStatus::killed;
  return fail(ErrorCode::invalid, fmt::format("field 'status': '{}' is not RUNNING, SCHEDULED, FINISHED, FAILED or KILLED", mlflow));
}

// A request's fields from the JSON body (POST) or the query (GET), as MLflow clients send them.
Result<json> fields(const Call& call) {
  if (call.method == "GET") {
    json out = json::object();
    for (const auto& [k, v] : call.query) out[k] = v;
    return out;
  }
  return parse_body(call);
}

// ---- experiments ---------------------------------------------------------------------------

json experiment_json(const store::Row& r) {
  return {{"experiment_id", std::to_string(store::as_int(r[0]))}, {"name", store::as_text(r[1])},
          {"artifact_location", store::as_text(r[2])}, {"lifecycle_stage", store::as_text(r[3])},
          {"creation_time", ms_of_text(store::as_text(r[4]))}};
}

Result<std::optional<store::Row>> experiment_by(store::Store& store, const char* column, const store::Value& value) {
  store::Value p[] = {value};
  auto rows = FRUGAL_TRY(store.query(
      fmt::format("SELECT id, name, coalesce(artifact_location, ''), lifecycle_stage, created_at FROM experiments WHERE {} = ?", column),
      p));
  if (rows.rows.empty()) return std::optional<store::Row>{};
  return std::optional<store::Row>{rows.rows[0]};
}

Result<Reply> create_experiment(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  std::string name = FRUGAL_TRY(string_field(body, "name", "", true));
  if (name.empty()) return fail(ErrorCode::invalid, "field 'name' must not be empty");
  std::string artifacts = FRUGAL_TRY(string_field(body, "artifact_location", "", false));
  if (FRUGAL_TRY(experiment_by(call.store, "name", name)))
    return fail(ErrorCode::conflict, fmt::format("experiment '{}' already exists", name));
  std::int64_t id = 0;
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    if (FRUGAL_TRY(experiment_by(s, "name", name))) return fail(ErrorCode::conflict, fmt::format("experiment '{}' already exists", name));
    store::Value p[] = {name, artifacts.empty() ? store::Value{} : store::Value{artifacts}, format_utc(call.now)};
    FRUGAL_TRY(s.execute("INSERT INTO experiments (name, artifact_location, created_at) VALUES (?, ?, ?)", p));
    store::Value q[] = {name};
    auto created = FRUGAL_TRY(s.query("SELECT id FROM experiments WHERE name = ?", q));
    id = store::as_int(created.rows.at(0)[0]);
    return {};
  }));
  return Reply{200, {{"experiment_id", std::to_string(id)}}};
}

Result<Reply> get_experiment_by_name(Call& call) {
  auto f = FRUGAL_TRY(fields(call));
  std::string name = FRUGAL_TRY(string_field(f, "experiment_name", "", true));
  auto row = FRUGAL_TRY(experiment_by(call.store, "name", name));
  if (!row) {  // runs of `frugal run --experiment NAME` (of this token's team) make it an experiment too
    store::Value p[] = {name, call.who.role == Role::admin ? std::int64_t{1} : std::int64_t{0}, call.who.team};
    auto used = FRUGAL_TRY(call.store.query("SELECT 1 FROM runs WHERE experiment = ? AND (? = 1 OR team = ?) LIMIT 1", p));
    if (used.rows.empty()) return fail(ErrorCode::not_found, fmt::format("experiment '{}' does not exist", name));
    FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
      store::Value q[] = {name, format_utc(call.now)};
      FRUGAL_TRY(s.execute("INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", q));
      return {};
    }));
    row = FRUGAL_TRY(experiment_by(call.store, "name", name));  // committed: this thread's connection sees it
  }
  return Reply{200, {{"experiment", experiment_json(*row)}}};
}

Result<std::int64_t> experiment_id_field(const json& f, const char* name) {
  std::string text = FRUGAL_TRY(string_field(f, name, "", false));
  if (text.empty()) return 0;  // MLflow's Default experiment
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size())
    return fail(ErrorCode::invalid, fmt::format("field '{}': '{}' is not an experiment id", name, text));
  return id;
}

Result<Reply> get_experiment(Call& call) {
  auto f = FRUGAL_TRY(fields(call));
  auto id = FRUGAL_TRY(experiment_id_field(f, "experiment_id"));
  auto row = FRUGAL_TRY(experiment_by(call.store, "id", id));
  if (!row) return fail(ErrorCode::not_found, fmt::format("experiment {} does not exist", id));
  return Reply{200, {{"experiment", experiment_json(*row)}}};
}

Result<Reply> list_experiments(Call& call) {
  json out = json::array();
  // A member sees Default and the experiments its team's runs are in; experiment names of other
  // teams are theirs.
  store::Value p[] = {call.who.role == Role::admin ? std::int64_t{1} : std::int64_t{0}, call.who.team};
  auto rows = FRUGAL_TRY(call.store.query(
      "SELECT id, name, coalesce(artifact_location, ''), lifecycle_stage, created_at FROM experiments e WHERE ? = 1 OR id = 0 "
      "OR EXISTS (SELECT 1 FROM runs WHERE experiment = e.name AND team = ?) ORDER BY id",
      p));
  for (const auto& r : rows.rows) out.push_back(experiment_json(r));
  return Reply{200, {{"experiments", out}}};
}

// ---- runs ----------------------------------------------------------------------------------

// The run named by `run_id` (or MLflow's older `run_uuid`), when `who` may touch it.
Result<std::int64_t> run_field(Call& call, const json& f) {
  std::string text = FRUGAL_TRY(string_field(f, "run_id", "", false));
  if (text.empty()) text = FRUGAL_TRY(string_field(f, "run_uuid", "", false));
  if (text.empty()) return fail(ErrorCode::invalid, "field 'run_id' is required");
  return run_in_scope(call, text);
}

Result<json> run_json(store::Store& store, std::int64_t id) {
  store::Value p[] = {id};
  auto rows = FRUGAL_TRY(store.query(
      "SELECT r.id, coalesce(e.id, 0), r.name, coalesce(r.username, ''), r.status, r.started_at, r.ended_at "
      "FROM runs r LEFT JOIN experiments e ON e.name = r.experiment WHERE r.id = ?",
      p));
  if (rows.rows.empty()) return fail(ErrorCode::not_found, fmt::format("run '{}' does not exist", id));
  const auto& r = rows.rows[0];
  std::string run_id = std::to_string(id);
  json info = {{"run_id", run_id},
               {"run_uuid", run_id},
               {"experiment_id", std::to_string(store::as_int(r[1]))},
               {"run_name", store::as_text(r[2])},
               {"user_id", store::as_text(r[3])},
               {"status", mlflow_status(store::as_text(r[4]))},
               {"start_time", ms_of_text(store::as_text(r[5]))},
               {"artifact_uri", ""},
               {"lifecycle_stage", "active"}};
  if (!store::is_null(r[6])) info["end_time"] = ms_of_text(store::as_text(r[6]));
  json data = {{"metrics", json::array()}, {"params", json::array()}, {"tags", json::array()}};
  auto metrics = FRUGAL_TRY(store.query(
      "SELECT key, value, time, step FROM (SELECT key, value, time, step, row_number() OVER (PARTITION BY key ORDER BY "
      "step DESC, time DESC) AS rank FROM metrics WHERE run_id = ?) AS latest WHERE rank = 1 ORDER BY key",
      p));
  for (const auto& m : metrics.rows)
    data["metrics"].push_back({{"key", store::as_text(m[0])},
                               {"value", store::is_null(m[1]) ? json("NaN") : json(std::get<double>(m[1]))},
                               {"timestamp", ms_of_text(store::as_text(m[2]))},
                               {"step", store::as_int(m[3])}});
  for (const char* table : {"params", "tags"}) {
    auto kv = FRUGAL_TRY(store.query(fmt::format("SELECT key, value FROM {} WHERE run_id = ? ORDER BY key", table), p));
    for (const auto& row : kv.rows) data[table].push_back({{"key", store::as_text(row[0])}, {"value", store::as_text(row[1])}});
  }
  return json{{"info", info}, {"data", data}};
}

// Tags that are labels of the run: set the column as well as the tag.
const char* label_column(std::string_view tag) {
  if (tag == "mlflow.user") return "username";
  if (tag == "frugal.team") return "team";
  if (tag == "frugal.project") return "project";
  if (tag == "frugal.model") return "model";
  if (tag == "frugal.dataset") return "dataset";
  if (tag == "mlflow.runName") return "name";
  return nullptr;
}

Result<std::vector<std::pair<std::string, std::string>>> key_values(const json& body, const char* name, std::size_t limit) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) return fail(ErrorCode::invalid, fmt::format("field '{}': expected an array", name));
  if (it->size() > limit)
    return fail(ErrorCode::invalid, fmt::format("field '{}': {} entries; at most {} a request", name, it->size(), limit));
  for (std::size_t i = 0; i < it->size(); ++i) {
    std::string path = fmt::format("{}[{}]", name, i);
    if (!(*it)[i].is_object()) return fail(ErrorCode::invalid, fmt::format("field '{}': expected an object", path));
    std::string key = FRUGAL_TRY(string_field((*it)[i], "key", path, true));
    std::string value = FRUGAL_TRY(string_field((*it)[i], "value", path, false));
    if (key.empty() || key.size() > 250) return fail(ErrorCode::invalid, fmt::format("field '{}.key': 1 to 250 characters", path));
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

Result<Reply> create_run(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  auto experiment_id = FRUGAL_TRY(experiment_id_field(body, "experiment_id"));
  auto experiment = FRUGAL_TRY(experiment_by(call.store, "id", experiment_id));
  if (!experiment) return fail(ErrorCode::not_found, fmt::format("experiment {} does not exist", experiment_id));
  tracking::RunStart run;
  run.labels.experiment = experiment_id == 0 ? "" : store::as_text((*experiment)[1]);
  run.labels.user = FRUGAL_TRY(string_field(body, "user_id", "", false));
  run.name = FRUGAL_TRY(string_field(body, "run_name", "", false));
  run.started = call.now;
  if (auto start = FRUGAL_TRY(ms_field(body, "start_time", ""))) run.started = *start;
  for (auto& [key, value] : FRUGAL_TRY(key_values(body, "tags", k_batch_tags))) {
    if (key == "mlflow.user" && run.labels.user.empty()) run.labels.user = value;
    else if (key == "frugal.team") run.labels.team = value;
    else if (key == "frugal.project") run.labels.project = value;
    else if (key == "frugal.model") run.labels.model = value;
    else if (key == "frugal.dataset") run.labels.dataset = value;
    else if (key == "mlflow.runName" && run.name.empty()) run.name = value;
    run.tags.emplace_back(key, value);
  }
  if (call.who.role != Role::admin) {
    if (!run.labels.team.empty() && run.labels.team != call.who.team)
      return fail(ErrorCode::forbidden, fmt::format("tag 'frugal.team': this token writes runs of team '{}' only", call.who.team));
    run.labels.team = call.who.team;
  }
  std::string source = "mlflow";
  for (const auto& [k, v] : run.tags)
    if (k == "mlflow.source.name" && !v.empty()) source = v;
  run.command = {source};
  if (run.name.empty()) run.name = "mlflow-run";
  json out;
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    auto id = FRUGAL_TRY(tracking::start_run(s, run));
    out = FRUGAL_TRY(run_json(s, id));
    return {};
  }));
  return Reply{200, {{"run", out}}};
}

Result<Reply> update_run(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  auto id = FRUGAL_TRY(run_field(call, body));
  std::string status = FRUGAL_TRY(string_field(body, "status", "", false));
  std::string name = FRUGAL_TRY(string_field(body, "run_name", "", false));
  std::optional<tracking::RunStatus> ours;
  if (!status.empty()) ours = FRUGAL_TRY(our_status(status));
  auto end_time = FRUGAL_TRY(ms_field(body, "end_time", ""));
  json run;
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    if (!name.empty()) {
      store::Value p[] = {name, id};
      FRUGAL_TRY(s.execute("UPDATE runs SET name = ? WHERE id = ?", p));
    }
    store::Value p[] = {id};
    auto now = FRUGAL_TRY(s.query("SELECT status FROM runs WHERE id = ?", p));
    if (ours && *ours != tracking::RunStatus::running && store::as_text(now.rows.at(0)[0]) == "running") {
      tracking::RunEnd end;
      end.status = *ours;
      end.ended = end_time ? *end_time : call.now;
      FRUGAL_TRY(tracking::finish_run(s, id, end));
    }
    run = FRUGAL_TRY(run_json(s, id));
    return {};
  }));
  return Reply{200, {{"run_info", run["info"]}}};
}

Result<Reply> get_run(Call& call) {
  auto f = FRUGAL_TRY(fields(call));
  auto id = FRUGAL_TRY(run_field(call, f));
  return Reply{200, {{"run", FRUGAL_TRY(run_json(call.store, id))}}};
}

struct MetricPoint {
  std::string key;
  double value;
  std::int64_t timestamp, step;
};

Result<MetricPoint> metric_point(const json& m, const std::string& path, TimePoint now) {
  MetricPoint p;
  p.key = FRUGAL_TRY(string_field(m, "key", path, true));
  if (p.key.empty() || p.key.size() > 250) return fail(ErrorCode::invalid, fmt::format("field '{}.key': 1 to 250 characters", path));
  p.value = *FRUGAL_TRY(number_field(m, "value", path, true));
  p.timestamp = epoch_ms(FRUGAL_TRY(ms_field(m, "timestamp", path)).value_or(now));
  p.step = FRUGAL_TRY(integer_field(m, "step", path, false)).value_or(0);
  return p;
}

// Writes metrics, params and tags of one run in one transaction: all or nothing.
Result<void> write_batch(Call& call, std::int64_t id, const std::vector<MetricPoint>& metrics,
                         const std::vector<std::pair<std::string, std::string>>& params,
                         const std::vector<std::pair<std::string, std::string>>& tags) {
  for (const auto& [key, value] : tags)
    if (key == "frugal.team" && call.who.role != Role::admin && value != call.who.team)
      return fail(ErrorCode::forbidden, fmt::format("tag 'frugal.team': this token writes runs of team '{}' only", call.who.team));
  return call.write([&](store::Store& store) -> Result<void> {
    if (!metrics.empty()) {
      auto insert = FRUGAL_TRY(store.prepare("INSERT INTO metrics (run_id, key, step, time, value) VALUES (?, ?, ?, ?, ?)"));
      for (const auto& m : metrics) {
        store::Value v[] = {id, m.key, m.step, format_utc(from_ms(m.timestamp)), std::isnan(m.value) ? store::Value{} : store::Value{m.value}};
        FRUGAL_TRY(insert->execute(v));
      }
    }
    for (const auto& [key, value] : params) {  // MLflow params are immutable: the same value again is fine
      store::Value p[] = {id, key};
      auto old = FRUGAL_TRY(store.query("SELECT value FROM params WHERE run_id = ? AND key = ?", p));
      if (!old.rows.empty()) {
        if (store::as_text(old.rows[0][0]) != value)
          return fail(ErrorCode::invalid, fmt::format("param '{}' was already logged as '{}'; params cannot change", key,
                                                      store::as_text(old.rows[0][0])));
        continue;
      }
      store::Value v[] = {id, key, value};
      FRUGAL_TRY(store.execute("INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)", v));
    }
    for (const auto& [key, value] : tags) {
      store::Value del[] = {id, key};
      FRUGAL_TRY(store.execute("DELETE FROM tags WHERE run_id = ? AND key = ?", del));
      store::Value v[] = {id, key, value};
      FRUGAL_TRY(store.execute("INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)", v));
      if (const char* column = label_column(key)) {
        store::Value set[] = {value, id};
        FRUGAL_TRY(store.execute(fmt::format("UPDATE runs SET {} = ? WHERE id = ?", column), set));
      }
    }
    return {};
  });
}

Result<Reply> log_metric(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  auto id = FRUGAL_TRY(run_field(call, body));
  auto point = FRUGAL_TRY(metric_point(body, "", call.now));
  FRUGAL_CHECK(write_batch(call, id, {point}, {}, {}));
  return Reply{200, json::object()};
}

Result<Reply> log_batch(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  auto id = FRUGAL_TRY(run_field(call, body));
  std::vector<MetricPoint> metrics;
  if (auto it = body.find("metrics"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return fail(ErrorCode::invalid, "field 'metrics': expected an array");
    if (it->size() > k_batch_metrics)
      return fail(ErrorCode::invalid, fmt::format("field 'metrics': {} entries; at most {} a request", it->size(), k_batch_metrics));
    for (std::size_t i = 0; i < it->size(); ++i) {
      std::string path = fmt::format("metrics[{}]", i);
      if (!(*it)[i].is_object()) return fail(ErrorCode::invalid, fmt::format("field '{}': expected an object", path));
      metrics.push_back(FRUGAL_TRY(metric_point((*it)[i], path, call.now)));
    }
  }
  auto params = FRUGAL_TRY(key_values(body, "params", k_batch_params));
  auto tags = FRUGAL_TRY(key_values(body, "tags", k_batch_tags));
  if (metrics.size() + params.size() + tags.size() > k_batch_total)
    return fail(ErrorCode::invalid, fmt::format("{} metrics, params and tags together; at most {} a request",
                                                metrics.size() + params.size() + tags.size(), k_batch_total));
  FRUGAL_CHECK(write_batch(call, id, metrics, params, tags));
  return Reply{200, json::object()};
}

Result<Reply> log_parameter(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  auto id = FRUGAL_TRY(run_field(call, body));
  std::string key = FRUGAL_TRY(string_field(body, "key", "", true));
  std::string value = FRUGAL_TRY(string_field(body, "value", "", true));
  FRUGAL_CHECK(write_batch(call, id, {}, {{key, value}}, {}));
  return Reply{200, json::object()};
}

Result<Reply> set_tag(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  auto id = FRUGAL_TRY(run_field(call, body));
  std::string key = FRUGAL_TRY(string_field(body, "key", "", true));
  std::string value = FRUGAL_TRY(string_field(body, "value", "", true));
  FRUGAL_CHECK(write_batch(call, id, {}, {}, {{key, value}}));
  return Reply{200, json::object()};
}

Result<Reply> metric_history(Call& call) {
  auto f = FRUGAL_TRY(fields(call));
  auto id = FRUGAL_TRY(run_field(call, f));
  std::string key = FRUGAL_TRY(string_field(f, "metric_key", "", true));
  store::Value p[] = {id, key};
  json points = json::array();
  FRUGAL_CHECK(call.store.for_each_row("SELECT value, time, step FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, time "
                                       "LIMIT 100000",  // one answer's worth; /api/v1/runs/{id}/series draws longer curves
                                       p,
                                       [&](const store::Row& r) {
                                         points.push_back({{"key", key},
                                                           {"value", store::is_null(r[0]) ? json("NaN") : json(std::get<double>(r[0]))},
                                                           {"timestamp", ms_of_text(store::as_text(r[1]))},
                                                           {"step", store::as_int(r[2])}});
                                         return true;
                                       }));
  return Reply{200, {{"metrics", points}}};
}

// ---- search --------------------------------------------------------------------------------

// One comparison of a search filter: `metrics.loss < 0.5`, `params.lr = '0.1'`,
// `tags.\`team name\` != 'x'`, `attributes.status = 'FINISHED'`.
struct Clause {
  std::string kind, key, op;
  std::string text;
  std::optional<double> number;
};

std::string_view skip_space(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

Result<std::string> take_name(std::string_view& s) {
  s = skip_space(s);
  if (!s.empty() && (s.front() == '`' || s.front() == '"')) {
    char q = s.front();
    auto end = s.find(q, 1);
    if (end == std::string_view::npos) return fail(ErrorCode::invalid, "filter: an unclosed quoted name");
    std::string name(s.substr(1, end - 1));
    s.remove_prefix(end + 1);
    return name;
  }
  std::size_t n = 0;
  while (n < s.size() && (std::isalnum(static_cast<unsigned char>(s[n])) || s[n] == '_' || s[n] == '.' || s[n] == '-' || s[n] == '/'))
    ++n;
  if (n == 0) return fail(ErrorCode::invalid, fmt::format("filter: expected a name at '{}'", s.substr(0, 20)));
  std::string name(s.substr(0, n));
  s.remove_prefix(n);
  return name;
}

Result<std::vector<Clause>> parse_filter(std::string_view s) {
  std::vector<Clause> out;
  s = skip_space(s);
  while (!s.empty()) {
    Clause c;
    std::string ident = FRUGAL_TRY(take_name(s));
    auto dot = ident.find('.');
    if (dot == std::string::npos) return fail(ErrorCode::invalid, fmt::format("filter: '{}' needs a prefix (metrics., params., tags., attributes.)", ident));
    std::string prefix = ident.substr(0, dot);
    if (prefix == "metric" || prefix == "metrics") c.kind = "metrics";
    else if (prefix == "param" || prefix == "params" || prefix == "parameter" || prefix == "parameters") c.kind = "params";
    else if (prefix == "tag" || prefix == "tags") c.kind = "tags";
    else if (prefix == "attribute" || prefix == "attributes" || prefix == "attr" || prefix == "run") c.kind = "attributes";
    else return fail(ErrorCode::invalid, fmt::format("filter: unknown prefix '{}'", prefix));
    c.key = ident.substr(dot + 1);
    if (c.key.empty()) {  // tags.`name with spaces`
      c.key = FRUGAL_TRY(take_name(s));
    }
    s = skip_space(s);
    for (std::string_view op : {"!=", ">=", "<=", "=", ">", "<"})
      if (s.starts_with(op)) {
        c.op = op;
        s.remove_prefix(op.size());
        break;
      }
    if (c.op.empty()) {
      for (std::string_view op : {"ILIKE", "LIKE"})
        if (s.size() >= op.size() && util::iequals(s.substr(0, op.size()), op)) {
          c.op = op;
          s.remove_prefix(op.size());
          break;
        }
    }
    if (c.op.empty()) return fail(ErrorCode::invalid, fmt::format("filter: expected a comparison after '{}'", ident));
    s = skip_space(s);
    if (!s.empty() && (s.front() == '\'' || s.front() == '"')) {
      char q = s.front();
      auto end = s.find(q, 1);
      if (end == std::string_view::npos) return fail(ErrorCode::invalid, "filter: an unclosed string");
      c.text = std::string(s.substr(1, end - 1));
      s.remove_prefix(end + 1);
    } else {
      std::size_t n = 0;
      while (n < s.size() && !std::isspace(static_cast<unsigned char>(s[n]))) ++n;
      std::string token(s.substr(0, n));
      char* end = nullptr;
      double v = std::strtod(token.c_str(), &end);
      if (token.empty() || end != token.c_str() + token.size())
        return fail(ErrorCode::invalid, fmt::format("filter: '{}' is neither a number nor a quoted string", token));
      c.number = v;
      c.text = token;
      s.remove_prefix(n);
    }
    if (c.kind == "metrics" && !c.number) return fail(ErrorCode::invalid, fmt::format("filter: metrics.{} compares with a number", c.key));
    out.push_back(std::move(c));
    s = skip_space(s);
    if (s.empty()) break;
    if (s.size() < 4 || !util::iequals(s.substr(0, 3), "and") || !std::isspace(static_cast<unsigned char>(s[3])))
      return fail(ErrorCode::invalid, fmt::format("filter: expected AND at '{}' (MLflow filters join with AND only)", s.substr(0, 20)));
    s = skip_space(s.substr(3));
  }
  return out;
}

Result<Reply> search_runs(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  std::string sql = "SELECT r.id FROM runs r LEFT JOIN experiments e ON e.name = r.experiment WHERE 1 = 1";
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
    sql += fmt::format(" AND coalesce(e.id, 0) IN ({})", list);
  }
  if (call.who.role != Role::admin) {
    sql += " AND r.team = ?";
    params.emplace_back(call.who.team);
  }
  std::string filter = FRUGAL_TRY(string_field(body, "filter", "", false));
  for (const auto& c : FRUGAL_TRY(parse_filter(filter))) {
    // MLflow's LIKE is case-sensitive and ILIKE is not. SQLite's LIKE ignores ASCII case; PostgreSQL
    // has both.
    std::string op = c.op == "ILIKE" && call.store.dialect() != "postgresql" ? "LIKE" : c.op;
    if (c.kind == "metrics") {
      if (op.ends_with("LIKE"))
        return fail(ErrorCode::invalid, fmt::format("filter: {} compares text; metrics.{} is a number", op, c.key));
      sql += fmt::format(" AND (SELECT value FROM metrics WHERE run_id = r.id AND key = ? ORDER BY step DESC, time DESC LIMIT 1) {} ?", op);
      params.emplace_back(c.key);
      params.emplace_back(*c.number);
    } else if (c.kind == "params" || c.kind == "tags") {
      sql += fmt::format(" AND (SELECT value FROM {} WHERE run_id = r.id AND key = ?) {} ?", c.kind, op);
      params.emplace_back(c.key);
      params.emplace_back(c.text);
    } else if (c.key == "status") {
      sql += fmt::format(" AND (CASE r.status WHEN 'running' THEN 'RUNNING' WHEN 'finished' THEN 'FINISHED' WHEN 'killed' THEN 'KILLED' "
                         "WHEN 'stopped_early' THEN 'KILLED' ELSE 'FAILED' END) {} ?", op);
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
      if (!c.number) return fail(ErrorCode::invalid, fmt::format("filter: attributes.{} compares with milliseconds", c.key));
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
  std::int64_t max_results = FRUGAL_TRY(integer_field(body, "max_results", "", false)).value_or(1000);
  if (max_results < 1 || max_results > 50000) return fail(ErrorCode::invalid, "field 'max_results': expected 1 to 50000");
  std::int64_t offset = 0;
  std::string token = FRUGAL_TRY(string_field(body, "page_token", "", false));
  if (!token.empty()) {
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), offset);
    if (ec != std::errc() || offset < 0 || offset > 1'000'000'000)
      return fail(ErrorCode::invalid, "field 'page_token': not a token this server gave");
  }
  sql += fmt::format(" LIMIT {} OFFSET {}", max_results + 1, offset);
  auto rows = FRUGAL_TRY(call.store.query(sql, params));
  json runs = json::array();
  for (std::size_t i = 0; i < rows.rows.size() && static_cast<std::int64_t>(i) < max_results; ++i)
    runs.push_back(FRUGAL_TRY(run_json(call.store, store::as_int(rows.rows[i][0]))));
  json out = {{"runs", runs}};
  if (static_cast<std::int64_t>(rows.rows.size()) > max_results) out["next_page_token"] = std::to_string(offset + max_results);
  return Reply{200, out};
}

}  // namespace

void add_mlflow_routes(std::vector<Route>& routes) {
  const std::string base = "/api/2.0/mlflow";
  routes.push_back({"POST", base + "/experiments/create", Access::agent, "MLflow: create an experiment", create_experiment});
  routes.push_back({"GET", base + "/experiments/get-by-name", Access::member, "MLflow: an experiment by name", get_experiment_by_name});
  routes.push_back({"GET", base + "/experiments/get", Access::member, "MLflow: an experiment by id", get_experiment});
  routes.push_back({"GET", base + "/experiments/list", Access::member, "MLflow (before 2.0): every experiment", list_experiments});
  routes.push_back({"POST", base + "/runs/create", Access::agent, "MLflow: start a run (tags frugal.team etc. label it)", create_run});
  routes.push_back({"POST", base + "/runs/update", Access::agent, "MLflow: end or rename a run", update_run});
  routes.push_back({"GET", base + "/runs/get", Access::member, "MLflow: one run", get_run});
  routes.push_back({"POST", base + "/runs/search", Access::member, "MLflow: search runs (AND filters, order_by, paging)", search_runs});
  routes.push_back({"POST", base + "/runs/log-metric", Access::agent, "MLflow: log one metric", log_metric});
  routes.push_back({"POST", base + "/runs/log-batch", Access::agent, "MLflow: log metrics, params and tags at once", log_batch});
  routes.push_back({"POST", base + "/runs/log-parameter", Access::agent, "MLflow: log a parameter", log_parameter});
  routes.push_back({"POST", base + "/runs/set-tag", Access::agent, "MLflow: set a tag", set_tag});
  routes.push_back({"GET", base + "/metrics/get-history", Access::member, "MLflow: a metric's history", metric_history});
}

}  // namespace frugal::server
