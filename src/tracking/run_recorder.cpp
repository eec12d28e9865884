#include <cassert>
#include <filesystem>
#include <fmt/format.h>

#include "core/run_cost.h"
#include "tracking/label_tags.h"
#include "tracking/run_row.h"
#include "tracking/tracking.h"

namespace frugal::tracking {
namespace {

// Label tags among the run's tags set its labels (tracking.h); a label given beside its tag must
// agree with it, as MLflow refuses a run_name that contradicts tag mlflow.runName.
Result<void> apply_label_tags(RunStart& run) {
  for (const auto& [key, value] : run.tags) {
    auto label = label_tag(key);
    if (!label || value.empty()) continue;
    std::string& field = label_field(run, *label);
    if (field.empty()) field = value;
    else if (field != value)
      return fail(ErrorCode::invalid, fmt::format("tag '{}' is '{}' but the run's {} is '{}'", key, value,
                                                  label->column == "username" ? "user" : label->column, field));
  }
  return {};
}

Result<void> check_params_agree(const KeyValues& params) {
  for (std::size_t i = 0; i < params.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (params[j].first == params[i].first && params[j].second != params[i].second)
        return fail(ErrorCode::invalid, fmt::format("param '{}' is given twice, as '{}' and '{}'; params cannot change",
                                                    params[i].first, params[j].second, params[i].second));
  return {};
}

}  // namespace

std::string_view status_name(RunStatus status) {
  switch (status) {
    case RunStatus::running: return "running";
    case RunStatus::finished: return "finished";
    case RunStatus::failed: return "failed";
    case RunStatus::stopped_early: return "stopped_early";
    case RunStatus::over_budget: return "over_budget";
    case RunStatus::preempted: return "preempted";
    case RunStatus::killed: return "killed";
    case RunStatus::lost: return "lost";
  }
  return "unknown";
}

Result<RunStatus> parse_status(std::string_view name) {
  for (auto s : {RunStatus::running, RunStatus::finished, RunStatus::failed, RunStatus::stopped_early,
                 RunStatus::over_budget, RunStatus::preempted, RunStatus::killed, RunStatus::lost})
    if (status_name(s) == name) return s;
  return fail(ErrorCode::invalid, fmt::format("unknown run status '{}'", name));
}

std::string_view pricing_name(PricingModel pricing) {
  switch (pricing) {
    case PricingModel::on_demand: return "on_demand";
    case PricingModel::spot: return "spot";
    case PricingModel::committed: return "committed";
  }
  return "on_demand";
}

Money estimate_cost(Money hourly, std::int64_t duration_ms, int gpu_count, int instance_gpu_count) {
  return run_cost(hourly, duration_ms, gpu_count, instance_gpu_count);
}

std::string quote_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !arg.empty() && arg.find_first_not_of(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == std::string::npos;
    if (plain) {
      out += arg;
      continue;
    }
    out += '\'';
    for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

std::vector<store::Value> run_start_values(const RunStart& run, const std::string& name) {
  return {
      name,
      store::text_or_null(run.labels.experiment),
      run.labels.user,
      store::text_or_null(run.labels.team),
      store::text_or_null(run.labels.project),
      store::text_or_null(run.labels.model),
      store::text_or_null(run.labels.dataset),
      quote_command(run.command),
      store::text_or_null(run.host),
      store::text_or_null(run.provider),
      store::text_or_null(run.region),
      store::text_or_null(run.instance_type),
      store::text_or_null(run.instance_id),
      std::string(pricing_name(run.pricing)),
      run.hourly_price ? store::Value{run.hourly_price->nanos()} : store::Value{},
      store::text_or_null(run.price_source),
      std::int64_t{run.gpu_count},
      std::int64_t{run.instance_gpu_count},
      format_utc(run.started),
  };
}

Result<std::int64_t> start_run(store::Store& store, const RunStart& given, const Writer& writer) {
  assert(!given.command.empty() && "start_run needs a command");
  RunStart run = given;
  FRUGAL_CHECK(apply_label_tags(run));
  if (writer.team && run.labels.team.empty()) run.labels.team = *writer.team;
  FRUGAL_CHECK(check_team(writer, run.labels.team, "team"));
  FRUGAL_CHECK(check_params_agree(run.params));
  std::string name = run.name.empty() ? std::filesystem::path(run.command.front()).filename().string() : run.name;
  std::int64_t id = 0;
  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    bool over_quota = run.over_quota;
    if (run.admit) over_quota = FRUGAL_TRY(run.admit()) || over_quota;
    std::vector<store::Value> values = run_start_values(run, name);
    values.insert(values.end(), {
        run.parent_run_id ? store::Value{*run.parent_run_id} : store::Value{},
        std::int64_t{run.attempt},
        std::int64_t{over_quota ? 1 : 0},
        run.runner_pid ? store::Value{run.runner_pid} : store::Value{},
        run.runner_pid ? store::Value{run.runner_start_ticks} : store::Value{},
        run.runner_boot.empty() ? store::Value{} : store::Value{run.runner_boot},
        run.max_usd ? store::Value{run.max_usd->nanos()} : store::Value{},
        run.max_gpu_hours ? store::Value{*run.max_gpu_hours} : store::Value{},
    });
    static const std::string insert_sql = fmt::format(
        "INSERT INTO runs ({}, status, parent_run_id, attempt, over_quota, runner_pid, runner_start_ticks, runner_boot, "
        "max_usd_nanos, max_gpu_hours) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        k_run_start_columns);
    auto inserted = FRUGAL_TRY(store.query(insert_sql, values));
    id = store::as_int(inserted.rows.at(0).at(0));
    FRUGAL_CHECK(log_params(store, id, run.params));
    FRUGAL_CHECK(store_tags(store, id, run.tags));  // the insert carries the labels they name
    return {};
  }));
  return id;
}

Result<RunSummary> finish_run(store::Store& store, std::int64_t run_id, const RunEnd& end) {
  RunSummary summary;
  summary.id = run_id;
  summary.status = end.status;
  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    std::vector<store::Value> key = {run_id};
    auto found = FRUGAL_TRY(store.query(
        "SELECT started_at, hourly_price_nanos, gpu_count, instance_gpu_count FROM runs WHERE id = ?", key));
    if (found.rows.empty()) return fail(ErrorCode::not_found, fmt::format("run {} does not exist", run_id));
    const auto& row = found.rows.front();
    TimePoint started = FRUGAL_TRY(parse_utc(store::as_text(row[0])));
    summary.duration_ms = std::max<std::int64_t>(0, (end.ended - started).count());
    if (!store::is_null(row[1]))
      summary.cost = estimate_cost(Money::from_nanos(store::as_int(row[1])), summary.duration_ms,
                                   static_cast<int>(store::as_int(row[2])), static_cast<int>(store::as_int(row[3])));
    if (end.cost) summary.cost = *end.cost;
    if (summary.cost && !summary.cost->fits_nanos())
      return fail(ErrorCode::invalid, fmt::format("run {}: a cost of ${} does not fit the store (an end time years away?)",
                                                  run_id, summary.cost->to_string()));
    std::vector<store::Value> values = {
        format_utc(end.ended),
        summary.duration_ms,
        std::string(status_name(end.status)),
        end.exit_code ? store::Value{std::int64_t{*end.exit_code}} : store::Value{},
        summary.cost ? store::Value{summary.cost->nanos_rounded()} : store::Value{},
        end.stop_reason.empty() ? store::Value{} : store::Value{end.stop_reason},
        end.saved ? store::Value{end.saved->nanos_rounded()} : store::Value{},
        end.usage.gpu_util_mean ? store::Value{*end.usage.gpu_util_mean} : store::Value{},
        end.usage.gpu_util_peak ? store::Value{*end.usage.gpu_util_peak} : store::Value{},
        end.usage.gpu_mem_peak_bytes ? store::Value{static_cast<std::int64_t>(*end.usage.gpu_mem_peak_bytes)} : store::Value{},
        end.usage.gpu_util_mean ? store::Value{end.usage.idle_gpu_seconds} : store::Value{},
        end.usage.idle_cost ? store::Value{end.usage.idle_cost->nanos_rounded()} : store::Value{},
        std::int64_t{end.usage.cpu_bound ? 1 : 0},
        end.work_lost_ms ? store::Value{*end.work_lost_ms} : store::Value{},
        end.usage.gpu_util_p95 ? store::Value{*end.usage.gpu_util_p95} : store::Value{},
        run_id,
    };
    FRUGAL_CHECK(store.execute(
        "UPDATE runs SET ended_at = ?, duration_ms = ?, status = ?, exit_code = ?, cost_nanos = ?, stop_reason = ?, "
        "saved_nanos = ?, gpu_util_mean = ?, gpu_util_peak = ?, gpu_mem_peak_bytes = ?, idle_gpu_seconds = ?, "
        "idle_cost_nanos = ?, cpu_bound = ?, work_lost_ms = ?, gpu_util_p95 = ? WHERE id = ?",
        values));
    return {};
  }));
  return summary;
}

