#pragma once
// Turns catalog rows into offers: one per instance row, except that a GCP GPU machine type is
// priced as VM row + N × accelerator row of its region, N1 VMs also appear with attachable GPUs
// ("n1-standard-32+4xV100"), and GCP TPU slices stand alone. Built-in offers are added where the
// catalog has no row for the same (provider, region, type). Private to src/catalog.
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"

namespace frugal::catalog {

struct OfferQuery {
  std::string instance_type;  // "" = any; exact, combination names included
  std::string provider;       // "" = any
  std::string region;         // "" = any
  std::string gpu_model;      // "" = any; case-insensitive
  double min_gpu_count = 0;
};

// Every offer matching `query`, unsorted.
Result<std::vector<Offer>> collect_offers(store::Store& store, const OfferQuery& query);

// Every instance type (and TPU slice) the catalog tables and the built-in table know.
Result<std::vector<std::string>> known_instance_types(store::Store& store);

// The price of `offer` under `pricing`; none when it is not sold that way.
inline std::optional<Money> price_under(const Offer& offer, Pricing pricing) {
  return pricing == Pricing::on_demand ? std::optional<Money>{offer.on_demand} : offer.spot;
}

// Cheapest first by `pricing` (offers lacking that price last), then by provider, region, type.
void sort_offers(std::vector<Offer>& offers, Pricing pricing);

}  // namespace frugal::catalog
