#pragma once
// Slurm: a cluster's whole workload priced from the scheduler's own accounting, not only the jobs
// `frugal run` wrapped. Each job's attempt becomes a run (through tracking, the one door for run
// data): who (user; the Slurm account's team), where (partition, nodes), what it held (CPUs, GPUs
// from AllocTRES), how long and how it ended. A partition's node has a price (an instance type of
// the catalog, or a rate for an on-premises cluster); a job pays its share of the nodes it held.
// Frugal's quotas go the other way: into association limits (GrpTRESMins) that Slurm enforces at
// submission. This library parses and decides; running sacct and sacctmgr is the CLI's.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/time.h"
#include "store/store.h"

namespace frugal::slurm {

// The fields Frugal asks sacct for (`sacct --parsable2 --format=<these>`); parse_sacct reads them
// in any order from the header line and needs every one but TRESUsageInAve.
std::string_view sacct_fields();

// One record of sacct: a job's attempt (steps, 123.batch and 123.0, are folded into it).
struct Job {
  std::string cluster;
  std::string job_id;        // 123, 123_4 (array task), 123+1 (heterogeneous component)
  std::string job_id_raw;    // Slurm's own number for it
  std::string name;
  std::string user;
  std::string account;
  std::string partition;
  std::string node_list;
  std::string state;         // first word of State: COMPLETED, CANCELLED (of "CANCELLED by 0"), ...
  int nodes = 0;
  int cpus = 0;
  int gpus = 0;
  std::string gpu_type;      // from gres/gpu:TYPE=N
  std::optional<TimePoint> submitted, started, ended;  // none: Unknown/None
  std::int64_t elapsed_seconds = 0;
  std::optional<int> exit_code;   // 128+N when a signal N ended it
  std::optional<std::int64_t> time_limit_minutes;  // none: UNLIMITED or not given
  std::optional<double> gpu_util_pct;  // mean GPU utilisation of its steps (gres/gpuutil), where Slurm gathers it
  std::size_t line = 0;      // where it was read, for messages
};

// Reads `sacct --parsable2` output (a header line, then one record a line, '|' between fields),
// with times in UTC (run sacct with TZ=UTC). Several records of one job id (a requeued job read with
// --duplicates) are its attempts, oldest first. Jobs that never started (PENDING, cancelled while
// pending) are left out. Errors: invalid, naming `source`, the line and the field.
Result<std::vector<Job>> parse_sacct(std::string_view text, std::string_view source);

// How a Slurm state ends a run: COMPLETED finished; FAILED, OUT_OF_MEMORY, BOOT_FAIL failed;
// CANCELLED, TIMEOUT, DEADLINE killed; PREEMPTED, REQUEUED preempted; NODE_FAIL lost; RUNNING,
// COMPLETING, SUSPENDED still running. Other states: failed. Returns the tracking status name.
std::string_view run_status_of(std::string_view state);

// ---- Prices of partitions -------------------------------------------------------------------------

struct PartitionPrice {
  std::string cluster;
  std::string partition;
  Money node_hour;            // one node for one hour
  int node_gpus = 0;          // a job pays gpus / node_gpus of a node ...
  int node_cpus = 0;          // ... or, without GPUs, cpus / node_cpus
  std::optional<int> node_count;  // nodes in the partition (idle node-hours); none: not known
  std::string instance_type;  // "" for a rate given
  std::string source;         // "catalog <file>: p4d.24xlarge", "--gpu-hour-usd 2.10"
};

// Stores the price of a partition and prices its jobs already imported again. Returns how many
// runs were repriced. Errors: invalid for a node without GPUs or CPUs to share its price by.
Result<std::int64_t> set_partition_price(store::Store& store, const PartitionPrice& price, TimePoint now);
Result<std::vector<PartitionPrice>> partition_prices(store::Store& store);

// What a job held costs per hour, for tracking: the hourly price of its nodes, and the GPUs it
// held of theirs (a GPU job pays its GPUs' share, run_cost's rule); a job without GPUs, or on
// nodes whose GPUs are not known, pays its CPUs' share, folded into the hourly price (rounded to
// the nano-dollar) with instance_gpu_count 0, its GPUs still counted.
struct JobPrice {
  Money hourly;
  int gpu_count = 0;
  int instance_gpu_count = 0;
};
JobPrice job_price(const PartitionPrice& price, int nodes, int cpus, int gpus);

// ---- A partition's use over a window ------------------------------------------------------------

// What a priced partition's jobs held of its nodes over [since, until), and what no job held: its
// idle node-hours and their cost, on a line of their own as bill reconciliation shows an
// instance's idle cost. A job holds its share of its nodes (job_price's rule) for the part of its
// run inside the window; a job still running holds them until `until`.
struct PartitionUsage {
  std::string cluster;
  std::string partition;
  std::int64_t jobs = 0;
  Money job_cost;                   // what its jobs held inside the window, at the partition's price (job_price):
                                    // with idle_cost, the partition's whole cost over the window
  double held_node_hours = 0;
  std::optional<double> node_hours; // node_count × the window; none when the node count is not known
  std::optional<Money> idle_cost;   // the node-hours no job held × the node's price
  // Nodes held in each hour of the week (Monday 00:00 UTC = 0): the jobs' shares × the part of the
  // hour they ran, added up, in that hour's busiest week of the window. How many nodes the partition
  // needed then, for autoscaling or powering nodes down.
  std::array<double, 168> busy_nodes_by_hour_of_week{};
};
Result<std::vector<PartitionUsage>> partition_usage(store::Store& store, TimePoint since, TimePoint until);

// ---- Accounts to teams ------------------------------------------------------------------------------

// Jobs of `account` are charged to `team` from now on, and those already imported too; "" removes
// the mapping (the account's own name is its team again). Returns how many runs changed team.
Result<std::int64_t> map_account(store::Store& store, const std::string& account, const std::string& team);
// account → team, as mapped.
Result<std::map<std::string, std::string>> account_teams(store::Store& store);

// ---- Import -----------------------------------------------------------------------------------------

struct ImportStats {
  std::size_t read = 0;       // job attempts read
  std::size_t added = 0;      // new runs
  std::size_t joined = 0;     // runs `frugal run` recorded inside the job, now joined to it
  std::size_t finished = 0;   // runs recorded while their job ran, now ended
  std::size_t unchanged = 0;  // imported before, as they are now
  std::size_t unpriced = 0;   // in a partition without a price (cost unknown until `slurm price`)
};

// Records `jobs` as runs in one transaction: a job attempt imported before is the same run (ended
// now if it ran then), a run that `frugal run` recorded inside the job (its tag slurm.job_id) is
// joined rather than added. Idempotent. `cluster` names the cluster of records without one.
Result<ImportStats> import_jobs(store::Store& store, std::span<const Job> jobs, const std::string& cluster);

// ---- Quotas into the scheduler ----------------------------------------------------------------------

// One association limit that makes Slurm hold an account's jobs once its team's quota is spent.
struct AccountLimit {
  std::string account;
  std::string team;
  std::string period;              // the quota's: daily, weekly, monthly
  std::int64_t gpu_minutes = 0;    // GrpTRESMins=gres/gpu=<this>
  std::string why;                 // "team vision: $1,200.00 of $5,000.00 left this month at $2.10 a GPU-hour → 34,285 GPU-minutes ..."
  std::vector<std::string> command;  // sacctmgr argv
};

// The limits for every team quota (money or GPU-hours) of a team that has Slurm accounts:
// GrpTRESMins = what Slurm already counted for the account (`used_gpu_minutes`, from sshare) + what
// the quota leaves, in GPU-minutes at `partition`'s GPU-hour rate (a money quota) or as they are (a
// GPU-hour quota), the tighter of the two. Errors: not_found when the partition has no price;
// invalid when it has no GPUs to price a GPU-minute by.
Result<std::vector<AccountLimit>> plan_limits(store::Store& store, const std::string& cluster, const std::string& partition,
                                              const std::map<std::string, std::int64_t>& used_gpu_minutes, TimePoint now);

}  // namespace frugal::slurm
