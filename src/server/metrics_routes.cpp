// GET /metrics: Prometheus text exposition (version 0.0.4) of what a platform team alerts on:
// spend this month per team and project, quota use, active runs and their GPU utilisation, and
// what the caches saved.
#include <algorithm>
#include <fmt/format.h>
#include <map>

#include "budget/budget.h"
#include "core/run_cost.h"
#include "core/time.h"
#include "server/routes.h"

namespace frugal::server {
namespace {

// A label value as the format requires: backslash, double quote and newline escaped.
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

std::string number(double v) { return fmt::format("{}", v); }

struct Family {
  std::string text;
  Family(std::string_view name, std::string_view type, std::string_view help) {
    text = fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void add(std::string_view name, const std::vector<std::pair<std::string_view, std::string>>& labels, double value) {
    text += name;
    if (!labels.empty()) {
      text += '{';
      for (std::size_t i = 0; i < labels.size(); ++i)
        text += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first, label(labels[i].second));
      text += '}';
    }
    text += ' ' + number(value) + '\n';
  }
};

Result<Reply> metrics(Call& call) {
  auto [month_start, month_end] = budget::period_bounds(budget::Period::monthly, call.now);
  std::string out;

  Family cost("frugal_cost_usd", "gauge",
              "Estimated cost of runs started this calendar month (UTC), by team and project; a running run counts its cost so far.");
  store::Value window[] = {format_utc(month_start), format_utc(month_end)};
  // Nano-dollars per (team, project), summed exactly; a running run's cost is what it has cost by
  // now from its price (what was metered last, when it has no price), as quotas count it.
  std::map<std::pair<std::string, std::string>, std::int64_t> nanos;
  FRUGAL_CHECK(call.store.for_each_row(
      "SELECT coalesce(team, ''), coalesce(project, ''), status, coalesce(cost_nanos, 0), started_at, hourly_price_nanos, "
      "gpu_count, instance_gpu_count FROM runs WHERE started_at >= ? AND started_at < ?",
      window, [&](const store::Row& r) {
        std::int64_t run_nanos = store::as_int(r[3]);
        if (store::as_text(r[2]) == "running" && !store::is_null(r[5])) {
          if (auto started = parse_utc(store::as_text(r[4]))) {
            std::int64_t elapsed_ms = std::max<std::int64_t>(0, (call.now - *started).count());
            run_nanos = std::max(run_nanos, run_cost(Money::from_nanos(store::as_int(r[5])), elapsed_ms, static_cast<int>(store::as_int(r[6])),
                                                     static_cast<int>(store::as_int(r[7])))
                                                .nanos());
          }
        }
        nanos[{store::as_text(r[0]), store::as_text(r[1])}] += run_nanos;
        return true;
      }));
  for (const auto& [labels, total] : nanos)
    cost.add("frugal_cost_usd", {{"team", labels.first}, {"project", labels.second}, {"period", "month"}},
             static_cast<double>(total) / 1e9);
  out += cost.text;

  Family quota("frugal_quota_used_ratio", "gauge", "Spend (or GPU-hours) over the quota's limit in its current period.");
  for (const auto& u : FRUGAL_TRY(budget::quota_usage(call.store, call.now))) {
    std::vector<std::pair<std::string_view, std::string>> labels = {
        {"scope", std::string(budget::scope_name(u.quota.scope))}, {"name", u.quota.name},
        {"period", std::string(budget::period_name(u.quota.period))}};
    if (u.quota.limit && u.quota.limit->nanos() > 0) {
      auto with = labels;
      with.emplace_back("limit", "usd");
      quota.add("frugal_quota_used_ratio", with, u.spent.to_double() / u.quota.limit->to_double());
    }
    if (u.quota.gpu_hours && *u.quota.gpu_hours > 0) {
      auto with = labels;
      with.emplace_back("limit", "gpu_hours");
      quota.add("frugal_quota_used_ratio", with, u.gpu_hours / *u.quota.gpu_hours);
    }
  }
  out += quota.text;

  Family active("frugal_active_runs", "gauge", "Runs running now, by team.");
  auto running = FRUGAL_TRY(call.store.query(
      "SELECT coalesce(team, ''), count(*) FROM runs WHERE status = 'running' GROUP BY 1 ORDER BY 1"));
  for (const auto& r : running.rows) active.add("frugal_active_runs", {{"team", store::as_text(r[0])}}, static_cast<double>(store::as_int(r[1])));
  out += active.text;

  Family util("frugal_run_gpu_utilization_percent", "gauge", "Latest mean GPU utilisation of each running run.");
  auto gpus = FRUGAL_TRY(call.store.query(
      "SELECT r.id, coalesce(r.team, ''), avg(s.gpu_util_pct) FROM runs r JOIN samples s ON s.run_id = r.id "
      "WHERE r.status = 'running' AND s.gpu_index IS NOT NULL "
      "AND s.time = (SELECT max(time) FROM samples WHERE run_id = r.id AND gpu_index IS NOT NULL) GROUP BY r.id ORDER BY r.id"));
  for (const auto& r : gpus.rows)
    util.add("frugal_run_gpu_utilization_percent", {{"run_id", store::as_text(r[0])}, {"team", store::as_text(r[1])}},
             store::is_null(r[2]) ? 0.0 : std::get<double>(r[2]));
  out += util.text;

  Family saved("frugal_cache_saved_usd_total", "counter", "Money the caches saved since the store began: compute not rerun, egress not paid.");
  auto compute = FRUGAL_TRY(call.store.query("SELECT coalesce(sum(saved_nanos), 0) FROM cache_events WHERE kind = 'hit'"));
  auto egress = FRUGAL_TRY(call.store.query("SELECT coalesce(sum(avoided_nanos), 0) FROM data_events WHERE kind = 'hit'"));
  saved.add("frugal_cache_saved_usd_total", {{"kind", "compute"}}, static_cast<double>(store::as_int(compute.rows.at(0)[0])) / 1e9);
  saved.add("frugal_cache_saved_usd_total", {{"kind", "egress"}}, static_cast<double>(store::as_int(egress.rows.at(0)[0])) / 1e9);
  out += saved.text;

  return Reply{200, {}, out, "text/plain; version=0.0.4; charset=utf-8"};
}

}  // namespace

void add_metrics_routes(std::vector<Route>& routes) {
  routes.push_back({"GET", "/metrics", Access::admin, "Prometheus metrics (text format 0.0.4)", metrics});
}

}  // namespace frugal::server
