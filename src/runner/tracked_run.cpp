#include <fmt/format.h>
#include <unistd.h>

#include "budget/budget.h"
#include "catalog/catalog.h"
#include "core/run_cost.h"
#include "runner/process_tree.h"
#include "runner/runner.h"
#include "runner/attempt.h"
#include "runner/checkpoints.h"
#include <thread>
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

std::string format_backoff(std::chrono::milliseconds d) {
  return d.count() < 1000 ? fmt::format("{} ms", d.count()) : fmt::format("{:.0f} s", d.count() / 1000.0);
}

std::string resume_note(std::optional<CheckpointWatcher>& checkpoints) {
  if (!checkpoints || !checkpoints->newest()) return checkpoints ? " from the start (no complete checkpoint yet)" : "";
  return fmt::format(" from {}", checkpoints->resume_path());
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
  // Its stopping rules say which way its metrics are better (`frugal value` reads the direction).
  if (!request.stop_when.empty()) {
    std::string rules;
    for (const auto& rule : request.stop_when) rules += (rules.empty() ? "" : "; ") + rule;
    run.tags.emplace_back("frugal.stop_when", rules);
  }
  FRUGAL_CHECK(price_run(store, request, run, outcome));
  if (request.max_usd && !run.hourly_price)
    outcome.warnings.push_back("--max-usd has no effect: the run has no price (give --instance-type or --hourly-usd)");
  if (request.max_gpu_hours && run.gpu_count == 0)
    outcome.warnings.push_back("--max-gpu-hours has no effect: the run holds no GPUs (give --instance-type or --gpus)");

  // Runs of this host whose frugal died can't be running: mark them lost before counting quotas.
  const std::string here = runner_boot();
  auto lost = tracking::mark_lost_runs(
      store, run.host,
      [&](const tracking::RunnerIdentity& who) {
        if (who.start_ticks < 0) return true;  // recorded without /proc: cannot judge, assume alive
        if (!who.boot.empty() && who.boot != here) {
          // Another boot of this machine: that runner is gone. Another pid namespace (a container
          // with the same host name): its pids mean nothing here, so leave it be.
          auto boot_of = [](const std::string& b) { return b.substr(0, b.find(':')); };
          return boot_of(who.boot) == boot_of(here);
        }
        return process_start_ticks(static_cast<pid_t>(who.pid)) == who.start_ticks;
      },
      [&](const tracking::RunnerIdentity& who) {
        // What the job started in the background outlived it (PDEATHSIG reaches only its first
        // process): stop it now, on this boot only.
        if (who.job_pgid > 0 && who.boot == here) kill_leftovers(static_cast<pid_t>(who.job_pgid), who.job_start_ticks);
      });
  if (!lost) outcome.warnings.push_back("could not check for lost runs: " + lost.error().message);

  // Checked in the same transaction that inserts the run: two runs racing for the last of a quota
  // cannot both start. The run's own budget (--max-usd) must fit in what is left.
  run.admit = [&]() -> Result<bool> {
    auto blocking = FRUGAL_TRY(budget::blocking_quotas(store, run.labels.user, run.labels.team, run.labels.project,
                                                        clock.now(), {request.max_usd, request.max_gpu_hours}));
    if (blocking.empty()) return false;
    std::string reasons;
    for (const auto& b : blocking) reasons += (reasons.empty() ? "" : "; ") + b.reason;
    if (request.quota_policy == QuotaPolicy::enforce)
      return fail(ErrorCode::quota_exceeded,
                  fmt::format("over quota: {}. Raise it with `frugal quota set`, or pass --allow-over-quota "
                              "(recorded on the run)", reasons));
    outcome.warnings.push_back("running over quota (recorded): " + reasons);
    return true;
  };

  run.runner_pid = getpid();
  run.runner_start_ticks = process_start_ticks(getpid());
  run.runner_boot = runner_boot();
  run.max_usd = request.max_usd;
  run.max_gpu_hours = request.max_gpu_hours;
  std::optional<CheckpointWatcher> checkpoints;
  if (!request.checkpoint_dir.empty()) checkpoints.emplace(request.checkpoint_dir, request.checkpoint_store, request.keep);
  Money total_cost;
  double gpu_hours_so_far = 0;
  std::int64_t elapsed_so_far = 0;
  std::chrono::milliseconds backoff = request.retry_backoff;
  for (int attempt = 1;; ++attempt) {
    run.attempt = attempt;
    std::string resume = checkpoints ? checkpoints->resume_path() : std::string();
    ChainSoFar prior{total_cost, gpu_hours_so_far, elapsed_so_far};
    auto result = run_attempt(store, request, run, clock, checkpoints ? &*checkpoints : nullptr, resume, prior, outcome);
    if (!result) return std::unexpected(result.error());
    if (outcome.summary.cost) total_cost += *outcome.summary.cost;
    gpu_hours_so_far += static_cast<double>(outcome.summary.duration_ms) * run.gpu_count / 3'600'000.0;
    elapsed_so_far += outcome.summary.duration_ms;
    outcome.attempts = attempt;
    outcome.total_cost = total_cost;
    // Retried: preemption always; the exit statuses asked for; never a job frugal stopped, a job
    // that finished, or a user error not named (SkyPilot's lesson: retrying a bug wastes money).
    bool preempted = outcome.summary.status == tracking::RunStatus::preempted;
    bool asked = (outcome.summary.status == tracking::RunStatus::failed ||
                  outcome.summary.status == tracking::RunStatus::killed) &&
                 request.retry_on_exit.contains(outcome.exit_code);
    if (!(preempted || asked) || attempt > request.retries || interrupted_by_caller()) break;
    fmt::print(stderr, "frugal: attempt {} ended with status {}; retrying in {}{}\n", attempt, outcome.exit_code,
               format_backoff(backoff), resume_note(checkpoints));
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(std::chrono::hours(1)));  // no overflow, no absurd waits
    run.parent_run_id = outcome.run_id;
    run.admit = nullptr;  // a retry continues the admitted run
  }
  return outcome;
}

}  // namespace frugal::runner
