#pragma once
// PeakMemoryGrowth: how far this process's peak resident memory (VmHWM) rose since it was made,
// for tests that show an operation runs in bounded memory. It resets the kernel's peak first
// (/proc/self/clear_refs), so an earlier test's peak cannot hide this one's; where that is refused,
// it counts from the peak so far, which can only understate the growth. Linux only.
#include <cstdint>
#include <fstream>
#include <string>

namespace frugal::testing {

// Whether memory bars are checked: not in the sanitized build, where AddressSanitizer's shadow
// memory, redzones and quarantine of freed blocks swamp what frugal itself holds. The behaviour
// under test is still checked there; only the bar is skipped.
#if defined(__SANITIZE_ADDRESS__)  // GCC's mark of -fsanitize=address (make test-sanitized)
inline constexpr bool k_memory_bars = false;
#else
inline constexpr bool k_memory_bars = true;
#endif

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
