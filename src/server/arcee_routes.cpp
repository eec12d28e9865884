// OptScale's arcee v2 API (/arcee/v2/..., token in `x-api-key`), so a team's `optscale_arcee`
// Python client can send to Frugal: OptScale's open-source ML back end was removed upstream, the
// client remains. A task (or "application") key is the run's experiment, `data` are metrics,
// `proc_stats` samples, `hyperparameters` params, state codes 1–4 statuses. Milestones and stages
// become tags (arcee.milestone.N, arcee.stage.N); a registered dataset or model labels the run.
// Bodies are read as the client writes them (json.dumps: bare NaN and ±Infinity, lenient_json.h);
// `platform` says where the run runs and prices it from the catalog, as `frugal run` is priced.
#include <cmath>
#include <fmt/format.h>

#include "catalog/catalog.h"
#include "core/time.h"
#include "server/lenient_json.h"
#include "server/routes.h"
#include "tracking/tracking.h"
#include "util/strings.h"

namespace frugal::server {
namespace {

// The run an arcee call names, when the token may write it. One that does not exist and another
// team's are the same 404, so a token learns nothing of other teams' runs.
Result<std::int64_t> arcee_run(const Call& call, const std::string& id_text) {
  auto id = run_in_scope(call, id_text);
  if (!id && id.error().code == ErrorCode::forbidden)
    return fail(ErrorCode::not_found, fmt::format("run '{}' does not exist", id_text));
  return id;
}

// The run in the path.
Result<std::int64_t> path_run(Call& call) { return arcee_run(call, call.path_params.at(0)); }

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// A byte count sent as a double, when an int64 holds it: casting NaN or 1e300 is undefined.
std::optional<std::int64_t> whole_bytes(std::optional<double> v) {
  if (!v || !(*v > -9.2e18 && *v < 9.2e18)) return std::nullopt;
  return static_cast<std::int64_t>(*v);
}

// Where a run runs, from a body's `platform`, and why its instance type has no price.
struct Where {
  tracking::Placement placement;
  std::string unpriced{};  // "": priced, or nothing to price
};

// Whether run `id` still waits for a price: one catalog look-up per run, not per heartbeat.
Result<bool> needs_price(const Call& call, std::int64_t id) {
  store::Value p[] = {id};
  auto rows = FRUGAL_TRY(
      call.store.query("SELECT 1 FROM runs WHERE id = ? AND status = 'running' AND hourly_price_nanos IS NULL", p));
  return !rows.rows.empty();
}

// The catalog's price of the placement's type where it runs; else on demand (a spot price the
// catalog lacks); else in the provider's cheapest region (a region it lacks): an estimate beats a
// run that shows $0. The first refusal when none prices it.
using PriceFound = std::pair<catalog::InstancePrice, catalog::Pricing>;
Result<PriceFound> look_up_price(store::Store& store, const tracking::Placement& p, catalog::Pricing wanted) {
  std::vector<std::pair<std::string, catalog::Pricing>> tries = {{p.region, wanted}};
  if (wanted == catalog::Pricing::spot) tries.emplace_back(p.region, catalog::Pricing::on_demand);
  if (!p.region.empty()) {
    tries.emplace_back("", wanted);
    if (wanted == catalog::Pricing::spot) tries.emplace_back("", catalog::Pricing::on_demand);
  }
  std::optional<Error> first;
  for (const auto& [region, pricing] : tries) {
    auto price = catalog::price_of(store, p.instance_type, region, p.provider, pricing);
    if (price) return std::pair{*price, pricing};
    if (price.error().code != ErrorCode::not_found) return std::unexpected(price.error());
    if (!first) first = price.error();
  }
  return std::unexpected(*first);
}

// `platform` as the client's collectors fill it: platform_type (aws, gcp, azure, alibaba; unknown
// off-cloud), instance_id, instance_type, instance_region, instance_lc (OnDemand, Spot, ...); older
// senders wrote flavor and region. Off-cloud the client sends the host name as instance_id: that is
// the run's host, and only an id of the provider's shape joins the run to bills.
Result<Where> where_of(const Call& call, const json& body, std::int64_t run_id) {
  Where where;
  auto platform = body.find("platform");
  if (platform == body.end() || !platform->is_object()) return where;
  auto field = [&](const char* name) { return string_field(*platform, name, "platform", Field::optional); };
  tracking::Placement& p = where.placement;
  std::string kind = FRUGAL_TRY(field("platform_type"));
  std::string id = FRUGAL_TRY(field("instance_id"));
  std::string lifecycle = FRUGAL_TRY(field("instance_lc"));
  p.instance_type = FRUGAL_TRY(field("instance_type"));
  if (p.instance_type.empty()) p.instance_type = FRUGAL_TRY(field("flavor"));
  p.region = FRUGAL_TRY(field("instance_region"));
  if (p.region.empty()) p.region = FRUGAL_TRY(field("region"));
  if (kind == "aws" || kind == "gcp" || kind == "azure" || kind == "alibaba") p.provider = kind;
  if (kind == "unknown") p.host = id;
  else if (tracking::is_cloud_instance_id(p.provider, id)) p.instance_id = id;

  if (p.instance_type.empty() || !FRUGAL_TRY(needs_price(call, run_id))) return where;
  bool spot = lifecycle == "Spot" || lifecycle == "Preemptible";
  auto wanted = spot ? catalog::Pricing::spot : catalog::Pricing::on_demand;
  auto found = look_up_price(call.store, p, wanted);
  if (!found) {
    if (found.error().code != ErrorCode::not_found) return std::unexpected(found.error());
    where.unpriced = found.error().message;
    return where;
  }
  const auto& [price, pricing] = *found;
  p.hourly_price = price.hourly;
  p.pricing = pricing == catalog::Pricing::spot ? tracking::PricingModel::spot : tracking::PricingModel::on_demand;
  p.price_source = price.source;
  if (!p.region.empty() && price.region != p.region) p.price_source += fmt::format(" ({}'s price)", price.region);
  p.instance_gpu_count = price.instance_gpu_count;
  if (p.provider.empty()) p.provider = price.provider;
  return where;
}

Result<Reply> start_run(Call& call) {
  auto body = FRUGAL_TRY(parse_body_lenient(call));
  tracking::RunStart run;
  run.labels.experiment = call.path_params.at(0);
  run.name = FRUGAL_TRY(string_field(body, "name", "", Field::optional));
  if (auto c = body.find("command"); c != body.end() && c->is_string() && !c->get<std::string>().empty()) {
    FRUGAL_CHECK(check_text(c->get_ref<const std::string&>(), "command"));
    run.command = {c->get<std::string>()};
  }
  if (run.command.empty()) run.command = {"arcee"};
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

// A value of `data` as a metric: a number, or NaN/Infinity as json.dumps writes them (read as strings).
std::optional<double> metric_of(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) return util::parse_non_finite(value.get_ref<const std::string&>());
  return std::nullopt;
}

// What a value that is not a number is, for the reply: true, null, a string, an array.
std::string kind_of(const json& value) {
  if (value.is_boolean() || value.is_null()) return value.dump();
  if (value.is_string()) return "a string";
  return value.is_object() ? "an object" : "an array";
}

// {project, run, data: {metric: value}, platform}: one point per metric, at the next step of each.
// A value that is not a number (true, null, "low") or a key out of bounds is skipped and named in
// the reply's `skipped`; the others are kept, so one odd value never costs a job its metrics.
Result<Reply> collect(Call& call) {
  auto body = FRUGAL_TRY(parse_body_lenient(call));
  auto run_field = body.find("run");
  if (run_field == body.end() || (!run_field->is_string() && !run_field->is_number_integer()))
    return fail(ErrorCode::invalid, "field 'run' is required");
  auto id = FRUGAL_TRY(arcee_run(call, text_of(*run_field)));
  auto data = body.find("data");
  if (data == body.end() || !data->is_object()) return fail(ErrorCode::invalid, "field 'data': expected an object of metrics");
  std::vector<tracking::MetricPoint> points;  // each at the next step of its key
  json skipped = json::array();
  for (const auto& [key, value] : data->items()) {
    auto number = metric_of(value);
    auto key_ok = tracking::check_metric_key(key);
    if (!key_ok || !number) {
      std::string why = !key_ok ? key_ok.error().message
                                : fmt::format("field 'data.{}': expected a number, got {}", key, kind_of(value));
      skipped.push_back({{"key", key}, {"message", why}});
      continue;
    }
    tracking::MetricPoint p;
    p.key = key;
    p.value = *number;
    p.time = call.now;
    points.push_back(std::move(p));
  }
  auto where = FRUGAL_TRY(where_of(call, body, id));
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    FRUGAL_CHECK(tracking::log_metrics(s, id, points));
    FRUGAL_CHECK(tracking::record_placement(s, id, where.placement));  // joins the run to bills, prices it
    return tracking::meter_cost(s, id, call.now);
  }));
  Reply reply{200, {{"received", points.size()}, {"skipped", std::move(skipped)}}};
  if (!where.unpriced.empty()) reply.body["unpriced"] = where.unpriced;
  return reply;
}

