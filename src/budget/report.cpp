#include <limits>
#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "budget/budget.h"
#include "budget/run_columns.h"

namespace frugal::budget {
namespace {

Result<std::vector<JobLine>> top_jobs(store::Store& store, std::string_view order_by, const ReportQuery& q) {
  std::string sql = fmt::format(
      "SELECT id, name, username, team, project, instance_type, status, started_at, duration_ms, cost_nanos "
      "FROM runs WHERE started_at >= ? AND started_at < ? AND {0} IS NOT NULL "
      "ORDER BY {0} DESC, id LIMIT ?",
      order_by);
  // --limit 0 means all rows, as in `frugal top`: the largest LIMIT both backends take.
  std::vector<store::Value> params = {format_utc(q.since), format_utc(q.until),
                                      q.limit ? static_cast<std::int64_t>(q.limit) : std::numeric_limits<std::int64_t>::max()};
  std::vector<JobLine> lines;
  FRUGAL_CHECK(store.for_each_row(sql, params, [&](const store::Row& r) {
    JobLine line;
    line.run_id = store::as_int(r[0]);
    line.name = store::as_text(r[1]);
    line.user = store::as_text(r[2]);
    line.team = store::as_text(r[3]);
    line.project = store::as_text(r[4]);
    line.instance_type = store::as_text(r[5]);
    line.status = store::as_text(r[6]);
    line.started_at = store::as_text(r[7]);
    line.duration_ms = store::as_int(r[8]);
    if (!store::is_null(r[9])) line.cost = Money::from_nanos(store::as_int(r[9]));
    lines.push_back(std::move(line));
    return true;
  }));
  return lines;
}

}  // namespace

Result<Report> report(store::Store& store, const ReportQuery& query) {
  Report out;
  out.costliest = FRUGAL_TRY(top_jobs(store, "cost_nanos", query));
  out.longest = FRUGAL_TRY(top_jobs(store, "duration_ms", query));
  std::string sql = fmt::format(
      "SELECT coalesce(team, '(none)'), coalesce(project, '(none)'), count(*), sum(CASE WHEN status IN {0} THEN 1 ELSE 0 END), "
      "sum(CASE WHEN status IN {0} THEN cost_nanos ELSE 0 END), sum(cost_nanos) "
      "FROM runs WHERE started_at >= ? AND started_at < ? GROUP BY 1, 2",
      k_failure_statuses);
  std::vector<store::Value> params = {format_utc(query.since), format_utc(query.until)};
  FRUGAL_CHECK(store.for_each_row(sql, params, [&](const store::Row& r) {
    FailureLine line;
    line.team = store::as_text(r[0]);
    line.project = store::as_text(r[1]);
    line.runs = store::as_int(r[2]);
    line.failures = store::as_int(r[3]);
    line.failure_rate = line.runs ? static_cast<double>(line.failures) / static_cast<double>(line.runs) : 0;
    line.failed_cost = Money::from_nanos(store::as_int(r[4]));
    line.total_cost = Money::from_nanos(store::as_int(r[5]));
    out.runs += line.runs;
    out.failed_runs += line.failures;
    out.total_cost += line.total_cost;
    out.failed_cost += line.failed_cost;
    out.failures.push_back(std::move(line));
    return true;
  }));
  auto reconciled = FRUGAL_TRY(store.query(
      "SELECT count(*), sum(coalesce(cost_nanos, 0)), sum(billed_cost_nanos) FROM runs "
      "WHERE started_at >= ? AND started_at < ? AND billed_cost_nanos IS NOT NULL",
      params));
  out.reconciled_runs = store::as_int(reconciled.rows.at(0)[0]);
  out.reconciled_estimate = Money::from_nanos(store::as_int(reconciled.rows.at(0)[1]));
  out.reconciled_billed = Money::from_nanos(store::as_int(reconciled.rows.at(0)[2]));
  auto cache = FRUGAL_TRY(store.query(
      "SELECT count(*), sum(compute_ms), sum(saved_nanos) FROM cache_events WHERE kind = 'hit' AND at >= ? AND at < ?",
      params));
  out.cache_hits = store::as_int(cache.rows.at(0)[0]);
  out.cache_saved_ms = store::as_int(cache.rows.at(0)[1]);
  out.cache_saved = Money::from_nanos(store::as_int(cache.rows.at(0)[2]));
  auto data = FRUGAL_TRY(store.query(
      "SELECT count(*), sum(bytes), sum(avoided_nanos) FROM data_events WHERE kind = 'hit' AND at >= ? AND at < ?", params));
  out.data_hits = store::as_int(data.rows.at(0)[0]);
  out.data_hit_bytes = store::as_int(data.rows.at(0)[1]);
  out.egress_avoided = Money::from_nanos(store::as_int(data.rows.at(0)[2]));
  std::sort(out.failures.begin(), out.failures.end(), [](const FailureLine& a, const FailureLine& b) {
    if (a.failed_cost != b.failed_cost) return a.failed_cost > b.failed_cost;
    if (a.failures != b.failures) return a.failures > b.failures;
    return std::tie(a.team, a.project) < std::tie(b.team, b.project);
  });
  if (query.limit && out.failures.size() > query.limit) out.failures.resize(query.limit);
  return out;
}

Result<RunSpan> run_span(store::Store& store) {
  auto r = FRUGAL_TRY(store.query("SELECT count(*), min(started_at), max(started_at) FROM runs"));
  return RunSpan{store::as_int(r.rows.at(0)[0]), store::as_text(r.rows.at(0)[1]), store::as_text(r.rows.at(0)[2])};
}

}  // namespace frugal::budget
