// What each dollar bought, over HTTP as `frugal value` answers it: an experiment's runs, their
// quality against their cost and the Pareto frontier. A member sees its own team's runs.
#include <cmath>
#include <fmt/format.h>

#include "core/time.h"
#include "server/routes.h"
#include "value/value.h"

namespace frugal::server {
namespace {

json money_or_null(const std::optional<Money>& m) { return m ? json(m->to_string()) : json(nullptr); }
json id_or_null(const std::optional<std::int64_t>& id) { return id ? json(*id) : json(nullptr); }

json run_json(const value::RunValue& r) {
  return {{"run_id", r.run_id},
          {"name", r.name},
          {"user", r.user},
          {"team", r.team},
          {"project", r.project},
          {"model", r.model},
          {"status", r.status},
          {"started_at", r.started_at},
          {"cost_usd", money_or_null(r.cost)},
          {"value", r.value && std::isfinite(*r.value) ? json(*r.value) : json(nullptr)},
          {"step", r.step},
          {"cost_to_within_usd", money_or_null(r.cost_to_within)},
          {"on_frontier", r.value && r.cost ? json(r.on_frontier) : json(nullptr)},
          {"dominated_by", id_or_null(r.dominated_by)},
          {"direction_from", r.direction_from}};
}

Result<Reply> experiment_value(Call& call) {
  value::Query q;
  q.experiment = query_or(call, "experiment", "");
  if (q.experiment.empty()) return fail(ErrorCode::invalid, "query 'experiment' is required");
  std::string metric = query_or(call, "metric", "");
  if (metric.empty()) return fail(ErrorCode::invalid, "query 'metric' is required (val_acc:max, val_loss:min)");
  auto parsed = value::parse_metric(metric);
  if (!parsed) return fail(ErrorCode::invalid, fmt::format("query 'metric': {}", parsed.error().message));
  std::tie(q.metric, q.direction) = *parsed;
  std::string at = query_or(call, "at", "best");
  if (at != "best" && at != "last") return fail(ErrorCode::invalid, "query 'at': best or last");
  q.at = at == "last" ? value::At::last : value::At::best;
  std::string within = query_or(call, "within", "1");
  char* end = nullptr;
  double pct = std::strtod(within.c_str(), &end);
  if (within.empty() || end != within.c_str() + within.size() || !(pct >= 0 && pct < 100))
    return fail(ErrorCode::invalid, "query 'within': a percentage from 0 to below 100");
  q.within = pct / 100;
  // No window: every run of the experiment, whenever it started.
  std::string since = query_or(call, "since", ""), until = query_or(call, "until", "");
  if (!since.empty() || !until.empty()) {
    auto window = parse_window(since.empty() ? "1970-01-01" : since, until, call.now);
    if (!window) return fail(ErrorCode::invalid, fmt::format("query 'since'/'until': {}", window.error().message));
    std::tie(q.since, q.until) = *window;
  }
  if (call.who.role != Role::admin) q.team = call.who.team;  // a member: its team's runs alone
  auto report = FRUGAL_TRY(value::experiment_value(call.store, q));
  json runs = json::array(), apart = json::array();
  for (const auto& r : report.runs) runs.push_back(run_json(r));
  for (const auto& r : report.apart) apart.push_back(run_json(r));
  const value::Summary& s = report.summary;
  return Reply{200,
               {{"experiment", q.experiment},
                {"metric", q.metric},
                {"direction", report.direction == value::Direction::max ? "max" : "min"},
                {"within_pct", pct},
                {"summary",
                 {{"runs", s.runs},
                  {"placed", s.placed},
                  {"best_run", id_or_null(s.best_run)},
                  {"cheapest_within_run", id_or_null(s.cheapest_within_run)},
                  {"total_cost_usd", s.total_cost.to_string()},
                  {"dominated_cost_usd", s.dominated_cost.to_string()},
                  {"early_stop_saving_usd", s.early_stop_saving.to_string()}}},
                {"runs", runs},
                {"apart", apart}}};
}

}  // namespace

void add_value_routes(std::vector<Route>& routes) {
  routes.push_back({"GET", "/api/v1/value", Access::member,
                    "an experiment's runs, quality against cost, the Pareto frontier: experiment, metric, at, within, since, until",
                    experiment_value});
}

}  // namespace frugal::server
