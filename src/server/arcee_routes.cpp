// OptScale's arcee v2 API (/arcee/v2/..., token in `x-api-key`), so a team's `optscale_arcee`
// Python client can send to Frugal: OptScale's open-source ML back end was removed upstream, the
// client remains. A task (or "application") key is the run's experiment, `data` are metrics,
// `proc_stats` samples, `hyperparameters` params, state codes 1–4 statuses. Milestones and stages
// become tags (arcee.milestone.N, arcee.stage.N); a registered dataset or model labels the run.
#include <cmath>
#include <fmt/format.h>

#include "core/time.h"
#include "server/routes.h"
#include "tracking/tracking.h"

namespace frugal::server {
namespace {

// The run in the path, when the token may write it.
Result<std::int64_t> path_run(Call& call) { return run_in_scope(call, call.path_params.at(0)); }

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// A byte count sent as a double, when an int64 holds it: casting NaN or 1e300 is undefined.
std::optional<std::int64_t> whole_bytes(std::optional<double> v) {
  if (!v || !(*v > -9.2e18 && *v < 9.2e18)) return std::nullopt;
  return static_cast<std::int64_t>(*v);
}

Result<Reply> start_run(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  tracking::RunStart run;
  run.labels.experiment = call.path_params.at(0);
  run.name = FRUGAL_TRY(string_field(body, "name", "", Field::optional));
  if (auto c = body.find("command"); c != body.end() && c->is_string() && !c->get<std::string>().empty())
    run.command = {c->get<std::string>()};
  else
    run.command = {"arcee"};
  if (run.name.empty()) run.name = "arcee-run";
  if (auto git = body.find("git"); git != body.end() && git->is_object())
    for (const auto& [k, v] : git->items()) run.tags.emplace_back("arcee.git." + k, text_of(v));
  run.started = call.now;
  std::int64_t id = 0;
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    id = FRUGAL_TRY(tracking::start_run(s, run, writer_of(call.who)));
    return {};
  }));
  return Reply{200, {{"id", std::to_string(id)}}};
}

// {run, data: {metric: value}, platform}: one point per metric, at the next step of each.
Result<Reply> collect(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  auto run_field = body.find("run");
  if (run_field == body.end() || (!run_field->is_string() && !run_field->is_number_integer()))
    return fail(ErrorCode::invalid, "field 'run' is required");
  call.path_params = {text_of(*run_field)};
  auto id = FRUGAL_TRY(path_run(call));
  auto data = body.find("data");
  if (data == body.end() || !data->is_object()) return fail(ErrorCode::invalid, "field 'data': expected an object of metrics");
  std::vector<tracking::MetricPoint> points;  // each at the next step of its key
  for (const auto& [key, value] : data->items()) {
    tracking::MetricPoint p;
    p.key = key;
    // Numbers, and NaN/Infinity as Python's json.dumps writes them (parse_body made them strings).
    p.value = *FRUGAL_TRY(number_field(*data, key, "data", Field::required));
    p.time = call.now;
    points.push_back(std::move(p));
  }
  std::string instance_type, instance_id;
  if (auto platform = body.find("platform"); platform != body.end() && platform->is_object()) {
    instance_type = FRUGAL_TRY(string_field(*platform, "flavor", "platform", Field::optional));
    instance_id = FRUGAL_TRY(string_field(*platform, "instance_id", "platform", Field::optional));
  }
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    FRUGAL_CHECK(tracking::log_metrics(s, id, points));
    return tracking::record_placement(s, id, instance_id, instance_type);  // where it runs: joins it to bills
  }));
  return Reply{200, {{"received", points.size()}}};
}

