#pragma once
// Watch: what frugal does every tick while a job runs: samples the job's processes, records its
// cost so far, warns at 80% of its own budget and stops it at 100%, and stops it when a quota of
// its team, user or project runs out. Private to runner/.
#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>
#include <sys/types.h>

#include "core/run_cost.h"
#include "runner/gpu_sampler.h"
#include "runner/process_tree.h"
#include "runner/runner.h"

namespace frugal::runner {

// What the earlier attempts of the same run spent: --max-usd and --max-gpu-hours bound the chain.
struct ChainSoFar {
  Money cost;
  double gpu_hours = 0;
  std::int64_t elapsed_ms = 0;
};

class Watch {
 public:
  Watch(store::Store& store, const RunRequest& request, const tracking::RunStart& run, RunOutcome& outcome,
        ChainSoFar prior = {})
      : m_store(store), m_request(request), m_run(run), m_outcome(outcome), m_prior(prior) {}

  std::optional<StopRequest> tick(pid_t group, TimePoint now);
  // Writes the samples not yet stored; call once the job ended.
  void flush();
  // GPU use, idle GPU time and its cost, and the CPU-bound signature, over the whole run.
  tracking::UsageSummary summary() const;

 private:
  std::optional<StopRequest> check_budgets(const Money& cost, double gpu_hours);

  store::Store& m_store;
  const RunRequest& m_request;
  const tracking::RunStart& m_run;
  RunOutcome& m_outcome;
  ChainSoFar m_prior;
  GroupUsage m_last_usage;
  std::chrono::steady_clock::time_point m_last_time = std::chrono::steady_clock::now();
  bool m_warned_usd = false;
  bool m_warned_gpu = false;
  bool m_warned_store = false;
  std::vector<tracking::Sample> m_samples;  // taken, not yet stored
  std::unique_ptr<GpuSampler> m_gpus = GpuSampler::load();
  // Running sums for the summary.
  double m_gpu_util_sum = 0, m_gpu_util_peak = 0, m_idle_gpu_seconds = 0, m_cpu_sum = 0;
  std::uint64_t m_gpu_mem_peak = 0;
  UtilHistogram m_gpu_util_histogram{};  // readings per whole percent, for the p95
  std::int64_t m_gpu_readings = 0, m_ticks = 0;
  Money m_cost;
  std::chrono::steady_clock::time_point m_last_store = std::chrono::steady_clock::now();
};

}  // namespace frugal::runner