// The cores the client divided the process's CPU by (ps_stats.cpu_count), when it says.
Result<std::optional<std::int64_t>> cores_of(const json& stats) {
  constexpr std::int64_t k_max_cores = 65536;
  auto ps = stats.find("ps_stats");
  if (ps == stats.end() || !ps->is_object()) return std::optional<std::int64_t>{};
  auto cores = FRUGAL_TRY(integer_field(*ps, "cpu_count", "proc_stats.ps_stats", Field::optional));
  if (cores && (*cores < 1 || *cores > k_max_cores))
    return fail(ErrorCode::invalid,
                fmt::format("field 'proc_stats.ps_stats.cpu_count': {} cores; expected 1 to {}", *cores, k_max_cores));
  return cores;
}

// {platform, proc_stats: {ps_stats: {cpu_count}, gpu_stats, proc: {cpu, mem: {rss: {t}}}}}: one
// sample of the run, taken now. The client divides the process's CPU by the machine's cores; a
// sample holds % of one core, so it is multiplied back. One after the run ended is refused (409).
Result<Reply> proc(Call& call) {
  auto id = FRUGAL_TRY(path_run(call));
  auto body = FRUGAL_TRY(parse_body_lenient(call));
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
  if (auto cores = FRUGAL_TRY(cores_of(*stats)); cpu && cores) *cpu *= static_cast<double>(*cores);
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
  auto where = FRUGAL_TRY(where_of(call, body, id));
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    FRUGAL_TRY(tracking::record_samples(s, id, rows, tracking::LateSample::refuse));
    FRUGAL_CHECK(tracking::record_placement(s, id, where.placement));
    return tracking::meter_cost(s, id, call.now);
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
  auto body = FRUGAL_TRY(parse_body_lenient(call));
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
    auto body = FRUGAL_TRY(parse_body_lenient(call));
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
  auto body = FRUGAL_TRY(parse_body_lenient(call));
  std::string name = FRUGAL_TRY(string_field(body, "name", "", Field::optional));
  if (name.empty()) name = FRUGAL_TRY(string_field(body, "path", "", Field::required));
  return label_run(call, "frugal.dataset", name);
}

Result<Reply> model_version(Call& call) { return label_run(call, "frugal.model", call.path_params.at(1)); }

// Console output and artifacts are not kept (Frugal tracks cost, not files); the calls succeed so
// the client goes on.
Result<Reply> accepted(Call& call) {
  FRUGAL_TRY(parse_body_lenient(call));
  return Reply{200, json::object()};
}

Result<Reply> model_or_artifact(Call& call) {
  auto body = FRUGAL_TRY(parse_body_lenient(call));
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
  add(routes, "POST", "/collect", "metrics of a run: data {name: value} (non-numbers skipped, named in the reply); platform prices it",
      collect);
  add(routes, "POST", "/run/{id}/proc", "a resource sample: proc_stats (409 once the run ended); platform prices it", proc);
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
