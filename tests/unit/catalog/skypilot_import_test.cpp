// Imports of small hand-made vms.csv files: parsing, zone folding, replacement, and every failure kind.
#include <gtest/gtest.h>

#include "catalog_test_util.h"

namespace frugal::catalog {
namespace {

using namespace frugal::catalog::testing;

struct StoredRow {
  std::int64_t price_nanos = 0;
  std::optional<std::int64_t> spot_nanos;
  std::optional<double> gpu_memory_gib;
  double gpu_count = 0;
  std::string gpu_model;
  std::string source;
};

std::optional<StoredRow> stored(store::Store& s, const std::string& region, const std::string& kind,
                                const std::string& type) {
  const store::Value key[] = {region, kind, type};
  auto r = s.query(
      "SELECT price_nanos, spot_price_nanos, gpu_memory_gib, gpu_count, gpu_model, source FROM catalog "
      "WHERE region = ? AND kind = ? AND instance_type = ?",
      key);
  if (!r || r->rows.empty()) return std::nullopt;
  const auto& row = r->rows[0];
  StoredRow out;
  out.price_nanos = store::as_int(row[0]);
  if (!store::is_null(row[1])) out.spot_nanos = store::as_int(row[1]);
  if (!store::is_null(row[2])) out.gpu_memory_gib = store::as_double(row[2]);
  out.gpu_count = store::as_double(row[3]);
  out.gpu_model = store::as_text(row[4]);
  out.source = store::as_text(row[5]);
  return out;
}

std::int64_t nanos(const char* usd_text) { return usd(usd_text).nanos(); }

// Asserts that importing `text` fails with `expected` in the message and leaves the store as it was.
void expect_rejected(const std::string& text, const std::string& expected, const std::string& name = "gcp_vms.csv") {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "lambda_vms.csv",
              "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice\n"
              "cpu_4x_generalx,,,4.0,16.0,0.2,us-east-1,,\n");
  std::string path = write_file(dir, name, text);
  auto stats = import_file(*store, path, "", test_now());
  ASSERT_FALSE(stats) << "accepted: " << text;
  EXPECT_EQ(stats.error().code, ErrorCode::invalid);
  EXPECT_NE(stats.error().message.find(expected), std::string::npos)
      << "message: " << stats.error().message << "\nexpected to contain: " << expected;
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog"), 1);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog_zones"), 0);
}

constexpr const char* k_gcp_header =
    "InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,AvailabilityZone,Price,SpotPrice\n";

TEST(SkypilotImport, ReadsColumnsByHeaderNameWhateverTheirOrder) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv",
              std::string(k_gcp_header) + "n1-standard-8,8.0,30.0,,,,us-central1,us-central1-a,0.38,0.14\n");
  import_text(*store, dir, "azure_vms.csv",
              "Region,SpotPrice,Price,InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo\n"
              "eastus,0.5,3.06,Standard_NC6s_v3,6,112,V100,1,V100\n");
  auto n1 = stored(*store, "us-central1", "instance", "n1-standard-8");
  ASSERT_TRUE(n1);
  EXPECT_EQ(n1->price_nanos, nanos("0.38"));
  auto nc6 = stored(*store, "eastus", "instance", "Standard_NC6s_v3");
  ASSERT_TRUE(nc6);
  EXPECT_EQ(nc6->price_nanos, nanos("3.06"));
  EXPECT_EQ(nc6->spot_nanos, nanos("0.5"));
  EXPECT_EQ(nc6->gpu_model, "V100");
  EXPECT_EQ(nc6->gpu_count, 1);
  EXPECT_FALSE(nc6->gpu_memory_gib);  // Azure's GpuInfo is a bare name
}

TEST(SkypilotImport, KeepsCheapestZonePerRegionAndEveryZoneInZoneTable) {
  TestDir dir;
  auto store = open_test_store(dir);
  ImportStats stats = import_text(*store, dir, "gcp_vms.csv", k_small_gcp);
  EXPECT_EQ(stats.provider, "gcp");
  EXPECT_EQ(stats.rows_read, 10u);
  EXPECT_EQ(stats.instances, 4u);     // a2 in two regions, two N1 hosts
  EXPECT_EQ(stats.accelerators, 3u);  // A100, T4, tpu-v5p-8 in us-central1
  EXPECT_EQ(stats.regions, 2u);
  auto a2 = stored(*store, "us-central1", "instance", "a2-highgpu-1g");
  ASSERT_TRUE(a2);
  EXPECT_EQ(a2->price_nanos, nanos("0.70"));  // zone b
  EXPECT_EQ(a2->spot_nanos, nanos("0.37"));   // zone a: spot and on-demand minima are separate
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog_zones WHERE instance_type = 'a2-highgpu-1g' AND "
                           "region = 'us-central1'"),
            2);
  EXPECT_EQ(scalar(*store, "SELECT spot_price_nanos FROM catalog_zones WHERE zone = 'us-central1-b' AND "
                           "instance_type = 'a2-highgpu-1g'"),
            nanos("0.40"));
}