Result<void> record_progress(store::Store& store, std::int64_t run_id, const std::vector<Sample>& samples,
                             const Money& cost_so_far) {
  return store.transaction([&]() -> Result<void> {
    std::vector<SampleRow> rows;
    for (const auto& sample : samples) {
      auto one = sample_rows(sample);
      rows.insert(rows.end(), one.begin(), one.end());
    }
    FRUGAL_TRY(record_samples(store, run_id, rows));
    std::vector<store::Value> cost = {cost_so_far.nanos_rounded(), run_id};
    FRUGAL_CHECK(store.execute("UPDATE runs SET cost_nanos = ? WHERE id = ? AND status = 'running'", cost));
    return {};
  });
}

Result<void> record_job(store::Store& store, std::int64_t run_id, std::int64_t pgid, std::int64_t start_ticks) {
  std::vector<store::Value> p = {pgid, start_ticks, run_id};
  FRUGAL_CHECK(store.execute("UPDATE runs SET job_pgid = ?, job_start_ticks = ? WHERE id = ?", p));
  return {};
}

Result<std::int64_t> mark_lost_runs(store::Store& store, const std::string& host,
                                    const std::function<bool(const RunnerIdentity&)>& alive,
                                    const std::function<void(const RunnerIdentity&)>& on_lost) {
  std::vector<store::Value> on_host = {host};
  auto running = FRUGAL_TRY(store.query(
      "SELECT r.id, r.runner_pid, r.runner_start_ticks, r.started_at, (SELECT max(time) FROM samples s WHERE s.run_id = r.id), "
      "coalesce(r.runner_boot, ''), coalesce(r.job_pgid, 0), coalesce(r.job_start_ticks, 0) "
      "FROM runs r WHERE r.status = 'running' AND r.host = ? AND r.runner_pid IS NOT NULL",
      on_host));
  std::int64_t marked = 0;
  for (const auto& r : running.rows) {
    RunnerIdentity who{store::as_int(r[1]), store::as_int(r[2]), store::as_text(r[5]), store::as_int(r[6]),
                       store::as_int(r[7])};
    if (alive(who)) continue;
    // Ended when last seen: its last sample, else its start. Cost stays what was last metered.
    std::string last_seen = store::is_null(r[4]) ? store::as_text(r[3]) : store::as_text(r[4]);
    auto started = parse_utc(store::as_text(r[3]));
    auto seen = parse_utc(last_seen);
    std::int64_t duration = started && seen ? std::max<std::int64_t>(0, (*seen - *started).count()) : 0;
    std::vector<store::Value> p = {last_seen, duration, store::as_int(r[0])};
    std::int64_t changed = FRUGAL_TRY(store.execute(
        "UPDATE runs SET status = 'lost', ended_at = ?, duration_ms = ?, stop_reason = 'frugal run was killed; the job "
        "died with it' WHERE id = ? AND status = 'running'",
        p));
    marked += changed;
    if (changed && on_lost) on_lost(who);
  }
  return marked;
}

}  // namespace frugal::tracking
