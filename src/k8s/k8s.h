#pragma once
// Kubernetes: a cluster's workload read from the Prometheus that already watches it
// (kube-state-metrics, NVIDIA's DCGM exporter, cAdvisor) and recorded as runs, without wrapping
// anything. Pods are grouped into training jobs by their job labels; each job's attempt is a run
// (through tracking, the one door for run data) priced by its share of the nodes it ran on, with
// GPU use from DCGM summed up as `frugal run` sums it. A node pool's hours say how many nodes the
// requests needed against how many ran: what an autoscaler would have saved. This library reads
// Prometheus' answers and decides; the HTTP requests are the CLI's (a QueryRange it hands in).
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/money.h"
#include "core/time.h"
#include "store/store.h"

namespace frugal::k8s {

// ---- Prometheus' answers ------------------------------------------------------------------------

struct Point {
  std::int64_t t_ms = 0;  // evaluation time
  double value = 0;
};

// One series of a range query: its labels (sorted by name) and its points in time order.
struct Series {
  std::vector<std::pair<std::string, std::string>> labels{};
  std::vector<Point> points{};
  // The label's value, "" when absent (Prometheus drops empty labels).
  const std::string& label(std::string_view name) const;
};

// Reads the body of /api/v1/query_range (`"status":"success"`, resultType matrix), handing each
// series to `each` as soon as it is read (the same Series, its labels sorted by name, reused for
// the next: take what you keep). Errors: invalid naming `source` for an error answer (Prometheus'
// errorType and error), a partial one (warnings), another result type, a value that is not a
// number, or JSON that does not parse (a body cut short); `each` may have seen series by then.
Result<void> read_matrix(std::string_view body, std::string_view source, const std::function<void(Series&)>& each);
// The same, every series kept.
Result<std::vector<Series>> parse_matrix(std::string_view body, std::string_view source);

// Runs one range query, PromQL over [start, end] (unix seconds) every `step_s`, and returns the
// answer's body (read_matrix reads it). The CLI sends it over HTTP; tests answer from series they
// made. Errors: the request's (Prometheus refused, is gone).
using QueryRange = std::function<Result<std::string>(const std::string& promql, std::int64_t start_s, std::int64_t end_s,
                                                     std::int64_t step_s)>;

// ---- The cluster over a window --------------------------------------------------------------------

struct Window {
  TimePoint since{}, until{};
  std::int64_t step_s = 30;  // resolution of the range queries
};

struct Node {
  std::string name{};
  std::string instance_type{}, region{}, zone{};
  std::string provider{}, instance_id{};  // from kube_node_info's provider_id (aws:///us-east-1a/i-0abc…); "" when not given
  bool spot = false;                  // capacity type spot (EKS, Karpenter, GKE, AKS labels)
  std::int64_t cpu_millis = 0, memory_bytes = 0;
  int gpus = 0;
  std::vector<std::int64_t> up_ms{};  // the steps it was up at (time order)
};

// What one GPU did while a pod held it: DCGM_FI_DEV_GPU_UTIL's readings at the window's steps,
// summed up as they arrive (a week of 800 GPUs is 16 million readings), less those an earlier
// import already folded in (read_cluster's FoldedUntil).
struct GpuUse {
  std::string uuid{};
  std::int64_t readings = 0;                   // readings not folded in before
  double util_sum = 0;                         // their utilisation, added up (%)
  std::optional<double> util_peak{};
  std::array<std::int64_t, 101> histogram{};   // their count per whole percent
  std::int64_t idle_readings = 0;              // of them, under 5% busy
  std::int64_t seen = 0;                       // readings in the window, folded before or not
  std::int64_t seen_idle = 0;                  // of them, under 5% busy
  std::int64_t last_ms = 0;                    // the latest reading not folded in before
  std::int64_t mem_peak_bytes = 0;             // the largest DCGM_FI_DEV_FB_USED
};

struct Pod {
  std::string namespace_{}, name{}, uid{}, node{};
  std::map<std::string, std::string> labels{};  // its labels as kube-state-metrics names them, less label_ (ray_io_cluster)
  int gpus = 0;                               // requests, all containers
  std::int64_t cpu_millis = 0, memory_bytes = 0;
  TimePoint started{};
  std::optional<TimePoint> ended{};  // none: still running at the window's end
  std::string phase{};               // its last phase: Running, Succeeded, Failed, Unknown
  std::int64_t restarts = 0;       // container restarts it counted
  TimePoint last_seen{};           // the last step kube-state-metrics showed it at
  std::vector<GpuUse> gpu_use{};
};

struct Cluster {
  Window window{};
  std::vector<Node> nodes{};
  std::vector<Pod> pods{};  // pods that started (Pending ones never did)
  bool read_after_folded = false;  // read with a FoldedUntil: GPU readings folded in before are left out
  std::map<std::string, std::int64_t> folded_at_read{};  // what it said, by uid
};

// For pods read before (by uid): the time of the last GPU reading an earlier import folded in, so
// a window that overlaps that import's counts none twice (k8s_pods.usage_until: folded_until()).
using FoldedUntil = std::function<Result<std::map<std::string, std::int64_t>>(const std::vector<Pod>& pods)>;

// Asks `query` for the series the exporters publish over `window` (in chunks Prometheus accepts,
// two queries at a time: `query` must be callable from two threads) and assembles nodes and pods,
// their GPU use summed up. Raw selectors only: Prometheus answers them many times faster than
// functions of them (timestamp(), sum by) — docs/benchmarks.md. Errors: whatever `query` fails
// with, naming the PromQL; invalid for a window the step does not fit.
Result<Cluster> read_cluster(const QueryRange& query, const Window& window, const FoldedUntil& folded = {});

// The FoldedUntil of what `store` holds of cluster `name`.
FoldedUntil folded_until(store::Store& store, const std::string& name);

// ---- Prices --------------------------------------------------------------------------------------

// What one unit of a node costs per hour: the node's price split into its GPUs, CPUs and memory.
// On a GPU node the CPUs and memory are priced at OpenCost's default rates (per vCPU-hour
// $0.031611, per GiB-hour $0.004237; spot $0.006655 and $0.000892) and the GPUs carry the rest,
// so a GPU job pays for the node it occupies; on a node without GPUs the price is split between
// CPU and memory in the ratio of those rates. When the rates alone exceed a GPU node's price, all
// three share it in the ratio of the rates (GPU $0.95, spot $0.308).
struct UnitPrices {
  Money node_hour{};
  Money gpu_hour{};      // per GPU
  Money cpu_hour{};      // per vCPU
  Money gib_hour{};      // per GiB of memory
};
UnitPrices unit_prices(Money node_hour, int gpus, std::int64_t cpu_millis, std::int64_t memory_bytes, bool spot);

// What a pod's requests cost per hour on a node of `prices`.
Money pod_hourly(const UnitPrices& prices, int gpus, std::int64_t cpu_millis, std::int64_t memory_bytes);

// ---- Import ------------------------------------------------------------------------------------------

// Which pod labels name a run's team, project, model, dataset and user; a pod without the team
// label is charged to its namespace.
struct LabelMap {
  std::string team = "team", project = "project", model = "model", dataset = "dataset", user = "user";
};

// A job whose GPUs sat idle: held, and under 5% busy at every step it held them.
struct IdleGpus {
  std::string run_name{}, namespace_{};
  std::int64_t run_id = 0;
  int gpus = 0, idle_gpus = 0;
  double idle_gpu_hours = 0;
  Money idle_cost{};
};

struct ImportStats {
  std::size_t pods = 0;          // pods read that started
  std::size_t added = 0;         // new runs (job attempts)
  std::size_t updated = 0;       // runs recorded before, still running then, now changed or ended
  std::size_t unchanged = 0;     // runs recorded before, as they are now
  std::size_t renumbered = 0;    // runs recorded before that moved up: attempts found now came first
  std::size_t unpriced_pods = 0; // on nodes whose instance type the catalog does not know
  std::size_t pool_hours = 0;    // pool-hours written (whole hours inside the window)
  std::vector<IdleGpus> idle{};    // jobs of this import with wholly idle GPUs, costliest first
};

struct ImportOptions {
  std::string cluster{};  // names the cluster in k8s_pods and the runs' commands
  LabelMap labels{};
};

// Records `cluster`'s pods as runs in one transaction: pods of one job (training.kubeflow.org/job-name,
// ray.io/cluster, kueue.x-k8s.io/pod-group-name (Kueue's plain-pod groups; its Jobs carry job-name),
// batch.kubernetes.io/job-name or job-name, in that
// order; else the pod's own name) form a run; a pod that starts after the job's pods so far ended is
// its next attempt. A pod read before is the same pod: runs still running then are updated (their
// new GPU samples folded in once), runs that had ended stay as they are. Node prices come from the
// catalog (spot where the node is spot). Whole hours of the window are written to k8s_pool_hours.
Result<ImportStats> import_cluster(store::Store& store, const Cluster& cluster, const ImportOptions& options);

// ---- Node pools: autoscaling ---------------------------------------------------------------------

// A node pool (instance type × capacity type) over [since, until): what ran against what was needed.
struct PoolUsage {
  std::string cluster{}, instance_type{}, region{};
  bool spot = false;
  std::int64_t hours = 0;            // pool-hours recorded
  double node_hours = 0;             // nodes up × time
  double needed_node_hours = 0;      // Σ over hours of the nodes the busiest step of the hour needed
  std::optional<Money> node_hour{};    // none: not priced
  std::optional<Money> cost{};         // node_hours × price
  std::optional<Money> held_cost{};    // what the pods' requests cost
  std::optional<Money> idle_cost{};    // cost − held_cost
  std::optional<Money> autoscale_saving;  // (node_hours − needed) × price, hour by hour, never below 0
  // Hours of the week (Monday 00:00 UTC = 0) in which the pool needed no node at all, in every week
  // of the window it was recorded.
  std::vector<int> idle_hours_of_week{};
};
Result<std::vector<PoolUsage>> pool_usage(store::Store& store, TimePoint since, TimePoint until);

}  // namespace frugal::k8s
