#include <algorithm>
#include <map>
#include <fmt/format.h>

#include "budget/budget.h"
#include "budget/run_columns.h"
#include "budget/run_totals.h"
#include "core/time.h"
#include "store/store.h"

namespace frugal::budget {
namespace {

double metric_value(const LeaderboardRow& row, Metric metric) {
  switch (metric) {
    case Metric::cost: return row.cost.to_double();
    case Metric::gpu_hours: return row.gpu_hours;
    case Metric::runs: return static_cast<double>(row.runs);
    case Metric::failures: return static_cast<double>(row.failures);
    case Metric::duration: return static_cast<double>(row.duration_ms);
    case Metric::idle_cost: return row.idle_cost.to_double();
  }
  return 0;
}

// Compute (cache_events) and egress (data_events) saved per team, user or project in the window.
Result<std::map<std::string, Money>> cache_savings(store::Store& store, Dimension by, TimePoint since, TimePoint until) {
  std::map<std::string, Money> out;
  const char* column = by == Dimension::team ? "team" : by == Dimension::user ? "username" : by == Dimension::project ? "project" : nullptr;
  if (!column) return out;
  store::Value params[] = {format_utc(since), format_utc(until), format_utc(since), format_utc(until)};
  auto rows = FRUGAL_TRY(store.query(
      fmt::format("SELECT coalesce(key, ''), sum(nanos) FROM ("
                  "SELECT {0} AS key, saved_nanos AS nanos FROM cache_events WHERE kind = 'hit' AND at >= ? AND at < ? "
                  "UNION ALL SELECT {0}, avoided_nanos FROM data_events WHERE kind = 'hit' AND at >= ? AND at < ?) AS hits "
                  "GROUP BY 1",
                  column),
      params));
  for (const auto& row : rows.rows) out[store::as_text(row[0])] = Money::from_nanos(store::as_int(row[1]));
  return out;
}

}  // namespace

Result<Leaderboard> leaderboard(store::Store& store, const LeaderboardQuery& query) {
  // Integer sums stay exact; the engine groups, we rank (groups are few).
  auto totals = FRUGAL_TRY(run_totals(store, query.by, query.since, query.until));
  Leaderboard board;
  board.total.key = "total";
  auto savings = FRUGAL_TRY(cache_savings(store, query.by, query.since, query.until));
  for (const auto& t : totals) {
    LeaderboardRow row;
    row.key = t.key.empty() ? "(none)" : t.key;
    if (auto s = savings.find(t.key); s != savings.end()) row.saved_by_cache = s->second;
    row.cost = Money::from_nanos(t.cost_nanos);
    row.gpu_hours = static_cast<double>(t.gpu_ms) / k_ms_per_hour;
    row.runs = t.runs;
    row.failures = t.failures;
    row.duration_ms = t.duration_ms;
    row.idle_cost = Money::from_nanos(t.idle_cost_nanos);
    board.total.cost += row.cost;
    board.total.gpu_hours += row.gpu_hours;
    board.total.runs += row.runs;
    board.total.failures += row.failures;
    board.total.duration_ms += row.duration_ms;
    board.total.idle_cost += row.idle_cost;
    board.total.saved_by_cache += row.saved_by_cache;
    board.rows.push_back(std::move(row));
  }
  // Savings of a team (user, project) without runs in the window still count.
  for (const auto& [key, saved] : savings) {
    bool has_runs = std::any_of(totals.begin(), totals.end(), [&](const RunTotals& t) { return t.key == key; });
    if (has_runs) continue;
    LeaderboardRow row;
    row.key = key.empty() ? "(none)" : key;
    row.saved_by_cache = saved;
    board.total.saved_by_cache += saved;
    board.rows.push_back(std::move(row));
  }
  // Exact money compares exactly; the other metrics are integers or sums of integers.
  std::sort(board.rows.begin(), board.rows.end(), [&](const LeaderboardRow& a, const LeaderboardRow& b) {
    if (query.metric == Metric::cost && a.cost != b.cost) return a.cost > b.cost;
    if (query.metric == Metric::idle_cost && a.idle_cost != b.idle_cost) return a.idle_cost > b.idle_cost;
    double va = metric_value(a, query.metric), vb = metric_value(b, query.metric);
    if (va != vb) return va > vb;
    return a.key < b.key;
  });
  double total = metric_value(board.total, query.metric);
  for (auto& row : board.rows) row.share = total > 0 ? metric_value(row, query.metric) / total : 0;
  board.total.share = total > 0 ? 1 : 0;
  if (query.limit && board.rows.size() > query.limit) board.rows.resize(query.limit);
  return board;
}

}  // namespace frugal::budget
