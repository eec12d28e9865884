#pragma once
// Helpers shared by the catalog tests: a fresh store in a TestDir, small CSV files, row counts.
#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "store/store.h"
#include "test_database.h"

namespace frugal {
// gtest prints Money as its amount.
inline void PrintTo(const Money& m, std::ostream* os) { *os << m.to_string(); }
}  // namespace frugal

namespace frugal::catalog::testing {

using ::frugal::testing::TestDir;

inline TimePoint test_now() { return *parse_utc("2026-11-26T12:00:00Z"); }

inline std::unique_ptr<store::Store> open_test_store(const TestDir& dir) {
  auto s = store::open_store(::frugal::testing::database(dir));
  if (!s) throw std::runtime_error("open_store: " + s.error().message);
  return std::move(*s);
}

// Writes `text` to `name` in `dir` and returns its path.
inline std::string write_file(const TestDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir.file(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

inline std::int64_t scalar(store::Store& s, const std::string& sql) {
  auto r = s.query(sql);
  if (!r || r->rows.empty()) throw std::runtime_error("query failed: " + sql);
  return store::as_int(r->rows[0][0]);
}

inline Money usd(const char* text) { return *Money::parse(text); }

// A GCP vms.csv in miniature: a GPU VM in two regions (europe-west4 has no A100 row), N1 hosts,
// and accelerator rows for 1 and 2 units per zone.
inline constexpr const char* k_small_gcp =
    "InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,AvailabilityZone,Price,SpotPrice\n"
    "a2-highgpu-1g,12.0,85.0,,,,us-central1,us-central1-a,0.74,0.37\n"
    "a2-highgpu-1g,12.0,85.0,,,,us-central1,us-central1-b,0.70,0.40\n"
    "a2-highgpu-1g,12.0,85.0,,,,europe-west4,europe-west4-a,0.80,0.30\n"
    "n1-standard-8,8.0,30.0,,,,us-central1,us-central1-a,0.38,0.14\n"
    "n1-standard-16,16.0,60.0,,,,us-central1,us-central1-a,0.76,0.28\n"
    ",,,A100,1,{'Gpus': [{'MemoryInfo': {'SizeInMiB': 40960}}]},us-central1,us-central1-a,2.9,1.4\n"
    ",,,A100,2,{'Gpus': [{'MemoryInfo': {'SizeInMiB': 40960}}]},us-central1,us-central1-a,5.6,2.6\n"
    ",,,A100,1,{'Gpus': [{'MemoryInfo': {'SizeInMiB': 40960}}]},us-central1,us-central1-b,3.0,1.3\n"
    ",,,T4,1,{'Gpus': [{'MemoryInfo': {'SizeInMiB': 16384}}]},us-central1,us-central1-a,0.35,0.16\n"
    ",,,tpu-v5p-8,1,tpu-v5p-8,us-central1,us-central1-a,8.4,\n";

// Imports `text` as file `name` into `store`; fails the test on error.
inline ImportStats import_text(store::Store& store, const TestDir& dir, const std::string& name,
                               const std::string& text, const std::string& provider = "") {
  auto stats = import_file(store, write_file(dir, name, text), provider, test_now());
  EXPECT_TRUE(stats) << (stats ? "" : stats.error().message);
  return stats ? *stats : ImportStats{};
}

}  // namespace frugal::catalog::testing
