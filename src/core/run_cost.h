#pragma once
// The one formula for what a run costs, shared by tracking (when a run ends) and budget (for runs
// still going): duration × the instance's hourly price × (GPUs held / GPUs of the instance); the
// whole instance when either GPU count is 0 (CPU jobs).
#include <cstdint>

#include "core/money.h"

namespace frugal {

Money run_cost(Money hourly, std::int64_t duration_ms, int gpu_count, int instance_gpu_count);

// A held GPU less busy than this (NVML's utilisation, %) is idle: the runner counts its time as idle
// GPU-seconds and idle cost, and `frugal advise` finds the GPUs held so.
inline constexpr double k_idle_gpu_util_pct = 5.0;

}  // namespace frugal
