// Imports of the real catalogs under ../shared/data/price_catalog, checked against facts read
// from the files themselves (skipped when the data set is absent).
#include <gtest/gtest.h>

#include "catalog_test_util.h"

namespace frugal::catalog {
namespace {

using namespace frugal::catalog::testing;
using ::frugal::testing::shared_data;

constexpr const char* k_gcp = "price_catalog/skypilot_format/gcp_vms.csv";
constexpr const char* k_azure = "price_catalog/skypilot_format/azure_vms.csv";
constexpr const char* k_lambda = "price_catalog/skypilot_format/lambda_vms.csv";
constexpr const char* k_vast = "price_catalog/skypilot_format/vast_vms.csv";
constexpr const char* k_ec2 = "price_catalog/aws_ec2_us-east-1_2022-04_ec2instances_info.csv";

ImportStats import_real(store::Store& store, const char* relative) {
  auto stats = import_file(store, shared_data(relative), "", test_now());
  EXPECT_TRUE(stats) << (stats ? "" : stats.error().message);
  return stats ? *stats : ImportStats{};
}

std::int64_t price_nanos(store::Store& s, const std::string& where) {
  return scalar(s, "SELECT price_nanos FROM catalog WHERE " + where);
}

TEST(RealCatalog, GcpImportCountsEveryRowAndFoldsZonesIntoRegions) {
  FRUGAL_REQUIRE_SHARED_DATA(k_gcp);
  TestDir dir;
  auto store = open_test_store(dir);
  ImportStats stats = import_real(*store, k_gcp);
  EXPECT_EQ(stats.provider, "gcp");
  EXPECT_EQ(stats.format, "skypilot");
  EXPECT_EQ(stats.rows_read, 31285u);
  EXPECT_EQ(stats.instances, 10623u);    // distinct (region, machine type)
  EXPECT_EQ(stats.accelerators, 1003u);  // distinct (region, GPU or TPU)
  EXPECT_EQ(stats.regions, 44u);
  // Every zone keeps its price; GCP's 2-, 4-, 8- and 16-unit accelerator rows fold into the 1-unit one.
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog_zones"), 30619);
  EXPECT_EQ(scalar(*store, "SELECT count(DISTINCT instance_type) FROM catalog WHERE kind = 'instance'"), 385);
}

TEST(RealCatalog, GcpAcceleratorRowIsPricedPerAcceleratorAsTheReadmeShows) {
  FRUGAL_REQUIRE_SHARED_DATA(k_gcp);
  TestDir dir;
  auto store = open_test_store(dir);
  import_real(*store, k_gcp);
  // ,,,A100,1,...,asia-northeast1,asia-northeast1-a,1.70586,1.3974
  const std::string a100 = "provider = 'gcp' AND region = 'asia-northeast1' AND kind = 'accelerator' AND "
                           "instance_type = 'A100'";
  EXPECT_EQ(price_nanos(*store, a100), usd("1.70586").nanos());
  EXPECT_EQ(scalar(*store, "SELECT spot_price_nanos FROM catalog WHERE " + a100), usd("1.3974").nanos());
  EXPECT_EQ(scalar(*store, "SELECT gpu_count FROM catalog WHERE " + a100), 1);
  EXPECT_EQ(scalar(*store, "SELECT gpu_memory_gib FROM catalog WHERE " + a100), 40);
  EXPECT_EQ(scalar(*store, "SELECT price_nanos FROM catalog_zones WHERE zone = 'asia-northeast1-a' AND "
                           "instance_type = 'A100'"),
            usd("1.70586").nanos());
}

TEST(RealCatalog, GcpGpuVmPriceIncludesEightAcceleratorsOfItsRegion) {
  FRUGAL_REQUIRE_SHARED_DATA(k_gcp);
  TestDir dir;
  auto store = open_test_store(dir);
  import_real(*store, k_gcp);
  // a3-highgpu-8g in us-central1: VM 9.46006 + 8 × H100 4.20076; spot 3.86318 + 8 × 4.0013.
  auto p = price_of(*store, "a3-highgpu-8g", "us-central1", "gcp", Pricing::on_demand);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->hourly, usd("43.06614"));
  EXPECT_EQ(p->instance_gpu_count, 8);
  auto spot = price_of(*store, "a3-highgpu-8g", "us-central1", "gcp", Pricing::spot);
  ASSERT_TRUE(spot);
  EXPECT_EQ(spot->hourly, usd("35.87358"));
}

TEST(RealCatalog, CheapestEightA100sOnGcpIsA2Highgpu8gInEuropeWest4) {
  FRUGAL_REQUIRE_SHARED_DATA(k_gcp);
  TestDir dir;
  auto store = open_test_store(dir);
  import_real(*store, k_gcp);
  auto best = cheapest(*store, "A100", 8, Pricing::on_demand);
  ASSERT_TRUE(best) << best.error().message;
  auto gcp = std::find_if(best->begin(), best->end(), [](const Offer& o) { return o.provider == "gcp"; });
  ASSERT_NE(gcp, best->end());
  EXPECT_EQ(gcp->instance_type, "a2-highgpu-8g");
  EXPECT_EQ(gcp->region, "europe-west4");
  EXPECT_EQ(gcp->on_demand, usd("19.42171"));  // VM 6.51251 + 8 × A100 1.61365, both europe-west4
  EXPECT_EQ(gcp->gpu_count, 8);
  // N1 + 8 × V100: 3.03998 + 8 × 2.48 in us-central1.
  auto v100 = price_of(*store, "n1-standard-64+8xV100", "us-central1", "", Pricing::on_demand);
  ASSERT_TRUE(v100) << v100.error().message;
  EXPECT_EQ(v100->hourly, usd("22.87998"));
}

TEST(RealCatalog, ReimportingGcpLeavesTheSameRows) {
  FRUGAL_REQUIRE_SHARED_DATA(k_gcp);
  TestDir dir;
  auto store = open_test_store(dir);
  import_real(*store, k_gcp);
  import_real(*store, k_gcp);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog"), 10623 + 1003);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog_zones"), 30619);
}

