#pragma once
// The runs that started in the advice window, read in one pass and shared by every rule that
// groups runs (rightsize, idle and underused GPUs, spot, cheapest offer, failed runs, early stop,
// repeated stages). Private to advise/.
//
// Why one pass and C++ grouping instead of a GROUP BY per rule: SQLite sorts the window's runs
// for each GROUP BY, and with seven rules over a million runs that sort was most of the time
// (2.0 s per rule against 0.3 s for reading the rows once; docs/benchmarks.md, bench/advise).
// Labels are interned: a rule groups by small integers, and a million runs keep a few thousand
// distinct strings.
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "core/error.h"

namespace frugal::advise {

struct Context;

enum class Pricing : std::uint8_t { other, on_demand, spot, committed };
enum class Status : std::uint8_t { other, running, finished, failed, killed, lost, preempted };

// A label's id in WindowRuns::names. Ids follow the labels' byte order, so a std::map keyed by
// ids iterates as SQL's GROUP BY on the text would. A missing team, project, experiment, dataset,
// provider or region reads as "" (the rules coalesce them); a missing instance type as
// k_no_label. Commands are not labels: nearly every run has its own (seeds, paths in the flags),
// and interning a million of them cost more than the rules that read them.
using Label = std::uint32_t;
inline constexpr Label k_no_label = 0xffffffff;

struct WindowRun {
  // Columns that may be NULL: `present` has bit (1 << field) set when the column has a value.
  enum Field : std::uint16_t {
    duration,
    cost,
    hourly_price,
    exit_code_field,
    work_lost,
    idle_cost,
    gpu_mem_peak,
    gpu_util_peak_field,
    gpu_util_mean_field,
    idle_gpu_seconds_field,
    gpu_util_p95_field,
  };
  std::int64_t id = 0;
  std::int64_t started_key = 0;  // started_at as a number that sorts as the instant does
  Label team = 0, project = 0, experiment = 0, dataset = 0, provider = 0, region = 0;
  Label instance_type = k_no_label;
  bool has_command = false;
  std::string command;
  Pricing pricing = Pricing::other;
  Status status = Status::other;
  bool cpu_bound = false;
  bool checkpointed = false;  // wrote a checkpoint (on-demand finished runs only: the spot rule asks)
  bool retried = false;       // a later attempt names it as parent (preempted runs only)
  std::uint16_t present = 0;
  std::int32_t gpu_count = 0;
  std::int64_t duration_ms = 0, cost_nanos = 0, hourly_price_nanos = 0, exit_code = 0, work_lost_ms = 0,
               idle_cost_nanos = 0;
  double gpu_mem_peak_bytes = 0, gpu_util_peak = 0, gpu_util_mean = 0, idle_gpu_seconds = 0, gpu_util_p95 = 0;

  bool has(Field f) const { return (present >> f) & 1; }
};

// Where runs ran, for rules that group by it (rightsize, spot): the key, and its names.
using PlaceKey = std::tuple<Label, Label, Label, Label, Label>;  // team, project, instance type, provider, region
inline PlaceKey place_key(const WindowRun& r) { return {r.team, r.project, r.instance_type, r.provider, r.region}; }
struct Placed {
  std::string team, project, instance_type, provider, region;
};

struct WindowRuns {
  std::vector<WindowRun> runs;  // in id order
  std::vector<std::string> names;
  const std::string& name(Label l) const;  // "" for k_no_label
  const WindowRun* find(std::int64_t id) const;  // nullptr when the run is not in the window
  void name(Placed& out, const PlaceKey& key) const;  // fills in the names of `key`'s labels
};

// Runs with started_at in [since, until), of the team when one is asked for.
Result<WindowRuns> read_window_runs(const Context& c);

}  // namespace frugal::advise
