// One attempt of a tracked run: record its start, run and watch the job, record its end.
#include <charconv>
#include <cstdlib>
#include <fmt/format.h>
#include <map>

#include "core/run_cost.h"
#include "runner/attempt.h"
#include "runner/metrics_sink.h"
#include "runner/preemption.h"
#include "runner/process_tree.h"
#include "runner/watch.h"

namespace frugal::runner {
namespace {

Result<std::pair<std::string, stopping::Mode>> prune_target(const RunRequest& request,
                                                            const std::vector<stopping::Rule>& rules) {
  if (!request.prune_metric.empty()) {
    auto colon = request.prune_metric.rfind(':');
    std::string mode = colon == std::string::npos ? "" : request.prune_metric.substr(colon + 1);
    if (mode != "min" && mode != "max")
      return fail(ErrorCode::invalid, fmt::format("--prune-metric '{}': expected NAME:min or NAME:max", request.prune_metric));
    return std::pair{request.prune_metric.substr(0, colon), mode == "min" ? stopping::Mode::min : stopping::Mode::max};
  }
  for (const auto& r : rules)
    if (const auto* p = std::get_if<stopping::PatienceRule>(&r)) return std::pair{p->metric, p->mode};
  return fail(ErrorCode::invalid, "--prune: name the metric, e.g. --prune-metric val_loss:min (or give a "
                                  "--stop-when 'val_loss min patience=5' rule)");
}

Result<std::unique_ptr<MetricsSink>> make_metrics_sink(store::Store& store, const RunRequest& request,
                                                       const tracking::RunStart& run) {
  std::vector<stopping::Rule> rules;
  for (const auto& text : request.stop_when) rules.push_back(FRUGAL_TRY(stopping::parse_rule(text)));
  std::optional<stopping::MedianPruner> pruner;
  if (!request.prune.empty()) {
    double percentile = 50;
    if (request.prune.starts_with("percentile=")) {
      std::string_view text = std::string_view(request.prune).substr(11);
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), percentile);
      if (ec != std::errc() || end != text.data() + text.size() || !(percentile > 0 && percentile < 100))
        return fail(ErrorCode::invalid, fmt::format("--prune {}: the percentile must be between 0 and 100", request.prune));
    } else if (request.prune != "median") {
      return fail(ErrorCode::invalid, fmt::format("--prune {}: expected median or percentile=P (e.g. percentile=10)", request.prune));
    }
    if (run.labels.experiment.empty())
      return fail(ErrorCode::invalid, "--prune compares a run with earlier runs of its experiment: give --experiment");
    auto [metric, mode] = FRUGAL_TRY(prune_target(request, rules));
    // The curves of the experiment's runs that completed: pruned and failed runs are no yardstick.
    std::map<std::int64_t, stopping::Curve> curves;
    std::vector<store::Value> p = {run.labels.experiment, metric};
    FRUGAL_CHECK(store.for_each_row(
        "SELECT m.run_id, m.step, m.value FROM metrics m JOIN runs r ON r.id = m.run_id "
        "WHERE r.experiment = ? AND r.status = 'finished' AND m.key = ? AND m.value IS NOT NULL",
        p, [&](const store::Row& row) {
          curves[store::as_int(row[0])][store::as_int(row[1])] = store::as_double(row[2]);
          return true;
        }));
    pruner = stopping::MedianPruner{metric, mode, request.startup_runs, request.warmup_steps, {}, percentile};
    for (auto& [id, c] : curves) pruner->completed.push_back(std::move(c));
  }
  std::unique_ptr<stopping::Policy> policy;
  if (!rules.empty() || pruner) policy = std::make_unique<stopping::Policy>(std::move(rules), std::move(pruner));
  return MetricsSink::create(request.metric_patterns, std::move(policy));
}

