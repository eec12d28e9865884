#pragma once
// The SQL expression over `charges` for each rollup dimension, shared by the importer (to take
// replaced rows out of the rollups) and by `costs` (for partial days). Private to billing/.
#include <optional>
#include <string_view>

namespace frugal::billing {

inline std::optional<std::string_view> dimension_expression(std::string_view dimension) {
  if (dimension == "service") return "coalesce(service_name, '')";
  if (dimension == "region") return "coalesce(region_id, region_name, '')";
  if (dimension == "provider") return "provider_name";
  if (dimension == "account") return "coalesce(sub_account_id, billing_account_id, '')";
  if (dimension == "team") return "coalesce(x_team, '')";
  if (dimension == "project") return "coalesce(x_project, '')";
  if (dimension == "user") return "coalesce(x_user, '')";
  if (dimension == "model") return "coalesce(x_model, '')";
  if (dimension == "dataset") return "coalesce(x_dataset, '')";
  return std::nullopt;
}

}  // namespace frugal::billing
