#pragma once
// Runner: `frugal run -- CMD…`. Checks quotas, prices the instance, records the run, runs the
// command as a child in its own process group (signals forwarded, stdin/stdout/stderr shared and
// untouched, exit status passed through), then records how it ended and what it cost.
#include <chrono>
#include <csignal>
#include <functional>
#include <string_view>
#include <sys/types.h>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "store/store.h"
#include "tracking/tracking.h"

namespace frugal::runner {

// Exit statuses of `frugal run` itself (the child's own status passes through otherwise).
inline constexpr int k_exit_quota_refused = 77;  // EX_NOPERM: a quota forbids the run
inline constexpr int k_exit_cannot_execute = 126;
inline constexpr int k_exit_not_found = 127;     // as a shell: the command does not exist
inline constexpr int k_exit_preempted = 75;      // EX_TEMPFAIL: preempted, retries used up: try again later
// A job frugal stopped for its budget or a quota ends with k_exit_quota_refused too.

// A reason to stop a job while it runs (its budget, a quota, later an early-stopping rule).
struct StopRequest {
  tracking::RunStatus status = tracking::RunStatus::over_budget;
  std::string reason;  // "max-usd $20.00 reached"
};

// Watching a job while it runs: every `every`, on_tick looks at it; a StopRequest stops it with
// SIGTERM to its process group (so it can save a checkpoint), then SIGKILL after `grace`.
struct Supervision {
  std::chrono::milliseconds every{5'000};
  std::chrono::milliseconds grace{30'000};
  std::function<std::optional<StopRequest>(pid_t process_group)> on_tick;
  // Set: the job gets FRUGAL_METRICS_FD / FRUGAL_METRICS_FILE, and each line it writes there comes here.
  std::function<void(std::string_view line)> on_metrics_line;
  // Set: the job's stdout and stderr go through frugal (passed on unbuffered, byte for byte) and each
  // line comes here, for --metric regexes.
  std::function<void(std::string_view line)> on_output_line;
  // Asked after every line and tick: a stop decided from metrics (early stopping).
  std::function<std::optional<StopRequest>()> stop_requested;
  std::vector<std::string> environment;  // extra KEY=VALUE for the job
  std::function<void(pid_t job)> on_started;  // the job runs (its pid is its process group)
};

struct ChildOutcome {
  int exit_code = 0;          // the child's status, or 128+N when signal N killed it
  std::optional<int> signal;  // the signal that killed it
  std::optional<StopRequest> stopped;  // frugal stopped it, and why
  TimePoint started;
  TimePoint ended;
};

// True once SIGINT, SIGTERM, SIGHUP or SIGQUIT reached frugal while it ran a job: its caller wants
// it to stop, so no retry follows.
bool interrupted_by_caller();

// The signals run_child forwards to the job (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2, SIGWINCH).
sigset_t forwarded_signals();

// Holds the forwarded signals back for its lifetime, so that between recording a run's start and
// its end no signal can kill frugal and leave the run "running"; run_child lets them through to
// the job while it runs, and any that arrive later act once the run is recorded.
class SignalBlock {
 public:
  SignalBlock();
  ~SignalBlock();
  SignalBlock(const SignalBlock&) = delete;
  SignalBlock& operator=(const SignalBlock&) = delete;

 private:
  sigset_t m_previous;
};

// Runs `argv` (PATH searched) in a new process group and waits for it. SIGINT, SIGTERM, SIGHUP,
// SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH sent to this process are forwarded to the group; on a
// terminal the child's group gets the foreground, so Ctrl-C and reads reach it as if run bare.
// When the job stops on Ctrl-Z, frugal stops too and continues it when continued.
// A command that cannot be started → ErrorCode::not_found (no such program) or io.
// The child gets PR_SET_PDEATHSIG, so it is killed if frugal itself dies.
Result<ChildOutcome> run_child(const std::vector<std::string>& argv, const Clock& clock,
                               const Supervision* supervision = nullptr);

enum class QuotaPolicy { enforce, allow_over };

struct RunRequest {
  tracking::Labels labels;
  std::string name;
  std::vector<std::string> command;
  std::string provider;
  std::string region;
  std::string instance_type;
  std::string instance_id;
  bool spot = false;
  std::optional<Money> hourly_price;  // --hourly-usd: overrides the catalog
  std::optional<int> gpus;            // GPUs held; default: all of the instance's
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<std::pair<std::string, std::string>> tags;
  QuotaPolicy quota_policy = QuotaPolicy::enforce;
  std::optional<Money> max_usd;          // stop (over_budget) when the run's cost reaches this
  std::optional<double> max_gpu_hours;   // ... or its GPU-hours this
  std::chrono::milliseconds sample_every{5'000};  // resources and the run's own budgets
  // Samples, cost so far and quota checks go to the store at most this often (and at the end):
  // sampling every second must not mean a database commit every second.
  std::chrono::milliseconds store_every{5'000};
  std::chrono::milliseconds grace{30'000};        // SIGTERM → SIGKILL when stopping
  // Metrics and early stopping.
  std::vector<std::pair<std::string, std::string>> metric_patterns;  // --metric NAME=REGEX
  std::vector<std::string> stop_when;             // --stop-when rules (stopping::parse_rule)
  std::string prune;                              // "", "median" or "percentile=P"
  std::string prune_metric;                       // "val_loss:min"; default: the first --stop-when rule's
  std::int64_t warmup_steps = 0;                  // --warmup-steps
  int startup_runs = 5;                           // completed runs of the experiment before pruning
  std::optional<std::int64_t> max_steps;          // planned steps: prices what an early stop saved
  std::optional<std::chrono::milliseconds> planned_duration;  // or the planned wall time
  // Warm restarts.
  int retries = 0;                                // further attempts after a retriable failure
  std::set<int> retry_on_exit;                    // exit statuses that are retried (preemption always is)
  std::chrono::milliseconds retry_backoff{5'000}; // before the first retry; doubles each time
  std::string checkpoint_dir;                     // watched for complete checkpoints
  std::string checkpoint_store;                   // where complete checkpoints are copied ("" = none)
  int keep = 3;                                   // checkpoints kept in the store
  std::string preemption_notice;                  // aws, gcp or a URL polled each sample ("" = none)
};

struct RunOutcome {
  std::int64_t run_id = 0;
  int exit_code = 0;
  std::optional<int> signal;  // the signal that killed the job, if one did
  tracking::RunSummary summary;
  tracking::UsageSummary usage;
  int attempts = 1;                   // attempts made (retries + 1 at most)
  Money total_cost;                   // over every attempt
  std::string price_note;  // "p4d.24xlarge on_demand us-east-1 $32.77/h (builtin)"
  std::string stop_reason;  // why frugal stopped the last attempt ("max-usd $3.00 reached ..."); "" when it ended by itself
  std::optional<Money> saved;  // an early stop: what the steps or time it did not run would have cost
  std::vector<std::string> warnings;
};

// The whole `frugal run`. Refusals before the child starts come back as errors: quota_exceeded
// (with every quota that blocks), not_found (unknown instance type, with close matches), invalid.
Result<RunOutcome> run_tracked(store::Store& store, const RunRequest& request, const Clock& clock);

}  // namespace frugal::runner
