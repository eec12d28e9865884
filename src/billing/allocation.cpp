#include "billing/allocation.h"

#include "util/strings.h"

namespace frugal::billing {

Result<TagMapping> TagMapping::load(store::Store& store) {
  TagMapping mapping;
  auto rows = FRUGAL_TRY(store.query("SELECT dimension, tag_key FROM tag_mappings ORDER BY dimension, priority, tag_key"));
  for (const auto& r : rows.rows) {
    std::string dimension = store::as_text(r[0]);
    for (std::size_t d = 0; d < k_allocation_dimensions.size(); ++d)
      if (k_allocation_dimensions[d] == dimension) mapping.m_keys[d].push_back(util::to_lower(store::as_text(r[1])));
  }
  return mapping;
}

std::array<std::string_view, 5> TagMapping::allocate(const std::vector<std::pair<std::string, std::string>>& tags) const {
  std::array<std::string_view, 5> out{};
  for (std::size_t d = 0; d < m_keys.size(); ++d) {
    for (const auto& wanted : m_keys[d]) {
      for (const auto& [key, value] : tags) {
        if (!value.empty() && util::iequals(key, wanted)) {
          out[d] = value;
          break;
        }
      }
      if (!out[d].empty()) break;
    }
  }
  return out;
}

}  // namespace frugal::billing
