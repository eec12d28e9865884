#pragma once
// Catalog: what instances and accelerators cost per hour, by provider and region, on-demand and
// spot. Prices come from imported files (SkyPilot vms.csv, the ec2instances.info CSV) stored in the
// `catalog` / `catalog_zones` tables, and from a small built-in table of common ML instance types
// so a run is priced with nothing imported. Imported rows win over built-in ones.
#include <optional>
#include <string>
#include <vector>

#include "core/money.h"
#include "core/time.h"
#include "store/store.h"

namespace frugal::catalog {

enum class Pricing { on_demand, spot };

struct ImportStats {
  std::string file{};
  std::string provider{};
  std::string format{};          // "skypilot" or "ec2instances.info"
  std::size_t rows_read = 0;     // data rows in the file
  std::size_t instances = 0;     // (region, instance type) rows stored
  std::size_t accelerators = 0;  // (region, accelerator) rows stored (GCP)
  std::size_t regions = 0;
};

// Imports one catalog file in one transaction, replacing that provider's rows from the same
// source file name. `provider` "" infers it from the file name (gcp_vms.csv → gcp). A malformed
// row fails the whole import with "FILE:LINE: column X: what is wrong"; the store is unchanged.
Result<ImportStats> import_file(store::Store& store, const std::string& path, const std::string& provider,
                                TimePoint now);

// One way to buy compute: an instance type in a region, or (GCP) a VM type plus N accelerators.
struct Offer {
  std::string provider{};
  std::string region{};
  std::string instance_type{};  // "a2-highgpu-1g"; for a GCP VM + accelerators "n1-standard-8+4xT4"
  double vcpus = 0;
  double memory_gib = 0;
  std::string gpu_model{};      // "" for CPU-only
  double gpu_count = 0;
  double gpu_memory_gib = 0;
  Money on_demand{};            // per hour, whole instance
  std::optional<Money> spot{};  // per hour; none when not offered
  std::string source{};         // file name or "builtin"
};

// Every member has an initializer, so `OfferFilter{.gpu_model = "A100"}` builds under -Wextra.
struct OfferFilter {
  std::string gpu_model{};               // "" = any; matched case-insensitively ("a100" = "A100")
  double min_gpu_count = 0;              // at least this many accelerators
  std::optional<Money> max_hourly{};     // at most this per hour (for the pricing below)
  std::string provider{};                // "" = any
  std::string region{};                  // "" = any
  Pricing pricing = Pricing::on_demand;  // which price filters and sorts
  std::size_t limit = 0;                 // 0 = no limit
};

// Offers matching `filter`, cheapest first by the chosen pricing (offers without that price drop
// out). GCP GPU VMs appear priced as VM row + N × accelerator row of the same region.
Result<std::vector<Offer>> list_offers(store::Store& store, const OfferFilter& filter);

// The cheapest offer per provider for `count` GPUs of `gpu_model`, cheapest first: a comparison
// across providers and regions (both on-demand and spot filled in where known).
Result<std::vector<Offer>> cheapest(store::Store& store, const std::string& gpu_model, double count,
                                    Pricing pricing);

// The price that meters a run.
struct InstancePrice {
  Money hourly{};        // whole instance, per hour
  int instance_gpu_count = 0;
  std::string provider{};
  std::string region{};
  std::string source{};  // "catalog <file>" or "builtin"
};

// Looks `instance_type` up (case-sensitive, as clouds spell it), in `region` when given (else the
// cheapest region), for `provider` when given. Unknown type → ErrorCode::not_found whose message
// names up to five close matches ("did you mean p4d.24xlarge, p4de.24xlarge?"). A spot price
// asked for but not known → ErrorCode::not_found saying so.
Result<InstancePrice> price_of(store::Store& store, const std::string& instance_type,
                               const std::string& region, const std::string& provider, Pricing pricing);

// The compiled-in offers (AWS, GCP, Azure GPU families; prices as of the date in builtin.cpp).
const std::vector<Offer>& builtin_offers();

}  // namespace frugal::catalog
