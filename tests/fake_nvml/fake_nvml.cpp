// A stand-in for libnvidia-ml.so.1 with the C ABI subset frugal uses, loaded through the same
// dlopen path (FRUGAL_NVML_LIBRARY). Its GPUs come from the file FAKE_NVML_FILE, read at every
// call so a test can change them while a job runs; one line per GPU:
//   UTIL_PCT MEM_USED_BYTES POWER_MILLIWATTS job|none
// "job" reports the loading process's children (the job frugal started) as running on that GPU.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

struct FakeGpu {
  unsigned int util = 0;
  unsigned long long mem = 0;
  unsigned int power_mw = 0;
  bool job = false;
};

std::vector<FakeGpu> gpus() {
  std::vector<FakeGpu> out;
  const char* path = std::getenv("FAKE_NVML_FILE");
  if (!path) return out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    FakeGpu g;
    std::string who;
    if (words >> g.util >> g.mem >> g.power_mw >> who) {
      g.job = who == "job";
      out.push_back(g);
    }
  }
  return out;
}

std::vector<unsigned int> children_of_loader() {
  std::vector<unsigned int> pids;
  DIR* proc = opendir("/proc");
  if (!proc) return pids;
  while (dirent* e = readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    // read(2), not an ifstream: a process that exits between open and read gives ESRCH, which
    // libstdc++'s filebuf turns into an exception whatever the stream's exception mask.
    std::string text;
    if (std::FILE* f = std::fopen((std::string("/proc/") + e->d_name + "/stat").c_str(), "r")) {
      char buf[1024];
      std::size_t n = std::fread(buf, 1, sizeof buf, f);
      text.assign(buf, n);
      std::fclose(f);
    }
    auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 2));
    std::string state;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid == getpid()) pids.push_back(static_cast<unsigned int>(std::atoi(e->d_name)));
  }
  closedir(proc);
  return pids;
}

struct Utilization {
  unsigned int gpu, memory;
};
struct Memory {
  unsigned long long total, free, used;
};
struct ProcessInfo {
  unsigned int pid;
  unsigned long long usedGpuMemory;
  unsigned int gpuInstanceId, computeInstanceId;
};

}  // namespace

extern "C" {

int nvmlInit_v2() { return std::getenv("FAKE_NVML_FAIL_INIT") ? 999 : 0; }
int nvmlShutdown() { return 0; }
int nvmlDeviceGetCount_v2(unsigned int* count) {
  *count = static_cast<unsigned int>(gpus().size());
  return 0;
}
int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void** device) {
  *device = reinterpret_cast<void*>(static_cast<std::uintptr_t>(index + 1));
  return 0;
}
static FakeGpu gpu_of(void* device) {
  auto all = gpus();
  auto i = reinterpret_cast<std::uintptr_t>(device) - 1;
  return i < all.size() ? all[i] : FakeGpu{};
}
int nvmlDeviceGetUtilizationRates(void* device, Utilization* u) {
  u->gpu = gpu_of(device).util;
  u->memory = 0;
  return 0;
}
int nvmlDeviceGetMemoryInfo(void* device, Memory* m) {
  m->used = gpu_of(device).mem;
  m->total = 80ULL << 30;
  m->free = m->total - m->used;
  return 0;
}
int nvmlDeviceGetPowerUsage(void* device, unsigned int* mw) {
  *mw = gpu_of(device).power_mw;
  return 0;
}
int nvmlDeviceGetComputeRunningProcesses_v3(void* device, unsigned int* count, ProcessInfo* infos) {
  std::vector<unsigned int> pids;
  if (gpu_of(device).job) pids = children_of_loader();
  if (*count < pids.size()) {
    *count = static_cast<unsigned int>(pids.size());
    return 7;  // NVML_ERROR_INSUFFICIENT_SIZE
  }
  for (std::size_t i = 0; i < pids.size(); ++i) infos[i] = {pids[i], 1ULL << 30, 0, 0};
  *count = static_cast<unsigned int>(pids.size());
  return 0;
}

}  // extern "C"
