// The built-in catalog: common ML instance types, so a run is priced with nothing imported.
//
// Public list prices as of June 2024 (Linux, on-demand; AWS us-east-1, GCP us-central1, Azure
// eastus), for orientation only: clouds change prices (AWS cut P4/P5 prices in June 2025) and an
// imported catalog always wins. Spot prices, where given, are typical recent values, not quotes.
// GCP rows are whole instances, GPUs included (unlike GCP's own catalog rows).
#include <stdexcept>

#include "catalog/catalog.h"

namespace frugal::catalog {
namespace {

struct BuiltinRow {
  const char* provider;
  const char* region;
  const char* instance_type;
  double vcpus;
  double memory_gib;
  const char* gpu_model;  // "" for CPU-only
  double gpu_count;
  double gpu_memory_gib;  // whole instance
  const char* on_demand;  // USD per hour
  const char* spot;       // USD per hour; "" when not given
};

constexpr BuiltinRow k_rows[] = {
    // AWS us-east-1
    {"aws", "us-east-1", "p3.2xlarge", 8, 61, "V100", 1, 16, "3.06", "0.918"},
    {"aws", "us-east-1", "p3.8xlarge", 32, 244, "V100", 4, 64, "12.24", "3.672"},
    {"aws", "us-east-1", "p3.16xlarge", 64, 488, "V100", 8, 128, "24.48", "7.344"},
    {"aws", "us-east-1", "p4d.24xlarge", 96, 1152, "A100", 8, 320, "32.7726", "9.8318"},
    {"aws", "us-east-1", "p4de.24xlarge", 96, 1152, "A100-80GB", 8, 640, "40.9657", ""},
    {"aws", "us-east-1", "p5.48xlarge", 192, 2048, "H100", 8, 640, "98.32", ""},
    {"aws", "us-east-1", "g4dn.xlarge", 4, 16, "T4", 1, 16, "0.526", "0.1578"},
    {"aws", "us-east-1", "g4dn.2xlarge", 8, 32, "T4", 1, 16, "0.752", "0.2256"},
    {"aws", "us-east-1", "g4dn.12xlarge", 48, 192, "T4", 4, 64, "3.912", "1.1736"},
    {"aws", "us-east-1", "g5.xlarge", 4, 16, "A10G", 1, 24, "1.006", "0.3018"},
    {"aws", "us-east-1", "g5.2xlarge", 8, 32, "A10G", 1, 24, "1.212", "0.3636"},
    {"aws", "us-east-1", "g5.4xlarge", 16, 64, "A10G", 1, 24, "1.624", "0.4872"},
    {"aws", "us-east-1", "g5.8xlarge", 32, 128, "A10G", 1, 24, "2.448", "0.7344"},
    {"aws", "us-east-1", "g5.12xlarge", 48, 192, "A10G", 4, 96, "5.672", "1.7016"},
    {"aws", "us-east-1", "g5.16xlarge", 64, 256, "A10G", 1, 24, "4.096", "1.2288"},
    {"aws", "us-east-1", "g5.24xlarge", 96, 384, "A10G", 4, 96, "8.144", "2.4432"},
    {"aws", "us-east-1", "g5.48xlarge", 192, 768, "A10G", 8, 192, "16.288", "4.8864"},
    {"aws", "us-east-1", "g6.xlarge", 4, 16, "L4", 1, 24, "0.8048", "0.2414"},
    {"aws", "us-east-1", "g6.12xlarge", 48, 192, "L4", 4, 96, "4.6016", ""},
    {"aws", "us-east-1", "trn1.32xlarge", 128, 512, "Trainium", 16, 512, "21.50", ""},
    {"aws", "us-east-1", "t3.medium", 2, 4, "", 0, 0, "0.0416", "0.0125"},
    {"aws", "us-east-1", "m5.xlarge", 4, 16, "", 0, 0, "0.192", "0.0576"},
    {"aws", "us-east-1", "m5.2xlarge", 8, 32, "", 0, 0, "0.384", "0.1152"},
    {"aws", "us-east-1", "c5.xlarge", 4, 8, "", 0, 0, "0.17", "0.051"},
    {"aws", "us-east-1", "c5.4xlarge", 16, 32, "", 0, 0, "0.68", "0.204"},
    {"aws", "us-east-1", "r5.2xlarge", 8, 64, "", 0, 0, "0.504", "0.1512"},
    // GCP us-central1: VM plus its GPUs
    {"gcp", "us-central1", "a2-highgpu-1g", 12, 85, "A100", 1, 40, "3.673385", ""},
    {"gcp", "us-central1", "a2-highgpu-2g", 24, 170, "A100", 2, 80, "7.34677", ""},
    {"gcp", "us-central1", "a2-highgpu-4g", 48, 340, "A100", 4, 160, "14.69354", ""},
    {"gcp", "us-central1", "a2-highgpu-8g", 96, 680, "A100", 8, 320, "29.38708", ""},
    {"gcp", "us-central1", "a2-ultragpu-1g", 12, 170, "A100-80GB", 1, 80, "5.06879", ""},
    {"gcp", "us-central1", "a2-ultragpu-8g", 96, 1360, "A100-80GB", 8, 640, "40.55032", ""},
    {"gcp", "us-central1", "a3-highgpu-8g", 208, 1872, "H100", 8, 640, "88.49", ""},
    {"gcp", "us-central1", "g2-standard-4", 4, 16, "L4", 1, 24, "0.70683", ""},
    {"gcp", "us-central1", "g2-standard-8", 8, 32, "L4", 1, 24, "0.85362", ""},
    {"gcp", "us-central1", "n1-standard-8", 8, 30, "", 0, 0, "0.379998", ""},
    // Azure eastus
    {"azure", "eastus", "Standard_NC4as_T4_v3", 4, 28, "T4", 1, 16, "0.526", ""},
    {"azure", "eastus", "Standard_NC6s_v3", 6, 112, "V100", 1, 16, "3.06", ""},
    {"azure", "eastus", "Standard_NC24ads_A100_v4", 24, 220, "A100-80GB", 1, 80, "3.673", ""},
    {"azure", "eastus", "Standard_NC48ads_A100_v4", 48, 440, "A100-80GB", 2, 160, "7.346", ""},
    {"azure", "eastus", "Standard_NC96ads_A100_v4", 96, 880, "A100-80GB", 4, 320, "14.692", ""},
    {"azure", "eastus", "Standard_ND96asr_v4", 96, 900, "A100", 8, 320, "27.197", ""},
    {"azure", "eastus", "Standard_ND96amsr_A100_v4", 96, 1900, "A100-80GB", 8, 640, "32.77", ""},
    {"azure", "eastus", "Standard_ND96isr_H100_v5", 96, 1900, "H100", 8, 640, "98.32", ""},
};

Money price(const char* text) {
  auto m = Money::parse(text);
  if (!m) throw std::logic_error("builtin.cpp: a price in k_rows does not parse: " + m.error().message);
  return *m;
}

std::vector<Offer> make_offers() {
  std::vector<Offer> offers;
  offers.reserve(std::size(k_rows));
  for (const auto& r : k_rows) {
    Offer o;
    o.provider = r.provider;
    o.region = r.region;
    o.instance_type = r.instance_type;
    o.vcpus = r.vcpus;
    o.memory_gib = r.memory_gib;
    o.gpu_model = r.gpu_model;
    o.gpu_count = r.gpu_count;
    o.gpu_memory_gib = r.gpu_memory_gib;
    o.on_demand = price(r.on_demand);
    if (*r.spot) o.spot = price(r.spot);
    o.source = "builtin";
    offers.push_back(std::move(o));
  }
  return offers;
}

}  // namespace

const std::vector<Offer>& builtin_offers() {
  static const std::vector<Offer> offers = make_offers();
  return offers;
}

}  // namespace frugal::catalog
