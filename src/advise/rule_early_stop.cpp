// Rules "early_stop" and "repeated_stage": money spent on compute that could not change the
// result. early_stop: finished runs that trained on long after their validation metric stopped
// improving. repeated_stage: the same command with the same params run again, where the
// computation cache would have restored its outputs instead.
#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "advise/rules.h"
#include "util/strings.h"

namespace frugal::advise {
namespace {

// A SQL string literal, for the queries a user pastes (names may hold quotes).
std::string literal(std::string_view s) {
  std::string out = "'";
  for (char ch : s) {
    out += ch;
    if (ch == '\'') out += '\'';
  }
  return out + "'";
}

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
Result<std::unordered_map<std::int64_t, Curve>> read_curves(const Context& c) {
  std::vector<store::Value> p = {c.since, c.until};
  c.bind_team(p);
  std::unordered_map<std::int64_t, Curve> curves;
  CurveReader reader;
  auto finish = [&] {
    if (reader.run_id < 0 || !reader.best || reader.curve.last_step <= 0) return;
    auto [it, inserted] = curves.try_emplace(reader.run_id, reader.curve);
    // A run still improving on any validation metric was not done: judge it by that one.
    if (!inserted && reader.curve.plateau() < it->second.plateau()) it->second = reader.curve;
  };
  // Ordered as the metrics_run_key_step index, so each curve streams in one piece.
  FRUGAL_CHECK(c.store.for_each_row(
      "SELECT m.run_id, m.key, m.step, m.value FROM runs r JOIN metrics m ON m.run_id = r.id "
      "WHERE r.started_at >= ? AND r.started_at < ? AND r.status = 'finished' AND r.cost_nanos IS NOT NULL "
      "AND lower(m.key) LIKE 'val%'" + c.team_filter("r.team") + " ORDER BY m.run_id, m.key, m.step",
      p, [&](const store::Row& r) {
        std::int64_t run = store::as_int(r[0]);
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
      literal(team), literal(project), c.since, c.until);
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
  auto curves = FRUGAL_TRY(read_curves(c));
  if (curves.empty()) return {};
  std::vector<store::Value> p = {c.since, c.until};
  c.bind_team(p);
  std::map<std::pair<std::string, std::string>, Project> projects;
  FRUGAL_CHECK(c.store.for_each_row(
      "SELECT id, coalesce(team, ''), coalesce(project, ''), coalesce(experiment, ''), cost_nanos FROM runs "
      "WHERE started_at >= ? AND started_at < ? AND status = 'finished' AND cost_nanos IS NOT NULL" +
          c.team_filter() + " ORDER BY id",
      p, [&](const store::Row& r) {
        std::int64_t id = store::as_int(r[0]);
        auto found = curves.find(id);
        if (found == curves.end()) return true;
        const Curve& curve = found->second;
        Project& project = projects[{store::as_text(r[1]), store::as_text(r[2])}];
        ++project.with_metric;
        if (!curve.plateaued()) return true;
        Money cost = Money::from_nanos(store::as_int(r[4]));
        // What the steps after best + patience (a tenth of the steps) cost, at the run's average rate.
        Money saving = cost.scaled(curve.last_step - curve.best_step - curve.last_step / 10, curve.last_step);
        project.plateaus.push_back(curve.plateau());
        project.evaluations.push_back(curve.evaluations);
        ++project.keys[curve.key];
        if (std::string e = store::as_text(r[3]); !e.empty()) ++project.experiments[e];
        project.cost += cost;
        project.saving += saving;
        if (project.worst_run == 0 || saving > project.worst_saving) {
          project.worst_run = id;
          project.worst_saving = saving;
          project.worst = curve;
        }
        return true;
      }));
  for (const auto& [key, project] : projects)
    if (!project.plateaus.empty()) out.push_back(early_stop_recommendation(c, key.first, key.second, project));
  return {};
}

struct StageRun {
  std::int64_t id = 0;
  std::string started_at;
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
    if (std::tie(r.started_at, r.id) > std::tie(latest->started_at, latest->id)) latest = &r;
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
      literal(command), literal(team), c.since, c.until);
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
  auto where = [&](std::string_view t) {
    return fmt::format("{0}started_at >= ? AND {0}started_at < ? AND {0}status = 'finished' AND {0}cost_nanos IS NOT "
                       "NULL AND substr({0}command, 1, 12) <> 'frugal cache'{1}",
                       t, c.team_filter(fmt::format("{}team", t)));
  };
  std::vector<store::Value> p = {c.since, c.until};
  c.bind_team(p);
  std::vector<store::Value> outer = p;
  p.insert(p.end(), outer.begin(), outer.end());  // the grouping subquery's, then the outer query's
  struct Run {
    std::string team, command;
    StageRun run;
    std::vector<std::pair<std::string, std::string>> params;
  };
  std::vector<Run> runs;
  // Only commands run twice or more by a team (the database narrows); params compared below.
  FRUGAL_CHECK(c.store.for_each_row(
      "SELECT r.id, r.command, coalesce(r.team, ''), r.started_at, r.cost_nanos, p.key, p.value FROM runs r JOIN "
      "(SELECT command, coalesce(team, '') AS team_key FROM runs WHERE " + where("") +
          " GROUP BY command, coalesce(team, '') HAVING count(*) >= 2) g ON g.command = r.command "
          "AND g.team_key = coalesce(r.team, '') LEFT JOIN params p ON p.run_id = r.id WHERE " + where("r.") +
          " ORDER BY r.id",
      p, [&](const store::Row& r) {
        std::int64_t id = store::as_int(r[0]);
        if (runs.empty() || runs.back().run.id != id)
          runs.push_back({store::as_text(r[2]), store::as_text(r[1]),
                          {id, store::as_text(r[3]), Money::from_nanos(store::as_int(r[4]))}, {}});
        if (!store::is_null(r[5])) runs.back().params.emplace_back(store::as_text(r[5]), store::as_text(r[6]));
        return true;
      }));
  std::map<std::tuple<std::string, std::string, std::string>, Stage> stages;
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
      out.push_back(repeated_stage_recommendation(c, std::get<0>(key), std::get<1>(key), std::get<2>(key), s));
  return {};
}

}  // namespace

Result<void> early_stop(const Context& c, std::vector<Recommendation>& out) {
  FRUGAL_CHECK(plateaued_runs(c, out));
  return repeated_stages(c, out);
}

}  // namespace frugal::advise
