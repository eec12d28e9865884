#include "catalog/skypilot_importer.h"

#include <cmath>

#include <fmt/format.h>

#include "catalog/gpu_info.h"
#include "util/strings.h"

namespace frugal::catalog {
namespace {

constexpr double k_mib_per_gib = 1024.0;
// Azure's last column lists Hyper-V generations unquoted ("V1,V2" on about half the rows).
constexpr std::string_view k_spill_column = "Generation";

struct Columns {
  std::size_t instance_type = 0;
  std::size_t region = 0;
  std::size_t price = 0;
  std::optional<std::size_t> vcpus, memory, accelerator, accelerator_count, gpu_info, zone, spot;
};

Result<Columns> find_columns(const CsvHeader& header, const CsvReader& reader) {
  Columns c;
  c.instance_type = FRUGAL_TRY(header.require("InstanceType", reader));
  c.region = FRUGAL_TRY(header.require("Region", reader));
  c.price = FRUGAL_TRY(header.require("Price", reader));
  c.vcpus = header.find("vCPUs");
  c.memory = header.find("MemoryGiB");
  c.accelerator = header.find("AcceleratorName");
  c.accelerator_count = header.find("AcceleratorCount");
  c.gpu_info = header.find("GpuInfo");
  c.zone = header.find("AvailabilityZone");
  c.spot = header.find("SpotPrice");
  return c;
}

// GPU memory of the whole instance. Lambda's fetcher writes the per-GPU size into
// TotalGpuMemoryInMiB (8 × V100 shows 16384), so for Lambda the total is size × count.
std::optional<double> instance_gpu_memory_gib(const GpuInfo& info, double count, std::string_view provider) {
  if (provider == "lambda" && info.size_mib) return *info.size_mib * count / k_mib_per_gib;
  if (info.total_memory_mib) return *info.total_memory_mib / k_mib_per_gib;
  return std::nullopt;
}

// Accelerators in one source row of GCP's per-accelerator listing: a whole positive number.
Result<int> accelerator_units(std::optional<double> count, const CsvReader& reader) {
  if (!count) return 1;
  double whole = std::round(*count);
  if (*count < 1 || whole != *count || whole > 1e6)
    return column_error(reader, "AcceleratorCount", fmt::format("'{}' is not a whole positive count", *count));
  return static_cast<int>(whole);
}

Result<CatalogRow> read_row(const Columns& c, const CsvReader& reader, std::string_view provider) {
  const auto& f = reader.fields();
  CatalogRow row;
  row.region = std::string(util::trim(f[c.region]));
  if (row.region.empty()) return column_error(reader, "Region", "empty");
  row.zone = std::string(util::trim(cell(f, c.zone)));
  row.price = FRUGAL_TRY(parse_price(f[c.price], "Price", reader));
  if (std::string_view spot = util::trim(cell(f, c.spot)); !spot.empty()) {
    Money s = FRUGAL_TRY(parse_price(spot, "SpotPrice", reader));
    if (s != Money()) row.spot = s;  // Vast writes 0.00 for "no interruptible offer", never free
  }
  auto count = FRUGAL_TRY(parse_optional_number(cell(f, c.accelerator_count), "AcceleratorCount", reader));
  // Fractions are real (Azure sells a sixth of an A10); negatives and absurd counts are not.
  if (count && (*count < 0 || *count > 10'000))
    return column_error(reader, "AcceleratorCount", fmt::format("'{}' is not a plausible accelerator count", *count));
  auto info = parse_gpu_info(cell(f, c.gpu_info));
  if (!info) return column_error(reader, "GpuInfo", info.error().message);
  std::string accelerator(util::trim(cell(f, c.accelerator)));

  std::string_view type = util::trim(f[c.instance_type]);
  if (type.empty()) {  // GCP: a GPU or TPU priced on its own, per zone, for 1, 2, 4, ... units
    if (accelerator.empty()) return column_error(reader, "InstanceType", "empty, and no AcceleratorName either");
    int units = FRUGAL_TRY(accelerator_units(count, reader));
    row.kind = RowKind::accelerator;
    row.instance_type = accelerator;
    row.gpu_model = accelerator;
    row.gpu_count = 1;
    if (info->size_mib) row.gpu_memory_gib = *info->size_mib / k_mib_per_gib;
    row.source_units = units;
    if (units > 1) {
      row.price = row.price.scaled(1, units);
      if (row.spot) row.spot = row.spot->scaled(1, units);
    }
    return row;
  }
  row.instance_type = std::string(type);
  row.vcpus = FRUGAL_TRY(parse_optional_number(cell(f, c.vcpus), "vCPUs", reader));
  row.memory_gib = FRUGAL_TRY(parse_optional_number(cell(f, c.memory), "MemoryGiB", reader));
  row.gpu_model = accelerator.empty() ? info->name : accelerator;
  if (!row.gpu_model.empty()) {
    row.gpu_count = count.value_or(info->count.value_or(1));
    row.gpu_memory_gib = instance_gpu_memory_gib(*info, row.gpu_count, provider);
  }
  return row;
}

}  // namespace

bool is_skypilot_header(const CsvHeader& header) {
  // Loose on purpose: a vms.csv missing a needed column should be told which, not "unknown format".
  return header.find("InstanceType") || header.find("AcceleratorName");
}

Result<ParsedCatalog> read_skypilot(CsvReader& reader, const CsvHeader& header, std::string_view provider) {
  Columns columns = FRUGAL_TRY(find_columns(header, reader));
  ParsedCatalog out;
  out.format = "skypilot";
  while (FRUGAL_TRY(reader.next())) {
    if (is_blank_record(reader.fields())) continue;
    ++out.rows_read;
    FRUGAL_CHECK(check_width(header, reader, k_spill_column));
    out.rows.push_back(FRUGAL_TRY(read_row(columns, reader, provider)));
  }
  return out;
}

}  // namespace frugal::catalog
