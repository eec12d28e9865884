// Rules "early_stop" and "repeated_stage": money spent on compute that could not change the
// result. early_stop: finished runs that trained on long after their validation metric stopped
// improving. repeated_stage: the same command with the same params run again, where the
// computation cache would have restored its outputs instead.
#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "advise/rules.h"
#include "util/strings.h"

namespace frugal::advise {
namespace {

// Loss and error fall as a model learns; accuracy, F1, AUC rise.
bool minimised(std::string_view key) {
  std::string k = util::to_lower(key);
  return k.find("loss") != std::string::npos || k.find("err") != std::string::npos;
}

template <typename T>
double median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  if (n == 0) return 0;
  return n % 2 ? static_cast<double>(v[n / 2]) : (static_cast<double>(v[n / 2 - 1]) + static_cast<double>(v[n / 2])) / 2;
}

// The most frequent name ("" when none); ties go to the first in order, so reruns agree.
std::string most_common(const std::map<std::string, int>& counts) {
  std::string best;
  int most = 0;
  for (const auto& [name, n] : counts)
    if (n > most) best = name, most = n;
  return best;
}

std::vector<std::string> names(const std::map<std::string, int>& counts) {
  std::vector<std::string> out;
  for (const auto& [name, n] : counts) out.push_back(name);
  return out;
}

// One validation curve: where it was best and how far it ran on.
struct Curve {
  std::string key;
  std::int64_t best_step = 0;
  std::int64_t last_step = 0;
  std::int64_t evaluations = 0;
  double plateau() const { return static_cast<double>(last_step - best_step) / static_cast<double>(last_step); }
  // More than a third of the steps after the best one (exact: no rounding at the boundary).
  bool plateaued() const { return 3 * (last_step - best_step) > last_step; }
};

// Reads the rows of one (run, key) as they stream in step order.
struct CurveReader {
  std::int64_t run_id = -1;
  Curve curve;
  std::optional<double> best;
  bool minimise = true;

