#include "core/run_cost.h"

namespace frugal {

Money run_cost(Money hourly, std::int64_t duration_ms, int gpu_count, int instance_gpu_count) {
  constexpr std::int64_t k_ms_per_hour = 3'600'000;
  if (gpu_count > 0 && instance_gpu_count > 0 && gpu_count < instance_gpu_count)
    return hourly.scaled(duration_ms * gpu_count, k_ms_per_hour * instance_gpu_count);
  return hourly.scaled(duration_ms, k_ms_per_hour);
}

}  // namespace frugal
