#pragma once
// GpuInfo: what SkyPilot's `GpuInfo` column says about an instance's accelerators. The column is a
// Python literal (single-quoted dict, not JSON), e.g.
//   {'Gpus': [{'Name': 'A100', 'Count': 8.0, 'MemoryInfo': {'SizeInMiB': 40960}}], 'TotalGpuMemoryInMiB': 327680}
// or, for Azure and GCP TPUs, a bare name ("A100-80GB", "tpu-v5p-8"). Private to src/catalog.
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace frugal::catalog {

struct GpuInfo {
  std::string name;                          // the first GPU's name; "" when not given
  std::optional<double> count;               // Σ Count over the listed GPUs
  std::optional<double> size_mib;            // the first GPU's MemoryInfo.SizeInMiB, as written
  std::optional<double> total_memory_mib;    // TotalGpuMemoryInMiB, else Σ SizeInMiB × Count
};

// Empty text → an empty GpuInfo. SkyPilot's convention is SizeInMiB per GPU and
// TotalGpuMemoryInMiB for all of them; a Count missing counts as 1. Some fetchers deviate (see
// skypilot_importer.cpp), so the raw fields are kept. A dict that is not a well-formed Python
// literal → ErrorCode::invalid saying where it breaks.
Result<GpuInfo> parse_gpu_info(std::string_view text);

}  // namespace frugal::catalog