// {proc_stats: {ps_stats, gpu_stats, proc: {cpu, mem: {rss: {t}}}}}: one sample of the run.
Result<Reply> proc(Call& call) {
  auto id = FRUGAL_TRY(path_run(call));
  auto body = FRUGAL_TRY(parse_body(call));
  auto stats = body.find("proc_stats");
  if (stats == body.end() || !stats->is_object()) return fail(ErrorCode::invalid, "field 'proc_stats': expected an object");
  std::optional<double> cpu;
  std::optional<std::int64_t> rss;
  if (auto p = stats->find("proc"); p != stats->end() && p->is_object()) {
    cpu = FRUGAL_TRY(number_field(*p, "cpu", "proc_stats.proc", Field::optional));
    if (auto mem = p->find("mem"); mem != p->end() && mem->is_object())
      if (auto r = mem->find("rss"); r != mem->end() && r->is_object())
        rss = whole_bytes(FRUGAL_TRY(number_field(*r, "t", "proc_stats.proc.mem.rss", Field::optional)));
  }
  std::optional<double> gpu_load, gpu_mem_mb;
  if (auto g = stats->find("gpu_stats"); g != stats->end() && g->is_object()) {
    gpu_load = FRUGAL_TRY(number_field(*g, "avg_gpu_load", "proc_stats.gpu_stats", Field::optional));
    gpu_mem_mb = FRUGAL_TRY(number_field(*g, "avg_gpu_memory_used", "proc_stats.gpu_stats", Field::optional));
  }
  std::vector<tracking::SampleRow> rows(1);
  rows[0].time = call.now;
  rows[0].cpu_pct = cpu;
  rows[0].rss_bytes = rss;
  if (gpu_load || gpu_mem_mb) {  // arcee averages the GPUs: one row, index 0
    tracking::SampleRow gpu;
    gpu.time = call.now;
    gpu.gpu_index = 0;
    gpu.gpu_util_pct = gpu_load;
    if (gpu_mem_mb) gpu.gpu_mem_bytes = whole_bytes(*gpu_mem_mb * 1024 * 1024);
    rows.push_back(gpu);
  }
  // A sample sent after the run ended is not stored (tracking's rule for late samples).
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    FRUGAL_TRY(tracking::record_samples(s, id, rows));
    return {};
  }));
  return Reply{200, json::object()};
}

Result<tracking::RunStatus> status_of_state(std::int64_t state) {
  switch (state) {
    case 1: return tracking::RunStatus::running;
    case 2: return tracking::RunStatus::finished;
    case 3: return tracking::RunStatus::failed;
    case 4: return tracking::RunStatus::killed;
  }
  return fail(ErrorCode::invalid, fmt::format("field 'state': {} is not 1 (running), 2 (finished), 3 (error) or 4 (aborted)", state));
}

// {tags, hyperparameters, state, finish, reason}
Result<Reply> update(Call& call) {
  auto id = FRUGAL_TRY(path_run(call));
  auto body = FRUGAL_TRY(parse_body(call));
  tracking::KeyValues tags, params;
  for (const auto& [field, into] : {std::pair{"tags", &tags}, std::pair{"hyperparameters", &params}}) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_object()) return fail(ErrorCode::invalid, fmt::format("field '{}': expected an object", field));
    for (const auto& [k, v] : it->items()) into->emplace_back(k, text_of(v));
  }
  std::optional<tracking::RunStatus> status;
  if (auto state = FRUGAL_TRY(integer_field(body, "state", "", Field::optional))) status = FRUGAL_TRY(status_of_state(*state));
  bool finish = false;
  if (auto f = body.find("finish"); f != body.end() && f->is_boolean()) finish = f->get<bool>();
  std::string reason = FRUGAL_TRY(string_field(body, "reason", "", Field::optional));
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    FRUGAL_CHECK(tracking::set_tags(s, id, tags, writer_of(call.who)));
    FRUGAL_CHECK(tracking::log_params(s, id, params));
    bool running = FRUGAL_TRY(tracking::read_run(s, id)).status == tracking::RunStatus::running;
    if (running && ((status && *status != tracking::RunStatus::running) || finish)) {
      tracking::RunEnd end;
      end.status = status && *status != tracking::RunStatus::running ? *status : tracking::RunStatus::finished;
      end.ended = call.now;
      end.stop_reason = reason;
      FRUGAL_TRY(tracking::finish_run(s, id, end));
    }
    return {};
  }));
  return Reply{200, json::object()};
}

