#pragma once
// Clock: where "now" comes from, so tests can fix it. Implementations are thread-safe.
#include "core/time.h"

namespace frugal {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// The system's UTC wall clock.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

// A clock that says what it is told: for tests.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint t) : m_now(t) {}
  TimePoint now() const override { return m_now; }
  void set(TimePoint t) { m_now = t; }

 private:
  TimePoint m_now;
};

}  // namespace frugal
