// MLflow's tracking REST API (/api/2.0/mlflow/...), so teams keep their MLflow loggers and point
// MLFLOW_TRACKING_URI at Frugal: experiments, runs, params, tags and metrics land in the same
// tables `frugal run` writes, and the tags mlflow.user and frugal.team|project|model|dataset fill
// the run's labels, so cost attaches to MLflow runs. Run ids are our run ids, as strings.
// Limits and error shapes are MLflow's: log-batch ≤ 1000 metrics, 100 params, 100 tags,
// {"error_code", "message"}.
#include <charconv>
#include <cmath>
#include <memory>
#include <fmt/format.h>

#include "core/time.h"
#include "server/mlflow.h"
#include "server/mlflow_batch.h"
#include "server/mlflow_status.h"
#include "server/routes.h"
#include "tracking/tracking.h"
#include "util/strings.h"

namespace frugal::server {
namespace {

std::int64_t epoch_ms(TimePoint t) { return t.time_since_epoch().count(); }

// ---- experiments ---------------------------------------------------------------------------
// Each experiment is a team's or shared (tracking.h): a token sees its team's and the shared ones,
// and one it may not see answers as an absent one does.

// {name, artifact_location, tags}: the experiment is the token's team's; an admin's is shared, or
// the team that tag frugal.team names. Other tags are accepted and not kept.
Result<Reply> create_experiment(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  std::string name = FRUGAL_TRY(string_field(body, "name", "", Field::required));
  if (name.empty()) return fail(ErrorCode::invalid, "field 'name' must not be empty");
  std::string artifacts = FRUGAL_TRY(string_field(body, "artifact_location", "", Field::optional));
  std::optional<std::string> team;
  if (call.who.role != Role::admin) team = call.who.team;
  for (const auto& [key, value] : FRUGAL_TRY(key_values(body, "tags", k_batch_tags)))
    if (key == "frugal.team" && !value.empty()) team = value;
  std::int64_t id = 0;
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    id = FRUGAL_TRY(tracking::create_experiment(s, name, team, artifacts, call.now, writer_of(call.who)));
    return {};
  }));
  return Reply{200, {{"experiment_id", std::to_string(id)}}};
}

Result<Reply> get_experiment_by_name(Call& call) {
  auto f = FRUGAL_TRY(mlflow_fields(call));
  std::string name = FRUGAL_TRY(string_field(f, "experiment_name", "", Field::required));
  auto reader = reader_of(call.who);
  auto found = tracking::find_experiment(call.store, name, reader);
  if (!found && found.error().code == ErrorCode::not_found) {
    // Runs of `frugal run --experiment NAME` (of this token's team) make it an experiment too.
    std::vector<store::Value> p = {name};
    std::string of_team;
    if (reader.team) {
      of_team = " AND team = ?";
      p.emplace_back(*reader.team);
    }
    auto used = FRUGAL_TRY(call.store.query(fmt::format("SELECT 1 FROM runs WHERE experiment = ?{} LIMIT 1", of_team), p));
    if (!used.rows.empty()) {
      FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
        FRUGAL_TRY(tracking::adopt_experiment(s, name, reader, call.now));
        return {};
      }));
      found = tracking::find_experiment(call.store, name, reader);  // committed: this thread's connection sees it
    }
  }
  if (!found) return std::unexpected(found.error());
  return Reply{200, {{"experiment", mlflow_experiment_json(*found)}}};
}

Result<std::int64_t> experiment_id_field(const json& f, const char* name) {
  std::string text = FRUGAL_TRY(string_field(f, name, "", Field::optional));
  if (text.empty()) return tracking::k_default_experiment;
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size())
    return fail(ErrorCode::invalid, fmt::format("field '{}': '{}' is not an experiment id", name, text));
  return id;
}

Result<Reply> get_experiment(Call& call) {
  auto f = FRUGAL_TRY(mlflow_fields(call));
  auto id = FRUGAL_TRY(experiment_id_field(f, "experiment_id"));
  auto found = FRUGAL_TRY(tracking::find_experiment(call.store, id, reader_of(call.who)));
  return Reply{200, {{"experiment", mlflow_experiment_json(found)}}};
}

Result<Reply> list_experiments(Call& call) {
  json out = json::array();
  for (const auto& e : FRUGAL_TRY(tracking::list_experiments(call.store, reader_of(call.who)))) out.push_back(mlflow_experiment_json(e));
  return Reply{200, {{"experiments", out}}};
}

// ---- runs ----------------------------------------------------------------------------------

// The run named by `run_id` (or MLflow's older `run_uuid`), when `who` may touch it.
Result<std::int64_t> run_field(Call& call, const json& f) {
  std::string text = FRUGAL_TRY(string_field(f, "run_id", "", Field::optional));
  if (text.empty()) text = FRUGAL_TRY(string_field(f, "run_uuid", "", Field::optional));
  if (text.empty()) return fail(ErrorCode::invalid, "field 'run_id' is required");
  return run_in_scope(call, text);
}

}  // namespace

