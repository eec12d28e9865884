#pragma once
// Value: what the spending bought. For an experiment's runs, each run's best (or last) value of a
// target metric against its cost, the cost at which it first came within a margin of its own best,
// and the Pareto frontier of cost against quality: the runs no other run beats on both (cheaper and
// at least as good). Per project or model, how far the target metric moved per $1,000 spent.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/time.h"
#include "store/store.h"

namespace frugal::value {

enum class Direction { min, max };  // which way the metric is better
enum class At { best, last };       // a run's value: its best, or its last (by step)

// "val_acc:max" → {"val_acc", max}; "val_loss" → {"val_loss", none}. Errors: invalid for another suffix.
Result<std::pair<std::string, std::optional<Direction>>> parse_metric(std::string_view text);

struct Query {
  std::string experiment{};                // runs.experiment; "" with a dimension: every run
  std::string metric{};
  std::optional<Direction> direction{};    // for runs whose stopping rule does not say
  At at = At::best;
  double within = 0.01;                    // "within 1% of its own best"
  std::optional<TimePoint> since{}, until{};  // runs started in [since, until)
  std::optional<std::string> team{};       // a reader of one team sees its runs alone
};

struct RunValue {
  std::int64_t run_id = 0;
  std::string name{}, user{}, team{}, project{}, model{}, status{}, started_at{};
  std::optional<double> value{};           // its best (or last) value; none: it never reported the metric
  std::int64_t step = 0;                   // where that value was reported
  std::optional<Money> cost{};             // none: the run has no price
  std::optional<Money> cost_to_within{};   // its cost when it first came within `within` of its own best
  Direction direction = Direction::max;
  std::string direction_from{};           // "stopping rule 'val_loss min patience=5'", "--metric val_acc:max"
  bool on_frontier = false;
  std::optional<std::int64_t> dominated_by{};  // the cheapest run that is cheaper and at least as good
};

struct Summary {
  std::size_t runs = 0;                    // in the experiment (and window)
  std::size_t placed = 0;                  // with the metric and a cost: on the cost/quality plane
  std::optional<std::int64_t> best_run{};  // the best value (the cheaper of equals)
  std::optional<std::int64_t> cheapest_within_run{};  // the cheapest run within `within` of the best
  Money total_cost{};                      // every run's, those without the metric too
  Money dominated_cost{};                  // what the dominated runs cost
  Money early_stop_saving{};               // Σ (cost − cost_to_within): stopping each run within `within` of its best
};

struct Report {
  Direction direction = Direction::max;
  std::vector<RunValue> runs{};            // placed, cheapest first
  std::vector<RunValue> apart{};           // without the metric, or without a cost: never dropped silently
  Summary summary{};
};

// Errors: invalid without an experiment or metric, for a `within` outside [0, 1), when no run's
// stopping rule nor the query gives the metric's direction, or when runs' rules disagree on it.
Result<Report> experiment_value(store::Store& store, const Query& query);

// Pure: marks the frontier and each dominated run's dominator among `runs` (value and cost set).
void mark_frontier(std::vector<RunValue>& runs, Direction direction);

// Per project or model over the window: how far its runs moved the metric, from its first run (by
// start) to its best, per $1,000 of what they cost.
struct GroupValue {
  std::string key{};
  std::size_t runs = 0;
  Money cost{};
  std::optional<std::int64_t> first_run{}, best_run{};
  std::optional<double> first_value{}, best_value{};
  std::optional<double> improvement{};     // best − first, in the better direction (≥ 0)
  std::optional<double> per_1000_usd{};    // improvement per $1,000 of cost; none for a free group
};
// `dimension`: "project" or "model". Errors: invalid for another dimension, as experiment_value's.
Result<std::vector<GroupValue>> value_by(store::Store& store, const Query& query, std::string_view dimension);

}  // namespace frugal::value
