// What each run's spending bought: its value of the target metric against its cost, the frontier.
#include "value/value.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

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

// What a run's cost to the margin needs beside its RunValue, kept small: 100,000 runs are read at once.
struct Extra {
  std::string rules;  // tag frugal.stop_when
  double best = 0;    // its best value (its RunValue holds the last one with --at last)
  // Its end; else (a running run) its last report. When its metric first came within the margin.
  TimePoint end{}, first_within{};
  bool has_end = false, has_within = false;
  // A time the store holds that does not read as one: an error only for a run on the plane, as
  // before a run's times were read only for those.
  std::string bad_time{};
};

// The runs of the query in id order, and beside each what it needs for its cost to the margin.
struct Loaded {
  std::vector<RunValue> runs;
  std::vector<Extra> extra;
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

// The run's cost at its first point within the margin of its best: its cost × the share of its
// time spent by then (its end, or its last report while it runs); by steps when the times say nothing.
Result<void> cost_to_within(store::Store& store, const Query& q, RunValue& v, const Extra& e) {
  TimePoint started = FRUGAL_TRY(parse_utc(v.started_at));
  std::int64_t whole = e.has_end ? (e.end - started).count() : 0;
  std::int64_t part = std::clamp<std::int64_t>((e.first_within - started).count(), 0, std::max<std::int64_t>(whole, 0));
  if (whole <= 0) {  // times that say nothing: by steps from 0, as jobs count them
    const bool max = v.direction == Direction::max;
    std::vector<store::Value> key = {v.run_id, q.metric, v.run_id, q.metric, threshold(e.best, q.within, v.direction)};
    auto steps = FRUGAL_TRY(store.query(std::string("SELECT (SELECT max(step) FROM metrics WHERE run_id = ? AND key = ?), "
                                                     "(SELECT min(step) FROM metrics WHERE run_id = ? AND key = ? AND value ") +
                                            (max ? ">= ?)" : "<= ?)"),
                                        key));
    whole = store::as_int(steps.rows.at(0).at(0));
    part = std::clamp<std::int64_t>(store::as_int(steps.rows.at(0).at(1)), 0, std::max<std::int64_t>(whole, 0));
  }
  // To the nano-dollar, as the store keeps costs.
  v.cost_to_within = whole > 0 ? Money::from_nanos(v.cost->scaled(part, whole).nanos_rounded()) : *v.cost;
  return {};
}

Result<Loaded> load(store::Store& store, const Query& q) {
  if (q.metric.empty()) return fail(ErrorCode::invalid, "name the metric (--metric val_acc:max)");
  if (!(q.within >= 0 && q.within < 1))
    return fail(ErrorCode::invalid, fmt::format("within {} must be a share from 0 to below 1 (0.01 is 1%)", q.within));
  std::vector<store::Value> params = {std::string("frugal.stop_when")};
  std::string where = run_filter(q, params);
  Loaded loaded;
  std::vector<RunValue>& runs = loaded.runs;
  std::vector<Extra>& extra = loaded.extra;
  // Sized first: grown by doubling, 100,000 runs of half a kilobyte each were copied and their fresh
  // pages faulted in several times over, a third of the whole command's time.
  std::vector<store::Value> count_params;
  const std::string count_sql = "SELECT count(*) FROM runs r" + run_filter(q, count_params);
  auto counted = FRUGAL_TRY(store.query(count_sql, count_params));
  runs.reserve(static_cast<std::size_t>(store::as_int(counted.rows.at(0).at(0))));
  extra.reserve(runs.capacity());
  FRUGAL_CHECK(store.for_each_row(
      "SELECT r.id, r.name, r.username, r.team, r.project, r.model, r.status, r.started_at, r.cost_nanos, t.value "
      "FROM runs r LEFT JOIN tags t ON t.run_id = r.id AND t.key = ?" + where + " ORDER BY r.id",
      params, [&](const store::Row& r) {
        RunValue& v = runs.emplace_back();
        Extra& e = extra.emplace_back();
        v.run_id = store::as_int(r[0]);
        v.name = store::as_text(r[1]);
        v.user = store::as_text(r[2]);
        v.team = store::as_text(r[3]);
        v.project = store::as_text(r[4]);
        v.model = store::as_text(r[5]);
        v.status = store::as_text(r[6]);
        v.started_at = store::as_text(r[7]);
        if (!store::is_null(r[8])) v.cost = Money::from_nanos(store::as_int(r[8]));
        e.rules = store::as_text(r[9]);
        return true;
      }));

  // Each run's direction: its own stopping rule's; a run without one takes the experiment's (its
  // other runs' rules, else the query's). Rules that disagree, or contradict the query, are an error.
  std::optional<std::pair<Direction, std::int64_t>> from_rule;
  std::vector<std::string> which(runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    RunValue& v = runs[i];
    if (auto d = direction_of_rules(extra[i].rules, q.metric, which[i])) {
      if (from_rule && from_rule->first != *d)
        return fail(ErrorCode::invalid, fmt::format("runs {} and {} optimise {} in opposite directions (their --stop-when rules)",
                                                    from_rule->second, v.run_id, q.metric));
      if (!from_rule) from_rule = {*d, v.run_id};
      v.direction = *d;
      v.direction_from = fmt::format("stopping rule '{}'", which[i]);
    }
  }
  if (from_rule && q.direction && *q.direction != from_rule->first)
    return fail(ErrorCode::invalid, fmt::format("--metric {}:{} contradicts run {}'s stopping rule, which makes it {}", q.metric,
                                                name_of(*q.direction), from_rule->second, name_of(from_rule->first)));
  for (std::size_t i = 0; i < runs.size(); ++i) {
    RunValue& v = runs[i];
    if (!which[i].empty()) continue;
    if (q.direction) {
      v.direction = *q.direction;
      v.direction_from = fmt::format("--metric {}:{}", q.metric, name_of(*q.direction));
    } else if (from_rule) {
      v.direction = from_rule->first;
      v.direction_from = fmt::format("run {}'s stopping rule", from_rule->second);
    } else {
      return fail(ErrorCode::invalid, fmt::format("which way is {} better? Run {} has no --stop-when rule on it: give "
                                                  "--metric {}:max or {}:min",
                                                  q.metric, v.run_id, q.metric, q.metric));
    }
  }

  // Each run's figures, found by index seeks rather than by reading its points: a run's best is
  // the end of its range of metrics_run_key_value (migrations 0025, 0026), and the first point
  // within the margin of it is among the few values near the best. The index holds each point's
  // step and time too, so no seek reads the table: a run of 100 points costs three descents of one
  // index, not 100 rows.
  if (runs.empty()) return loaded;
  const Direction d = runs.front().direction;
  const char* best_of = d == Direction::max ? "max" : "min";
  // The margin: for a maximised metric, value >= best - within * |best|.
  std::string within_line = d == Direction::max ? "m.value >= b.best - ? * abs(b.best)" : "m.value <= b.best + ? * abs(b.best)";
  std::vector<store::Value> mparams = {q.metric};
  std::string mwhere = run_filter(q, mparams);
  const bool sqlite = store.dialect() == "sqlite";
  // Each run of the query with its best value.
  std::string runs_best = fmt::format(
      "SELECT r.id, CAST(? AS TEXT) AS k, r.ended_at AS ended, "
      "(SELECT {}(m.value) FROM metrics m WHERE m.run_id = r.id AND m.key = ?) AS best FROM runs r{}",
      best_of, mwhere);
  // The first point within the margin: among the few values near the best, the earliest. SQLite
  // takes a bare column from the row of the one min() without sorting (a tenth of the query).
  std::string first_within =
      sqlite ? fmt::format("(SELECT t FROM (SELECT m.time AS t, min(m.step + 0) FROM metrics m "
                           "WHERE m.run_id = b.id AND m.key = b.k AND {}))",
                           within_line)
             : fmt::format("(SELECT m.time FROM metrics m WHERE m.run_id = b.id AND m.key = b.k AND {} ORDER BY m.step + 0 LIMIT 1)",
                           within_line);
  // min(step + 0): min(step) alone may make SQLite walk the step index instead of seeking the values.
  std::string columns = fmt::format(
      "b.id, b.best, (SELECT min(m.step + 0) FROM metrics m WHERE m.run_id = b.id AND m.key = b.k AND m.value = b.best), "
      "{}, {}, "
      // A running run's cost so far runs to its last report.
      "CASE WHEN b.ended IS NULL OR b.ended = '' THEN "
      "(SELECT m.time FROM metrics m WHERE m.run_id = b.id AND m.key = b.k ORDER BY m.step DESC LIMIT 1) END, "
      "{}, b.ended",
      first_within,
      q.at == At::last ? "(SELECT m.value FROM metrics m WHERE m.run_id = b.id AND m.key = b.k AND m.value IS NOT NULL "
                         "ORDER BY m.step DESC LIMIT 1)"
                       : "NULL",
      q.at == At::last ? "(SELECT m.step FROM metrics m WHERE m.run_id = b.id AND m.key = b.k AND m.value IS NOT NULL "
                         "ORDER BY m.step DESC LIMIT 1)"
                       : "NULL");
  std::string sql;
  std::vector<store::Value> seek_params;  // in the order of the placeholders
  if (sqlite) {
    // LIMIT -1 OFFSET 0: a subquery SQLite does not flatten and runs as a co-routine, a run at a
    // time, so each run's seeks follow its best while its index pages are in the cache. Materialized
    // first, the runs' bests read the whole value index once and the other seeks read it again.
    // Flattened, each run's best was computed again in every subquery that names it.
    sql = fmt::format("SELECT {} FROM ({} LIMIT -1 OFFSET 0) b WHERE b.best IS NOT NULL", columns, runs_best);
    seek_params.emplace_back(q.within);
    seek_params.emplace_back(q.metric);
    seek_params.insert(seek_params.end(), mparams.begin(), mparams.end());
  } else {
    // PostgreSQL plans a MATERIALIZED CTE once and keeps its rows; flattened, it computed each
    // run's best again for every one of its points.
    sql = fmt::format("WITH b AS MATERIALIZED ({}) SELECT {} FROM b WHERE b.best IS NOT NULL", runs_best, columns);
    seek_params.emplace_back(q.metric);
    seek_params.insert(seek_params.end(), mparams.begin(), mparams.end());
    seek_params.emplace_back(q.within);
  }
  FRUGAL_CHECK(store.for_each_row(sql, seek_params, [&](const store::Row& r) {
    // The runs are in id order (the query above): found by halving, not through a map of 100,000.
    const std::int64_t id = store::as_int(r[0]);
    auto found = std::lower_bound(runs.begin(), runs.end(), id, [](const RunValue& a, std::int64_t b) { return a.run_id < b; });
    if (found == runs.end() || found->run_id != id) return true;  // a run started since the first read
    RunValue& v = *found;
    Extra& e = extra[static_cast<std::size_t>(found - runs.begin())];
    bool last = q.at == At::last;
    v.value = last ? store::as_double(r[4]) : store::as_double(r[1]);
    v.step = last ? store::as_int(r[6]) : store::as_int(r[2]);
    e.best = store::as_double(r[1]);
    // Times are read where the row holds them, not copied out first: this runs once a run.
    auto text_of = [](const store::Value& cell) -> std::string_view {
      const auto* text = std::get_if<std::string>(&cell);
      return text ? std::string_view(*text) : std::string_view();
    };
    auto read_time = [&e, &text_of](const store::Value& cell, TimePoint& into, bool& has) {
      if (text_of(cell).empty() || !e.bad_time.empty()) return;
      auto t = parse_utc(text_of(cell));
      if (!t) {
        e.bad_time = t.error().message;
        return;
      }
      into = *t;
      has = true;
    };
    read_time(r[3], e.first_within, e.has_within);  // none when the margin is not a number (an infinite best)
    // Its end, as this same read saw it; while it runs, its last report.
    read_time(text_of(r[7]).empty() ? r[5] : r[7], e.end, e.has_end);
    return true;
  }));
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!runs[i].value || !runs[i].cost) continue;
    if (!extra[i].bad_time.empty())
      return fail(ErrorCode::invalid, fmt::format("run {}: {}", runs[i].run_id, extra[i].bad_time));
    if (extra[i].has_within) FRUGAL_CHECK(cost_to_within(store, q, runs[i], extra[i]));
  }
  return loaded;
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
  // Sorted as positions, then each run moved once into its place: sorting the runs themselves
  // moved each of them ~17 times (100,000 runs of 400 bytes with their strings).
  std::vector<std::size_t> order(runs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
    const RunValue& a = runs[i];
    const RunValue& b = runs[j];
    if (*a.cost != *b.cost) return *a.cost < *b.cost;
    if (*a.value != *b.value) return better(*a.value, *b.value, d);
    return a.run_id < b.run_id;
  });
  // runs[k] becomes the run at order[k], a cycle of the permutation at a time.
  for (std::size_t start = 0; start < runs.size(); ++start) {
    if (order[start] == start) continue;
    RunValue first = std::move(runs[start]);
    std::size_t k = start;
    for (;;) {
      std::size_t from = order[k];
      order[k] = k;
      if (from == start) {
        runs[k] = std::move(first);
        break;
      }
      runs[k] = std::move(runs[from]);
      k = from;
    }
  }
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
  if (!loaded.runs.empty()) report.direction = loaded.runs.front().direction;
  Summary& s = report.summary;
  std::vector<RunValue>& all = loaded.runs;
  s.runs = all.size();
  // The placed runs stay where they were read, closed up in place; the few apart move out. Moving
  // 100,000 runs into a vector of their own cost a tenth of the command's time.
  std::size_t placed = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    RunValue& r = all[i];
    if (r.cost) s.total_cost += *r.cost;
    if (!r.value || !r.cost) {
      report.apart.push_back(std::move(r));
      continue;
    }
    if (placed != i) all[placed] = std::move(r);
    ++placed;
  }
  all.erase(all.begin() + static_cast<std::ptrdiff_t>(placed), all.end());
  report.runs = std::move(all);
  s.placed = report.runs.size();
  mark_frontier(report.runs, report.direction);
  const Direction d = report.direction;
  const RunValue* best = nullptr;
  for (const RunValue& r : report.runs)
    if (!best || better(*r.value, *best->value, d)) best = &r;  // cost order: the cheaper of equals first
  if (best) {
    s.best_run = best->run_id;
    double line = threshold(*best->value, query.within, d);
    if (std::isnan(line)) line = *best->value;  // an infinite best: only its equals are within
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
  for (const RunValue& r : loaded.runs) {
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
