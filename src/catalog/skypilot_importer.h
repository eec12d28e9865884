#pragma once
// Reads SkyPilot's vms.csv catalog format (AWS, GCP, Azure, Lambda, Vast, ...). Columns are found
// by header name because their order differs per cloud. Private to src/catalog.
#include <string_view>

#include "catalog/catalog_row.h"
#include "catalog/csv_fields.h"
#include "core/csv_reader.h"

namespace frugal::catalog {

// True when `header` looks like a vms.csv header (it may still lack a needed column).
bool is_skypilot_header(const CsvHeader& header);

// Reads every data record after the header. GCP's accelerator rows (empty InstanceType) become
// RowKind::accelerator rows priced per accelerator. REQUIRES: `reader` has just read `header`.
Result<ParsedCatalog> read_skypilot(CsvReader& reader, const CsvHeader& header, std::string_view provider);

}  // namespace frugal::catalog
