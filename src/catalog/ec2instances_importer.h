#pragma once
// Reads the CSV export of ec2instances.info (one AWS region; display strings such as
// "$0.096 hourly", "8.0 GiB", "2 vCPUs"). Private to src/catalog.
#include <string>
#include <string_view>

#include "catalog/catalog_row.h"
#include "catalog/csv_fields.h"
#include "core/csv_reader.h"

namespace frugal::catalog {

// The export holds one region and does not name it; ec2instances.info exports us-east-1 by default.
inline constexpr std::string_view k_ec2instances_region = "us-east-1";

bool is_ec2instances_header(const CsvHeader& header);

// Reads every data record after the header. Types whose Linux on-demand price is "unavailable"
// are counted as read but not stored. REQUIRES: `reader` has just read `header`.
Result<ParsedCatalog> read_ec2instances(CsvReader& reader, const CsvHeader& header);

// "NVIDIA Tesla V100" → "V100", "NVIDIA T4 Tensor Core" → "T4", "None" → "" (SkyPilot's names).
std::string normalize_ec2_gpu_model(std::string_view model);

}  // namespace frugal::catalog
