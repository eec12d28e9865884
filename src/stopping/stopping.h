#pragma once
// Stopping: decides, from the metrics a job reports as it trains, when to give up on it.
// Rules (several may be given; the first to fire wins):
//   patience:  "val_loss min patience=5 min_delta=0.001"  (Keras/Lightning: counts evaluations
//              without an improvement of more than min_delta over the best so far)
//   threshold: "val_acc < 0.2 after step=1000"            (<, <=, >, >=; only from that step on)
//   divergence: a NaN or infinite value of a watched metric stops at once.
//   median:    MedianPruner — Optuna's rule: after `warmup_steps`, and once `startup_runs` earlier
//              runs of the experiment completed, stop when this run's best value so far is worse
//              than the median of those runs' values at the same step.
// Pure logic, no I/O: the runner feeds it live metrics, bench/early_stopping replays real curves.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"

namespace frugal::stopping {

enum class Mode { min, max };  // which way is better

struct PatienceRule {
  std::string metric;
  Mode mode = Mode::min;
  int patience = 5;
  double min_delta = 0;
};

struct ThresholdRule {
  enum class Compare { less, less_equal, greater, greater_equal };
  std::string metric;
  Compare compare = Compare::less;
  double value = 0;
  std::int64_t after_step = 0;
};

using Rule = std::variant<PatienceRule, ThresholdRule>;

// Parses one --stop-when text; errors show the two forms.
Result<Rule> parse_rule(std::string_view text);

// One earlier run's curve: value by step.
using Curve = std::map<std::int64_t, double>;

struct MedianPruner {
  std::string metric;
  Mode mode = Mode::min;
  int startup_runs = 5;
  std::int64_t warmup_steps = 0;
  std::vector<Curve> completed;  // curves of earlier runs that completed
  // 50 is the median rule; 10 prunes only runs in the worst tenth (Optuna's PercentilePruner counts
  // the other way: its percentile=90 is this one's 10).
  double percentile = 50;
};

// The state of one run's stopping decision. Not thread-safe.
class Policy {
 public:
  explicit Policy(std::vector<Rule> rules, std::optional<MedianPruner> pruner = std::nullopt);

  // Feeds one reported value; returns why the run should stop (the rule, in words), if it should.
  std::optional<std::string> observe(std::string_view metric, std::int64_t step, double value);

  // The metrics some rule watches (others are recorded but never stop a run).
  bool watches(std::string_view metric) const;

 private:
  struct Track {
    std::optional<double> best;
    int since_improvement = 0;
  };
  std::vector<Rule> m_rules;
  std::optional<MedianPruner> m_pruner;
  std::map<std::size_t, Track> m_patience;  // per patience rule (index in m_rules)
  std::optional<double> m_pruner_best;
};

}  // namespace frugal::stopping
