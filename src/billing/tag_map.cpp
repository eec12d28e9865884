#include <fmt/format.h>

#include "billing/allocation.h"
#include "billing/billing.h"
#include "billing/charge_dimensions.h"
#include "util/strings.h"

namespace frugal::billing {

Result<TagMap> tag_map(store::Store& store) {
  TagMap map;
  for (auto d : k_allocation_dimensions) map.push_back({std::string(d), {}});
  FRUGAL_CHECK(store.for_each_row("SELECT dimension, tag_key FROM tag_mappings ORDER BY priority, tag_key", {},
                                  [&](const store::Row& r) {
                                    for (auto& [dimension, keys] : map)
                                      if (dimension == store::as_text(r[0])) keys.push_back(store::as_text(r[1]));
                                    return true;
                                  }));
  return map;
}

Result<std::int64_t> set_tag_map(store::Store& store, const TagMap& changes) {
  for (const auto& [dimension, keys] : changes) {
    if (std::find(k_allocation_dimensions.begin(), k_allocation_dimensions.end(), dimension) == k_allocation_dimensions.end())
      return fail(ErrorCode::invalid, fmt::format("bill map: unknown dimension '{}' (team, project, user, model, dataset)", dimension));
    for (const auto& k : keys)
      if (util::trim(k).empty()) return fail(ErrorCode::invalid, fmt::format("bill map: empty tag key for {}", dimension));
  }
  std::int64_t changed = 0;
  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    for (const auto& [dimension, keys] : changes) {
      std::vector<store::Value> d = {dimension};
      FRUGAL_CHECK(store.execute("DELETE FROM tag_mappings WHERE dimension = ?", d));
      for (std::size_t i = 0; i < keys.size(); ++i) {
        std::vector<store::Value> row = {dimension, std::string(util::trim(keys[i])), static_cast<std::int64_t>(i + 1)};
        FRUGAL_CHECK(store.execute("INSERT INTO tag_mappings (dimension, tag_key, priority) VALUES (?, ?, ?) "
                                   "ON CONFLICT (dimension, tag_key) DO NOTHING", row));
      }
      // Re-allocate every charge: the first mapped key present (any case) with a non-empty value.
      std::string column = "x_" + dimension;
      // The tag's (key, text value) pairs: SQLite's json_each, PostgreSQL's jsonb_each.
      constexpr std::string_view sqlite_pairs =
          "SELECT je.value FROM json_each(charges.tags) je JOIN tag_mappings m ON lower(je.key) = lower(m.tag_key) "
          "AND m.dimension = ? WHERE je.type = 'text' AND je.value <> ''";
      constexpr std::string_view postgres_pairs =
          "SELECT je.value #>> '{}' FROM jsonb_each(charges.tags::jsonb) je JOIN tag_mappings m "
          "ON lower(je.key) = lower(m.tag_key) AND m.dimension = ? WHERE jsonb_typeof(je.value) = 'string' "
          "AND je.value #>> '{}' <> ''";
      changed += FRUGAL_TRY(store.execute(
          fmt::format("UPDATE charges SET {0} = ({1} ORDER BY m.priority LIMIT 1) WHERE tags IS NOT NULL OR {0} IS NOT NULL",
                      column, store.dialect() == "postgresql" ? postgres_pairs : sqlite_pairs),
          d));
      // The rollups of this dimension follow the new allocation.
      FRUGAL_CHECK(store.execute("DELETE FROM charge_rollups WHERE dimension = ?", d));
      FRUGAL_CHECK(store.execute(
          fmt::format("INSERT INTO charge_rollups (dimension, day, key, billing_currency, rows, billed_cost_nanos, "
                      "billed_cost_attos, effective_cost_nanos, effective_cost_attos, list_cost_nanos, list_cost_attos, "
                      "billed_cost_sub_attos, effective_cost_sub_attos, list_cost_sub_attos) "
                      "SELECT ?, substr(charge_period_start, 1, 10), {}, billing_currency, count(*), sum(billed_cost_nanos), "
                      "sum(billed_cost_attos), sum(effective_cost_nanos), sum(effective_cost_attos), sum(list_cost_nanos), "
                      "sum(list_cost_attos), sum(billed_cost_sub_attos), sum(effective_cost_sub_attos), "
                      "sum(list_cost_sub_attos) FROM charges GROUP BY 2, 3, 4",
                      *dimension_expression(dimension)),
          d));
    }
    return {};
  }));
  return changed;
}

}  // namespace frugal::billing
