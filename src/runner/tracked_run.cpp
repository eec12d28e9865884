#include <fmt/format.h>
#include <unistd.h>

#include "budget/budget.h"
#include "catalog/catalog.h"
#include "core/run_cost.h"
#include "runner/process_tree.h"
#include "runner/runner.h"
#include "runner/metrics_sink.h"
#include "runner/watch.h"
#include <cstdlib>
#include <map>

namespace frugal::runner {
namespace {

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "";
  return buffer;
}

// Fills the run's price from --hourly-usd or the catalog; refuses an unknown instance type.
Result<void> price_run(store::Store& store, const RunRequest& request, tracking::RunStart& run,
                       RunOutcome& outcome) {
  catalog::Pricing pricing = request.spot ? catalog::Pricing::spot : catalog::Pricing::on_demand;
  std::optional<catalog::InstancePrice> listed;
  if (!request.instance_type.empty()) {
    auto found = catalog::price_of(store, request.instance_type, request.region, request.provider, pricing);
    if (!found && !request.hourly_price) return std::unexpected(found.error().wrap("--instance-type"));
    if (found) listed = *found;
  }
  if (request.hourly_price) {
    run.hourly_price = *request.hourly_price;
    run.price_source = "flag";
  } else if (listed) {
    run.hourly_price = listed->hourly;
    run.price_source = listed->source;
  }
  if (listed) {
    run.instance_gpu_count = listed->instance_gpu_count;
    if (run.provider.empty()) run.provider = listed->provider;
    if (run.region.empty()) run.region = listed->region;
  }
  if (request.gpus) {
    if (*request.gpus < 0) return fail(ErrorCode::invalid, "--gpus: must not be negative");
    if (listed && *request.gpus > listed->instance_gpu_count)
      return fail(ErrorCode::invalid, fmt::format("--gpus {}: {} has only {} GPUs", *request.gpus,
                                                  request.instance_type, listed->instance_gpu_count));
    run.gpu_count = *request.gpus;
  } else {
    run.gpu_count = run.instance_gpu_count;
  }
  if (run.hourly_price) {
    std::string what = request.instance_type.empty()
                           ? std::string("instance")
                           : fmt::format("{} {}{}", request.instance_type, tracking::pricing_name(run.pricing),
                                         run.region.empty() ? "" : " in " + run.region);
    outcome.price_note = fmt::format("{} at ${}/h from {}", what, run.hourly_price->to_string(2),
                                     run.price_source == "flag" ? "--hourly-usd" : run.price_source);
  }
  return {};
}

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
      percentile = std::atof(request.prune.c_str() + 11);
      if (!(percentile > 0 && percentile < 100))
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

}  // namespace

Result<RunOutcome> run_tracked(store::Store& store, const RunRequest& request, const Clock& clock) {
  if (request.command.empty()) return fail(ErrorCode::invalid, "no command to run: frugal run [options] -- CMD ...");
  RunOutcome outcome;
  tracking::RunStart run;
  run.labels = request.labels;
  run.name = request.name;
  run.command = request.command;
  run.host = host_name();
  run.provider = request.provider;
  run.region = request.region;
  run.instance_type = request.instance_type;
  run.instance_id = request.instance_id;
  run.pricing = request.spot ? tracking::PricingModel::spot : tracking::PricingModel::on_demand;
  run.params = request.params;
  run.tags = request.tags;
  FRUGAL_CHECK(price_run(store, request, run, outcome));

  // Runs of this host whose frugal died can't be running: mark them lost before counting quotas.
  auto lost = tracking::mark_lost_runs(store, run.host, [](std::int64_t pid, std::int64_t ticks) {
    return process_start_ticks(static_cast<pid_t>(pid)) == ticks;
  });
  if (!lost) outcome.warnings.push_back("could not check for lost runs: " + lost.error().message);

  auto blocking = FRUGAL_TRY(budget::blocking_quotas(store, run.labels.user, run.labels.team,
                                                      run.labels.project, clock.now()));
  if (!blocking.empty()) {
    std::string reasons;
    for (const auto& b : blocking) reasons += (reasons.empty() ? "" : "; ") + b.reason;
    if (request.quota_policy == QuotaPolicy::enforce)
      return fail(ErrorCode::quota_exceeded,
                  fmt::format("over quota: {}. Raise it with `frugal quota set`, or pass --allow-over-quota "
                              "(recorded on the run)", reasons));
    run.over_quota = true;
    outcome.warnings.push_back("running over quota (recorded): " + reasons);
  }

  auto sink = FRUGAL_TRY(make_metrics_sink(store, request, run));
  run.runner_pid = getpid();
  run.runner_start_ticks = process_start_ticks(getpid());
  run.max_usd = request.max_usd;
  run.max_gpu_hours = request.max_gpu_hours;
  SignalBlock hold_signals;
  run.started = clock.now();
  outcome.run_id = FRUGAL_TRY(tracking::start_run(store, run));
  Watch watch(store, request, run, outcome);
  Supervision supervision;
  supervision.every = request.sample_every;
  supervision.grace = request.grace;
  supervision.on_tick = [&](pid_t group) {
    if (auto flushed = sink->flush(store, outcome.run_id); !flushed)
      fmt::print(stderr, "frugal: warning: could not store metrics: {}\n", flushed.error().message);
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
  auto child = run_child(request.command, clock, &supervision);
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
    if (end.status == tracking::RunStatus::stopped_early && request.max_steps && sink->last_step() > 0 &&
        run.hourly_price) {
      // The steps it did not run, at the cost per step it ran at.
      Money spent = run_cost(*run.hourly_price, (child->ended - run.started).count(), run.gpu_count, run.instance_gpu_count);
      std::int64_t left = std::max<std::int64_t>(0, *request.max_steps - sink->last_step());
      end.saved = spent.scaled(left, sink->last_step());
    }
  } else if (child->signal) {
    end.status = tracking::RunStatus::killed;
  } else {
    end.status = child->exit_code == 0 ? tracking::RunStatus::finished : tracking::RunStatus::failed;
  }
  outcome.exit_code = child->exit_code;
  outcome.signal = child->signal;
  auto finished = tracking::finish_run(store, outcome.run_id, end);
  if (!finished) {
    // The job ran; its exit status must still reach the caller even if the store failed us.
    outcome.warnings.push_back("could not record the run's end: " + finished.error().message);
    outcome.summary.id = outcome.run_id;
    outcome.summary.status = end.status;
    return outcome;
  }
  outcome.summary = *finished;
  return outcome;
}

}  // namespace frugal::runner