std::int64_t mlflow_ms_of_text(const std::string& utc) {
  auto t = parse_utc(utc);
  return t ? epoch_ms(*t) : 0;
}

Result<json> mlflow_fields(const Call& call) {
  if (call.method == "GET") {
    json out = json::object();
    for (const auto& [k, v] : call.query) out[k] = v;
    return out;
  }
  return parse_body(call);
}

// Experiments are never renamed nor retagged here: last updated when made.
json mlflow_experiment_json(const tracking::Experiment& e) {
  json tags = json::array();
  if (e.team) tags.push_back({{"key", "frugal.team"}, {"value", *e.team}});
  std::int64_t created = mlflow_ms_of_text(e.created_at);
  return {{"experiment_id", std::to_string(e.id)}, {"name", e.name}, {"artifact_location", e.artifact_location},
          {"lifecycle_stage", e.lifecycle_stage}, {"creation_time", created}, {"last_update_time", created}, {"tags", tags}};
}

Result<json> mlflow_run_json(store::Store& store, std::int64_t id) {
  auto run = FRUGAL_TRY(tracking::read_run(store, id));
  store::Value p[] = {id};
  auto in = FRUGAL_TRY(store.query(fmt::format("SELECT {} FROM runs r WHERE r.id = ?", tracking::run_experiment_id_sql("r")), p));
  std::int64_t experiment_id = in.rows.empty() ? tracking::k_default_experiment : store::as_int(in.rows[0][0]);
  std::string run_id = std::to_string(id);
  json info = {{"run_id", run_id},
               {"run_uuid", run_id},
               {"experiment_id", std::to_string(experiment_id)},
               {"run_name", run.name},
               {"user_id", run.labels.user},
               {"status", mlflow_status(run.status)},
               {"start_time", mlflow_ms_of_text(run.started_at)},
               {"artifact_uri", ""},
               {"lifecycle_stage", "active"}};
  if (!run.ended_at.empty()) info["end_time"] = mlflow_ms_of_text(run.ended_at);
  json data = {{"metrics", json::array()}, {"params", json::array()}, {"tags", json::array()}};
  for (const auto& m : run.latest_metrics)
    data["metrics"].push_back({{"key", m.key}, {"value", metric_value_json(m.value)}, {"timestamp", mlflow_ms_of_text(m.time)}, {"step", m.step}});
  for (auto [name, pairs] : {std::pair{"params", &run.params}, std::pair{"tags", &run.tags}})
    for (const auto& [key, value] : *pairs) data[name].push_back({{"key", key}, {"value", value}});
  return json{{"info", info}, {"data", data}};
}

namespace {

Result<Reply> create_run(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  auto experiment_id = FRUGAL_TRY(experiment_id_field(body, "experiment_id"));
  // Out of the token's sight is absent: a run cannot be put into another team's experiment.
  auto experiment = FRUGAL_TRY(tracking::find_experiment(call.store, experiment_id, reader_of(call.who)));
  tracking::RunStart run;
  run.labels.experiment = experiment_id == tracking::k_default_experiment ? "" : experiment.name;
  if (experiment.team) run.labels.team = *experiment.team;  // a team's experiment holds that team's runs
  run.labels.user = FRUGAL_TRY(string_field(body, "user_id", "", Field::optional));
  run.name = FRUGAL_TRY(string_field(body, "run_name", "", Field::optional));
  run.started = call.now;
  if (auto start = FRUGAL_TRY(ms_field(body, "start_time", ""))) run.started = *start;
  run.tags = FRUGAL_TRY(key_values(body, "tags", k_batch_tags));
  std::string source = "mlflow";
  bool named = !run.name.empty();
  for (const auto& [k, v] : run.tags) {
    if (k == "mlflow.source.name" && !v.empty()) source = v;
    named = named || (k == "mlflow.runName" && !v.empty());
  }
  run.command = {source};
  if (!named) run.name = "mlflow-run";
  json out;
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    auto id = FRUGAL_TRY(tracking::start_run(s, run, writer_of(call.who)));
    out = FRUGAL_TRY(mlflow_run_json(s, id));
    return {};
  }));
  return Reply{200, {{"run", out}}};
}

