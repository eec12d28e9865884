#include <algorithm>
#include <fmt/format.h>

#include "budget/budget.h"
#include "budget/run_columns.h"

namespace frugal::budget {
namespace {

double metric_value(const LeaderboardRow& row, Metric metric) {
  switch (metric) {
    case Metric::cost: return row.cost.to_double();
    case Metric::gpu_hours: return row.gpu_hours;
    case Metric::runs: return static_cast<double>(row.runs);
    case Metric::failures: return static_cast<double>(row.failures);
    case Metric::duration: return static_cast<double>(row.duration_ms);
  }
  return 0;
}

}  // namespace

Result<Leaderboard> leaderboard(store::Store& store, const LeaderboardQuery& query) {
  // Integer sums stay exact; the engine groups, we rank (groups are few).
  std::string sql = fmt::format(
      "SELECT {0}, sum(cost_nanos), sum(duration_ms * gpu_count), count(*), "
      "sum(status IN {1}), sum(duration_ms) "
      "FROM runs WHERE started_at >= ? AND started_at < ? GROUP BY {0}",
      dimension_column(query.by), k_failure_statuses);
  std::vector<store::Value> params = {format_utc(query.since), format_utc(query.until)};
  Leaderboard board;
  board.total.key = "total";
  FRUGAL_CHECK(store.for_each_row(sql, params, [&](const store::Row& r) {
    LeaderboardRow row;
    row.key = store::is_null(r[0]) ? "(none)" : store::as_text(r[0]);
    row.cost = Money::from_nanos(store::as_int(r[1]));
    row.gpu_hours = static_cast<double>(store::as_int(r[2])) / k_ms_per_hour;
    row.runs = store::as_int(r[3]);
    row.failures = store::as_int(r[4]);
    row.duration_ms = store::as_int(r[5]);
    board.total.cost += row.cost;
    board.total.gpu_hours += row.gpu_hours;
    board.total.runs += row.runs;
    board.total.failures += row.failures;
    board.total.duration_ms += row.duration_ms;
    board.rows.push_back(std::move(row));
    return true;
  }));
  // Exact money compares exactly; the other metrics are integers or sums of integers.
  std::sort(board.rows.begin(), board.rows.end(), [&](const LeaderboardRow& a, const LeaderboardRow& b) {
    if (query.metric == Metric::cost && a.cost != b.cost) return a.cost > b.cost;
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