// The command with every "{resume}" replaced by the checkpoint to resume from ("" on a first run).
std::vector<std::string> with_resume(const std::vector<std::string>& command, const std::string& resume) {
  std::vector<std::string> out = command;
  for (auto& arg : out) {
    for (std::size_t at; (at = arg.find("{resume}")) != std::string::npos;) arg.replace(at, 8, resume);
  }
  return out;
}

void record_stored(store::Store& store, CheckpointWatcher& checkpoints) {
  for (const auto& [path, stored] : checkpoints.take_stored()) {
    std::vector<store::Value> p = {stored, path};
    (void)store.execute("UPDATE checkpoints SET stored_at = ? WHERE path = ?", p);
  }
}

void record_checkpoints(store::Store& store, std::int64_t run_id, const std::vector<Checkpoint>& found, TimePoint now) {
  for (const auto& c : found) {
    std::vector<store::Value> row = {run_id, c.path, c.stored_path.empty() ? store::Value{} : store::Value{c.stored_path},
                                     c.step ? store::Value{*c.step} : store::Value{}, static_cast<std::int64_t>(c.bytes),
                                     format_utc(now)};
    auto ok = store.execute(
        "INSERT INTO checkpoints (run_id, path, stored_at, step, bytes, time) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (run_id, path) DO UPDATE SET stored_at = excluded.stored_at, step = excluded.step, "
        "bytes = excluded.bytes, time = excluded.time", row);
    if (!ok) fmt::print(stderr, "frugal: warning: could not record checkpoint {}: {}\n", c.path, ok.error().message);
  }
}

}  // namespace