Result<Reply> update_run(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  auto id = FRUGAL_TRY(run_field(call, body));
  std::string status = FRUGAL_TRY(string_field(body, "status", "", Field::optional));
  std::string name = FRUGAL_TRY(string_field(body, "run_name", "", Field::optional));
  std::optional<tracking::RunStatus> ours;
  if (!status.empty()) ours = FRUGAL_TRY(status_from_mlflow(status));
  auto end_time = FRUGAL_TRY(ms_field(body, "end_time", ""));
  json run;
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    if (!name.empty()) FRUGAL_CHECK(tracking::set_tags(s, id, {{"mlflow.runName", name}}, writer_of(call.who)));
    auto now = FRUGAL_TRY(tracking::read_run(s, id));
    if (ours && *ours != tracking::RunStatus::running && now.status == tracking::RunStatus::running) {
      tracking::RunEnd end;
      end.status = *ours;
      end.ended = end_time ? *end_time : call.now;
      FRUGAL_TRY(tracking::finish_run(s, id, end));
    }
    run = FRUGAL_TRY(mlflow_run_json(s, id));
    return {};
  }));
  return Reply{200, {{"run_info", run["info"]}}};
}

Result<Reply> get_run(Call& call) {
  auto f = FRUGAL_TRY(mlflow_fields(call));
  auto id = FRUGAL_TRY(run_field(call, f));
  return Reply{200, {{"run", FRUGAL_TRY(mlflow_run_json(call.store, id))}}};
}

// Writes metrics, params and tags of one run in one transaction: all or nothing.
Result<void> write_batch(Call& call, std::int64_t id, const std::vector<tracking::MetricPoint>& metrics,
                         const tracking::KeyValues& params, const tracking::KeyValues& tags) {
  return call.write([&](store::Store& store) -> Result<void> {
    FRUGAL_CHECK(tracking::log_metrics(store, id, metrics));
    FRUGAL_CHECK(tracking::log_params(store, id, params));
    FRUGAL_CHECK(tracking::set_tags(store, id, tags, writer_of(call.who)));
    return {};
  });
}

// Sets `tags` but those `writer` may not set (a label tag naming another team), which are left out
// and named. Any other error fails it all (the caller's transaction undoes what was set).
Result<std::vector<std::string>> set_tags_but_refused(store::Store& store, std::int64_t id, const tracking::KeyValues& tags,
                                                      const tracking::Writer& writer) {
  auto all = tracking::set_tags(store, id, tags, writer);  // checks every tag before it writes one
  if (all) return std::vector<std::string>{};
  if (all.error().code != ErrorCode::forbidden) return std::unexpected(all.error());
  std::vector<std::string> refused;
  for (const auto& tag : tags) {
    auto one = tracking::set_tags(store, id, {tag}, writer);
    if (!one && one.error().code != ErrorCode::forbidden) return std::unexpected(one.error());
    if (!one) refused.push_back(one.error().message);
  }
  return refused;
}

// Writes metrics, params and tags of one run in one transaction, answered once committed without
// holding the handler's thread (Call::write_then). A batch that does not parse was refused whole
// before this (MLflow validates a batch up front); here a tag the token may not set is left out and
// the rest written, and the answer is still a 403 naming it, so the caller learns and loses nothing.
Reply write_batch_then(Call& call, std::int64_t id, std::vector<tracking::MetricPoint> metrics, tracking::KeyValues params,
                       tracking::KeyValues tags) {
  auto refused = std::make_shared<std::vector<std::string>>();
  return call.write_then(
      [id, metrics = std::move(metrics), params = std::move(params), tags = std::move(tags), writer = writer_of(call.who),
       refused](store::Store& store) -> Result<void> {
        FRUGAL_CHECK(tracking::log_metrics(store, id, metrics));
        FRUGAL_CHECK(tracking::log_params(store, id, params));
        *refused = FRUGAL_TRY(set_tags_but_refused(store, id, tags, writer));
        return {};
      },
      [refused]() -> Result<Reply> {
        if (refused->empty()) return Reply{};
        return fail(ErrorCode::forbidden,
                    fmt::format("{}; the rest of the batch was written", util::join(*refused, "; ")));
      });
}

Result<Reply> log_metric(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  auto id = FRUGAL_TRY(run_field(call, body));
  auto point = FRUGAL_TRY(metric_point(body, "", call.now));
  return write_batch_then(call, id, {point}, {}, {});
}

// A body of the plain shape is read without a JSON tree (mlflow_batch.h); any other is parsed
// whole, and its errors name the field.
Result<Reply> log_batch(Call& call) {
  if (auto plain = read_batch_plain(call.body, call.now)) {
    auto id = FRUGAL_TRY(run_in_scope(call, plain->run_id));
    return write_batch_then(call, id, std::move(plain->metrics), std::move(plain->params), std::move(plain->tags));
  }
  auto body = FRUGAL_TRY(parse_body(call));
  auto id = FRUGAL_TRY(run_field(call, body));
  auto batch = FRUGAL_TRY(read_batch_tree(body, call.now));
  return write_batch_then(call, id, std::move(batch.metrics), std::move(batch.params), std::move(batch.tags));
}

