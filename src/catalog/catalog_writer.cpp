#include "catalog/catalog_writer.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace frugal::catalog {
namespace {

using store::Value;

std::string key_of(const CatalogRow& r, bool with_zone) {
  std::string key;
  key.reserve(r.region.size() + r.zone.size() + r.instance_type.size() + 4);
  key += r.region;
  key += '\x1f';
  if (with_zone) key += r.zone;
  key += '\x1f';
  key += r.kind == RowKind::instance ? 'i' : 'a';
  key += r.instance_type;
  return key;
}

void keep_cheaper(std::optional<Money>& mine, const std::optional<Money>& other) {
  if (other && (!mine || *other < *mine)) mine = other;
}

Value optional_value(const std::optional<double>& v) { return v ? Value{*v} : Value{}; }
Value optional_value(const std::optional<Money>& m) { return m ? Value{m->nanos()} : Value{}; }
Value text_or_null(const std::string& s) { return s.empty() ? Value{} : Value{s}; }

constexpr std::string_view k_delete_zones_of_source =
    "DELETE FROM catalog_zones WHERE (provider, region, kind, instance_type) IN "
    "(SELECT provider, region, kind, instance_type FROM catalog WHERE provider = ? AND source = ?)";
constexpr std::string_view k_delete_source = "DELETE FROM catalog WHERE provider = ? AND source = ?";
// A key another source stored may carry zones this file does not list; they go with its row.
constexpr std::string_view k_delete_zones_of_key =
    "DELETE FROM catalog_zones WHERE provider = ? AND region = ? AND kind = ? AND instance_type = ?";
constexpr std::string_view k_upsert_row =
    "INSERT INTO catalog (provider, region, kind, instance_type, vcpus, memory_gib, gpu_model, gpu_count, "
    "gpu_memory_gib, price_nanos, spot_price_nanos, source, as_of) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT (provider, region, kind, instance_type) DO UPDATE SET vcpus = excluded.vcpus, "
    "memory_gib = excluded.memory_gib, gpu_model = excluded.gpu_model, gpu_count = excluded.gpu_count, "
    "gpu_memory_gib = excluded.gpu_memory_gib, price_nanos = excluded.price_nanos, "
    "spot_price_nanos = excluded.spot_price_nanos, source = excluded.source, as_of = excluded.as_of";
constexpr std::string_view k_insert_zone =
    "INSERT INTO catalog_zones (provider, region, zone, kind, instance_type, price_nanos, spot_price_nanos) "
    "VALUES (?,?,?,?,?,?,?)";

}  // namespace

std::vector<CatalogRow> dedupe_zones(std::vector<CatalogRow> rows) {
  std::unordered_map<std::string, std::size_t> index;
  index.reserve(rows.size());
  std::vector<CatalogRow> out;
  out.reserve(rows.size());
  for (auto& row : rows) {
    auto [it, inserted] = index.try_emplace(key_of(row, true), out.size());
    if (inserted) {
      out.push_back(std::move(row));
      continue;
    }
    CatalogRow& kept = out[it->second];
    if (row.source_units < kept.source_units) {
      kept = std::move(row);
    } else if (row.source_units == kept.source_units) {
      if (row.price < kept.price) kept.price = row.price;
      keep_cheaper(kept.spot, row.spot);
    }
  }
  return out;
}

std::vector<CatalogRow> fold_regions(const std::vector<CatalogRow>& zone_rows) {
  std::unordered_map<std::string, std::size_t> index;
  index.reserve(zone_rows.size());
  std::vector<CatalogRow> out;
  for (const auto& row : zone_rows) {
    auto [it, inserted] = index.try_emplace(key_of(row, false), out.size());
    if (inserted) {
      out.push_back(row);
      out.back().zone.clear();
      continue;
    }
    CatalogRow& kept = out[it->second];
    if (row.price < kept.price) kept.price = row.price;
    keep_cheaper(kept.spot, row.spot);
  }
  return out;
}

Result<WriteCounts> replace_source(store::Store& store, std::string_view provider, std::string_view source,
                                   std::string_view as_of, std::vector<CatalogRow> rows) {
  std::vector<CatalogRow> zones = dedupe_zones(std::move(rows));
  std::vector<CatalogRow> regions = fold_regions(zones);
  const std::string provider_text(provider), source_text(source), as_of_text(as_of);

  WriteCounts counts;
  std::unordered_set<std::string_view> region_names;
  for (const auto& r : regions) {
    (r.kind == RowKind::instance ? counts.instances : counts.accelerators) += 1;
    region_names.insert(r.region);
  }
  counts.regions = region_names.size();

  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    const Value by_source[] = {provider_text, source_text};
    FRUGAL_CHECK(store.execute(k_delete_zones_of_source, by_source));
    FRUGAL_CHECK(store.execute(k_delete_source, by_source));

    auto upsert = FRUGAL_TRY(store.prepare(k_upsert_row));
    auto clear_zones = FRUGAL_TRY(store.prepare(k_delete_zones_of_key));
    auto insert_zone = FRUGAL_TRY(store.prepare(k_insert_zone));
    std::unordered_set<std::string> zoned;  // region keys that have zone rows
    for (const auto& z : zones)
      if (!z.zone.empty()) zoned.insert(key_of(z, false));

    for (const auto& r : regions) {
      const Value kind{std::string(kind_name(r.kind))};
      const Value row[] = {provider_text,
                           r.region,
                           kind,
                           r.instance_type,
                           optional_value(r.vcpus),
                           optional_value(r.memory_gib),
                           text_or_null(r.gpu_model),
                           r.gpu_count,
                           optional_value(r.gpu_memory_gib),
                           r.price.nanos(),
                           optional_value(r.spot),
                           source_text,
                           as_of_text};
      FRUGAL_CHECK(upsert->execute(row));
      if (zoned.contains(key_of(r, false))) {
        const Value key[] = {provider_text, r.region, kind, r.instance_type};
        FRUGAL_CHECK(clear_zones->execute(key));
      }
    }
    for (const auto& z : zones) {
      if (z.zone.empty()) continue;
      const Value row[] = {provider_text, z.region, z.zone, std::string(kind_name(z.kind)), z.instance_type,
                           z.price.nanos(), optional_value(z.spot)};
      FRUGAL_CHECK(insert_zone->execute(row));
    }
    return {};
  }));
  return counts;
}

}  // namespace frugal::catalog
