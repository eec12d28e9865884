#include <fmt/format.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <charconv>
#include <csignal>
#include <tuple>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <chrono>
#include <optional>

#include "cli/context.h"
#include "cli/repeatable_option.h"
#include "cli/run_request.h"
#include "agent/agent.h"
#include "runner/runner.h"
#include "util/display.h"
#include "util/strings.h"

namespace frugal::cli {
namespace {

// What happened, in one pattern for every end: the run, how it ended (and, when frugal stopped it,
// what stopped it), how long, what it cost, the exit status frugal returns. On stderr: always when
// frugal stopped the job, so a log says why it ended; otherwise on a terminal only, so a job's
// stderr piped elsewhere stays its own. GPU use follows on a terminal.
void report_status(const Result<runner::RunOutcome>& outcome, int exit_status) {
  const auto& s = outcome->summary;
  bool stopped_by_frugal = !outcome->stop_reason.empty();
  if (!stopped_by_frugal && !isatty(STDERR_FILENO)) return;
  std::string how;
  switch (s.status) {
    case tracking::RunStatus::over_budget: how = "stopped by its budget, " + outcome->stop_reason + ","; break;
    case tracking::RunStatus::stopped_early: how = "stopped early, " + outcome->stop_reason + ","; break;
    case tracking::RunStatus::preempted: how = "preempted, " + outcome->stop_reason + ","; break;
    default: how = std::string(tracking::status_name(s.status));
  }
  std::string cost = s.cost ? fmt::format("cost ${} ({})", money_text(*s.cost), outcome->price_note) : "cost unknown (no --instance-type)";
  std::string saved = outcome->saved ? fmt::format(", about ${} not spent", money_text(*outcome->saved)) : "";
  std::string attempts = outcome->attempts > 1 ? fmt::format(" over {} attempts", outcome->attempts) : "";
  fmt::print(stderr, "frugal: run {} {} after {}{}; {}{}; exit status {}\n", s.id, how, util::display::duration(static_cast<double>(s.duration_ms) / 1000.0), attempts,
             cost, saved, exit_status);
  if (!isatty(STDERR_FILENO)) return;
  const auto& u = outcome->usage;
  if (u.gpu_util_mean)
    fmt::print(
        stderr, "frugal: GPUs {:.0f}% busy on average (NVML: time a kernel ran), {} idle GPU-hours{}{}\n",
        *u.gpu_util_mean, util::display::quantity(u.idle_gpu_seconds / 3600),
        u.idle_cost ? fmt::format(" (${})", money_text(*u.idle_cost)) : "",
        u.cpu_bound ? "; the CPU was saturated while the GPUs waited: the input pipeline is the bottleneck"
                    : "");
}

// While the job runs, sends its spool every `every`: the server shows the run as it goes. Errors
// are left for the final send to report (the job is never slowed by them).
class LiveSender {
 public:
  LiveSender(std::string spool, agent::Target target, std::chrono::milliseconds every)
      : m_spool(std::move(spool)), m_target(std::move(target)), m_every(every) {
    m_progress.live = true;
    m_thread = std::thread([this] {
      std::unique_lock lock(m_mutex);
      while (!m_stop) {
        if (m_wake.wait_for(lock, m_every, [&] { return m_stop; })) break;
        lock.unlock();
        (void)agent::sync_spool(m_spool, m_target, &m_progress);
        lock.lock();
      }
    });
  }
  // Stops the thread; what it sent is not sent again.
  agent::Progress finish() {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
    m_progress.live = false;
    return m_progress;
  }
  ~LiveSender() {
    if (m_thread.joinable()) finish();
  }

