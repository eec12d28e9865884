// Rules "idle_gpu" and "underused_gpu": GPUs held while idle (below 5% utilisation) and runs that
// kept their GPUs under 30% busy on average, per team and project, with the money it cost.
// Runs that the runner summed up carry their idle GPU-seconds and cost; runs imported from
// elsewhere (MLflow, OptScale, a trace) have only samples, and are summed from those here.
#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "advise/rules.h"
#include "core/run_cost.h"

namespace frugal::advise {
namespace {

constexpr double k_underused_pct = 30.0;
// The utilisation a well-fed job reaches: below it, the same work needs util/60 of the GPU-time.
constexpr double k_target_pct = 60.0;

struct Use {
  std::string team, project;
  std::int64_t runs = 0, underused_runs = 0, cpu_bound_runs = 0;
  double idle_gpu_seconds = 0;
  Money idle_cost;
  Money underused_cost;
  double util_weighted = 0;  // Σ util × GPU-ms over the underused runs
  double gpu_ms = 0;
};

}  // namespace

Result<void> idle_gpus(const Context& c, std::vector<Recommendation>& out) {
  // Runs without a summary: their idle share and mean utilisation from the samples (through the
  // samples_run_time index, only for those runs). IN rather than a join: SQLite then walks the
  // index in run order and groups without sorting the samples (1.4 s against 2.2 s, bench/advise).
  struct Sampled {
    std::int64_t samples = 0, idle = 0;
    double mean_util = 0;
  };
  std::map<std::int64_t, Sampled> from_samples;
  const WindowRuns& w = *FRUGAL_TRY(c.runs());
  bool any_unsummed = std::any_of(w.runs.begin(), w.runs.end(), [](const WindowRun& r) {
    return r.gpu_count > 0 && !r.has(WindowRun::gpu_util_mean_field);
  });
  std::vector<store::Value> p = {k_idle_gpu_util_pct, c.since, c.until};
  c.bind_team(p);
  if (any_unsummed)
    FRUGAL_CHECK(c.store.for_each_row(
        "SELECT run_id, count(*), sum(CASE WHEN gpu_util_pct < ? THEN 1 ELSE 0 END), avg(gpu_util_pct) "
        "FROM samples WHERE run_id IN (SELECT id FROM runs WHERE started_at >= ? AND started_at < ? "
        "AND gpu_count > 0 AND gpu_util_mean IS NULL" + c.team_filter() + ") AND gpu_index IS NOT NULL "
        "AND gpu_util_pct IS NOT NULL GROUP BY run_id",
        p, [&](const store::Row& r) {
          if (store::as_int(r[1]) > 0)
            from_samples[store::as_int(r[0])] = {store::as_int(r[1]), store::as_int(r[2]), store::as_double(r[3])};
          return true;
        }));
  std::map<std::pair<Label, Label>, Use> by_label;
  for (const WindowRun& r : w.runs) {
    if (r.gpu_count <= 0 || r.status == Status::running) continue;
    Use& u = by_label[{r.team, r.project}];
    double gpu_ms = static_cast<double>(r.gpu_count) * static_cast<double>(r.duration_ms);
    Money cost = Money::from_nanos(r.cost_nanos);
    std::optional<double> util;
    if (r.has(WindowRun::gpu_util_mean_field)) {
      util = r.gpu_util_mean;
      u.idle_gpu_seconds += r.idle_gpu_seconds;
      u.idle_cost += Money::from_nanos(r.idle_cost_nanos);
    } else if (auto s = from_samples.find(r.id); s != from_samples.end()) {
      // The idle share of the samples is the idle share of the run's GPU time and money.
      util = s->second.mean_util;
      u.idle_gpu_seconds += static_cast<double>(s->second.idle) / static_cast<double>(s->second.samples) * gpu_ms / 1000;
      u.idle_cost += cost.scaled(s->second.idle, s->second.samples);
    }
    ++u.runs;
    if (util && *util < k_underused_pct) {
      ++u.underused_runs;
      u.cpu_bound_runs += r.cpu_bound;
      u.underused_cost += cost;
      u.util_weighted += *util * gpu_ms;
      u.gpu_ms += gpu_ms;
    }
  }
  for (auto& [key, u] : by_label) {
    u.team = w.name(key.first);
    u.project = w.name(key.second);
  }
  for (const auto& [key, u] : by_label) {
    std::string project = u.project.empty() ? "(none)" : u.project;
    std::string scope = u.team.empty() ? "" : " AND team = " + sql_literal(u.team);
    if (u.idle_cost > Money{}) {
      Recommendation rec;
      rec.rule = "idle_gpu";
      rec.target = "project " + project;
      rec.id = recommendation_id(rec.rule, u.team + "|" + rec.target);
      rec.team = u.team;
      rec.finding = fmt::format("GPUs were held idle (under {}% busy) for {:.1f} GPU-hours, costing {}", k_idle_gpu_util_pct,
                                u.idle_gpu_seconds / 3600, usd(u.idle_cost));
      rec.evidence = {{"runs", std::to_string(u.runs)},
                      {"idle GPU-hours", fmt::format("{:.1f}", u.idle_gpu_seconds / 3600)},
                      {"idle cost in window", usd(u.idle_cost)}};
      rec.query = fmt::format("SELECT id, name, gpu_count, idle_gpu_seconds / 3600.0 AS idle_gpu_hours, idle_cost_nanos "
                              "/ 1e9 AS idle_usd, gpu_util_mean FROM runs WHERE project = {}{} AND started_at >= '{}' "
                              "AND started_at < '{}' ORDER BY idle_cost_nanos DESC",
                              sql_literal(u.project), scope, c.since, c.until);
      rec.monthly_saving = c.monthly(u.idle_cost);
      rec.confidence = 0.7;
      rec.action = "release GPUs a job is not using: end interactive sessions and notebooks, load data before taking "
                   "the GPU, and stop jobs that wait (frugal run --stop-when, --max-usd)";
      out.push_back(std::move(rec));
    }
    if (u.underused_runs > 0 && u.gpu_ms > 0) {
      double mean = u.util_weighted / u.gpu_ms;
      // Fed to 60%, the same work needs mean/60 of the GPU-time it took.
      Money saving = u.underused_cost - u.underused_cost.scaled(std::llround(mean * 1000), std::llround(k_target_pct * 1000));
      bool input_bound = u.cpu_bound_runs * 2 >= u.underused_runs;
      Recommendation rec;
      rec.rule = "underused_gpu";
      rec.target = "project " + project;
      rec.id = recommendation_id(rec.rule, u.team + "|" + rec.target);
      rec.team = u.team;
      rec.finding = fmt::format("{} of {} runs kept their GPUs {:.0f}% busy on average{}", u.underused_runs, u.runs, mean,
                                input_bound ? ", while their CPUs were saturated: the input pipeline starves the GPU" : "");
      rec.evidence = {{"underused runs", fmt::format("{} of {}", u.underused_runs, u.runs)},
                      {"mean GPU utilisation", fmt::format("{:.0f}%", mean)},
                      {"input-bound runs", std::to_string(u.cpu_bound_runs)},
                      {"their cost in window", usd(u.underused_cost)}};
      rec.query = fmt::format("SELECT id, name, instance_type, gpu_count, gpu_util_mean, cpu_bound, cost_usd FROM runs "
                              "WHERE project = {}{} AND started_at >= '{}' AND started_at < '{}' AND gpu_util_mean < 30 "
                              "ORDER BY cost_nanos DESC",
                              sql_literal(u.project), scope, c.since, c.until);
      rec.monthly_saving = c.monthly(saving);
      rec.confidence = 0.4;
      rec.action = input_bound ? "feed the GPUs: more DataLoader workers (num_workers), pinned memory and prefetching, and "
                                 "decoded data cached on local disk (frugal cache run, frugal data get)"
                               : "use fewer or smaller GPUs for these jobs (see the rightsize advice) or larger batches";
      out.push_back(std::move(rec));
    }
  }
  return {};
}

}  // namespace frugal::advise
