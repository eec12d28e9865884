#include "catalog/gcp_families.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace frugal::catalog {
namespace {

// Families named "<prefix><N>g[-suffix]" with N GPUs; names as in GCP's gcp_vms.csv (2026-05).
struct CountedFamily {
  std::string_view prefix;
  std::string_view model;
};
constexpr CountedFamily k_counted_families[] = {
    {"a2-highgpu-", "A100"},        // a2-highgpu-1g/2g/4g/8g
    {"a2-megagpu-", "A100"},        // a2-megagpu-16g
    {"a2-ultragpu-", "A100-80GB"},  // a2-ultragpu-1g/2g/4g/8g
    {"a3-highgpu-", "H100"},        // a3-highgpu-1g/2g/4g/8g
    {"a3-edgegpu-", "H100"},        // a3-edgegpu-8g(-nolssd)
    {"a3-megagpu-", "H100-MEGA"},   // a3-megagpu-8g
    {"a3-ultragpu-", "H200"},       // a3-ultragpu-8g(-nolssd)
    {"a4-highgpu-", "B200"},        // a4-highgpu-8g
};

// G2 names count vCPUs, not GPUs: the L4 count per size comes from GCP's machine table.
struct G2Size {
  int vcpus;
  int gpus;
};
constexpr G2Size k_g2_sizes[] = {{4, 1}, {8, 1}, {12, 1}, {16, 1}, {24, 2}, {32, 1}, {48, 4}, {96, 8}};

constexpr AttachableGpu k_attachable[] = {{"T4", 4}, {"V100", 8}, {"P100", 4}, {"P4", 4}};

// The leading decimal number of `text`, and what follows it.
std::optional<std::pair<int, std::string_view>> leading_int(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return std::pair{value, text.substr(static_cast<std::size_t>(end - text.data()))};
}

}  // namespace

std::optional<BundledGpus> gcp_bundled_gpus(std::string_view machine_type) {
  for (const auto& family : k_counted_families) {
    if (!machine_type.starts_with(family.prefix)) continue;
    auto parsed = leading_int(machine_type.substr(family.prefix.size()));
    if (!parsed || parsed->first <= 0) return std::nullopt;
    auto rest = parsed->second;
    if (rest != "g" && !rest.starts_with("g-")) return std::nullopt;
    return BundledGpus{family.model, parsed->first};
  }
  constexpr std::string_view g2 = "g2-standard-";
  if (machine_type.starts_with(g2)) {
    auto parsed = leading_int(machine_type.substr(g2.size()));
    if (!parsed || !parsed->second.empty()) return std::nullopt;
    for (const auto& size : k_g2_sizes)
      if (size.vcpus == parsed->first) return BundledGpus{"L4", size.gpus};
  }
  return std::nullopt;
}

std::span<const AttachableGpu> gcp_attachable_gpus() { return k_attachable; }

std::string gcp_attach_host(int count) { return fmt::format("n1-standard-{}", std::min(8 * count, 96)); }

std::string gcp_attach_name(std::string_view host, int count, std::string_view model) {
  return fmt::format("{}+{}x{}", host, count, model);
}

}  // namespace frugal::catalog
