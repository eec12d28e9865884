#pragma once
// Tracking: records runs — who ran what, charged to which team/project/model/dataset, on which
// instance at what price — and meters their estimated cost. The runner calls start_run before the
// job and finish_run after it; each is one transaction, so a crash never leaves half a run.
//
// This is the one door for run data: every write of runs, metrics, params, tags and samples — the
// runner's, the JSON API's, MLflow's and arcee's — goes through these functions, so one set of
// rules holds whichever client sent the value:
//   - metric values: NaN and ±Infinity are values (a diverged loss). NaN is stored as SQL NULL (the
//     one value SQLite cannot hold; PostgreSQL follows the same rule), infinities as IEEE
//     infinities; read back as NaN, Infinity, -Infinity.
//   - metric keys: 1 to 250 bytes (MLflow's limit). A missing step is one past the key's last.
//   - times: stored in one canonical UTC text form (core/time.h format_utc), so they compare.
//   - params are immutable, as MLflow's: the same value again is fine, another is refused.
//   - tags replace earlier values; label tags (frugal.team, frugal.project, frugal.model,
//     frugal.dataset, mlflow.user, mlflow.runName) set the run's labels too, so leaderboards,
//     quotas and the per-day rollups follow. A writer scoped to one team cannot name another.
//   - samples are stored when taken during the run; one timed after the run ended is not stored
//     (it is counted and the caller says so, or the call is refused), whichever client sent it.
// Batches are all or nothing (one transaction, a savepoint inside a caller's) and cost one
// prepared statement, not a round trip per row.
// Thread safety: none of its own; a Store is one connection, used from one thread at a time.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// Who writes. A token of one team writes that team's runs only; an admin token and the local
// command line (no team) write any.
struct Writer {
  std::optional<std::string> team;  // none: any team
  static Writer any() { return {}; }
  static Writer of_team(std::string team) { return {std::move(team)}; }
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

// Inserts the run (status running) with its params and tags, by the rules of log_params and
// set_tags: label tags among `run.tags` set its labels. Returns its id. Errors: forbidden when
// `writer` is of one team and the run names another (label or tag); invalid when a label tag
// contradicts the label given beside it, or a param is given twice with two values.
Result<std::int64_t> start_run(store::Store& store, const RunStart& run, const Writer& writer = Writer::any());

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

// ---- Runs another system recorded (a scheduler's accounting) -----------------------------------

// A run as another system's records have it (Slurm's sacct): its start, and its end once it ended.
struct RecordedRun {
  RunStart start;               // labels given directly; its tags may not be label tags
  std::optional<RunEnd> end;    // none: still running; its usage recorded as finish_run records it
  // The attempt it retries when that one is in the same batch, before it (start.parent_run_id
  // names one recorded earlier).
  std::optional<std::size_t> parent_in_batch{};
};

// Inserts `runs` in one transaction (a savepoint inside a caller's), with one prepared statement
// for the runs and one for their tags, and returns their ids in order: the bulk form of start_run
// and finish_run, with the same cost rule, for imports of many thousands of jobs. Errors: invalid
// when a run's tags hold a label tag (give the label instead); forbidden as start_run's.
Result<std::vector<std::int64_t>> insert_recorded_runs(store::Store& store, std::span<const RecordedRun> runs,
                                                       const Writer& writer = Writer::any());

// A recorded run's place in its chain of attempts, corrected: an import of an earlier window of a
// scheduler's records, made after a later one, found attempts before it. `parent_run_id` is the
// attempt it retries (none: leave it as it is). Errors: not_found; invalid for an attempt below 1
// or a run named its own parent.
Result<void> set_attempt(store::Store& store, std::int64_t run_id, int attempt, std::optional<std::int64_t> parent_run_id);

// A new price for a recorded run (its partition was priced, or priced again): the hourly price of
// what it ran on, the GPUs it held of those there, and where the price came from; an ended run's
// cost follows. `hourly` none: no price, no cost.
// Removes a recorded run that turned out to be another's double (the Slurm import's record of a
// job whose own `frugal run` run appeared later): its tags, params, metrics and samples with it,
// its rollups taken back. Errors: not_found.
Result<void> remove_run(store::Store& store, std::int64_t run_id);

struct Reprice {
  std::optional<Money> hourly;
  int gpu_count = 0;
  int instance_gpu_count = 0;
  std::string instance_type;   // "" keeps the run's
  std::string price_source;
};
Result<void> reprice_run(store::Store& store, std::int64_t run_id, const Reprice& price);

// ---- What runs carry: metrics, params, tags, samples -----------------------------------------

// One value a job reported.
struct MetricPoint {
  std::string key;                    // 1 to 250 bytes
  std::optional<std::int64_t> step;   // none: one past the key's last step in the run
  TimePoint time;
  double value = 0;                   // NaN and ±Infinity allowed
};

// Errors: invalid, naming the key, when it is empty or longer than 250 bytes.
Result<void> check_metric_key(std::string_view key);

// Stores `points` of run `run_id`: all or nothing. Errors: a bad key (its index named).
Result<void> log_metrics(store::Store& store, std::int64_t run_id, std::span<const MetricPoint> points);

// Errors: invalid when a key is empty or was logged before with another value (both named).
Result<void> log_params(store::Store& store, std::int64_t run_id, const KeyValues& params);

// Sets tags (a later value replaces an earlier one) and the labels that label tags name. Errors:
// forbidden when `writer` is of one team and a frugal.team tag names another; invalid for an empty key.
Result<void> set_tags(store::Store& store, std::int64_t run_id, const KeyValues& tags, const Writer& writer);

// Adds the tag "<prefix>.N", N one past how many such tags the run has (arcee's milestones, stages).
Result<void> append_numbered_tag(store::Store& store, std::int64_t run_id, std::string_view prefix, const std::string& value);

// Where a run turned out to run, learnt after its start (arcee's `platform`). Empty fields say nothing.
struct Placement {
  std::string instance_id;           // replaces the recorded one; REQUIRES: a cloud id (is_cloud_instance_id)
  std::string instance_type;         // fills in the run's when none is recorded
  std::string provider, region, host;  // fill in the run's when none is recorded
  // The price of `instance_type` (catalog::price_of): meters a run that is still running, has no
  // price yet and runs on that type, as `frugal run` meters its runs; the run holds the whole instance.
  std::optional<Money> hourly_price{};
  PricingModel pricing = PricingModel::on_demand;
  std::string price_source{};        // "catalog <file>", "builtin"
  int instance_gpu_count = 0;
};
Result<void> record_placement(store::Store& store, std::int64_t run_id, const Placement& placement);

// Whether `id` has the shape of an instance id of `provider` (aws: i- and 8 or 17 hex digits; gcp:
// a 64-bit decimal number; azure: a VM's GUID or its resource id /subscriptions/.../virtualMachines/
// NAME; alibaba: i- and 8 to 30 lower-case letters and digits; "": aws, gcp or azure): what a bill's
// resource id joins. A host name has none of these shapes.
bool is_cloud_instance_id(std::string_view provider, std::string_view id);

// A running run's cost so far at `now`, from its price: stored as `frugal run` stores it while its
// job runs, so leaderboards see runs that other clients report. Nothing for a run without a price
// or no longer running.
Result<void> meter_cost(store::Store& store, std::int64_t run_id, TimePoint now);

// One row of `samples`: a host row (cpu_pct, rss_bytes) or a GPU row (gpu_index and its figures).
// A measurement that is NaN or infinite is stored as not measured (NULL).
struct SampleRow {
  TimePoint time;
  std::optional<std::int64_t> gpu_index{};
  std::optional<double> gpu_util_pct{};
  std::optional<std::int64_t> gpu_mem_bytes{};
  std::optional<double> power_w{};
  std::optional<double> cpu_pct{};
  std::optional<std::int64_t> rss_bytes{};
};
struct SamplesWritten {
  std::size_t stored = 0;
  std::size_t after_end = 0;  // timed after the run ended: not stored
};
// What a sample timed after its run ended does: counted in after_end (a batch taken partly while it
// ran), or refuses the call (a client that sends each sample as it takes it: arcee's proc).
enum class LateSample { count, refuse };
// Errors: invalid for a negative figure (its index and field named); not_found for no such run;
// conflict, naming the run's end, for a late sample under LateSample::refuse (nothing stored).
Result<SamplesWritten> record_samples(store::Store& store, std::int64_t run_id, std::span<const SampleRow> rows,
                                      LateSample late = LateSample::count);

// The rows a runner's Sample makes: its host row, then one per GPU.
std::vector<SampleRow> sample_rows(const Sample& sample);

// What `bill reconcile` found each run cost on the bill. Clearing comes first, in the same
// transaction as the new figures, so a run the bill no longer covers keeps no stale figure.
Result<void> clear_billed_costs(store::Store& store);
Result<void> record_billed_cost(store::Store& store, std::int64_t run_id, const Money& billed);

// ---- Reading a run back ----------------------------------------------------------------------

struct LatestMetric {
  std::string key;
  double value = 0;  // NaN, ±Infinity as stored
  std::int64_t step = 0;
  std::string time;  // UTC text
};

struct RunDetail {
  std::int64_t id = 0;
  std::string name;
  Labels labels;
  RunStatus status = RunStatus::running;
  std::string started_at, ended_at;  // UTC text; ended_at "" while running
  KeyValues params, tags;            // by key
  std::vector<LatestMetric> latest_metrics;  // each key's value at its last step, by key
};

// Errors: not_found.
Result<RunDetail> read_run(store::Store& store, std::int64_t run_id);

// A metric value as stored (NULL is NaN) back to a double.
double metric_value(const store::Value& stored);

// ---- Experiments (MLflow's): each of one team, or shared ----------------------------------------
// An experiment belongs to a team or is shared (Default, id 0, and those an admin makes). A team
// sees its own and the shared ones; a name is unique among what one team sees (its own and the
// shared), so (team, name) names one experiment and two teams may each have their own "baseline".
// A run is in the experiment (its team, runs.experiment), else in the shared one of that name, else
// in Default. An experiment a reader may not see is, to it, absent: the same not_found.

constexpr std::int64_t k_default_experiment = 0;

struct Experiment {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::string> team;  // none: shared
  std::string artifact_location;
  std::string lifecycle_stage;      // active or deleted
  std::string created_at;           // UTC text
};

// Who reads: a token of one team sees its team's experiments and the shared ones; an admin token
// and the local command line (no team) see all.
struct Reader {
  std::optional<std::string> team;  // none: every team
  static Reader any() { return {}; }
  static Reader of_team(std::string team) { return {std::move(team)}; }
};

// Makes experiment `name` of `team` (none: shared) and returns its id. Errors: invalid for an empty
// name; forbidden when `writer` is of one team and `team` is another or none (shared experiments
// are an admin's to make); conflict when the name is taken where it would repeat: in `team` or among
// the shared (for a shared one: in any team, so no team ever sees the name twice).
Result<std::int64_t> create_experiment(store::Store& store, const std::string& name, const std::optional<std::string>& team,
                                       const std::string& artifact_location, TimePoint now, const Writer& writer);

// The experiment `id`, or named `name` (the reader's team's own, else the shared one; for a reader
// of every team, the shared one, else the oldest), when `reader` may see it. Errors: not_found, the
// same when it exists out of sight.
Result<Experiment> find_experiment(store::Store& store, std::int64_t id, const Reader& reader);
Result<Experiment> find_experiment(store::Store& store, const std::string& name, const Reader& reader);

// Every experiment `reader` may see, by id.
Result<std::vector<Experiment>> list_experiments(store::Store& store, const Reader& reader);

// A name that runs carry (`frugal run --experiment NAME`) but no experiment has becomes one when
// asked for: of the reader's team when runs of that team carry it; for a reader of every team, of
// the team all such runs share, else shared. Returns whether it made one.
Result<bool> adopt_experiment(store::Store& store, const std::string& name, const Reader& reader, TimePoint now);

// SQL for the id of the experiment that the row `runs_alias` of `runs` is in (Default: 0), to use
// in a SELECT: the one rule that joins runs to experiments.
std::string run_experiment_id_sql(std::string_view runs_alias);

}  // namespace frugal::tracking
