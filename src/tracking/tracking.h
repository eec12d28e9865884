#pragma once
// Tracking: records runs — who ran what, charged to which team/project/model/dataset, on which
// instance at what price — and meters their estimated cost. The runner calls start_run before the
// job and finish_run after it; each is one transaction, so a crash never leaves half a run.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/money.h"
#include "core/time.h"
#include "store/store.h"

namespace frugal::tracking {

enum class RunStatus { running, finished, failed, stopped_early, over_budget, preempted, killed, lost };
std::string_view status_name(RunStatus status);
Result<RunStatus> parse_status(std::string_view name);

enum class PricingModel { on_demand, spot, committed };
std::string_view pricing_name(PricingModel pricing);

// Who a run is charged to. Empty strings are stored as NULL.
struct Labels {
  std::string user;
  std::string team;
  std::string project;
  std::string model;
  std::string dataset;
  std::string experiment;
};

struct RunStart {
  Labels labels;
  std::string name;                      // "" → the program's base name
  std::vector<std::string> command;      // argv of the job; REQUIRES: not empty
  std::string host;
  std::string provider;
  std::string region;
  std::string instance_type;
  std::string instance_id;
  PricingModel pricing = PricingModel::on_demand;
  std::optional<Money> hourly_price;     // whole instance, per hour; none → cost unknown
  std::string price_source;              // "catalog <file>", "builtin", "flag"
  int gpu_count = 0;                     // GPUs the run holds
  int instance_gpu_count = 0;            // GPUs the instance has
  TimePoint started;
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<std::pair<std::string, std::string>> tags;
  std::optional<std::int64_t> parent_run_id;
  int attempt = 1;
  bool over_quota = false;               // started past a quota with --allow-over-quota
  std::int64_t runner_pid = 0;           // the frugal process that runs it (0: unknown)
  std::int64_t runner_start_ticks = 0;   // its start time after boot, clock ticks
  std::string runner_boot;               // boot id + pid namespace: where that pid means something
  std::optional<Money> max_usd;          // --max-usd
  std::optional<double> max_gpu_hours;   // --max-gpu-hours
  // Quota admission, run inside the insert's transaction so that checking and starting are one
  // step (runner: budget::blocking_quotas). An error refuses the run; true lets it through over
  // quota (recorded in over_quota). None: no check (a retry of an admitted run).
  std::function<Result<bool>()> admit;
};

// How a run used what it held, summed up when it ends.
struct UsageSummary {
  std::optional<double> gpu_util_mean;   // % over the GPUs it held
  std::optional<double> gpu_util_peak;
  std::optional<double> gpu_util_p95;    // what rightsizing sizes for
  std::optional<std::uint64_t> gpu_mem_peak_bytes;
  double idle_gpu_seconds = 0;           // held GPU-seconds below 5% utilisation
  std::optional<Money> idle_cost;
  bool cpu_bound = false;                // GPUs mostly idle while the CPU was saturated
};

struct RunEnd {
  TimePoint ended;
  RunStatus status = RunStatus::finished;
  std::optional<int> exit_code;
  std::string stop_reason{};  // why frugal stopped it; "" when it ended by itself
  std::optional<Money> saved{};  // an early stop: the cost of the steps it did not run
  UsageSummary usage{};
  std::optional<std::int64_t> work_lost_ms{};  // a failed attempt: time since its last checkpoint
  // A cost not metered by the hour (the labels a labeling plan buys): replaces the estimate.
  std::optional<Money> cost{};
};

// One look at a running job's resources (the process group; GPUs are the runner issue's next step).
struct Sample {
  TimePoint time;
  double cpu_pct = 0;          // % of one core over the last interval
  std::uint64_t rss_bytes = 0;
  struct Gpu {
    int index;
    double util_pct;
    std::uint64_t mem_bytes;
    double power_w;
  };
  std::vector<Gpu> gpus;       // one row each in `samples`, besides the host row
};

// What a finished run came to.
struct RunSummary {
  std::int64_t id = 0;
  std::int64_t duration_ms = 0;
  std::optional<Money> cost;  // none when the run had no price
  RunStatus status = RunStatus::finished;
};

// Cost of holding `gpu_count` of an instance's `instance_gpu_count` GPUs for `duration_ms` at
// `hourly` for the whole instance; the whole instance when either count is 0 (CPU jobs).
Money estimate_cost(Money hourly, std::int64_t duration_ms, int gpu_count, int instance_gpu_count);

// Shell-quotes argv into one readable line ("python train.py --name 'my run'").
std::string quote_command(const std::vector<std::string>& argv);

// Inserts the run (status running) with its params and tags. Returns its id.
Result<std::int64_t> start_run(store::Store& store, const RunStart& run);

// Records how the run ended, its duration and estimated cost.
Result<RunSummary> finish_run(store::Store& store, std::int64_t run_id, const RunEnd& end);

// While a run goes: stores resource samples and its cost so far, so leaderboards and quotas see it.
Result<void> record_progress(store::Store& store, std::int64_t run_id, const std::vector<Sample>& samples,
                             const Money& cost_so_far);

// Who runs a run, as recorded: enough to tell whether that process still lives.
struct RunnerIdentity {
  std::int64_t pid = 0;
  std::int64_t start_ticks = 0;
  std::string boot;             // boot id + pid namespace
  std::int64_t job_pgid = 0;    // 0: not known
  std::int64_t job_start_ticks = 0;
};

// The job a runner started (its process group), recorded once it runs.
Result<void> record_job(store::Store& store, std::int64_t run_id, std::int64_t pgid, std::int64_t start_ticks);

// Runs on `host` still marked running whose frugal process is gone (killed, crashed, machine
// rebooted) become `lost`, ended at the last time they were seen; `on_lost` may then stop what is
// left of their jobs. `alive` says whether a runner still exists. Returns how many were marked.
Result<std::int64_t> mark_lost_runs(store::Store& store, const std::string& host,
                                    const std::function<bool(const RunnerIdentity&)>& alive,
                                    const std::function<void(const RunnerIdentity&)>& on_lost = {});

}  // namespace frugal::tracking
