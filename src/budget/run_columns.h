#pragma once
// SQL fragments shared by the leaderboard, report and quota queries, so every figure follows the
// accounting rules in budget.h. Private to budget/.
#include <string_view>

#include "budget/budget.h"

namespace frugal::budget {

// Status values counted as failures.
inline constexpr std::string_view k_failure_statuses = "('failed', 'killed', 'lost')";

// The runs column holding a dimension. Values come from the enum, never from input.
inline std::string_view dimension_column(Dimension d) {
  switch (d) {
    case Dimension::team: return "team";
    case Dimension::user: return "username";
    case Dimension::project: return "project";
    case Dimension::model: return "model";
    case Dimension::dataset: return "dataset";
    case Dimension::experiment: return "experiment";
  }
  return "team";
}

inline constexpr double k_ms_per_hour = 3'600'000.0;

}  // namespace frugal::budget
