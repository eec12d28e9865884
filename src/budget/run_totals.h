#pragma once
// Totals of runs per team (user, ...) over a time window, from the per-day rollups for whole UTC
// days and from the runs themselves for the partial days at either end: exact, and fast over
// months of runs. Private to budget/.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "budget/budget.h"

namespace frugal::budget {

struct RunTotals {
  std::string key;  // "" for runs without one
  std::int64_t runs = 0;
  std::int64_t failures = 0;
  std::int64_t cost_nanos = 0;
  std::int64_t gpu_ms = 0;
  std::int64_t duration_ms = 0;
  std::int64_t idle_cost_nanos = 0;
};

// Runs that started in [since, until), grouped by `by`; only `only_key` when given.
Result<std::vector<RunTotals>> run_totals(store::Store& store, Dimension by, TimePoint since, TimePoint until,
                                          const std::optional<std::string>& only_key = std::nullopt);

// The SQL run_totals would run, with its parameters, for `explain`.
std::pair<std::string, std::vector<store::Value>> run_totals_sql(Dimension by, TimePoint since, TimePoint until,
                                                                  const std::optional<std::string>& only_key);

}  // namespace frugal::budget
