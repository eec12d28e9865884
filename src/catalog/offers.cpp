// list_offers and cheapest: the catalog as a buyer reads it.
#include <map>

#include "catalog/catalog.h"
#include "catalog/offer_builder.h"

namespace frugal::catalog {

Result<std::vector<Offer>> list_offers(store::Store& store, const OfferFilter& filter) {
  OfferQuery query;
  query.provider = filter.provider;
  query.region = filter.region;
  query.gpu_model = filter.gpu_model;
  query.min_gpu_count = filter.min_gpu_count;
  std::vector<Offer> offers = FRUGAL_TRY(collect_offers(store, query));
  std::erase_if(offers, [&](const Offer& o) {
    auto price = price_under(o, filter.pricing);
    return !price || (filter.max_hourly && *price > *filter.max_hourly);
  });
  sort_offers(offers, filter.pricing);
  if (filter.limit > 0 && offers.size() > filter.limit) offers.resize(filter.limit);
  return offers;
}

Result<std::vector<Offer>> cheapest(store::Store& store, const std::string& gpu_model, double count,
                                    Pricing pricing) {
  OfferFilter filter;
  filter.gpu_model = gpu_model;
  filter.min_gpu_count = count;
  filter.pricing = pricing;
  // Sorted cheapest first, so the first offer seen per provider (and per exact count) is its best.
  std::vector<Offer> offers = FRUGAL_TRY(list_offers(store, filter));
  std::map<std::string, const Offer*> exact, larger;
  for (const Offer& o : offers) {
    auto& best = o.gpu_count == count ? exact : larger;
    best.try_emplace(o.provider, &o);
  }
  std::vector<Offer> out;
  for (const auto& [provider, offer] : larger)
    if (!exact.contains(provider)) out.push_back(*offer);
  for (const auto& [provider, offer] : exact) out.push_back(*offer);
  sort_offers(out, pricing);
  return out;
}

}  // namespace frugal::catalog
