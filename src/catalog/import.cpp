// import_file: reads one catalog file, whichever format its header shows, and stores it.
#include <filesystem>

#include <fmt/format.h>

#include "catalog/catalog.h"
#include "catalog/catalog_writer.h"
#include "catalog/csv_fields.h"
#include "catalog/ec2instances_importer.h"
#include "catalog/provider_name.h"
#include "catalog/skypilot_importer.h"
#include "util/strings.h"

namespace frugal::catalog {

Result<ImportStats> import_file(store::Store& store, const std::string& path, const std::string& provider,
                                TimePoint now) {
  CsvReader reader = FRUGAL_TRY(CsvReader::open(path));
  if (!FRUGAL_TRY(reader.next()))
    return fail(ErrorCode::invalid, fmt::format("{}: empty file, expected a catalog header", path));
  CsvHeader header(reader.fields());
  const bool skypilot = is_skypilot_header(header);
  const bool ec2instances = !skypilot && is_ec2instances_header(header);
  if (!skypilot && !ec2instances)
    return fail(ErrorCode::invalid,
                fmt::format("{}unknown catalog format: expected a SkyPilot vms.csv header (InstanceType, ..., "
                            "Region, Price) or an ec2instances.info export (API Name, ..., Linux On Demand cost)",
                            reader.where()));

  std::string cloud = util::to_lower(util::trim(provider));
  if (cloud.empty()) cloud = infer_provider(path);
  if (cloud.empty() && ec2instances) cloud = "aws";  // that format only ever describes EC2
  if (cloud.empty())
    return fail(ErrorCode::invalid,
                fmt::format("{}: cannot tell the provider from the file name; name it with --provider "
                            "(aws, gcp, azure, lambda, vast, ...)",
                            path));

  ParsedCatalog parsed =
      skypilot ? FRUGAL_TRY(read_skypilot(reader, header, cloud)) : FRUGAL_TRY(read_ec2instances(reader, header));

  // A header with no rows would wipe this source's prices: far more likely a truncated download.
  if (parsed.rows.empty())
    return fail(ErrorCode::invalid, fmt::format("{}: no price rows after the header; nothing imported, "
                                                "earlier prices from this file kept", path));
  ImportStats stats;
  stats.file = path;
  stats.provider = cloud;
  stats.format = parsed.format;
  stats.rows_read = parsed.rows_read;
  const std::string source = std::filesystem::path(path).filename().string();
  auto counts = replace_source(store, cloud, source, format_utc(now), std::move(parsed.rows));
  if (!counts) return std::unexpected(counts.error().wrap(path));
  stats.instances = counts->instances;
  stats.accelerators = counts->accelerators;
  stats.regions = counts->regions;
  return stats;
}

}  // namespace frugal::catalog
