#pragma once
// MetricsSink: reads the metrics a job reports — JSON lines on FRUGAL_METRICS_FD
// ({"step": 10, "val_loss": 0.31}) and lines of its output matching --metric NAME=REGEX — stores
// them (in batches, so a chatty job costs little), and feeds them to the early-stopping policy.
// Private to runner/.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"
#include "runner/runner.h"
#include "stopping/stopping.h"
#include "store/store.h"
#include "tracking/tracking.h"

namespace re2 {
class RE2;
}

namespace frugal::runner {

class MetricsSink {
 public:
  // Errors: a pattern that does not compile or lacks one capture group names the flag.
  static Result<std::unique_ptr<MetricsSink>> create(const std::vector<std::pair<std::string, std::string>>& patterns,
                                                     std::unique_ptr<stopping::Policy> policy);
  ~MetricsSink();

  void on_json_line(std::string_view line, TimePoint now);
  void on_output_line(std::string_view line, TimePoint now);
  // Where to write (known once the run is recorded); until then points wait for flush().
  void attach(store::Store& store, std::int64_t run_id) {
    m_store = &store;
    m_run_id = run_id;
  }
  // Writes what was reported since the last flush.
  Result<void> flush(store::Store& store, std::int64_t run_id);

  // The first stop the policy decided, with the step it came at.
  const std::optional<std::string>& stop_reason() const { return m_stop; }
  std::int64_t last_step() const { return m_last_step; }
  std::int64_t first_step() const { return m_first_step; }  // of this attempt (a resumed one starts late)
  std::size_t lines_matched() const { return m_matched; }

 private:
  MetricsSink() = default;
  void record(std::string_view key, std::int64_t step, double value, TimePoint now);

  struct Pattern {
    std::string name;
    std::unique_ptr<re2::RE2> regex;
    std::int64_t count = 0;  // its step: the how-many-th match
  };
  std::vector<Pattern> m_patterns;
  std::unique_ptr<stopping::Policy> m_policy;
  std::vector<tracking::MetricPoint> m_pending;
  static constexpr std::size_t k_flush_points = 8'192;
  store::Store* m_store = nullptr;
  std::int64_t m_run_id = 0;
  std::optional<std::string> m_stop;
  std::int64_t m_last_step = 0;
  std::int64_t m_first_step = 0;
  std::size_t m_matched = 0;
};

}  // namespace frugal::runner
