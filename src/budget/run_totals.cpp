#include "budget/run_totals.h"

#include <fmt/format.h>

#include "budget/run_columns.h"

namespace frugal::budget {
namespace {

using std::chrono::days;
using std::chrono::floor;

std::string day_text(TimePoint t) { return format_utc(t).substr(0, 10); }

}  // namespace

std::pair<std::string, std::vector<store::Value>> run_totals_sql(Dimension by, TimePoint since, TimePoint until,
                                                                  const std::optional<std::string>& only_key) {
  // Whole days [first_day, end_day) come from run_rollups; [since, first_day) and [end_day, until)
  // from runs. When the window holds no whole day, all of it comes from runs.
  TimePoint first_day = TimePoint{floor<days>(since)};
  if (first_day < since) first_day += days(1);
  TimePoint end_day = TimePoint{floor<days>(until)};
  if (end_day <= first_day) first_day = end_day = until;
  std::string_view column = dimension_column(by);
  std::string key_filter_rollup = only_key ? " AND key = ?" : "";
  std::string key_filter_runs = only_key ? fmt::format(" AND {} = ?", column) : "";
  std::string sql = fmt::format(
      "SELECT key, sum(runs), sum(failures), sum(cost_nanos), sum(gpu_ms), sum(duration_ms), sum(idle_cost_nanos) FROM ("
      "SELECT key, runs, failures, cost_nanos, gpu_ms, duration_ms, idle_cost_nanos FROM run_rollups "
      "WHERE dimension = ? AND day >= ? AND day < ?{2} "
      "UNION ALL "
      "SELECT coalesce({0}, ''), 1, CASE WHEN status IN {1} THEN 1 ELSE 0 END, coalesce(cost_nanos, 0), coalesce(duration_ms, 0) * gpu_count, "
      "coalesce(duration_ms, 0), coalesce(idle_cost_nanos, 0) FROM runs "
      "WHERE ((started_at >= ? AND started_at < ?) OR (started_at >= ? AND started_at < ?)){3}"
      ") AS recent GROUP BY key HAVING sum(runs) > 0",
      column, k_failure_statuses, key_filter_rollup, key_filter_runs);
  std::vector<store::Value> params = {std::string(dimension_name(by)), day_text(first_day), day_text(end_day)};
  if (only_key) params.push_back(*only_key);
  for (TimePoint t : {since, first_day, end_day, until}) params.push_back(format_utc(t));
  if (only_key) params.push_back(*only_key);
  return {sql, params};
}

Result<std::vector<RunTotals>> run_totals(store::Store& store, Dimension by, TimePoint since, TimePoint until,
                                          const std::optional<std::string>& only_key) {
  auto [sql, params] = run_totals_sql(by, since, until, only_key);
  std::vector<RunTotals> out;
  FRUGAL_CHECK(store.for_each_row(sql, params, [&](const store::Row& r) {
    out.push_back({store::as_text(r[0]), store::as_int(r[1]), store::as_int(r[2]), store::as_int(r[3]),
                   store::as_int(r[4]), store::as_int(r[5]), store::as_int(r[6])});
    return true;
  }));
  return out;
}

}  // namespace frugal::budget
