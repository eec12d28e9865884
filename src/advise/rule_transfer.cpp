// Rule "transfer": data moved across regions, zones or out to the internet, from the bill.
// Transfer is priced per byte, so the same bytes moved again cost again: co-locating data and
// compute removes cross-region charges, and caching or compressing roughly halves egress.
#include <algorithm>
#include <cctype>
#include <initializer_list>

#include <fmt/format.h>

#include "advise/rules.h"
#include "util/display.h"
#include "util/strings.h"

namespace frugal::advise {
namespace {

constexpr int k_top_flows = 10;

// A bill row is transfer when its text says so, or when it is a Networking row priced by volume
// (NAT, load balancer or CDN bytes); Networking rows priced per hour (load balancer hours,
// public IPs) are not transfer and are left to other rules.
// Case-insensitive matching without lower() on every row of a big bill: SQLite's LIKE already
// ignores ASCII case, PostgreSQL has ILIKE (a third of the rule's time went to lower()).
std::string transfer_rows(std::string_view dialect) {
  std::string_view like = dialect == "postgresql" ? "ILIKE" : "LIKE";
  // Most rows of a bill are not transfer: '%transfer%' first spares them the two longer patterns
  // (a quarter off this rule over 5,000,000 charges, bench/advise).
  std::string any_text;
  for (std::string_view column : {"charge_description", "sku_id", "consumed_unit"})
    any_text += fmt::format("{0}(({1} {2} '%transfer%' AND ({1} {2} '%data transfer%' OR {1} {2} '%datatransfer%')) "
                            "OR {1} {2} '%egress%')",
                            any_text.empty() ? "" : " OR ", column, like);
  return fmt::format("({0} OR (service_category = 'Networking' AND (consumed_unit {1} '%gb' OR consumed_unit {1} '%gib' "
                     "OR consumed_unit {1} '%tb' OR consumed_unit {1} '%bytes')))",
                     any_text, like);
}

bool mentions(const std::string& lowered, std::initializer_list<std::string_view> words) {
  return std::ranges::any_of(words, [&](std::string_view w) { return lowered.find(w) != std::string::npos; });
}

struct Kind {
  std::string_view name;
  std::int64_t saving_num, saving_den;  // share of the flow's cost that acting removes
  double confidence;
  std::string_view why;
};

// AWS names an inter-region flow "US West (Oregon) data transfer to US East (N. Virginia)";
// Azure and GCP say "Inter-Region" / "Inter Region". Checked before egress: GCP's inter-region
// lines also say "Egress".
const Kind& kind_of(const std::string& description) {
  static const Kind cross_region{"cross-region", 1, 1, 0.6, "all of it: co-located, the bytes stop crossing regions"};
  static const Kind cross_zone{"cross-zone", 1, 2, 0.3, "half: zone-local traffic is free, but some must stay multi-zone"};
  static const Kind egress{"internet egress", 1, 2, 0.3, "half: caching and compression typically halve repeated transfer"};
  std::string d = description;
  std::ranges::transform(d, d.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (mentions(d, {"inter-region", "interregion", "inter region", "between regions", "region to region",
                   "data transfer to ", "data transfer from "}))
    return cross_region;
  if (mentions(d, {"between ec2 azs", "inter-zone", "inter zone", "interzone", "inter-availability zone", "cross-az",
                   "cross-zone"}))
    return cross_zone;
  return egress;
}

std::string action_for(const Kind& kind, const std::string& region) {
  if (kind.name == "cross-region")
    return fmt::format("Move the data next to the compute, or the compute next to the data: replicate the dataset "
                       "once into the region whose jobs read it, or run those jobs where the data is ({} sends these "
                       "bytes), so the same bytes stop crossing regions on every run.",
                       region.empty() ? "the source region" : region);
  if (kind.name == "cross-zone")
    return "Keep chatty traffic inside one availability zone: place jobs in the zone of their data and services, use "
           "zone-local endpoints, and compress what must cross zones.";
  return "Stop paying for the same bytes twice: cache datasets and model weights next to the jobs with `frugal data "
         "get`, compress what you serve, and put a CDN (or VPC endpoints for object-store traffic) in front.";
}

std::string quantity_text(double quantity, const std::string& unit) {
  if (unit.empty()) return "not reported";
  return quantity >= 1 ? fmt::format("{:.2f} {}", quantity, unit) : fmt::format("{:.3g} {}", quantity, unit);
}

}  // namespace

Result<void> transfer(const Context& c, std::vector<Recommendation>& out) {
  const std::string match = transfer_rows(c.store.dialect());
  // Coalesced in a derived table so that NULL keys group (and sort) the same on both backends.
  // The window is compared as an expression so that the rows are read in table order: through the
  // charges_time index each of millions of rows was a random page read (36 s of 5,000,000 charges
  // against 2 s for one pass over the table, bench/advise).
  std::string sql = fmt::format(
      "SELECT provider, service, region, description, count(*), sum(billed_cost_nanos), sum(billed_cost_attos), "
      "sum(consumed_quantity), min(unit), max(unit), count(x_team), min(x_team), max(x_team) "
      "FROM (SELECT coalesce(provider_name, '') AS provider, coalesce(service_name, '') AS service, "
      "coalesce(region_id, '') AS region, coalesce(charge_description, '') AS description, billed_cost_nanos, "
      "billed_cost_attos, consumed_quantity, coalesce(consumed_unit, '') AS unit, x_team FROM charges "
      "WHERE (charge_period_start || '') >= ? AND (charge_period_start || '') < ? AND {}{}) AS t "
      "GROUP BY provider, service, region, description HAVING sum(billed_cost_nanos) > 0 "
      "ORDER BY sum(billed_cost_nanos) DESC, provider, service, region, description LIMIT {}",
      match, c.team_filter("x_team"), k_top_flows);
  std::vector<store::Value> params = {c.since, c.until};
  c.bind_team(params);
  auto flows = FRUGAL_TRY(c.store.query(sql, params));

  for (const auto& row : flows.rows) {
    std::string provider = store::as_text(row[0]), service = store::as_text(row[1]);
    std::string region = store::as_text(row[2]), description = store::as_text(row[3]);
    std::int64_t charges = store::as_int(row[4]);
    // Attos are summed apart (their sum may pass a nano) and normalised here: exact to the last digit.
    Money cost = Money::from_nanos(store::as_int(row[5]), 0) + Money::from_attos(store::as_int(row[6]));
    if (cost <= Money{}) continue;
    double quantity = store::as_double(row[7]);
    std::string unit = store::as_text(row[8]) == store::as_text(row[9]) ? store::as_text(row[8]) : "";
    // A flow belongs to a team when every one of its rows is allocated to that team.
    std::string team = c.options.team;
    if (team.empty() && store::as_int(row[10]) == charges && store::as_text(row[11]) == store::as_text(row[12]))
      team = store::as_text(row[11]);

    const Kind& kind = kind_of(description);
    Money saving = cost.scaled(kind.saving_num, kind.saving_den);
    std::string where_region = region.empty() ? "no region" : region;

    Recommendation r;
    r.rule = "transfer";
    r.target = fmt::format("{} transfer in {}: {} ({}, {})", kind.name, where_region, description, service, provider);
    r.id = recommendation_id(r.rule, r.target);
    r.team = team;
    r.finding = fmt::format("{} of {} transfer ({}) in {} cost {} over {:.0f} days.", util::display::count(charges, "row"), kind.name,
                            quantity_text(quantity, unit), where_region, usd(cost), c.days);
    r.evidence = {{"cost in window", usd(cost)},
                  {"kind", std::string(kind.name)},
                  {"volume", quantity_text(quantity, unit)},
                  {"charges", std::to_string(charges)},
                  {"service", fmt::format("{} ({})", service, provider)},
                  {"saving assumed", std::string(kind.why)}};
    if (!unit.empty() && quantity > 0)
      r.evidence.push_back({"average price", fmt::format("${:.4f} per {}", cost.to_double() / quantity, unit)});
    r.query = fmt::format(
        "SELECT count(*) AS charges, sum(billed_cost_nanos) AS billed_cost_nanos, sum(consumed_quantity) AS quantity, "
        "min(consumed_unit) AS unit FROM charges WHERE coalesce(provider_name, '') = {} AND coalesce(service_name, '') "
        "= {} AND coalesce(region_id, '') = {} AND coalesce(charge_description, '') = {} AND charge_period_start >= {} "
        "AND charge_period_start < {} AND {}{}",
        sql_literal(provider), sql_literal(service), sql_literal(region), sql_literal(description),
        sql_literal(c.since), sql_literal(c.until), match,
        c.options.team.empty() ? "" : " AND x_team = " + sql_literal(c.options.team));
    r.monthly_saving = c.monthly(saving);
    r.confidence = kind.confidence;
    r.action = action_for(kind, region);
    out.push_back(std::move(r));
  }
  return {};
}

}  // namespace frugal::advise
