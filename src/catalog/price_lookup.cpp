// price_of: the hourly price that meters a run.
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "catalog/catalog.h"
#include "catalog/gcp_families.h"
#include "catalog/offer_builder.h"
#include "util/strings.h"

namespace frugal::catalog {
namespace {

constexpr std::size_t k_max_suggestions = 5;

std::string scope_of(const std::string& region, const std::string& provider) {
  std::string scope;
  if (!provider.empty()) scope += " from " + provider;
  if (!region.empty()) scope += " in " + region;
  return scope;
}

// A GCP GPU machine type whose row is stored where no row prices its GPUs: an error that says so
// beats a price that leaves the GPUs out. None when that is not why `instance_type` has no offer.
Result<std::optional<Error>> gpus_unpriced(store::Store& store, const std::string& instance_type,
                                           const std::string& region, const std::string& provider) {
  auto bundled = gcp_bundled_gpus(instance_type);
  if (!bundled) return std::optional<Error>{};
  std::string sql = "SELECT 1 FROM catalog WHERE kind = 'instance' AND instance_type = ?";
  std::vector<store::Value> params{instance_type};
  if (!region.empty()) {
    sql += " AND region = ?";
    params.emplace_back(region);
  }
  if (!provider.empty()) {
    sql += " AND provider = ?";
    params.emplace_back(util::to_lower(provider));
  }
  auto listed = FRUGAL_TRY(store.query(sql + " LIMIT 1", params));
  if (listed.rows.empty()) return std::optional<Error>{};
  return std::optional<Error>{Error{
      ErrorCode::not_found,
      fmt::format("instance type '{}'{} is listed without its GPUs and no {} price of the same region is "
                  "known to add; import GCP's accelerator rows with it",
                  instance_type, scope_of(region, provider), bundled->model)}};
}

// Why `instance_type` has no offer: its GPUs unpriced, not where asked, or unknown (with close names).
Result<InstancePrice> not_listed(store::Store& store, const std::string& instance_type, const std::string& region,
                                 const std::string& provider) {
  if (auto why = FRUGAL_TRY(gpus_unpriced(store, instance_type, region, provider))) return std::unexpected(*why);
  if (!region.empty() || !provider.empty()) {
    OfferQuery anywhere;
    anywhere.instance_type = instance_type;
    std::vector<Offer> elsewhere = FRUGAL_TRY(collect_offers(store, anywhere));
    if (!elsewhere.empty()) {
      std::vector<std::string> places;
      for (const Offer& o : elsewhere) places.push_back(o.provider + " " + o.region);
      std::sort(places.begin(), places.end());
      places.erase(std::unique(places.begin(), places.end()), places.end());
      if (places.size() > k_max_suggestions) {
        places.resize(k_max_suggestions);
        places.push_back("...");
      }
      return fail(ErrorCode::not_found, fmt::format("no price for instance type '{}'{}; it is listed in {}",
                                                    instance_type, scope_of(region, provider),
                                                    util::join(places, ", ")));
    }
  }
  std::vector<std::string> known = FRUGAL_TRY(known_instance_types(store));
  std::vector<std::string> close = util::closest_matches(instance_type, known, k_max_suggestions);
  std::string hint = close.empty()
                         ? "import a catalog (frugal catalog import) or give the price (--hourly-usd)"
                         : "did you mean " + util::join(close, ", ") + "?";
  return fail(ErrorCode::not_found, fmt::format("unknown instance type '{}'; {}", instance_type, hint));
}

}  // namespace

Result<InstancePrice> price_of(store::Store& store, const std::string& instance_type, const std::string& region,
                               const std::string& provider, Pricing pricing) {
  OfferQuery query;
  query.instance_type = instance_type;
  query.region = region;
  query.provider = provider;
  std::vector<Offer> offers = FRUGAL_TRY(collect_offers(store, query));
  if (offers.empty()) return not_listed(store, instance_type, region, provider);

  sort_offers(offers, pricing);
  const Offer& best = offers.front();
  auto hourly = price_under(best, pricing);
  if (!hourly) {
    return fail(ErrorCode::not_found,
                fmt::format("no spot price known for instance type '{}'{} (on-demand is ${}/h); price it "
                            "on-demand or give --hourly-usd",
                            instance_type, scope_of(region, provider), best.on_demand.to_string()));
  }
  InstancePrice price;
  price.hourly = *hourly;
  price.instance_gpu_count = static_cast<int>(std::lround(best.gpu_count));
  price.provider = best.provider;
  price.region = best.region;
  price.source = best.source == "builtin" ? "builtin" : "catalog " + best.source;
  return price;
}

}  // namespace frugal::catalog