 private:
  std::string m_spool;
  agent::Target m_target;
  std::chrono::milliseconds m_every;
  agent::Progress m_progress;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_thread;
};

// Sends a spool; on failure it stays for `frugal sync`, and the job's status is not touched.
void send_spool(const std::string& spool, const agent::Target& target, agent::Progress progress) {
  auto sent = agent::sync_spool(spool, target, &progress);
  if (!sent) {
    fmt::print(stderr, "frugal: warning: the run is kept in {} and sent by `frugal sync`: {}\n", spool, sent.error().message);
    return;
  }
  if (!sent->refused.empty()) {
    fmt::print(stderr, "frugal: warning: {} refused the run for good: {}; it is kept in {} (the reason beside it) and no "
                       "longer sent by `frugal sync`\n",
               target.server, sent->refused, sent->dead_letter);
    return;
  }
  if (isatty(STDERR_FILENO))
    fmt::print(stderr, "frugal: sent to {}: {} run(s), {} metric points, {} samples\n", target.server, sent->runs_sent,
               sent->metrics, sent->samples);
}

Result<int> execute(Context& ctx, const RunFlags& f) {
  for (const auto& [key, value] : config_flags(f)) ctx.flags[key] = value;
  ctx.config.reset();
  FRUGAL_CHECK(ctx.load_config());
  const Config& c = *ctx.config;
  RunPlan plan = FRUGAL_TRY(build_run_plan(f, c));
  const runner::RunRequest& request = plan.request;
  if (request.retries > 0 && request.retry_on_exit.empty())
    fmt::print(stderr, "frugal: note: --retries retries only preemptions unless --retry-on-exit names exit statuses\n");
  if (!request.checkpoint_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(request.checkpoint_dir, ec);  // the job writes there
  }
  // With a server, the run is recorded into a spool of its own and sent when it ends: the job
  // neither waits on nor fails with the network (agent/agent.h).
  const agent::Target& target = plan.target;
  std::string spool;
  if (!target.server.empty()) spool = FRUGAL_TRY(agent::new_spool(c.home_dir()));
  auto store = spool.empty() ? ctx.open_store(store::Access::read_write) : store::open_store(spool, store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  // The runner writes little at a time: a small page cache keeps it lean beside the job (the
  // 64 MiB default serves bulk imports). Backends without the pragma simply refuse it.
  if ((*store)->dialect() == "sqlite") (void)(*store)->execute("PRAGMA cache_size = -2048");
  std::optional<LiveSender> live;
  if (!spool.empty()) live.emplace(spool, target, plan.send_every);
  auto outcome = runner::run_tracked(**store, request, ctx.clock);
  if (!spool.empty()) {
    auto progress = live->finish();
    store->reset();  // closed before it is read and sent
    send_spool(spool, target, std::move(progress));
  }
  if (!outcome) {
    const Error& e = outcome.error();
    // The job could not be started: the shell's statuses for it (127 absent, 126 not executable).
    if (e.message.starts_with("cannot run")) {
      fmt::print(stderr, "frugal: {}\n", e.message);
      return e.code == ErrorCode::not_found ? runner::k_exit_not_found : runner::k_exit_cannot_execute;
    }
    return std::unexpected(e);
  }
  for (const auto& w : outcome->warnings) fmt::print(stderr, "frugal: warning: {}\n", w);
  // Stopped by frugal: a status of its own, so `frugal run ... && deploy` does not go ahead.
  if (outcome->summary.status == tracking::RunStatus::over_budget) {
    report_status(outcome, runner::k_exit_quota_refused);
    return runner::k_exit_quota_refused;
  }
  if (outcome->summary.status == tracking::RunStatus::preempted) {
    report_status(outcome, runner::k_exit_preempted);
    return runner::k_exit_preempted;
  }
  report_status(outcome, outcome->exit_code);  // 128 + the signal when one killed the job, as a shell says
  // A job ended by Ctrl-C (or Ctrl-backslash) ends us the same way, so a calling script stops too, as it
  // would have with the bare command.
  if (outcome->signal && (*outcome->signal == SIGINT || *outcome->signal == SIGQUIT)) {
    std::signal(*outcome->signal, SIG_DFL);
    std::raise(*outcome->signal);
  }
  return outcome->exit_code;
}

}  // namespace

void add_run_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand(
      "run",
      "run a job (frugal run [OPTIONS] -- COMMAND ...), tracking who ran it, on what, and what it cost");
  cmd->add_option("--name", flags->name, "run name (default: the program's name)");
  cmd->add_option("--user", flags->user, "who runs it (default $FRUGAL_USER, then $USER)");
  cmd->add_option("--team", flags->team, "team charged (or FRUGAL_TEAM)");
  cmd->add_option("--project", flags->project, "project charged (or FRUGAL_PROJECT)");
  cmd->add_option("--model", flags->model, "model trained (or FRUGAL_MODEL)");
  cmd->add_option("--dataset", flags->dataset, "dataset read (or FRUGAL_DATASET)");
  cmd->add_option("--experiment", flags->experiment, "experiment the run belongs to");
  cmd->add_option("--instance-type", flags->instance_type,
                  "instance type that prices the run (p4d.24xlarge)");
  cmd->add_option("--region", flags->region, "region of the instance (default: its cheapest)");
  cmd->add_option("--provider", flags->provider, "cloud provider (aws, gcp, azure, ...)");
  cmd->add_option("--instance-id", flags->instance_id, "cloud instance id, to reconcile with bills");
  cmd->add_flag("--spot", flags->spot, "price at the spot rate");
  cmd->add_option("--hourly-usd", flags->hourly_usd,
                  "price per hour of the whole instance (overrides the catalog)");
  cmd->add_option("--gpus", flags->gpus, "GPUs the job holds, when it shares the instance");
  add_repeatable(cmd, "--tag", flags->tags, "label KEY=VALUE (repeatable)");
  add_repeatable(cmd, "--param", flags->params, "hyper-parameter KEY=VALUE (repeatable)");
  cmd->add_option("--server", flags->server, "send the run to this frugal serve (http://host:port; or FRUGAL_SERVER)");
  cmd->add_option("--token", flags->token, "token for --server (or FRUGAL_TOKEN)");
  cmd->add_option("--send-every", flags->send_every, "with --server: how often the running job's progress is sent")
      ->capture_default_str();
  cmd->add_flag("--allow-over-quota", flags->allow_over_quota,
                "run even when a quota is exhausted (recorded)");
  cmd->add_option("--max-usd", flags->max_usd,
                  "stop the job (status over_budget) when it has cost this; warns at 80%");
  cmd->add_option("--max-gpu-hours", flags->max_gpu_hours,
                  "stop the job when it has used this many GPU-hours")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--sample-every", flags->sample_every, "how often to sample resources and check budgets")
      ->capture_default_str();
  cmd->add_option("--grace", flags->grace, "time between SIGTERM and SIGKILL when stopping the job")
      ->capture_default_str();
  add_repeatable(cmd, "--metric", flags->metrics,
                  "NAME=REGEX: a metric from output lines, e.g. 'val_loss=val_loss: ([0-9.eE+-]+)'");
  add_repeatable(cmd, "--stop-when", flags->stop_when,
                  "early stop: 'val_loss min patience=5 min_delta=0.001' or 'val_acc < 0.2 after step=1000'");
  cmd->add_option(
      "--prune", flags->prune,
      "stop runs worse than earlier runs of the --experiment: median, or percentile=10 (recommended)");
  cmd->add_option("--prune-metric", flags->prune_metric,
                  "NAME:min|max the pruning compares (default: the first --stop-when)");
  cmd->add_option("--warmup-steps", flags->warmup_steps, "no pruning before this step")
      ->capture_default_str();
  cmd->add_option("--startup-runs", flags->startup_runs,
                  "no pruning until this many runs of the experiment finished")
      ->capture_default_str();
  cmd->add_option("--max-steps", flags->max_steps,
                  "planned steps: an early stop records the money the rest would have cost");
  cmd->add_option("--planned-duration", flags->planned_duration,
                  "planned wall time (e.g. 10h): the same, by time");
  cmd->add_option("--retries", flags->retries,
                  "attempts after a retriable failure (preemption, --retry-on-exit)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->add_option("--retry-on-exit", flags->retry_on_exit,
                  "exit statuses to retry, e.g. 137,143 (user errors are not retried)");
  cmd->add_option("--retry-backoff", flags->retry_backoff, "wait before the first retry; doubles each time")
      ->capture_default_str();
  cmd->add_option("--checkpoint-dir", flags->checkpoint_dir,
                  "where the job writes checkpoints; the newest complete one resumes the next attempt");
  cmd->add_option("--checkpoint-store", flags->checkpoint_store,
                  "folder to copy complete checkpoints to (durable storage)");
  cmd->add_option("--keep", flags->keep, "checkpoints kept in the store")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option(
      "--preemption-notice", flags->preemption_notice,
      "poll for a spot preemption notice each sample: aws, gcp or a URL; the job gets SIGTERM in time");
  cmd->add_option("command", flags->command, "the command, after --")->required();
  cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return execute(ctx, *flags); }; });
}

}  // namespace frugal::cli
