#pragma once
// GCP machine families whose GPUs are priced apart from the VM. A GCP GPU machine type (a2, a3, a4,
// g2) is listed in vms.csv without its GPUs, and GPUs/TPUs have rows of their own, so the price of
// such a VM is the VM row plus N × the accelerator row of the same region. N1 VMs take attachable
// GPUs (T4, V100, P100, P4) on top. Private to src/catalog.
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace frugal::catalog {

struct BundledGpus {
  std::string_view model;  // the accelerator row's name (SkyPilot naming: "A100-80GB")
  int count = 0;
};

// The GPUs `machine_type` always comes with (a2-highgpu-4g → 4 × A100); none for other types.
std::optional<BundledGpus> gcp_bundled_gpus(std::string_view machine_type);

struct AttachableGpu {
  std::string_view model;
  int max_count = 0;  // the most GCP attaches to one N1 VM
};

// GPUs sold per unit for N1 VMs, with the counts GCP allows.
std::span<const AttachableGpu> gcp_attachable_gpus();

// The counts offered for an attached GPU, up to its max_count.
inline constexpr int k_attach_counts[] = {1, 2, 4, 8};

// The N1 host offered with `count` attached GPUs: n1-standard-(8 × count, at most 96).
std::string gcp_attach_host(int count);

// "n1-standard-32+4xV100": the name of an N1 VM with GPUs attached.
std::string gcp_attach_name(std::string_view host, int count, std::string_view model);

}  // namespace frugal::catalog
