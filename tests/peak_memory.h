#pragma once
// PeakMemoryGrowth: how far this process's peak resident memory (VmHWM) rose since it was made,
// for tests that show an operation runs in bounded memory. It resets the kernel's peak first
// (/proc/self/clear_refs), so an earlier test's peak cannot hide this one's; where that is refused,
// it counts from the peak so far, which can only understate the growth. Linux only.
#include <cstdint>
#include <fstream>
#include <string>

namespace frugal::testing {

class PeakMemoryGrowth {
 public:
  PeakMemoryGrowth() {
    bool reset = static_cast<bool>(std::ofstream("/proc/self/clear_refs") << "5" << std::flush);
    m_start = status_bytes(reset ? "VmRSS:" : "VmHWM:");
  }
  std::int64_t bytes() const { return status_bytes("VmHWM:") - m_start; }

 private:
  // A "Name:   1234 kB" line of /proc/self/status, in bytes; 0 when it is missing.
  static std::int64_t status_bytes(const std::string& name) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
      if (line.starts_with(name)) return std::stoll(line.substr(name.size())) * 1024;
    return 0;
  }

  std::int64_t m_start = 0;
};

}  // namespace frugal::testing
