#include "runner/gpu_sampler.h"

#include <cstdlib>
#include <dlfcn.h>

namespace frugal::runner {
namespace {

// The few NVML types and entry points we use, declared from NVML's documented C ABI.
using nvmlReturn_t = int;
using nvmlDevice_t = void*;
constexpr nvmlReturn_t k_nvml_success = 0;
constexpr nvmlReturn_t k_nvml_insufficient_size = 7;

struct nvmlUtilization_t {
  unsigned int gpu;
  unsigned int memory;
};
struct nvmlMemory_t {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
struct nvmlProcessInfo_t {  // the v2/v3 layout
  unsigned int pid;
  unsigned long long usedGpuMemory;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};

}  // namespace

struct GpuSampler::Api {
  void* library = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  nvmlReturn_t (*device_count)(unsigned int*) = nullptr;
  nvmlReturn_t (*handle_by_index)(unsigned int, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*utilization)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
  nvmlReturn_t (*memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
  nvmlReturn_t (*power)(nvmlDevice_t, unsigned int*) = nullptr;
  nvmlReturn_t (*processes)(nvmlDevice_t, unsigned int*, nvmlProcessInfo_t*) = nullptr;
  ~Api() {
    if (shutdown) shutdown();
    if (library) dlclose(library);
  }
};

namespace {

template <typename F>
bool bind(void* library, F& into, const char* name, const char* fallback = nullptr) {
  void* symbol = dlsym(library, name);
  if (!symbol && fallback) symbol = dlsym(library, fallback);
  into = reinterpret_cast<F>(symbol);
  return symbol != nullptr;
}

}  // namespace

GpuSampler::GpuSampler(std::unique_ptr<Api> api) : m_api(std::move(api)) {}
GpuSampler::~GpuSampler() = default;

std::unique_ptr<GpuSampler> GpuSampler::load() {
  const char* name = std::getenv("FRUGAL_NVML_LIBRARY");
  void* library = dlopen(name && *name ? name : "libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) return nullptr;
  auto api = std::make_unique<Api>();
  api->library = library;
  nvmlReturn_t (*init)() = nullptr;
  bool ok = bind(library, init, "nvmlInit_v2", "nvmlInit") &&
            bind(library, api->device_count, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount") &&
            bind(library, api->handle_by_index, "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex") &&
            bind(library, api->utilization, "nvmlDeviceGetUtilizationRates") &&
            bind(library, api->memory, "nvmlDeviceGetMemoryInfo");
  if (!ok || init() != k_nvml_success) return nullptr;  // ~Api closes the library
  bind(library, api->shutdown, "nvmlShutdown");
  bind(library, api->power, "nvmlDeviceGetPowerUsage");
  bind(library, api->processes, "nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2");
  return std::unique_ptr<GpuSampler>(new GpuSampler(std::move(api)));
}

std::vector<GpuReading> GpuSampler::sample(const std::set<pid_t>& job_pids) {
  std::vector<GpuReading> out;
  unsigned int count = 0;
  if (m_api->device_count(&count) != k_nvml_success) return out;
  for (unsigned int i = 0; i < count; ++i) {
    nvmlDevice_t device = nullptr;
    if (m_api->handle_by_index(i, &device) != k_nvml_success) continue;
    GpuReading r;
    r.index = static_cast<int>(i);
    nvmlUtilization_t util{};
    if (m_api->utilization(device, &util) == k_nvml_success) r.util_pct = util.gpu;
    nvmlMemory_t mem{};
    if (m_api->memory(device, &mem) == k_nvml_success) r.mem_used_bytes = mem.used;
    unsigned int milliwatts = 0;
    if (m_api->power && m_api->power(device, &milliwatts) == k_nvml_success) r.power_w = milliwatts / 1000.0;
    if (m_api->processes) {
      std::vector<nvmlProcessInfo_t> infos(64);
      unsigned int n = static_cast<unsigned int>(infos.size());
      nvmlReturn_t rc = m_api->processes(device, &n, infos.data());
      if (rc == k_nvml_insufficient_size) {
        infos.resize(n);
        rc = m_api->processes(device, &n, infos.data());
      }
      if (rc == k_nvml_success)
        for (unsigned int k = 0; k < n && k < infos.size(); ++k)
          if (job_pids.contains(static_cast<pid_t>(infos[k].pid))) ++r.job_processes;
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace frugal::runner