  void start(std::int64_t run, std::string key) {
    run_id = run;
    minimise = minimised(key);
    curve = Curve{std::move(key)};
    best.reset();
  }
  void add(std::int64_t step, const store::Value& value) {
    curve.last_step = step;
    ++curve.evaluations;
    if (store::is_null(value)) return;  // NaN: never the best value
    double x = store::as_double(value);
    // Strictly better only: the first occurrence of the best value is when training could stop.
    if (!best || (minimise ? x < *best : x > *best)) {
      best = x;
      curve.best_step = step;
    }
  }
};

// Each finished run in the window with a validation metric → its least plateaued curve.
Result<std::unordered_map<std::int64_t, Curve>> read_curves(const Context& c, const WindowRuns& w) {
  std::unordered_map<std::int64_t, Curve> curves;
  if (w.runs.empty()) return curves;
  CurveReader reader;
  auto finish = [&] {
    if (reader.run_id < 0 || !reader.best || reader.curve.last_step <= 0) return;
    auto [it, inserted] = curves.try_emplace(reader.run_id, reader.curve);
    // A run still improving on any validation metric was not done: judge it by that one.
    if (!inserted && reader.curve.plateau() < it->second.plateau()) it->second = reader.curve;
  };
  // The window's id range through the metrics_run_key_step index, each curve streaming in one
  // piece; runs of the range outside the window are skipped here (joining runs instead read
  // every run of the window, with or without metrics).
  std::vector<store::Value> p = {w.runs.front().id, w.runs.back().id};
  FRUGAL_CHECK(c.store.for_each_row(
      "SELECT run_id, key, step, value FROM metrics WHERE run_id >= ? AND run_id <= ? AND lower(key) LIKE 'val%' "
      "ORDER BY run_id, key, step",
      p, [&](const store::Row& r) {
        std::int64_t run = store::as_int(r[0]);
        if (run != reader.run_id) {
          const WindowRun* in_window = w.find(run);
          if (!in_window || in_window->status != Status::finished || !in_window->has(WindowRun::cost)) return true;
        }
        std::string key = store::as_text(r[1]);
        if (run != reader.run_id || key != reader.curve.key) {
          finish();
          reader.start(run, std::move(key));
        }
        reader.add(store::as_int(r[2]), r[3]);
        return true;
      }));
  finish();
  return curves;
}

struct Project {
  std::int64_t with_metric = 0;
  std::vector<double> plateaus;             // of the runs that plateaued
  std::vector<std::int64_t> evaluations;    // of the runs that plateaued
  std::map<std::string, int> keys, experiments;
  Money cost, saving, worst_saving;
  std::int64_t worst_run = 0;
  Curve worst;
};

Recommendation early_stop_recommendation(const Context& c, const std::string& team, const std::string& project,
                                         const Project& p) {
  std::string name = project.empty() ? "(none)" : project;
  std::string metric = most_common(p.keys);
  std::string experiment = most_common(p.experiments);
  // --stop-when's patience counts evaluations: a tenth of a typical run's.
  auto patience = std::max<std::int64_t>(1, static_cast<std::int64_t>(median(p.evaluations) / 10));
  double plateau = median(p.plateaus);
  Recommendation rec;
  rec.rule = "early_stop";
  rec.target = "early stopping in project " + name;
  rec.id = recommendation_id(rec.rule, team + "|" + rec.target);
  rec.team = team;
  rec.finding = fmt::format(
      "{} of {} finished runs of project {} trained on for a median {} of their steps after their best "
      "validation value ({}); stopping each 10% of its steps after its best would have saved {} of their {}",
      p.plateaus.size(), p.with_metric, name, percent(plateau), util::join(names(p.keys), ", "), usd(p.saving),
      usd(p.cost));
  rec.evidence = {
      {"runs that plateaued", fmt::format("{} of {} with a validation metric", p.plateaus.size(), p.with_metric)},
      {"median plateau", percent(plateau) + " of the steps came after the best value"},
      {"cost of those runs", usd(p.cost)},
      {"early stop would have saved", usd(p.saving) + " in the window (patience: 10% of the steps)"},
      {"worst run", fmt::format("run {}: best {} at step {} of {}; {} after it", p.worst_run, p.worst.key,
                                p.worst.best_step, p.worst.last_step, usd(p.worst_saving))}};
  // Per run and metric: the last step, the best value and the first step that reached it.
  rec.query = fmt::format(
      "SELECT s.run_id, s.key, s.last_step, (SELECT min(b.step) FROM metrics b WHERE b.run_id = s.run_id "
      "AND b.key = s.key AND b.value = s.best) AS best_step, s.best, s.cost_usd FROM (SELECT m.run_id, m.key, "
      "max(m.step) AS last_step, CASE WHEN lower(m.key) LIKE '%loss%' OR lower(m.key) LIKE '%err%' "
      "THEN min(m.value) ELSE max(m.value) END AS best, r.cost_nanos / 1e9 AS cost_usd FROM metrics m "
      "JOIN runs r ON r.id = m.run_id WHERE r.status = 'finished' AND r.cost_nanos IS NOT NULL "
      "AND coalesce(r.team, '') = {} AND coalesce(r.project, '') = {} AND r.started_at >= '{}' "
      "AND r.started_at < '{}' AND lower(m.key) LIKE 'val%' GROUP BY m.run_id, m.key, r.cost_nanos) s "
      "ORDER BY s.run_id, s.key",
      sql_literal(team), sql_literal(project), c.since, c.until);
  rec.monthly_saving = c.monthly(p.saving);
  rec.confidence = p.plateaus.size() >= 5 ? 0.8 : 0.6;
  rec.action = fmt::format("run project {} with `frugal run --stop-when '{} {} patience={}' -- ...`{}", name, metric,
                           minimised(metric) ? "min" : "max", patience,
                           experiment.empty() ? ""
                                              : fmt::format(", or stop runs worse than earlier ones with "
                                                            "`--prune percentile=10 --experiment {}`",
                                                            experiment));
  return rec;
}

Result<void> plateaued_runs(const Context& c, std::vector<Recommendation>& out) {
  const WindowRuns& w = *FRUGAL_TRY(c.runs());
  auto curves = FRUGAL_TRY(read_curves(c, w));
  if (curves.empty()) return {};
  std::map<std::pair<Label, Label>, Project> projects;
  for (const WindowRun& r : w.runs) {  // in id order: the first of equally bad runs is the worst
    if (r.status != Status::finished || !r.has(WindowRun::cost)) continue;
    auto found = curves.find(r.id);
    if (found == curves.end()) continue;
    const Curve& curve = found->second;
    Project& project = projects[{r.team, r.project}];
    ++project.with_metric;
    if (!curve.plateaued()) continue;
    Money cost = Money::from_nanos(r.cost_nanos);
    // What the steps after best + patience (a tenth of the steps) cost, at the run's average rate.
    Money saving = cost.scaled(curve.last_step - curve.best_step - curve.last_step / 10, curve.last_step);
    project.plateaus.push_back(curve.plateau());
    project.evaluations.push_back(curve.evaluations);
    ++project.keys[curve.key];
    if (const std::string& e = w.name(r.experiment); !e.empty()) ++project.experiments[e];
    project.cost += cost;
    project.saving += saving;
    if (project.worst_run == 0 || saving > project.worst_saving) {
      project.worst_run = r.id;
      project.worst_saving = saving;
      project.worst = curve;
    }
  }
  for (const auto& [key, project] : projects)
    if (!project.plateaus.empty())
      out.push_back(early_stop_recommendation(c, w.name(key.first), w.name(key.second), project));
  return {};
}

struct StageRun {
  std::int64_t id = 0;
  std::int64_t started_key = 0;  // sorts as started_at
  Money cost;
};

// The same command with the same params in one team: repeats of one stage.
struct Stage {
  std::vector<StageRun> runs;
  std::vector<std::pair<std::string, std::string>> params;  // sorted by key
};

// "k=v, k2=v2" as a user reads params; `prefix` before each ("--param ") for a command line.
std::string show_params(const std::vector<std::pair<std::string, std::string>>& params, std::string_view prefix,
                        std::string_view separator) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : params) parts.push_back(fmt::format("{}{}={}", prefix, k, v));
  return util::join(parts, separator);
}