TEST(SkypilotImport, StoresGcpAcceleratorRowsPerAcceleratorFromTheSingleUnitRow) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv", k_small_gcp);
  auto a100 = stored(*store, "us-central1", "accelerator", "A100");
  ASSERT_TRUE(a100);
  EXPECT_EQ(a100->gpu_model, "A100");
  EXPECT_EQ(a100->gpu_count, 1);
  EXPECT_EQ(a100->gpu_memory_gib, 40.0);
  // Zone a lists 1 × A100 at 2.9 and 2 × A100 at 5.6 (2.8 each): the single-unit row is the price.
  EXPECT_EQ(a100->price_nanos, nanos("2.9"));
  EXPECT_EQ(a100->spot_nanos, nanos("1.3"));  // zone b's spot
  EXPECT_EQ(scalar(*store, "SELECT price_nanos FROM catalog_zones WHERE zone = 'us-central1-a' AND "
                           "instance_type = 'A100'"),
            nanos("2.9"));
}

TEST(SkypilotImport, SplitsAMultiUnitRowWhenNoSingleUnitRowExists) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv",
              std::string(k_gcp_header) + ",,,B200,8,,us-central1,us-central1-b,60.0,24.4\n");
  auto b200 = stored(*store, "us-central1", "accelerator", "B200");
  ASSERT_TRUE(b200);
  EXPECT_EQ(b200->price_nanos, nanos("7.5"));
  EXPECT_EQ(b200->spot_nanos, nanos("3.05"));
}

TEST(SkypilotImport, EmptySpotPriceMeansNoSpot) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv", k_small_gcp);
  auto tpu = stored(*store, "us-central1", "accelerator", "tpu-v5p-8");
  ASSERT_TRUE(tpu);
  EXPECT_FALSE(tpu->spot_nanos);
}

TEST(SkypilotImport, VastZeroSpotMeansNoSpotNotFree) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "vast_vms.csv",
              "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region\n"
              "1x-RTX_5090-32-65536,RTX5090,1,32,64.0,\"{'Gpus': [{'Name': 'RTX5090', 'Count': 1, 'MemoryInfo': "
              "{'SizeInMiB': 32768}}], 'TotalGpuMemoryInMiB': 32768}\",0.44,0.00,\"Denmark, DK, EU\"\n");
  auto row = stored(*store, "Denmark, DK, EU", "instance", "1x-RTX_5090-32-65536");
  ASSERT_TRUE(row);
  EXPECT_FALSE(row->spot_nanos);
  EXPECT_EQ(row->gpu_memory_gib, 32.0);
}

TEST(SkypilotImport, LambdaGpuMemoryIsPerGpuSizeTimesCount) {
  TestDir dir;
  auto store = open_test_store(dir);
  // Lambda writes the per-GPU size into TotalGpuMemoryInMiB.
  import_text(*store, dir, "lambda_vms.csv",
              "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice\n"
              "gpu_8x_v100,V100,8.0,92.0,448.0,4.4,us-east-1,\"{'Gpus': [{'Name': 'V100', 'Manufacturer': "
              "'NVIDIA', 'Count': 8.0, 'MemoryInfo': {'SizeInMiB': 16384}}], 'TotalGpuMemoryInMiB': 16384}\",\n");
  auto row = stored(*store, "us-east-1", "instance", "gpu_8x_v100");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->gpu_count, 8);
  EXPECT_EQ(row->gpu_memory_gib, 128.0);
}

TEST(SkypilotImport, AcceptsAzureUnquotedGenerationList) {
  TestDir dir;
  auto store = open_test_store(dir);
  ImportStats stats = import_text(
      *store, dir, "azure_vms.csv",
      "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,Generation\n"
      "Standard_NC4as_T4_v3,T4,1,4,28,T4,0.526,0.204246,eastus,V1,V2\n"
      "Standard_A1_v2,,,1,2,,0.05,0.00924,eastus,V1\n");
  EXPECT_EQ(stats.instances, 2u);
}

TEST(SkypilotImport, ReimportingTheSameFileReplacesItsRows) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv", k_small_gcp);
  import_text(*store, dir, "gcp_vms.csv", k_small_gcp);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog"), 7);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog_zones"), 9);  // the 2 × A100 row folds into zone a

  // A newer snapshot of the same file: a changed price, a row gone.
  import_text(*store, dir, "gcp_vms.csv",
              std::string(k_gcp_header) + "n1-standard-8,8.0,30.0,,,,us-central1,us-central1-a,0.40,0.15\n");
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog"), 1);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog_zones"), 1);
  EXPECT_EQ(stored(*store, "us-central1", "instance", "n1-standard-8")->price_nanos, nanos("0.40"));
}

