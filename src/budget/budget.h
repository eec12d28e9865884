#pragma once
// Budget: who spends what (leaderboards), the standing report, and quotas that are enforced.
//
// Accounting rules, shared by all three:
// - A run belongs to the period in which it started (started_at in [since, until)).
// - Cost is the run's estimate (runs.cost_nanos); a run still running counts 0 until it ends.
// - GPU-hours = duration × GPUs held. A failure is a run whose status is failed, killed or lost
//   (stopped_early, over_budget and preempted were stopped on purpose or by the cloud).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/money.h"
#include "core/time.h"
#include "store/store.h"

namespace frugal::budget {

enum class Dimension { team, user, project, model, dataset, experiment };
enum class Metric { cost, gpu_hours, runs, failures, duration, idle_cost };

Result<Dimension> parse_dimension(std::string_view name);
Result<Metric> parse_metric(std::string_view name);
std::string_view dimension_name(Dimension d);
std::string_view metric_name(Metric m);

struct LeaderboardQuery {
  Dimension by = Dimension::team;
  Metric metric = Metric::cost;
  TimePoint since;
  TimePoint until;
  std::size_t limit = 0;  // 0 = all
};

struct LeaderboardRow {
  std::string key;  // the team (user, ...) name; "(none)" for runs without one
  Money cost;
  double gpu_hours = 0;
  std::int64_t runs = 0;
  std::int64_t failures = 0;
  std::int64_t duration_ms = 0;
  Money idle_cost;   // what held GPUs cost while below 5% utilisation
  double share = 0;  // of the total of the ranking metric, 0..1
  // What the caches saved this team (user, project) over the window: compute not rerun and egress
  // not paid. Always 0 by model, dataset and experiment, which cache events do not carry.
  Money saved_by_cache;
};

struct Leaderboard {
  std::vector<LeaderboardRow> rows;  // ranked by the metric, largest first
  LeaderboardRow total;              // key "total", over every row (also those past the limit)
};

Result<Leaderboard> leaderboard(store::Store& store, const LeaderboardQuery& query);

// The standing questions over a period.
struct ReportQuery {
  TimePoint since;
  TimePoint until;
  std::size_t limit = 10;  // rows per section; 0 = all
};

struct JobLine {
  std::int64_t run_id = 0;
  std::string name, user, team, project, instance_type, status, started_at;
  std::int64_t duration_ms = 0;
  std::optional<Money> cost;
};

struct FailureLine {
  std::string team, project;  // "(none)" when unset
  std::int64_t runs = 0;
  std::int64_t failures = 0;
  double failure_rate = 0;    // failures / runs
  Money failed_cost;          // spent on runs that failed
  Money total_cost;
};

struct Report {
  std::vector<JobLine> costliest;
  std::vector<JobLine> longest;
  std::vector<FailureLine> failures;  // by team and project, most money lost first
  Money total_cost;
  Money failed_cost;
  std::int64_t runs = 0;
  std::int64_t failed_runs = 0;
  // Runs reconciled with the bill (frugal bill reconcile): their estimate against what was billed.
  std::int64_t reconciled_runs = 0;
  Money reconciled_estimate;
  Money reconciled_billed;
  // The computation cache (frugal cache run) over the period: hits, and what they did not recompute.
  std::int64_t cache_hits = 0;
  std::int64_t cache_saved_ms = 0;
  Money cache_saved;  // hits that were priced (--instance-type or --hourly-usd)
  // The data cache (frugal data get) over the period: objects read from local disk, not the network.
  std::int64_t data_hits = 0;
  std::int64_t data_hit_bytes = 0;
  Money egress_avoided;
};

Result<Report> report(store::Store& store, const ReportQuery& query);

// How many runs are stored and when the first and the last started (UTC text, "" when none): what
// a window with no runs is explained with.
struct RunSpan {
  std::int64_t runs = 0;
  std::string first_started, last_started;
};
Result<RunSpan> run_span(store::Store& store);

// ---- Quotas --------------------------------------------------------------------------------

enum class Scope { team, user, project };
enum class Period { daily, weekly, monthly };
Result<Scope> parse_scope(std::string_view name);
Result<Period> parse_period(std::string_view name);
std::string_view scope_name(Scope s);
std::string_view period_name(Period p);

struct Quota {
  Scope scope = Scope::team;
  std::string name;                     // which team/user/project
  Period period = Period::monthly;      // calendar period in UTC; weeks start on Monday
  std::optional<Money> limit;           // money per period
  std::optional<double> gpu_hours;      // GPU-hours per period
};

// Creates the quota for (scope, name, period), or changes the limits given and keeps the other.
// Returns the quota as stored now (both limits, the one kept included). REQUIRES: a limit or gpu_hours.
Result<Quota> set_quota(store::Store& store, const Quota& quota, TimePoint now);
// Removes it; not_found when there was none.
Result<void> remove_quota(store::Store& store, Scope scope, const std::string& name, Period period);

struct QuotaUsage {
  Quota quota;
  TimePoint period_start;
  TimePoint period_end;   // exclusive
  Money spent;
  double gpu_hours = 0;
  // What running runs with their own budget (--max-usd, --max-gpu-hours) may still spend: promised
  // to them, so not there for a new run.
  Money reserved;
  double reserved_gpu_hours = 0;
  bool exceeded = false;  // spent + reserved ≥ limit (or, for a new run's own budget, > limit)
  std::string reason;     // "team vision: $5012.30 of $5000.00 this month" when exceeded
};

// Every quota with its use in the period holding `now`.
Result<std::vector<QuotaUsage>> quota_usage(store::Store& store, TimePoint now);

// A new run's own budget, held against quotas from its start (its --max-usd, --max-gpu-hours).
struct Reservation {
  std::optional<Money> usd;
  std::optional<double> gpu_hours;
  // false: the check of a run already going (watch), which only stops at money actually spent;
  // what running runs hold back (its own budget among them) does not count then.
  bool new_run = true;
};

// The quotas that forbid a new run charged to this user/team/project now (empty = allowed): used
// up, or without room for the run's own budget. Inside a transaction the quota rows are locked
// first, so two runs racing for the last of a quota (from two hosts, two servers, on SQLite or
// PostgreSQL) are admitted one after the other and the second sees the first's reservation.
Result<std::vector<QuotaUsage>> blocking_quotas(store::Store& store, const std::string& user,
                                                const std::string& team, const std::string& project,
                                                TimePoint now, const Reservation& reservation = {});

// [start, end) of the period holding `t`.
std::pair<TimePoint, TimePoint> period_bounds(Period period, TimePoint t);

}  // namespace frugal::budget
