#pragma once
// Private to k8s/: a pod's GPU use, summed as the runner sums a run's (watch.cpp), kept in k8s_pods
// between imports so a window read again folds in only the readings after the last one it folded.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/run_cost.h"
#include "k8s/k8s.h"
#include "tracking/tracking.h"

namespace frugal::k8s {

class PodUsage {
 public:
  PodUsage() = default;
  // Back from k8s_pods' columns. Errors: invalid for a histogram or time that does not read.
  static Result<PodUsage> from_stored(std::int64_t readings, double util_sum, std::optional<double> peak,
                                      const std::string& histogram, std::optional<std::int64_t> mem_peak_bytes,
                                      double idle_seconds, const std::string& until);

  // Folds in the readings read (read_cluster left out those folded before); each stands for
  // `step_s` seconds of its GPU. Returns, per GPU of `use`, 1 when every reading of it in the
  // window was idle (under 5%), else 0.
  std::vector<int> fold(const std::vector<GpuUse>& use, std::int64_t step_s);
  // Adds another pod's use (the pods of one attempt).
  void add(const PodUsage& other);
  // The run's summary: mean, peak and p95 (nearest rank over whole percents, as the runner's) of
  // the readings, the memory peak, the idle GPU-seconds and their cost.
  tracking::UsageSummary summary(std::optional<Money> idle_cost) const;

  std::int64_t readings() const { return m_readings; }
  double util_sum() const { return m_util_sum; }
  std::optional<double> peak() const { return m_peak; }
  std::optional<std::int64_t> mem_peak_bytes() const { return m_mem_peak; }
  double idle_seconds() const { return m_idle_seconds; }
  std::string histogram_text() const;  // "pct:count,…"; "" when empty
  std::string until_text() const;      // UTC; "" when nothing folded
  std::optional<std::int64_t> until_ms() const { return m_until_ms; }

 private:
  std::int64_t m_readings = 0;
  double m_util_sum = 0;
  std::optional<double> m_peak;
  UtilHistogram m_histogram{};
  std::optional<std::int64_t> m_mem_peak;
  double m_idle_seconds = 0;
  std::optional<std::int64_t> m_until_ms;
};

}  // namespace frugal::k8s