Recommendation repeated_stage_recommendation(const Context& c, const std::string& team, const std::string& command,
                                             const std::string& params_key, const Stage& s) {
  Money total;
  const StageRun* latest = &s.runs.front();
  std::vector<std::string> ids;
  for (const auto& r : s.runs) {
    total += r.cost;
    if (std::tie(r.started_key, r.id) > std::tie(latest->started_key, latest->id)) latest = &r;
    if (ids.size() < 10) ids.push_back(std::to_string(r.id));
  }
  if (s.runs.size() > ids.size()) ids.push_back("…");
  // The latest run is the one worth keeping: everything before it was recomputed again.
  Money saving = total - latest->cost;
  std::string shown = command.size() > 80 ? command.substr(0, 77) + "…" : command;
  std::string params = s.params.empty() ? "(none)" : show_params(s.params, "", ", ");
  Recommendation rec;
  rec.rule = "repeated_stage";
  rec.target = "stage " + shown + (s.params.empty() ? "" : " [" + params + "]");
  rec.id = recommendation_id(rec.rule, team + "|" + command + "|" + params_key);
  rec.team = team;
  rec.finding = fmt::format("`{}` ran {} times in the window with the same params{}; {} went on recomputing what a "
                            "cache would have restored",
                            shown, s.runs.size(), team.empty() ? "" : " (team " + team + ")", usd(saving));
  rec.evidence = {{"runs", fmt::format("{} with identical params", s.runs.size())},
                  {"params", params},
                  {"cost in window", usd(total)},
                  {"cost of the repeats", usd(saving) + " (all but the latest run)"},
                  {"run ids", util::join(ids, ", ")}};
  rec.query = fmt::format(
      "SELECT r.id, r.started_at, r.cost_usd, p.key, p.value FROM runs r LEFT JOIN params p ON p.run_id = r.id "
      "WHERE r.command = {} AND coalesce(r.team, '') = {} AND r.status = 'finished' AND r.started_at >= '{}' "
      "AND r.started_at < '{}' ORDER BY r.started_at, r.id, p.key",
      sql_literal(command), sql_literal(team), c.since, c.until);
  rec.monthly_saving = c.monthly(saving);
  // Same command and params, but the inputs may have changed between runs: hence only 0.5.
  rec.confidence = 0.5;
  std::string flags = show_params(s.params, "--param ", " ");
  rec.action = fmt::format("cache the stage so repeats restore its outputs: `frugal cache run --in INPUTS "
                           "--out OUTPUTS {}{}-- {}`",
                           flags, flags.empty() ? "" : " ", command);
  return rec;
}

