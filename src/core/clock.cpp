#include "core/clock.h"

namespace frugal {

TimePoint SystemClock::now() const {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace frugal
