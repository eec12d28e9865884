#pragma once
// CatalogRow: one price as the importers read it and the `catalog` table holds it. Private to
// src/catalog. An importer emits one row per (region, zone, kind, type); the writer folds zones
// into the cheapest per region.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"

namespace frugal::catalog {

enum class RowKind { instance, accelerator };

inline std::string_view kind_name(RowKind kind) {
  return kind == RowKind::instance ? "instance" : "accelerator";
}

struct CatalogRow {
  std::string region;
  std::string zone;                   // "" where the source has no zones
  RowKind kind = RowKind::instance;
  std::string instance_type;          // the accelerator name for RowKind::accelerator
  std::optional<double> vcpus;
  std::optional<double> memory_gib;
  std::string gpu_model;              // "" for none
  double gpu_count = 0;               // per instance; 1 for an accelerator row
  std::optional<double> gpu_memory_gib;  // per instance (per accelerator for an accelerator row)
  Money price;                        // on-demand, per hour
  std::optional<Money> spot;          // per hour; none when not offered
  // Accelerators per source row before the per-unit split (GCP lists 1, 2, 4, 8 of a GPU per zone);
  // the writer keeps the row with the smallest count, whose per-unit price is the exact one.
  int source_units = 1;
};

// What an importer read from one file, before the zones are folded into regions.
struct ParsedCatalog {
  std::string format;             // "skypilot" or "ec2instances.info"
  std::vector<CatalogRow> rows;   // one per (region, zone, kind, type) as read
  std::size_t rows_read = 0;      // data records in the file
};

// A record holding nothing (a blank line) is skipped rather than reported as one short row.
inline bool is_blank_record(const std::vector<std::string_view>& fields) {
  return fields.size() == 1 && fields[0].empty();
}

}  // namespace frugal::catalog
