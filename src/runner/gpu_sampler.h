#pragma once
// GpuSampler: per-GPU utilisation, memory, power and the job's processes on each GPU, read through
// NVML loaded at run time with dlopen("libnvidia-ml.so.1") — no build dependency, and a machine
// without the driver simply has no GPU readings. FRUGAL_NVML_LIBRARY names another library (tests
// load a fake with the same C ABI subset through this same path).
//
// NVML's "utilisation" is the share of the last sample period in which a kernel was running on the
// GPU, not how busy its SMs were: a GPU at 100% may still be mostly idle inside. Private to runner/.
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

namespace frugal::runner {

struct GpuReading {
  int index = 0;
  double util_pct = 0;          // NVML "utilization.gpu": % of time a kernel was running
  std::uint64_t mem_used_bytes = 0;
  double power_w = 0;
  int job_processes = 0;        // processes of the job with a context on this GPU
};

class GpuSampler {
 public:
  // nullptr when no NVML library can be loaded or initialised (no driver: no GPU rows, no error).
  static std::unique_ptr<GpuSampler> load();
  ~GpuSampler();

  // One reading per GPU; `job_pids` are the job's processes, to tell which GPUs it holds.
  std::vector<GpuReading> sample(const std::set<pid_t>& job_pids);

 private:
  struct Api;
  explicit GpuSampler(std::unique_ptr<Api> api);
  std::unique_ptr<Api> m_api;
};

}  // namespace frugal::runner