// Milestones and stages: numbered tags, in the order they came.
Handler numbered_tag(const std::string& field, const std::string& prefix) {
  return [field, prefix](Call& call) -> Result<Reply> {
    auto id = FRUGAL_TRY(path_run(call));
    auto body = FRUGAL_TRY(parse_body(call));
    std::string value = FRUGAL_TRY(string_field(body, field, "", Field::required));
    FRUGAL_CHECK(call.write([&](store::Store& s) { return tracking::append_numbered_tag(s, id, prefix, value); }));
    return Reply{200, json::object()};
  };
}

// A run's label from a field of the body (dataset_register: name or path) or of the path (model):
// set as its label tag (frugal.dataset, frugal.model), as any client's tag would.
Result<Reply> label_run(Call& call, const char* tag, const std::string& value) {
  auto id = FRUGAL_TRY(path_run(call));
  if (value.empty()) return fail(ErrorCode::invalid, fmt::format("a name for tag '{}' is required", tag));
  FRUGAL_CHECK(call.write([&](store::Store& s) { return tracking::set_tags(s, id, {{tag, value}}, writer_of(call.who)); }));
  return Reply{200, json::object()};
}

Result<Reply> dataset_register(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  std::string name = FRUGAL_TRY(string_field(body, "name", "", Field::optional));
  if (name.empty()) name = FRUGAL_TRY(string_field(body, "path", "", Field::required));
  return label_run(call, "frugal.dataset", name);
}

Result<Reply> model_version(Call& call) { return label_run(call, "frugal.model", call.path_params.at(1)); }

// Console output and artifacts are not kept (Frugal tracks cost, not files); the calls succeed so
// the client goes on.
Result<Reply> accepted(Call& call) {
  FRUGAL_TRY(parse_body(call));
  return Reply{200, json::object()};
}

Result<Reply> model_or_artifact(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  std::string key = FRUGAL_TRY(string_field(body, "key", "", Field::optional));
  if (key.empty() && !call.path_params.empty()) key = call.path_params.back();
  return Reply{200, {{"_id", key.empty() ? std::string("artifact") : key}, {"key", key}}};
}

void add(std::vector<Route>& routes, std::string method, const std::string& path, const std::string& summary, Handler handler) {
  routes.push_back({std::move(method), "/arcee/v2" + path, Access::agent, "OptScale arcee: " + summary, std::move(handler),
                    "x-api-key"});
}

}  // namespace

void add_arcee_routes(std::vector<Route>& routes) {
  add(routes, "POST", "/tasks/{task_key}/run", "start a run of a task (the run's experiment)", start_run);
  add(routes, "POST", "/applications/{task_key}/run", "start a run (newer clients' name for tasks)", start_run);
  add(routes, "POST", "/collect", "metrics of a run: data {name: value}", collect);
  add(routes, "POST", "/run/{id}/proc", "a resource sample: proc_stats", proc);
  add(routes, "PATCH", "/run/{id}", "tags, hyperparameters, state 1–4, finish", update);
  add(routes, "POST", "/run/{id}/milestones", "a milestone (tag arcee.milestone.N)", numbered_tag("milestone", "arcee.milestone"));
  add(routes, "POST", "/run/{id}/stages", "a stage (tag arcee.stage.N)", numbered_tag("stage", "arcee.stage"));
  add(routes, "POST", "/run/{id}/dataset_register", "the dataset a run reads (its dataset label)", dataset_register);
  add(routes, "POST", "/run/{id}/consoles", "console output (accepted, not kept)", accepted);
  add(routes, "POST", "/models", "a model key (accepted)", model_or_artifact);
  add(routes, "POST", "/runs/{id}/models/{model}/version", "the model a run trains (its model label)", model_version);
  add(routes, "PATCH", "/runs/{id}/models/{model}/version", "the model a run trains (its model label)", model_version);
  add(routes, "POST", "/artifacts", "an artifact (accepted, not kept)", model_or_artifact);
  add(routes, "PATCH", "/artifacts/{artifact}", "an artifact (accepted, not kept)", model_or_artifact);
}

}  // namespace frugal::server
