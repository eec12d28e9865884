// Runs another system recorded: the bulk insert a scheduler's accounting import uses, and a new
// price for a run already recorded. Same columns and cost rule as start_run + finish_run.
#include <algorithm>
#include <array>
#include <filesystem>
#include <fmt/format.h>

#include "core/run_cost.h"
#include "tracking/label_tags.h"
#include "tracking/run_row.h"
#include "tracking/tracking.h"

namespace frugal::tracking {
namespace {

// The start's columns (run_row.h), then how it ended.
const std::string& insert_sql() {
  static const std::string sql = fmt::format(
      "INSERT INTO runs ({}, status, parent_run_id, attempt, over_quota, ended_at, duration_ms, exit_code, cost_nanos, "
      "stop_reason, gpu_util_mean, gpu_util_peak, gpu_util_p95, gpu_mem_peak_bytes, idle_gpu_seconds, idle_cost_nanos, cpu_bound) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "RETURNING id",
      k_run_start_columns);
  return sql;
}

// The per-day rollups of the runs in rollup_deferrals, added in one statement: the sums the
// insert trigger (migrations 0010 and 0023) adds run by run, grouped first.
std::string deferred_rollups_sql() {
  constexpr std::pair<std::string_view, std::string_view> k_dimensions[] = {
      {"team", "team"}, {"user", "username"}, {"project", "project"}, {"model", "model"}, {"dataset", "dataset"},
      {"experiment", "experiment"}};
  std::string rows;
  int position = 0;
  for (const auto& [dimension, column] : k_dimensions)
    rows += fmt::format(
        "{}SELECT {} AS position, '{}' AS dimension, substr(r.started_at, 1, 10) AS day, coalesce(r.{}, '') AS key, "
        "CASE WHEN r.status IN ('failed', 'killed', 'lost') THEN 1 ELSE 0 END AS failed, coalesce(r.cost_nanos, 0) AS cost, "
        "coalesce(r.duration_ms, 0) * r.gpu_count AS gpu_ms, coalesce(r.duration_ms, 0) AS duration, "
        "coalesce(r.idle_cost_nanos, 0) AS idle FROM runs r JOIN rollup_deferrals d ON d.run_id = r.id",
        rows.empty() ? "" : " UNION ALL ", ++position, dimension, column);
  return "INSERT INTO run_rollups (dimension, day, key, runs, failures, cost_nanos, gpu_ms, duration_ms, idle_cost_nanos) "
         "SELECT dimension, day, key, count(*), sum(failed), sum(cost), sum(gpu_ms), sum(duration), sum(idle) FROM (" +
         rows +
         // In the trigger's order (dimension, then day and key), so that a concurrent writer on
         // PostgreSQL locks rollup rows in the same order and neither waits on the other in a cycle.
         ") AS deferred WHERE true GROUP BY position, dimension, day, key ORDER BY position, day, key "
         "ON CONFLICT (dimension, day, key) DO UPDATE SET runs = run_rollups.runs + excluded.runs, "
         "failures = run_rollups.failures + excluded.failures, cost_nanos = run_rollups.cost_nanos + excluded.cost_nanos, "
         "gpu_ms = run_rollups.gpu_ms + excluded.gpu_ms, duration_ms = run_rollups.duration_ms + excluded.duration_ms, "
         "idle_cost_nanos = run_rollups.idle_cost_nanos + excluded.idle_cost_nanos";
}

Result<void> check_recorded(const RecordedRun& run, const Writer& writer, std::size_t index) {
  for (const auto& [key, value] : run.start.tags)
    if (label_tag(key))
      return fail(ErrorCode::invalid, fmt::format("recorded run {}: tag '{}' is a label; give the label instead", index, key));
  if (run.parent_in_batch && *run.parent_in_batch >= index)
    return fail(ErrorCode::invalid, fmt::format("recorded run {}: its parent must come before it in the batch", index));
  FRUGAL_CHECK(check_team(writer, run.start.labels.team, "team"));
  return {};
}

// The cost an ended run came to, as finish_run works it out.
std::optional<Money> ended_cost(const RunStart& start, const RunEnd& end, std::int64_t duration_ms) {
  if (end.cost) return end.cost;
  if (!start.hourly_price) return std::nullopt;
  return run_cost(*start.hourly_price, duration_ms, start.gpu_count, start.instance_gpu_count);
}

}  // namespace

Result<std::vector<std::int64_t>> insert_recorded_runs(store::Store& store, std::span<const RecordedRun> runs,
                                                       const Writer& writer) {
  if (runs.empty()) return std::vector<std::int64_t>{};
  for (std::size_t i = 0; i < runs.size(); ++i) FRUGAL_CHECK(check_recorded(runs[i], writer, i));
  std::vector<std::int64_t> ids;
  ids.reserve(runs.size());
  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    // The insert trigger's six rollup upserts a run are deferred to one aggregate at the end
    // (migration 0023): row 0 tells the trigger, and each run's row says what to add up.
    FRUGAL_CHECK(store.execute("INSERT INTO rollup_deferrals (run_id) VALUES (0)"));
    auto defer = FRUGAL_TRY(store.prepare("INSERT INTO rollup_deferrals (run_id) VALUES (?)"));
    auto tag_insert = FRUGAL_TRY(store.prepare("INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)"));
    std::vector<store::Value> values;
    for (const auto& run : runs) {
      const RunStart& s = run.start;
      std::string name = s.name.empty() ? std::filesystem::path(s.command.front()).filename().string() : s.name;
      std::int64_t duration_ms = run.end ? std::max<std::int64_t>(0, (run.end->ended - s.started).count()) : 0;
      std::optional<Money> cost = run.end ? ended_cost(s, *run.end, duration_ms) : std::nullopt;
      if (cost && !cost->fits_nanos())
        return fail(ErrorCode::invalid, fmt::format("run '{}': a cost of ${} does not fit the store", name, cost->to_string()));
      values = run_start_values(s, name);
      values.insert(values.end(), {
          std::string(status_name(run.end ? run.end->status : RunStatus::running)),
          run.parent_in_batch && *run.parent_in_batch < ids.size() ? store::Value{ids[*run.parent_in_batch]}
          : s.parent_run_id                                         ? store::Value{*s.parent_run_id}
                                                                    : store::Value{},
          std::int64_t{s.attempt},
          run.end ? store::Value{format_utc(run.end->ended)} : store::Value{},
          run.end ? store::Value{duration_ms} : store::Value{},
          run.end && run.end->exit_code ? store::Value{std::int64_t{*run.end->exit_code}} : store::Value{},
          cost ? store::Value{cost->nanos_rounded()} : store::Value{},
          run.end && !run.end->stop_reason.empty() ? store::Value{run.end->stop_reason} : store::Value{},
      });
      // How it used its GPUs, as finish_run stores it.
      const UsageSummary* u = run.end ? &run.end->usage : nullptr;
      values.insert(values.end(), {
          u && u->gpu_util_mean ? store::Value{*u->gpu_util_mean} : store::Value{},
          u && u->gpu_util_peak ? store::Value{*u->gpu_util_peak} : store::Value{},
          u && u->gpu_util_p95 ? store::Value{*u->gpu_util_p95} : store::Value{},
          u && u->gpu_mem_peak_bytes ? store::Value{static_cast<std::int64_t>(*u->gpu_mem_peak_bytes)} : store::Value{},
          u && u->gpu_util_mean ? store::Value{u->idle_gpu_seconds} : store::Value{},
          u && u->idle_cost ? store::Value{u->idle_cost->nanos_rounded()} : store::Value{},
          u ? store::Value{std::int64_t{u->cpu_bound ? 1 : 0}} : store::Value{},
      });
      auto inserted = FRUGAL_TRY(store.query(insert_sql(), values));
      std::int64_t id = store::as_int(inserted.rows.at(0).at(0));
      ids.push_back(id);
      std::array<store::ValueView, 1> deferred = {id};
      FRUGAL_CHECK(defer->execute_views(deferred));
      for (const auto& [key, value] : s.tags) {
        std::array<store::ValueView, 3> row = {id, std::string_view(key), std::string_view(value)};
        FRUGAL_CHECK(tag_insert->execute_views(row));
      }
    }
    FRUGAL_CHECK(store.execute(deferred_rollups_sql()));
    FRUGAL_CHECK(store.execute("DELETE FROM rollup_deferrals"));
    return {};
  }));
  return ids;
}

