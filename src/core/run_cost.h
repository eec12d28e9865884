#pragma once
// The one formula for what a run costs, shared by tracking (when a run ends) and budget (for runs
// still going): duration × the instance's hourly price × (GPUs held / GPUs of the instance); the
// whole instance when either GPU count is 0 (CPU jobs).
#include <array>
#include <cstdint>
#include <optional>

#include "core/money.h"

namespace frugal {

Money run_cost(Money hourly, std::int64_t duration_ms, int gpu_count, int instance_gpu_count);

// A held GPU less busy than this (NVML's utilisation, %) is idle: the runner counts its time as idle
// GPU-seconds and idle cost, and `frugal advise` finds the GPUs held so.
inline constexpr double k_idle_gpu_util_pct = 5.0;

// GPU utilisation readings counted per whole percent (0 to 100), as the runner and the Kubernetes
// import keep them.
using UtilHistogram = std::array<std::int64_t, 101>;

// The p95 of `readings` readings by nearest rank: the lowest whole percent that 95% of them do not
// exceed (what rightsizing sizes for). None without readings.
inline std::optional<double> util_p95(const UtilHistogram& histogram, std::int64_t readings) {
  if (readings <= 0) return std::nullopt;
  std::int64_t rank = (readings * 95 + 99) / 100, seen = 0;
  for (std::size_t pct = 0; pct < histogram.size(); ++pct) {
    seen += histogram[pct];
    if (seen >= rank) return static_cast<double>(pct);
  }
  return 100.0;
}

}  // namespace frugal
