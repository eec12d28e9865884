// MLflow's search filter (runs/search "filter": metrics.loss < 0.5 AND tags.`team name` = 'x') and
// the names of its order_by terms, as the MLflow routes parse them before any SQL is built.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "server/mlflow_filter.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace frugal;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto clauses = server::parse_filter(text)) {
    static constexpr std::array<std::string_view, 8> ops = {"=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE"};
    for (const auto& c : *clauses) {
      bool known = false;
      for (auto op : ops) known |= c.op == op;
      // The search route pastes the operator into its SQL: anything else would be injected text.
      if (!known) fuzz::broken("a clause with an operator outside the list: " + c.op);
      if (c.kind == server::FilterKind::metrics && !c.number) fuzz::broken("a metrics clause without a number");
    }
  }
  std::string_view rest = text;
  if (server::take_name(rest) && rest.size() > text.size()) fuzz::broken("take_name grew its input");
  return 0;
}
