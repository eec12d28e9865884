#pragma once
// Watch: what frugal does every tick while a job runs: samples the job's processes, records its
// cost so far, warns at 80% of its own budget and stops it at 100%, and stops it when a quota of
// its team, user or project runs out. Private to runner/.
#include <chrono>
#include <optional>
#include <vector>
#include <sys/types.h>

#include "runner/process_tree.h"
#include "runner/runner.h"

namespace frugal::runner {

class Watch {
 public:
  Watch(store::Store& store, const RunRequest& request, const tracking::RunStart& run, RunOutcome& outcome)
      : m_store(store), m_request(request), m_run(run), m_outcome(outcome) {}

  std::optional<StopRequest> tick(pid_t group, TimePoint now);
  // Writes the samples not yet stored; call once the job ended.
  void flush();

 private:
  std::optional<StopRequest> check_budgets(const Money& cost, double gpu_hours);

  store::Store& m_store;
  const RunRequest& m_request;
  const tracking::RunStart& m_run;
  RunOutcome& m_outcome;
  GroupUsage m_last_usage;
  std::chrono::steady_clock::time_point m_last_time = std::chrono::steady_clock::now();
  bool m_warned_usd = false;
  bool m_warned_gpu = false;
  bool m_warned_store = false;
  std::vector<tracking::Sample> m_samples;  // taken, not yet stored
  Money m_cost;
  std::chrono::steady_clock::time_point m_last_store = std::chrono::steady_clock::now();
};

}  // namespace frugal::runner