TEST(SkypilotImport, ReimportKeepsRowsFromOtherFiles) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv", k_small_gcp);
  import_text(*store, dir, "gcp_extra_vms.csv",
              std::string(k_gcp_header) + "e2-medium,2,4,,,,us-east1,us-east1-b,0.03,0.01\n");
  import_text(*store, dir, "gcp_vms.csv", k_small_gcp);
  auto e2 = stored(*store, "us-east1", "instance", "e2-medium");
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->source, "gcp_extra_vms.csv");
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog"), 8);
}

TEST(SkypilotImport, InfersProviderFromFileOrFolderName) {
  TestDir dir;
  auto store = open_test_store(dir);
  const std::string text = std::string(k_gcp_header) + "n1-standard-8,8.0,30.0,,,,r1,r1-a,0.38,0.14\n";
  EXPECT_EQ(import_text(*store, dir, "gcp_vms.csv", text).provider, "gcp");
  EXPECT_EQ(import_text(*store, dir, "Azure-2026.csv", text).provider, "azure");
  EXPECT_EQ(import_text(*store, dir, "vms.csv", text, "Lambda").provider, "lambda");
  std::filesystem::create_directory(dir.file("vast"));
  EXPECT_EQ(import_text(*store, dir, "vast/vms.csv", text).provider, "vast");
}

TEST(SkypilotImport, UnknownProviderAsksForTheProviderFlag) {
  TestDir dir;
  auto store = open_test_store(dir);
  auto path = write_file(dir, "prices.csv", std::string(k_gcp_header) + "n1-standard-8,8,30,,,,r1,r1-a,0.38,0.14\n");
  auto stats = import_file(*store, path, "", test_now());
  ASSERT_FALSE(stats);
  EXPECT_NE(stats.error().message.find("--provider"), std::string::npos) << stats.error().message;
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog"), 0);
}

TEST(SkypilotImport, BadNumberFailsWithFileLineAndColumnAndChangesNothing) {
  expect_rejected(std::string(k_gcp_header) +
                      "n1-standard-8,8.0,30.0,,,,us-central1,us-central1-a,0.38,0.14\n"
                      "n1-standard-16,16.0,60.0,,,,us-central1,us-central1-a,0.7x6,0.28\n",
                  "gcp_vms.csv:3: column Price: '0.7x6' is not an amount");
  expect_rejected(std::string(k_gcp_header) + "n1-standard-8,eight,30.0,,,,us-central1,us-central1-a,0.38,0.14\n",
                  "gcp_vms.csv:2: column vCPUs: 'eight' is not a number");
  expect_rejected(std::string(k_gcp_header) + "n1-standard-8,8,30.0,,,,us-central1,us-central1-a,0.38,-1\n",
                  "gcp_vms.csv:2: column SpotPrice: negative price");
  expect_rejected(std::string(k_gcp_header) + ",,,A100,1.5,,us-central1,us-central1-a,2.9,1.4\n",
                  "gcp_vms.csv:2: column AcceleratorCount: '1.5' is not a whole positive count");
  expect_rejected(std::string(k_gcp_header) + "n1-standard-8,8,30.0,,,,us-central1,us-central1-a,,0.1\n",
                  "gcp_vms.csv:2: column Price: empty");
}

TEST(SkypilotImport, MalformedGpuInfoFailsNamingTheColumn) {
  expect_rejected(std::string(k_gcp_header) +
                      "x1,8,30,A100,1,\"{'Gpus': [{'Name': 'A100'\",us-central1,us-central1-a,0.38,0.14\n",
                  "gcp_vms.csv:2: column GpuInfo: not a Python literal");
}

TEST(SkypilotImport, WrongColumnCountFails) {
  expect_rejected(std::string(k_gcp_header) + "n1-standard-8,8.0,30.0,,,,us-central1,0.38,0.14\n",
                  "gcp_vms.csv:2: row has 9 columns, the header has 10");
  expect_rejected(std::string(k_gcp_header) + "n1-standard-8,8.0,30.0,,,,us-central1,us-central1-a,0.38,0.14,x\n",
                  "gcp_vms.csv:2: row has 11 columns, the header has 10");
}

TEST(SkypilotImport, MissingRequiredColumnFails) {
  expect_rejected("InstanceType,vCPUs,MemoryGiB,Region,SpotPrice\nn1-standard-8,8,30,us-central1,0.1\n",
                  "gcp_vms.csv:1: column Price: missing from the header");
}

TEST(SkypilotImport, UnknownHeaderOrEmptyFileFails) {
  expect_rejected("Name,Cost\nfoo,1\n", "gcp_vms.csv:1: unknown catalog format");
  expect_rejected("", "empty file");
}

TEST(SkypilotImport, UnreadableFileIsAnIoError) {
  TestDir dir;
  auto store = open_test_store(dir);
  auto stats = import_file(*store, dir.file("gcp_missing.csv"), "", test_now());
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().code, ErrorCode::io);
}

}  // namespace
}  // namespace frugal::catalog
