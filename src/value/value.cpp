// What each run's spending bought: its value of the target metric against its cost, the frontier.
#include "value/value.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "stopping/stopping.h"
#include "util/strings.h"

namespace frugal::value {
namespace {

bool better(double a, double b, Direction d) { return d == Direction::max ? a > b : a < b; }
bool at_least(double a, double b, Direction d) { return a == b || better(a, b, d); }
std::string_view name_of(Direction d) { return d == Direction::max ? "max" : "min"; }

// The value a run must reach to be within `within` of `best`.
double threshold(double best, double within, Direction d) {
  return d == Direction::max ? best - within * std::abs(best) : best + within * std::abs(best);
}

// The direction a run's stopping rules give `metric`: a patience rule says it; a threshold rule
// that stops when the value falls below a line says higher is better.
std::optional<Direction> direction_of_rules(const std::string& rules, const std::string& metric, std::string& which) {
  for (std::string_view text : util::split(rules, ';')) {
    auto rule = stopping::parse_rule(util::trim(text));
    if (!rule) continue;
    if (const auto* p = std::get_if<stopping::PatienceRule>(&*rule); p && p->metric == metric) {
      which = std::string(util::trim(text));
      return p->mode == stopping::Mode::max ? Direction::max : Direction::min;
    }
    if (const auto* t = std::get_if<stopping::ThresholdRule>(&*rule); t && t->metric == metric) {
      which = std::string(util::trim(text));
      using C = stopping::ThresholdRule::Compare;
      return t->compare == C::less || t->compare == C::less_equal ? Direction::max : Direction::min;
    }
  }
  return std::nullopt;
}

struct Loaded {
  RunValue value;
  std::string ended_at;
  std::string rules;  // tag frugal.stop_when
};

std::string run_filter(const Query& q, std::vector<store::Value>& params) {
  std::string where = " WHERE true";
  if (!q.experiment.empty()) {
    where += " AND r.experiment = ?";
    params.emplace_back(q.experiment);
  }
  if (q.team) {
    where += " AND r.team = ?";
    params.emplace_back(*q.team);
  }
  if (q.since) {
    where += " AND r.started_at >= ?";
    params.emplace_back(format_utc(*q.since));
  }
  if (q.until) {
    where += " AND r.started_at < ?";
    params.emplace_back(format_utc(*q.until));
  }
  return where;
}

struct PointRow {
  std::int64_t step;
  std::string time;
  double value;
};

// A run's value from its points (step order), as the query asks.
Result<void> evaluate(Loaded& run, const std::vector<PointRow>& points, const Query& q) {
  RunValue& v = run.value;
  const PointRow* best = nullptr;
  for (const PointRow& p : points)
    if (!best || better(p.value, best->value, v.direction)) best = &p;
  if (!best) return {};
  const PointRow& chosen = q.at == At::best ? *best : points.back();
  v.value = chosen.value;
  v.step = chosen.step;
  if (!v.cost) return {};
  double line = threshold(best->value, q.within, v.direction);
  const PointRow* first = best;
  for (const PointRow& p : points)
    if (at_least(p.value, line, v.direction)) {
      first = &p;
      break;
    }
  // The cost accrues with time: the run's cost × the share of its time spent by that point (its
  // end, or its last report while it runs); by steps when the times say nothing.
  TimePoint started = FRUGAL_TRY(parse_utc(v.started_at));
  TimePoint end = run.ended_at.empty() ? FRUGAL_TRY(parse_utc(points.back().time)) : FRUGAL_TRY(parse_utc(run.ended_at));
  TimePoint at = FRUGAL_TRY(parse_utc(first->time));
  std::int64_t whole = (end - started).count(), part = std::clamp<std::int64_t>((at - started).count(), 0, std::max<std::int64_t>(whole, 0));
  if (whole <= 0) {
    whole = points.back().step - points.front().step;
    part = first->step - points.front().step;
  }
  v.cost_to_within = whole > 0 ? v.cost->scaled(part, whole) : *v.cost;
  return {};
}

Result<std::vector<Loaded>> load(store::Store& store, const Query& q) {
  if (q.metric.empty()) return fail(ErrorCode::invalid, "name the metric (--metric val_acc:max)");
  if (!(q.within >= 0 && q.within < 1))
    return fail(ErrorCode::invalid, fmt::format("within {} must be a share from 0 to below 1 (0.01 is 1%)", q.within));
  std::vector<store::Value> params = {std::string("frugal.stop_when")};
  std::string where = run_filter(q, params);
  std::vector<Loaded> runs;
  std::map<std::int64_t, std::size_t> at;
  FRUGAL_CHECK(store.for_each_row(
      "SELECT r.id, r.name, r.username, r.team, r.project, r.model, r.status, r.started_at, r.ended_at, r.cost_nanos, t.value "
      "FROM runs r LEFT JOIN tags t ON t.run_id = r.id AND t.key = ?" + where + " ORDER BY r.id",
      params, [&](const store::Row& r) {
        Loaded l;
        RunValue& v = l.value;
        v.run_id = store::as_int(r[0]);
        v.name = store::as_text(r[1]);
        v.user = store::as_text(r[2]);
        v.team = store::as_text(r[3]);
        v.project = store::as_text(r[4]);
        v.model = store::as_text(r[5]);
        v.status = store::as_text(r[6]);
        v.started_at = store::as_text(r[7]);
        l.ended_at = store::as_text(r[8]);
        if (!store::is_null(r[9])) v.cost = Money::from_nanos(store::as_int(r[9]));
        l.rules = store::as_text(r[10]);
        at[v.run_id] = runs.size();
        runs.push_back(std::move(l));
        return true;
      }));

  // Each run's direction: its own stopping rule's, else the query's.
  std::optional<std::pair<Direction, std::int64_t>> from_rule;
  for (Loaded& l : runs) {
    std::string which;
    if (auto d = direction_of_rules(l.rules, q.metric, which)) {
      if (from_rule && from_rule->first != *d)
        return fail(ErrorCode::invalid, fmt::format("runs {} and {} optimise {} in opposite directions (their --stop-when rules)",
                                                    from_rule->second, l.value.run_id, q.metric));
      from_rule = {*d, l.value.run_id};
      l.value.direction = *d;
      l.value.direction_from = fmt::format("stopping rule '{}'", which);
    } else if (q.direction) {
      l.value.direction = *q.direction;
      l.value.direction_from = fmt::format("--metric {}:{}", q.metric, name_of(*q.direction));
    } else {
      return fail(ErrorCode::invalid, fmt::format("which way is {} better? Run {} has no --stop-when rule on it: give "
                                                  "--metric {}:max or {}:min",
                                                  q.metric, l.value.run_id, q.metric, q.metric));
    }
  }
  if (from_rule && q.direction && *q.direction != from_rule->first)
    return fail(ErrorCode::invalid, fmt::format("--metric {}:{} contradicts run {}'s stopping rule, which makes it {}", q.metric,
                                                name_of(*q.direction), from_rule->second, name_of(from_rule->first)));

  // The metric's points, run by run in step order; NaN (NULL) is no value.
  std::vector<store::Value> mparams = {q.metric};
  std::string mwhere = run_filter(q, mparams);
  std::vector<PointRow> points;
  std::int64_t current = -1;
  Result<void> failed;
  auto finish = [&]() {
    if (current >= 0 && failed) failed = evaluate(runs[at.at(current)], points, q);
    points.clear();
  };
  FRUGAL_CHECK(store.for_each_row(
      "SELECT m.run_id, m.step, m.time, m.value FROM metrics m JOIN runs r ON r.id = m.run_id AND m.key = ?" + mwhere +
          " AND m.value IS NOT NULL ORDER BY m.run_id, m.step, m.time",
      mparams, [&](const store::Row& r) {
        std::int64_t id = store::as_int(r[0]);
        if (id != current) {
          finish();
          current = id;
        }
        points.push_back({store::as_int(r[1]), store::as_text(r[2]), store::as_double(r[3])});
        return true;
      }));
  finish();
  FRUGAL_CHECK(failed);
  return runs;
}

}  // namespace

Result<std::pair<std::string, std::optional<Direction>>> parse_metric(std::string_view text) {
  auto colon = text.rfind(':');
  std::string_view name = colon == std::string_view::npos ? text : text.substr(0, colon);
  if (name.empty()) return fail(ErrorCode::invalid, fmt::format("--metric '{}': name the metric (val_acc:max)", text));
  if (colon == std::string_view::npos) return std::pair{std::string(name), std::optional<Direction>{}};
  std::string_view dir = text.substr(colon + 1);
  if (dir == "max") return std::pair{std::string(name), std::optional{Direction::max}};
  if (dir == "min") return std::pair{std::string(name), std::optional{Direction::min}};
  return fail(ErrorCode::invalid, fmt::format("--metric '{}': after the colon, max or min (val_acc:max, val_loss:min)", text));
}

void mark_frontier(std::vector<RunValue>& runs, Direction d) {
  std::sort(runs.begin(), runs.end(), [d](const RunValue& a, const RunValue& b) {
    if (*a.cost != *b.cost) return *a.cost < *b.cost;
    if (*a.value != *b.value) return better(*a.value, *b.value, d);
    return a.run_id < b.run_id;
  });
  // In cost order: a run is dominated when a cheaper run is at least as good, or one of the same
  // cost is better. The frontier's values improve with cost.
  std::vector<std::size_t> frontier;
  std::optional<double> best_cheaper;  // the best value of the runs strictly cheaper than this one
  std::optional<double> best_same;     // the best of this cost so far
  for (std::size_t i = 0; i < runs.size(); ++i) {
    RunValue& r = runs[i];
    if (i > 0 && *runs[i - 1].cost != *r.cost) {
      if (best_same && (!best_cheaper || better(*best_same, *best_cheaper, d))) best_cheaper = best_same;
      best_same.reset();
    }
    bool dominated = (best_cheaper && at_least(*best_cheaper, *r.value, d)) || (best_same && better(*best_same, *r.value, d));
    r.on_frontier = !dominated;
    r.dominated_by.reset();
    if (!dominated) frontier.push_back(i);
    if (!best_same || better(*r.value, *best_same, d)) best_same = r.value;
  }
  // A dominated run's dominator: the cheapest frontier run at least as good (the frontier improves
  // with cost, so the first such in cost order).
  for (RunValue& r : runs) {
    if (r.on_frontier) continue;
    auto it = std::partition_point(frontier.begin(), frontier.end(),
                                   [&](std::size_t f) { return !at_least(*runs[f].value, *r.value, d); });
    if (it != frontier.end()) r.dominated_by = runs[*it].run_id;
  }
}

Result<Report> experiment_value(store::Store& store, const Query& query) {
  if (query.experiment.empty()) return fail(ErrorCode::invalid, "name the experiment (--experiment NAME)");
  auto loaded = FRUGAL_TRY(load(store, query));
  Report report;
  report.direction = query.direction.value_or(Direction::max);
  if (!loaded.empty()) report.direction = loaded.front().value.direction;
  Summary& s = report.summary;
  s.runs = loaded.size();
  for (Loaded& l : loaded) {
    if (l.value.cost) s.total_cost += *l.value.cost;
    if (l.value.value && l.value.cost) report.runs.push_back(std::move(l.value));
    else report.apart.push_back(std::move(l.value));
  }
  s.placed = report.runs.size();
  mark_frontier(report.runs, report.direction);
  const Direction d = report.direction;
  const RunValue* best = nullptr;
  for (const RunValue& r : report.runs)
    if (!best || better(*r.value, *best->value, d)) best = &r;  // cost order: the cheaper of equals first
  if (best) {
    s.best_run = best->run_id;
    double line = threshold(*best->value, query.within, d);
    for (const RunValue& r : report.runs)  // cost order: the first within is the cheapest
      if (at_least(*r.value, line, d)) {
        s.cheapest_within_run = r.run_id;
        break;
      }
  }
  for (const RunValue& r : report.runs) {
    if (!r.on_frontier) s.dominated_cost += *r.cost;
    if (r.cost_to_within) s.early_stop_saving += *r.cost - *r.cost_to_within;
  }
  return report;
}

Result<std::vector<GroupValue>> value_by(store::Store& store, const Query& query, std::string_view dimension) {
  if (dimension != "project" && dimension != "model")
    return fail(ErrorCode::invalid, fmt::format("--by {}: project or model", dimension));
  auto loaded = FRUGAL_TRY(load(store, query));
  std::map<std::string, GroupValue> groups;
  std::map<std::string, std::string> first_started;
  for (const Loaded& l : loaded) {
    const RunValue& r = l.value;
    const std::string& key = dimension == "project" ? r.project : r.model;
    GroupValue& g = groups[key];
    g.key = key;
    ++g.runs;
    if (r.cost) g.cost += *r.cost;
    if (!r.value) continue;
    auto& first = first_started[key];
    if (!g.first_run || r.started_at < first) {
      g.first_run = r.run_id;
      g.first_value = r.value;
      first = r.started_at;
    }
    if (!g.best_value || better(*r.value, *g.best_value, r.direction)) {
      g.best_run = r.run_id;
      g.best_value = r.value;
    }
  }
  std::vector<GroupValue> out;
  for (auto& [key, g] : groups) {
    if (g.first_value && g.best_value) {
      g.improvement = std::abs(*g.best_value - *g.first_value);
      if (g.cost > Money()) g.per_1000_usd = *g.improvement / g.cost.to_double() * 1000;
    }
    out.push_back(std::move(g));
  }
  std::stable_sort(out.begin(), out.end(), [](const GroupValue& a, const GroupValue& b) {
    if (a.per_1000_usd.has_value() != b.per_1000_usd.has_value()) return a.per_1000_usd.has_value();
    return a.per_1000_usd.value_or(0) > b.per_1000_usd.value_or(0);
  });
  return out;
}

}  // namespace frugal::value
