#include "catalog/offer_builder.h"

#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "catalog/gcp_families.h"
#include "util/strings.h"

namespace frugal::catalog {
namespace {

using store::Value;

constexpr std::string_view k_gcp = "gcp";

struct DbRow {
  Offer offer;  // priced as the row stands (a GCP GPU VM without its GPUs)
  bool accelerator = false;
};

std::string region_key(std::string_view region, std::string_view name) {
  std::string key(region);
  key += '\x1f';
  key += name;
  return key;
}

// The SQL that narrows the rows read; the exact filter runs on the built offers.
Result<std::vector<DbRow>> read_rows(store::Store& store, const OfferQuery& q) {
  std::string sql =
      "SELECT provider, region, kind, instance_type, vcpus, memory_gib, gpu_model, gpu_count, gpu_memory_gib, "
      "price_nanos, spot_price_nanos, source FROM catalog WHERE price_nanos IS NOT NULL";
  std::vector<Value> params;
  if (!q.provider.empty()) {
    sql += " AND provider = ?";
    params.emplace_back(util::to_lower(q.provider));
  }
  if (!q.region.empty()) {
    sql += " AND region = ?";
    params.emplace_back(q.region);
  }
  // GCP rows stay in: a GCP VM's GPUs and its accelerator rows show only after composition.
  if (!q.instance_type.empty()) {
    std::string_view base = q.instance_type;
    base = base.substr(0, base.find('+'));
    sql += " AND ((kind = 'instance' AND instance_type = ?) OR (kind = 'accelerator' AND provider = 'gcp'))";
    params.emplace_back(std::string(base));
  }
  if (!q.gpu_model.empty()) {
    sql += " AND (lower(gpu_model) = lower(?) OR provider = 'gcp')";
    params.emplace_back(q.gpu_model);
  }
  if (q.min_gpu_count > 0) {
    sql += " AND (gpu_count >= ? OR provider = 'gcp')";
    params.emplace_back(q.min_gpu_count);
  }
  std::vector<DbRow> rows;
  FRUGAL_CHECK(store.for_each_row(sql, params, [&](const store::Row& r) {
    DbRow row;
    Offer& o = row.offer;
    o.provider = store::as_text(r[0]);
    o.region = store::as_text(r[1]);
    row.accelerator = store::as_text(r[2]) == "accelerator";
    o.instance_type = store::as_text(r[3]);
    o.vcpus = store::as_double(r[4]);
    o.memory_gib = store::as_double(r[5]);
    o.gpu_model = store::as_text(r[6]);
    o.gpu_count = store::as_double(r[7]);
    o.gpu_memory_gib = store::as_double(r[8]);
    o.on_demand = Money::from_nanos(store::as_int(r[9]));
    if (!store::is_null(r[10])) o.spot = Money::from_nanos(store::as_int(r[10]));
    o.source = store::as_text(r[11]);
    rows.push_back(std::move(row));
    return true;
  }));
  return rows;
}

// `vm` with `count` × `gpu` added; spot only when both parts are sold as spot.
Offer with_gpus(const Offer& vm, const Offer& gpu, int count, std::string name) {
  Offer o = vm;
  o.instance_type = std::move(name);
  o.gpu_model = gpu.gpu_model;
  o.gpu_count = count;
  o.gpu_memory_gib = gpu.gpu_memory_gib * count;
  o.on_demand = vm.on_demand + gpu.on_demand.scaled(count, 1);
  o.spot = vm.spot && gpu.spot ? std::optional<Money>{*vm.spot + gpu.spot->scaled(count, 1)} : std::nullopt;
  return o;
}

std::vector<Offer> compose(const std::vector<DbRow>& rows) {
  std::unordered_map<std::string, const Offer*> gcp_accelerators;
  for (const auto& r : rows)
    if (r.accelerator && r.offer.provider == k_gcp)
      gcp_accelerators.emplace(region_key(r.offer.region, r.offer.instance_type), &r.offer);
  auto accelerator = [&](const std::string& region, std::string_view model) -> const Offer* {
    auto it = gcp_accelerators.find(region_key(region, model));
    return it == gcp_accelerators.end() ? nullptr : it->second;
  };

  std::vector<Offer> offers;
  offers.reserve(rows.size());
  for (const auto& r : rows) {
    const Offer& o = r.offer;
    if (r.accelerator) {
      // A TPU slice is rented whole, host included; GPUs are sold only with a VM.
      if (o.provider != k_gcp || o.instance_type.starts_with("tpu-")) offers.push_back(o);
      continue;
    }
    if (o.provider != k_gcp) {
      offers.push_back(o);
      continue;
    }
    if (auto bundled = gcp_bundled_gpus(o.instance_type)) {
      // Without its GPUs' row the VM's price would be a fraction of the truth: no offer.
      if (const Offer* gpu = accelerator(o.region, bundled->model))
        offers.push_back(with_gpus(o, *gpu, bundled->count, o.instance_type));
      continue;
    }
    offers.push_back(o);
    for (const auto& attachable : gcp_attachable_gpus()) {
      const Offer* gpu = accelerator(o.region, attachable.model);
      if (!gpu) continue;
      for (int count : k_attach_counts)
        if (count <= attachable.max_count && gcp_attach_host(count) == o.instance_type)
          offers.push_back(with_gpus(o, *gpu, count, gcp_attach_name(o.instance_type, count, attachable.model)));
    }
  }
  return offers;
}

bool matches(const Offer& o, const OfferQuery& q) {
  return (q.instance_type.empty() || o.instance_type == q.instance_type) &&
         (q.provider.empty() || util::iequals(o.provider, q.provider)) &&
         (q.region.empty() || o.region == q.region) &&
         (q.gpu_model.empty() || util::iequals(o.gpu_model, q.gpu_model)) && o.gpu_count >= q.min_gpu_count;
}

Result<bool> catalog_has(store::Store& store, const Offer& o) {
  const Value key[] = {o.provider, o.region, o.instance_type};
  auto found = FRUGAL_TRY(store.query(
      "SELECT 1 FROM catalog WHERE provider = ? AND region = ? AND kind = 'instance' AND instance_type = ? LIMIT 1",
      key));
  return !found.rows.empty();
}

}  // namespace

Result<std::vector<Offer>> collect_offers(store::Store& store, const OfferQuery& query) {
  std::vector<DbRow> rows = FRUGAL_TRY(read_rows(store, query));
  std::vector<Offer> offers = compose(rows);
  std::erase_if(offers, [&](const Offer& o) { return !matches(o, query); });
  for (const Offer& b : builtin_offers()) {
    if (matches(b, query) && !FRUGAL_TRY(catalog_has(store, b))) offers.push_back(b);
  }
  return offers;
}

Result<std::vector<std::string>> known_instance_types(store::Store& store) {
  std::vector<std::string> names;
  // GPU accelerator rows are not sold alone, so their names are no suggestion; TPU slices are.
  FRUGAL_CHECK(store.for_each_row(
      "SELECT DISTINCT instance_type FROM catalog WHERE kind = 'instance' OR instance_type LIKE 'tpu-%'", {},
      [&](const store::Row& r) {
        names.push_back(store::as_text(r[0]));
        return true;
      }));
  for (const Offer& b : builtin_offers()) names.push_back(b.instance_type);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

void sort_offers(std::vector<Offer>& offers, Pricing pricing) {
  std::sort(offers.begin(), offers.end(), [pricing](const Offer& a, const Offer& b) {
    auto pa = price_under(a, pricing), pb = price_under(b, pricing);
    if (pa.has_value() != pb.has_value()) return pa.has_value();
    if (pa && *pa != *pb) return *pa < *pb;
    return std::tie(a.provider, a.region, a.instance_type) < std::tie(b.provider, b.region, b.instance_type);
  });
}

}  // namespace frugal::catalog