Result<void> run_attempt(store::Store& store, const RunRequest& request, tracking::RunStart run, const Clock& clock,
                         CheckpointWatcher* checkpoints, const std::string& resume, const ChainSoFar& prior,
                         RunOutcome& outcome) {
  auto sink = FRUGAL_TRY(make_metrics_sink(store, request, run));
  std::unique_ptr<PreemptionWatch> preemption;
  if (!request.preemption_notice.empty()) preemption = FRUGAL_TRY(PreemptionWatch::create(request.preemption_notice));
  SignalBlock hold_signals;
  run.started = clock.now();
  outcome.run_id = FRUGAL_TRY(tracking::start_run(store, run));
  sink->attach(store, outcome.run_id);
  Watch watch(store, request, run, outcome, prior);
  // When the newest complete checkpoint of this attempt was seen: work since then is lost on a crash.
  TimePoint last_checkpoint = run.started;
  Supervision supervision;
  supervision.every = request.sample_every;
  supervision.grace = request.grace;
  supervision.on_tick = [&](pid_t group) {
    if (auto flushed = sink->flush(store, outcome.run_id); !flushed)
      fmt::print(stderr, "frugal: warning: could not store metrics: {}\n", flushed.error().message);
    if (checkpoints) {
      auto found = checkpoints->scan(group, group_usage(group).pids);
      if (!found.empty()) last_checkpoint = clock.now();
      record_checkpoints(store, outcome.run_id, found, clock.now());
      record_stored(store, *checkpoints);
    }
    if (preemption) {
      if (auto notice = preemption->poll()) return std::optional<StopRequest>(StopRequest{tracking::RunStatus::preempted, *notice});
    }
    return watch.tick(group, clock.now());
  };
  supervision.on_metrics_line = [&](std::string_view line) { sink->on_json_line(line, clock.now()); };
  if (!request.metric_patterns.empty()) {
    supervision.on_output_line = [&](std::string_view line) { sink->on_output_line(line, clock.now()); };
    // Through a pipe, Python buffers its output in blocks; metrics should arrive as they are printed.
    if (!std::getenv("PYTHONUNBUFFERED")) supervision.environment.push_back("PYTHONUNBUFFERED=1");
  }
  supervision.stop_requested = [&]() -> std::optional<StopRequest> {
    if (!sink->stop_reason()) return std::nullopt;
    return StopRequest{tracking::RunStatus::stopped_early, *sink->stop_reason()};
  };
  if (!resume.empty()) supervision.environment.push_back("FRUGAL_RESUME_FROM=" + resume);
  supervision.on_started = [&](pid_t job) {
    if (auto ok = tracking::record_job(store, outcome.run_id, job, process_start_ticks(job)); !ok)
      outcome.warnings.push_back("could not record the job's process group: " + ok.error().message);
  };
  auto child = run_child(with_resume(request.command, resume), clock, &supervision);
  if (checkpoints) {  // what the job finished writing as it ended
    auto found = checkpoints->scan(0, {}, CheckpointWatcher::JobState::ended);
    if (!found.empty()) last_checkpoint = clock.now();
    record_checkpoints(store, outcome.run_id, found, clock.now());
    checkpoints->wait_for_copies();  // the next attempt resumes from the store
    record_stored(store, *checkpoints);
  }
  watch.flush();
  outcome.usage = watch.summary();
  if (auto flushed = sink->flush(store, outcome.run_id); !flushed)
    outcome.warnings.push_back("could not store metrics: " + flushed.error().message);
  tracking::RunEnd end;
  if (!child) {
    // The run is recorded as failed so the attempt is not lost, then the launch error is reported.
    end.ended = clock.now();
    end.status = tracking::RunStatus::failed;
    end.exit_code = child.error().code == ErrorCode::not_found ? k_exit_not_found : k_exit_cannot_execute;
    auto finished = tracking::finish_run(store, outcome.run_id, end);
    if (!finished) outcome.warnings.push_back("could not record the run's end: " + finished.error().message);
    return std::unexpected(child.error());
  }
  end.ended = child->ended;
  end.usage = outcome.usage;
  end.exit_code = child->exit_code;
  if (child->stopped) {
    end.status = child->stopped->status;
    end.stop_reason = child->stopped->reason;
    outcome.stop_reason = child->stopped->reason;
    std::int64_t elapsed_ms = (child->ended - run.started).count();
    if (end.status == tracking::RunStatus::stopped_early && run.hourly_price) {
      if (request.max_steps && sink->last_step() > 0) {
        // The steps it did not run, at the cost per step this attempt ran at.
        Money spent = run_cost(*run.hourly_price, elapsed_ms, run.gpu_count, run.instance_gpu_count);
        std::int64_t done = std::max<std::int64_t>(1, sink->last_step() - sink->first_step() + 1);
        std::int64_t left = std::max<std::int64_t>(0, *request.max_steps - sink->last_step());
        end.saved = spent.scaled(left, done);
      } else if (request.planned_duration) {
        // The planned time the whole chain did not take.
        std::int64_t left = std::max<std::int64_t>(0, request.planned_duration->count() - prior.elapsed_ms - elapsed_ms);
        end.saved = run_cost(*run.hourly_price, left, run.gpu_count, run.instance_gpu_count);
      }
    }
  } else if (child->signal) {
    end.status = tracking::RunStatus::killed;
  } else {
    end.status = child->exit_code == 0 ? tracking::RunStatus::finished : tracking::RunStatus::failed;
  }
  if (end.status == tracking::RunStatus::failed || end.status == tracking::RunStatus::killed ||
      end.status == tracking::RunStatus::preempted)
    end.work_lost_ms = std::max<std::int64_t>(0, (child->ended - last_checkpoint).count());
  outcome.exit_code = child->exit_code;
  outcome.signal = child->signal;
  outcome.saved = end.saved;
  auto finished = tracking::finish_run(store, outcome.run_id, end);
  if (!finished) {
    // The job ran; its exit status must still reach the caller even if the store failed us.
    outcome.warnings.push_back("could not record the run's end: " + finished.error().message);
    outcome.summary.id = outcome.run_id;
    outcome.summary.status = end.status;
    return {};
  }
  outcome.summary = *finished;
  return {};
}


}  // namespace frugal::runner