TEST(RealCatalog, AzureImportAcceptsTheUnquotedGenerationLists) {
  FRUGAL_REQUIRE_SHARED_DATA(k_azure);
  TestDir dir;
  auto store = open_test_store(dir);
  ImportStats stats = import_real(*store, k_azure);
  EXPECT_EQ(stats.provider, "azure");
  EXPECT_EQ(stats.rows_read, 56671u);  // 27,141 of them end in an unquoted "V1,V2"
  EXPECT_EQ(stats.instances, 56671u);
  EXPECT_EQ(stats.regions, 58u);
  const std::string h100 = "region = 'eastus' AND instance_type = 'Standard_ND96isr_H100_v5'";
  EXPECT_EQ(price_nanos(*store, h100), usd("98.32").nanos());
  EXPECT_EQ(scalar(*store, "SELECT spot_price_nanos FROM catalog WHERE " + h100), usd("18.169536").nanos());
  EXPECT_EQ(scalar(*store, "SELECT gpu_count FROM catalog WHERE " + h100), 8);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog WHERE spot_price_nanos IS NOT NULL"), 53825);
}

TEST(RealCatalog, LambdaHasNoSpotAndTotalGpuMemoryPerInstance) {
  FRUGAL_REQUIRE_SHARED_DATA(k_lambda);
  TestDir dir;
  auto store = open_test_store(dir);
  ImportStats stats = import_real(*store, k_lambda);
  EXPECT_EQ(stats.rows_read, 425u);
  EXPECT_EQ(stats.regions, 17u);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog WHERE spot_price_nanos IS NOT NULL"), 0);
  EXPECT_EQ(scalar(*store, "SELECT max(gpu_memory_gib) FROM catalog WHERE instance_type = 'gpu_8x_v100'"), 128);
  EXPECT_EQ(price_nanos(*store, "instance_type = 'gpu_8x_a100' LIMIT 1"), usd("15.92").nanos());
}

TEST(RealCatalog, VastZeroSpotPricesAreStoredAsNoSpot) {
  FRUGAL_REQUIRE_SHARED_DATA(k_vast);
  TestDir dir;
  auto store = open_test_store(dir);
  ImportStats stats = import_real(*store, k_vast);
  EXPECT_EQ(stats.rows_read, 64u);
  EXPECT_EQ(stats.regions, 34u);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog WHERE spot_price_nanos IS NULL"), 64);
}

TEST(RealCatalog, Ec2InstancesExportGivesP3At306AndSpot0918) {
  FRUGAL_REQUIRE_SHARED_DATA(k_ec2);
  TestDir dir;
  auto store = open_test_store(dir);
  ImportStats stats = import_real(*store, k_ec2);
  EXPECT_EQ(stats.format, "ec2instances.info");
  EXPECT_EQ(stats.provider, "aws");
  EXPECT_EQ(stats.rows_read, 507u);
  EXPECT_EQ(stats.instances, 498u);  // 9 types have no Linux on-demand price
  auto p = price_of(*store, "p3.2xlarge", "us-east-1", "aws", Pricing::on_demand);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->hourly, usd("3.06"));
  EXPECT_EQ(p->source, "catalog aws_ec2_us-east-1_2022-04_ec2instances_info.csv");
  auto spot = price_of(*store, "p3.2xlarge", "us-east-1", "aws", Pricing::spot);
  ASSERT_TRUE(spot);
  EXPECT_EQ(spot->hourly, usd("0.918"));
  EXPECT_EQ(scalar(*store, "SELECT gpu_memory_gib FROM catalog WHERE instance_type = 'p4d.24xlarge'"), 320);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog WHERE gpu_model = 'A100'"), 1);
  EXPECT_EQ(scalar(*store, "SELECT vcpus FROM catalog WHERE instance_type = 't2.micro'"), 1);
}

TEST(RealCatalog, MistypedInstanceTypeSuggestsTheRealOne) {
  FRUGAL_REQUIRE_SHARED_DATA(k_ec2);
  TestDir dir;
  auto store = open_test_store(dir);
  import_real(*store, k_ec2);
  auto p = price_of(*store, "p4d.24xlage", "", "", Pricing::on_demand);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::not_found);
  EXPECT_NE(p.error().message.find("did you mean p4d.24xlarge"), std::string::npos) << p.error().message;
}

}  // namespace
}  // namespace frugal::catalog
