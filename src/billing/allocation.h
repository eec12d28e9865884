#pragma once
// Allocation: which tag keys fill a charge's x_team, x_project, x_user, x_model and x_dataset
// (the tag_mappings table, edited by `frugal bill map`). Keys match case-insensitively; the
// lowest priority number wins when several are present. Private to billing/.
#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "store/store.h"

namespace frugal::billing {

inline constexpr std::array<std::string_view, 5> k_allocation_dimensions = {"team", "project", "user", "model", "dataset"};

class TagMapping {
 public:
  static Result<TagMapping> load(store::Store& store);
  // The value per allocation dimension (k_allocation_dimensions order); "" when no key matched.
  std::array<std::string_view, 5> allocate(const std::vector<std::pair<std::string, std::string>>& tags) const;

 private:
  // Per dimension: lower-cased keys, best first.
  std::array<std::vector<std::string>, 5> m_keys;
};

}  // namespace frugal::billing
