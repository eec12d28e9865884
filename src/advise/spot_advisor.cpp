// AWS's Spot Instance Advisor feed (the JSON behind https://aws.amazon.com/ec2/spot/instance-advisor/):
//   {"ranges": [{"index": 0, "label": "<5%", "max": 5}, ...],
//    "spot_advisor": {"<region>": {"Linux": {"<type>": {"s": <saving %>, "r": <range index>}}}}}
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "advise/advise.h"

namespace frugal::advise {

Result<SpotAdvisorStats> import_spot_advisor(store::Store& store, const std::string& path, TimePoint now) {
  using json = nlohmann::json;
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::not_found, fmt::format("{}: cannot read it", path));
  json feed;
  try {
    feed = json::parse(in);
  } catch (const json::parse_error& e) {
    return fail(ErrorCode::invalid, fmt::format("{}: not JSON (byte {}): {}", path, e.byte, e.what()));
  } catch (const json::exception& e) {  // a number beyond a double (1e999) is out_of_range, not parse_error
    return fail(ErrorCode::invalid, fmt::format("{}: not JSON: {}", path, e.what()));
  }
  auto bad = [&](std::string_view where, std::string_view what) {
    return fail(ErrorCode::invalid, fmt::format("{}: {}: {} (expected AWS's spot-advisor-data.json)", path, where, what));
  };
  if (!feed.is_object() || !feed.contains("ranges") || !feed["ranges"].is_array())
    return bad("ranges", "missing or not an array");
  if (!feed.contains("spot_advisor") || !feed["spot_advisor"].is_object()) return bad("spot_advisor", "missing or not an object");
  struct Band {
    std::string label;
    std::int64_t max = 0;
  };
  std::map<std::int64_t, Band> bands;
  for (const auto& r : feed["ranges"]) {
    if (!r.is_object() || !r.contains("index") || !r["index"].is_number_integer() || !r.contains("label") ||
        !r["label"].is_string() || !r.contains("max") || !r["max"].is_number())
      return bad("ranges", "each needs an integer index, a label and a max");
    double max = r["max"].get<double>();  // a percentage; a float beyond an integer's range has no cast
    if (!(max >= 0 && max <= 100)) return bad("ranges", fmt::format("max {} is not a percentage (0 to 100)", r["max"].dump()));
    bands[r["index"].get<std::int64_t>()] = {r["label"].get<std::string>(), static_cast<std::int64_t>(max)};
  }
  SpotAdvisorStats stats;
  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    FRUGAL_CHECK(store.execute("DELETE FROM spot_advisor"));
    auto insert = FRUGAL_TRY(store.prepare(
        "INSERT INTO spot_advisor (region, os, instance_type, savings_pct, interruption_label, interruption_max_pct, "
        "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    std::string imported_at = format_utc(now);
    for (const auto& [region, systems] : feed["spot_advisor"].items()) {
      if (!systems.is_object()) return bad("spot_advisor." + region, "not an object");
      ++stats.regions;
      for (const auto& [os, types] : systems.items()) {
        if (!types.is_object()) return bad(fmt::format("spot_advisor.{}.{}", region, os), "not an object");
        for (const auto& [type, v] : types.items()) {
          std::string where = fmt::format("spot_advisor.{}.{}.{}", region, os, type);
          if (!v.is_object() || !v.contains("s") || !v["s"].is_number_integer() || !v.contains("r") ||
              !v["r"].is_number_integer())
            return bad(where, "needs integers s (saving %) and r (interruption band)");
          auto band = bands.find(v["r"].get<std::int64_t>());
          if (band == bands.end()) return bad(where + ".r", fmt::format("{} is not one of the ranges", v["r"].dump()));
          std::vector<store::Value> row = {region, os, type, v["s"].get<std::int64_t>(), band->second.label,
                                           band->second.max, imported_at};
          FRUGAL_TRY(insert->execute(row));
          ++stats.rows;
        }
      }
    }
    return {};
  }));
  return stats;
}

}  // namespace frugal::advise