Result<void> remove_run(store::Store& store, std::int64_t run_id) {
  std::vector<store::Value> key = {run_id};
  auto removed = FRUGAL_TRY(store.execute("DELETE FROM runs WHERE id = ?", key));
  if (removed == 0) return fail(ErrorCode::not_found, fmt::format("run {} does not exist", run_id));
  return {};
}

Result<void> set_attempt(store::Store& store, std::int64_t run_id, int attempt, std::optional<std::int64_t> parent_run_id) {
  if (attempt < 1) return fail(ErrorCode::invalid, fmt::format("run {}: attempt {}: attempts count from 1", run_id, attempt));
  if (parent_run_id == run_id) return fail(ErrorCode::invalid, fmt::format("run {}: a run cannot retry itself", run_id));
  std::vector<store::Value> values = {std::int64_t{attempt}};
  std::string sql = "UPDATE runs SET attempt = ?";
  if (parent_run_id) {
    sql += ", parent_run_id = ?";
    values.emplace_back(*parent_run_id);
  }
  values.emplace_back(run_id);
  if (FRUGAL_TRY(store.execute(sql + " WHERE id = ?", values)) == 0)
    return fail(ErrorCode::not_found, fmt::format("run {} does not exist", run_id));
  return {};
}

Result<void> reprice_run(store::Store& store, std::int64_t run_id, const Reprice& price) {
  return store.transaction([&]() -> Result<void> {
    std::vector<store::Value> key = {run_id};
    auto found = FRUGAL_TRY(store.query("SELECT duration_ms FROM runs WHERE id = ?", key));
    if (found.rows.empty()) return fail(ErrorCode::not_found, fmt::format("run {} does not exist", run_id));
    const auto& duration = found.rows.front().front();
    store::Value cost;
    if (price.hourly && !store::is_null(duration)) {
      Money c = run_cost(*price.hourly, store::as_int(duration), price.gpu_count, price.instance_gpu_count);
      if (!c.fits_nanos())
        return fail(ErrorCode::invalid, fmt::format("run {}: a cost of ${} does not fit the store", run_id, c.to_string()));
      cost = c.nanos_rounded();
    }
    std::vector<store::Value> values = {
        price.hourly ? store::Value{price.hourly->nanos()} : store::Value{},
        std::int64_t{price.gpu_count},
        std::int64_t{price.instance_gpu_count},
        store::text_or_null(price.instance_type),
        store::text_or_null(price.price_source),
        cost,
        run_id,
    };
    FRUGAL_CHECK(store.execute(
        "UPDATE runs SET hourly_price_nanos = ?, gpu_count = ?, instance_gpu_count = ?, "
        "instance_type = coalesce(?, instance_type), price_source = ?, "
        "cost_nanos = CASE WHEN ended_at IS NULL THEN cost_nanos ELSE ? END WHERE id = ?",
        values));
    return {};
  });
}

}  // namespace frugal::tracking
