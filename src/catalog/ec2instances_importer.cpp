#include "catalog/ec2instances_importer.h"

#include <fmt/format.h>

#include "util/strings.h"

namespace frugal::catalog {
namespace {

constexpr std::string_view k_type = "API Name";
constexpr std::string_view k_vcpus = "vCPUs";
constexpr std::string_view k_memory = "Memory";
constexpr std::string_view k_on_demand = "Linux On Demand cost";
constexpr std::string_view k_spot = "Linux Spot Minimum cost";  // the cheapest zone, as catalog keeps
constexpr std::string_view k_gpus = "GPUs";
constexpr std::string_view k_gpu_model = "GPU model";
constexpr std::string_view k_gpu_memory = "GPU memory";

struct Columns {
  std::size_t type = 0, vcpus = 0, memory = 0, on_demand = 0, spot = 0;
  std::optional<std::size_t> gpus, gpu_model, gpu_memory;
};

std::string_view strip_suffix(std::string_view text, std::string_view suffix) {
  if (text.ends_with(suffix)) text.remove_suffix(suffix.size());
  return util::trim(text);
}

// "$0.096 hourly" → 0.096; "unavailable" or empty → none.
Result<std::optional<Money>> display_price(std::string_view text, std::string_view column, const CsvReader& reader) {
  std::string_view t = util::trim(text);
  if (t.empty() || t == "unavailable") return std::optional<Money>{};
  if (!t.starts_with('$'))
    return column_error(reader, column, fmt::format("'{}' is not a price like '$0.096 hourly'", text));
  t.remove_prefix(1);
  return std::optional<Money>{FRUGAL_TRY(parse_price(strip_suffix(t, "hourly"), column, reader))};
}

// "8.0 GiB" → 8.0.
Result<double> gib(std::string_view text, std::string_view column, const CsvReader& reader) {
  return parse_number(strip_suffix(util::trim(text), "GiB"), column, reader);
}

// "2 vCPUs", or for burstable types "2 vCPUs   for a   1h 12m   burst" → 2.
Result<double> vcpus(std::string_view text, const CsvReader& reader) {
  std::string_view t = util::trim(text);
  return parse_number(t.substr(0, t.find_first_of(" \t\r\n")), k_vcpus, reader);
}

// The row, or none when the type has no Linux on-demand price to store.
Result<std::optional<CatalogRow>> read_row(const Columns& c, const CsvReader& reader) {
  const auto& f = reader.fields();
  CatalogRow row;
  row.region = std::string(k_ec2instances_region);
  row.instance_type = std::string(util::trim(f[c.type]));
  if (row.instance_type.empty()) return column_error(reader, k_type, "empty");
  auto on_demand = FRUGAL_TRY(display_price(f[c.on_demand], k_on_demand, reader));
  row.spot = FRUGAL_TRY(display_price(f[c.spot], k_spot, reader));
  row.vcpus = FRUGAL_TRY(vcpus(f[c.vcpus], reader));
  row.memory_gib = FRUGAL_TRY(gib(f[c.memory], k_memory, reader));
  if (std::string_view gpus = util::trim(cell(f, c.gpus)); !gpus.empty())
    row.gpu_count = FRUGAL_TRY(parse_number(gpus, k_gpus, reader));
  if (row.gpu_count > 0) {
    row.gpu_model = normalize_ec2_gpu_model(cell(f, c.gpu_model));
    if (std::string_view memory = util::trim(cell(f, c.gpu_memory)); !memory.empty()) {
      double total = FRUGAL_TRY(gib(memory, k_gpu_memory, reader));
      if (total > 0) row.gpu_memory_gib = total;  // "0 GiB" where the site does not know it
    }
  }
  if (!on_demand) return std::optional<CatalogRow>{};
  row.price = *on_demand;
  return std::optional<CatalogRow>{std::move(row)};
}

}  // namespace

bool is_ec2instances_header(const CsvHeader& header) {
  return header.find(k_type) && header.find(k_on_demand);
}

std::string normalize_ec2_gpu_model(std::string_view model) {
  std::string_view m = util::trim(model);
  if (m.empty() || m == "None") return "";
  for (std::string_view prefix : {"NVIDIA ", "AMD ", "Tesla ", "GRID "})
    if (m.starts_with(prefix)) m.remove_prefix(prefix.size());
  return std::string(strip_suffix(m, "Tensor Core"));
}

Result<ParsedCatalog> read_ec2instances(CsvReader& reader, const CsvHeader& header) {
  Columns c;
  c.type = FRUGAL_TRY(header.require(k_type, reader));
  c.vcpus = FRUGAL_TRY(header.require(k_vcpus, reader));
  c.memory = FRUGAL_TRY(header.require(k_memory, reader));
  c.on_demand = FRUGAL_TRY(header.require(k_on_demand, reader));
  c.spot = FRUGAL_TRY(header.require(k_spot, reader));
  c.gpus = header.find(k_gpus);
  c.gpu_model = header.find(k_gpu_model);
  c.gpu_memory = header.find(k_gpu_memory);

  ParsedCatalog out;
  out.format = "ec2instances.info";
  while (FRUGAL_TRY(reader.next())) {
    if (is_blank_record(reader.fields())) continue;
    ++out.rows_read;
    FRUGAL_CHECK(check_width(header, reader));
    std::optional<CatalogRow> row = FRUGAL_TRY(read_row(c, reader));
    if (row) out.rows.push_back(std::move(*row));
  }
  return out;
}

}  // namespace frugal::catalog