Result<Reply> log_parameter(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  auto id = FRUGAL_TRY(run_field(call, body));
  std::string key = FRUGAL_TRY(string_field(body, "key", "", Field::required));
  std::string value = FRUGAL_TRY(string_field(body, "value", "", Field::required));
  FRUGAL_CHECK(write_batch(call, id, {}, {{key, value}}, {}));
  return Reply{200, json::object()};
}

Result<Reply> set_tag(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  auto id = FRUGAL_TRY(run_field(call, body));
  std::string key = FRUGAL_TRY(string_field(body, "key", "", Field::required));
  std::string value = FRUGAL_TRY(string_field(body, "value", "", Field::required));
  FRUGAL_CHECK(write_batch(call, id, {}, {}, {{key, value}}));
  return Reply{200, json::object()};
}

// Every point, by step, in pages (MLflow's client asks 25,000 at a time and follows the token).
Result<Reply> metric_history(Call& call) {
  constexpr std::int64_t k_page = 100'000;  // one answer's worth; /api/v1/runs/{id}/series draws longer curves
  auto f = FRUGAL_TRY(mlflow_fields(call));
  auto id = FRUGAL_TRY(run_field(call, f));
  std::string key = FRUGAL_TRY(string_field(f, "metric_key", "", Field::required));
  std::int64_t max_results = FRUGAL_TRY(integer_field(f, "max_results", "", Field::optional)).value_or(k_page);
  if (max_results < 1 || max_results > k_page)
    return fail(ErrorCode::invalid, fmt::format("field 'max_results': expected 1 to {}", k_page));
  std::int64_t offset = FRUGAL_TRY(mlflow_page_offset(f));
  store::Value p[] = {id, key};
  json points = json::array();
  std::int64_t rows = 0;
  FRUGAL_CHECK(call.store.for_each_row(
      fmt::format("SELECT value, time, step FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, time, value LIMIT {} OFFSET {}",
                  max_results + 1, offset),
      p, [&](const store::Row& r) {
        if (++rows > max_results) return false;
        points.push_back({{"key", key},
                          {"value", metric_value_json(tracking::metric_value(r[0]))},
                          {"timestamp", mlflow_ms_of_text(store::as_text(r[1]))},
                          {"step", store::as_int(r[2])}});
        return true;
      }));
  json out = {{"metrics", points}};
  if (rows > max_results) out["next_page_token"] = std::to_string(offset + max_results);
  return Reply{200, out};
}

// ---- search --------------------------------------------------------------------------------

}  // namespace

// Reading is `any`: an agent's training job reads back what it logs (set_experiment looks its
// experiment up first), and a member reads; both see their team's runs and experiments only (and
// the shared experiments). Writing is an agent's (and an admin's).
void add_mlflow_routes(std::vector<Route>& routes) {
  const std::string base = "/api/2.0/mlflow";
  routes.push_back({"POST", base + "/experiments/create", Access::agent, "MLflow: create an experiment", create_experiment});
  routes.push_back({"GET", base + "/experiments/get-by-name", Access::any, "MLflow: an experiment by name", get_experiment_by_name});
  routes.push_back({"GET", base + "/experiments/get", Access::any, "MLflow: an experiment by id", get_experiment});
  routes.push_back({"GET", base + "/experiments/list", Access::any, "MLflow (before 2.0): every experiment", list_experiments});
  for (const char* method : {"POST", "GET"})
    routes.push_back({method, base + "/experiments/search", Access::any, "MLflow: search experiments (filter, order_by, paging)",
                      mlflow_search_experiments});
  routes.push_back({"POST", base + "/runs/create", Access::agent, "MLflow: start a run (tags frugal.team etc. label it)", create_run});
  routes.push_back({"POST", base + "/runs/update", Access::agent, "MLflow: end or rename a run", update_run});
  routes.push_back({"GET", base + "/runs/get", Access::any, "MLflow: one run", get_run});
  routes.push_back({"POST", base + "/runs/search", Access::any, "MLflow: search runs (AND filters, order_by, paging)", mlflow_search_runs});
  routes.push_back({"POST", base + "/runs/log-metric", Access::agent, "MLflow: log one metric", log_metric, "authorization", true});
  routes.push_back({"POST", base + "/runs/log-batch", Access::agent, "MLflow: log metrics, params and tags at once", log_batch, "authorization", true});
  routes.push_back({"POST", base + "/runs/log-parameter", Access::agent, "MLflow: log a parameter", log_parameter});
  routes.push_back({"POST", base + "/runs/set-tag", Access::agent, "MLflow: set a tag", set_tag});
  routes.push_back({"GET", base + "/metrics/get-history", Access::any, "MLflow: a metric's history", metric_history});
}

}  // namespace frugal::server