Result<void> repeated_stages(const Context& c, std::vector<Recommendation>& out) {
  // Finished, costed runs in the window, except stages already run through the cache.
  const WindowRuns& w = *FRUGAL_TRY(c.runs());
  auto candidate = [&](const WindowRun& r) {
    return r.status == Status::finished && r.has(WindowRun::cost) && r.has_command &&
           !r.command.starts_with("frugal cache");
  };
  // Only commands run twice or more by a team; params compared below. Hashed, not ordered: a
  // million runs may have nearly as many commands.
  using TeamCommand = std::pair<Label, std::string_view>;
  struct Hash {
    std::size_t operator()(const TeamCommand& k) const {
      return std::hash<std::string_view>{}(k.second) * 31 + k.first;
    }
  };
  std::unordered_map<TeamCommand, std::int64_t, Hash> times;
  times.reserve(w.runs.size());
  for (const WindowRun& r : w.runs)
    if (candidate(r)) ++times[{r.team, r.command}];
  struct Run {
    Label team;
    std::string_view command;
    StageRun run;
    std::vector<std::pair<std::string, std::string>> params;
  };
  std::vector<Run> runs;
  std::unordered_map<std::int64_t, std::size_t> index;  // run id → its place in runs
  for (const WindowRun& r : w.runs) {
    if (!candidate(r) || times.at({r.team, r.command}) < 2) continue;
    index.emplace(r.id, runs.size());
    runs.push_back({r.team, r.command, {r.id, r.started_key, Money::from_nanos(r.cost_nanos)}, {}});
  }
  if (runs.empty()) return {};
  // The candidates' id range through the params key, as read_curves reads metrics.
  std::vector<store::Value> p = {runs.front().run.id, runs.back().run.id};
  FRUGAL_CHECK(c.store.for_each_row(
      "SELECT run_id, key, value FROM params WHERE run_id >= ? AND run_id <= ?", p, [&](const store::Row& r) {
        if (auto it = index.find(store::as_int(r[0])); it != index.end())
          runs[it->second].params.emplace_back(store::as_text(r[1]), store::as_text(r[2]));
        return true;
      }));
  std::map<std::tuple<Label, std::string_view, std::string>, Stage> stages;
  for (auto& r : runs) {
    // Sorted in C++: the database's collation may order keys differently.
    std::sort(r.params.begin(), r.params.end());
    std::string key;
    for (const auto& [k, v] : r.params) key += k + '\x1f' + v + '\x1e';
    Stage& s = stages[{r.team, r.command, key}];
    if (s.runs.empty()) s.params = std::move(r.params);
    s.runs.push_back(std::move(r.run));
  }
  for (const auto& [key, s] : stages)
    if (s.runs.size() >= 2)
      out.push_back(repeated_stage_recommendation(c, w.name(std::get<0>(key)), std::string(std::get<1>(key)),
                                                  std::get<2>(key), s));
  return {};
}

}  // namespace

Result<void> early_stop(const Context& c, std::vector<Recommendation>& out) {
  FRUGAL_CHECK(plateaued_runs(c, out));
  return repeated_stages(c, out);
}

}  // namespace frugal::advise
