#pragma once
// Writes what an importer read into `catalog` (cheapest zone per region) and `catalog_zones`
// (every zone), replacing what the same source file stored before. Private to src/catalog.
#include <cstddef>
#include <string_view>
#include <vector>

#include "catalog/catalog_row.h"
#include "store/store.h"

namespace frugal::catalog {

struct WriteCounts {
  std::size_t instances = 0;
  std::size_t accelerators = 0;
  std::size_t regions = 0;
};

// Keeps one row per (region, zone, kind, type): for GCP accelerators the one with the fewest
// units (its per-unit price is exact), otherwise the cheapest on-demand and cheapest spot.
std::vector<CatalogRow> dedupe_zones(std::vector<CatalogRow> rows);

// The cheapest on-demand and the cheapest spot per (region, kind, type), over its zones.
std::vector<CatalogRow> fold_regions(const std::vector<CatalogRow>& zone_rows);

// In one transaction: deletes the rows `provider` has from `source`, then stores `rows` (as read,
// zone by zone). A row keyed like one from another source replaces it (the newer import wins).
// On failure the store is unchanged.
Result<WriteCounts> replace_source(store::Store& store, std::string_view provider, std::string_view source,
                                   std::string_view as_of, std::vector<CatalogRow> rows);

}  // namespace frugal::catalog
