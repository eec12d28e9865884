#pragma once
// Private to src/server: MLflow's search filter, the string runs/search and experiments/search take:
//   metrics.loss < 0.5 AND params.lr = '0.1' AND tags.`team name` != 'x' AND attributes.status = 'FINISHED'
// Comparisons joined by AND (MLflow has no OR); names may be quoted with backticks or double
// quotes, and a name without a prefix is an attribute (experiments/search: name LIKE 'bert%');
// values are numbers or quoted strings. Pure parsing: what a clause means in SQL is the
// search route's business.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace frugal::server {

enum class FilterKind { metrics, params, tags, attributes };

struct FilterClause {
  FilterKind kind = FilterKind::attributes;
  std::string key;                // after the prefix: "loss", "team name", "status"
  std::string op;                 // =, !=, <, <=, >, >=, LIKE, ILIKE
  std::string text;               // the value as written (unquoted)
  std::optional<double> number;   // when the value is a number
};

// Errors: invalid, saying where the filter stops making sense.
Result<std::vector<FilterClause>> parse_filter(std::string_view filter);

// A name at the front of `s` (quoted or bare), consumed. Errors: invalid.
Result<std::string> take_name(std::string_view& s);
std::string_view skip_space(std::string_view s);

}  // namespace frugal::server
