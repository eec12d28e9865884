// price_of: the price that meters a run, with built-in fallback and did-you-mean hints.
#include <gtest/gtest.h>

#include "catalog_test_util.h"

namespace frugal::catalog {
namespace {

using namespace frugal::catalog::testing;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(PriceOf, UsesTheBuiltinTableWithNothingImported) {
  TestDir dir;
  auto store = open_test_store(dir);
  auto p = price_of(*store, "p4d.24xlarge", "", "", Pricing::on_demand);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->hourly, usd("32.7726"));
  EXPECT_EQ(p->instance_gpu_count, 8);
  EXPECT_EQ(p->provider, "aws");
  EXPECT_EQ(p->region, "us-east-1");
  EXPECT_EQ(p->source, "builtin");
}

TEST(PriceOf, ImportedRowWinsOverTheBuiltinOne) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "aws_vms.csv",
              "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Region,Price,SpotPrice\n"
              "p3.2xlarge,V100,1,8,61,,us-east-1,3.00,0.90\n");
  auto p = price_of(*store, "p3.2xlarge", "us-east-1", "aws", Pricing::spot);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->hourly, usd("0.90"));
  EXPECT_EQ(p->source, "catalog aws_vms.csv");
}

TEST(PriceOf, PicksTheCheapestRegionWhenNoneIsGiven) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "lambda_vms.csv",
              "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice\n"
              "gpu_1x_a10,A10,1,30,200,0.75,us-east-1,,\n"
              "gpu_1x_a10,A10,1,30,200,0.60,us-west-1,,\n");
  auto p = price_of(*store, "gpu_1x_a10", "", "", Pricing::on_demand);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->region, "us-west-1");
  EXPECT_EQ(p->hourly, usd("0.60"));
  auto east = price_of(*store, "gpu_1x_a10", "us-east-1", "", Pricing::on_demand);
  ASSERT_TRUE(east);
  EXPECT_EQ(east->hourly, usd("0.75"));
}

TEST(PriceOf, UnknownTypeSuggestsCloseMatchesFromCatalogAndBuiltin) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "lambda_vms.csv",
              "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice\n"
              "gpu_1x_a10,A10,1,30,200,0.75,us-east-1,,\n");
  auto p = price_of(*store, "p4d.24xlage", "", "", Pricing::on_demand);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::not_found);
  EXPECT_TRUE(contains(p.error().message, "did you mean p4d.24xlarge")) << p.error().message;
  auto q = price_of(*store, "gpu_1x_a1O", "", "", Pricing::on_demand);
  ASSERT_FALSE(q);
  EXPECT_TRUE(contains(q.error().message, "gpu_1x_a10")) << q.error().message;
}

TEST(PriceOf, TypeListedElsewhereSaysWhere) {
  TestDir dir;
  auto store = open_test_store(dir);
  auto p = price_of(*store, "p4d.24xlarge", "eu-west-1", "", Pricing::on_demand);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::not_found);
  EXPECT_TRUE(contains(p.error().message, "in eu-west-1")) << p.error().message;
  EXPECT_TRUE(contains(p.error().message, "aws us-east-1")) << p.error().message;
}

TEST(PriceOf, SpotAskedButNotKnownIsNotFoundSayingSo) {
  TestDir dir;
  auto store = open_test_store(dir);
  auto p = price_of(*store, "p5.48xlarge", "", "", Pricing::spot);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::not_found);
  EXPECT_TRUE(contains(p.error().message, "no spot price")) << p.error().message;
}

TEST(PriceOf, GcpGpuVmIncludesItsGpus) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv", k_small_gcp);
  auto p = price_of(*store, "a2-highgpu-1g", "us-central1", "gcp", Pricing::on_demand);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->hourly, usd("3.60"));
  EXPECT_EQ(p->instance_gpu_count, 1);
  EXPECT_EQ(p->source, "catalog gcp_vms.csv");
}

TEST(PriceOf, GcpGpuVmWithoutItsAcceleratorRowIsNotPricedAsIfGpusWereFree) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv",
              "InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,AvailabilityZone,"
              "Price,SpotPrice\n"
              "a2-highgpu-8g,96,680,,,,europe-west4,europe-west4-a,6.5,2.6\n");
  auto p = price_of(*store, "a2-highgpu-8g", "europe-west4", "gcp", Pricing::on_demand);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::not_found);
  EXPECT_TRUE(contains(p.error().message, "without its GPUs and no A100 price")) << p.error().message;
  // Elsewhere the built-in whole-instance price still serves.
  auto builtin = price_of(*store, "a2-highgpu-8g", "", "gcp", Pricing::on_demand);
  ASSERT_TRUE(builtin);
  EXPECT_EQ(builtin->source, "builtin");
}

TEST(PriceOf, PricesAnN1CombinationByName) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv", k_small_gcp);
  auto p = price_of(*store, "n1-standard-16+2xT4", "", "", Pricing::spot);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->hourly, usd("0.28") + usd("0.32"));
  EXPECT_EQ(p->instance_gpu_count, 2);
}

TEST(PriceOf, ProviderNarrowsTheSearch) {
  TestDir dir;
  auto store = open_test_store(dir);
  auto p = price_of(*store, "p3.2xlarge", "", "azure", Pricing::on_demand);
  ASSERT_FALSE(p);
  EXPECT_TRUE(contains(p.error().message, "from azure")) << p.error().message;
  EXPECT_TRUE(price_of(*store, "p3.2xlarge", "", "AWS", Pricing::on_demand));
}

}  // namespace
}  // namespace frugal::catalog
