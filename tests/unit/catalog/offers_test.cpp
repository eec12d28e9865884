// list_offers and cheapest over small imported catalogs and the built-in table.
#include <algorithm>

#include <gtest/gtest.h>

#include "catalog_test_util.h"

namespace frugal::catalog {
namespace {

using namespace frugal::catalog::testing;

const Offer* find_offer(const std::vector<Offer>& offers, const std::string& type, const std::string& region = "") {
  auto it = std::find_if(offers.begin(), offers.end(), [&](const Offer& o) {
    return o.instance_type == type && (region.empty() || o.region == region);
  });
  return it == offers.end() ? nullptr : &*it;
}

std::vector<Offer> imported_only(std::vector<Offer> offers) {
  std::erase_if(offers, [](const Offer& o) { return o.source == "builtin"; });
  return offers;
}

TEST(SkypilotImport, GcpVmPriceAddsAcceleratorRowsOfSameRegion) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv", k_small_gcp);
  auto offers = list_offers(*store, OfferFilter{.gpu_model = "A100"});
  ASSERT_TRUE(offers) << offers.error().message;
  const Offer* a2 = find_offer(*offers, "a2-highgpu-1g", "us-central1");
  ASSERT_NE(a2, nullptr);
  EXPECT_EQ(a2->on_demand, usd("0.70") + usd("2.9"));
  EXPECT_EQ(a2->spot, usd("0.37") + usd("1.3"));
  EXPECT_EQ(a2->gpu_model, "A100");
  EXPECT_EQ(a2->gpu_count, 1);
  EXPECT_EQ(a2->gpu_memory_gib, 40);
  EXPECT_EQ(a2->vcpus, 12);
  EXPECT_EQ(a2->source, "gcp_vms.csv");
}

TEST(ListOffers, DropsAGcpGpuVmWhoseRegionHasNoRowForItsGpus) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv", k_small_gcp);
  auto offers = list_offers(*store, OfferFilter{.provider = "gcp"});
  ASSERT_TRUE(offers);
  EXPECT_EQ(find_offer(*offers, "a2-highgpu-1g", "europe-west4"), nullptr);
  EXPECT_NE(find_offer(*offers, "a2-highgpu-1g", "us-central1"), nullptr);
}

TEST(ListOffers, OffersN1HostsWithAttachedGpusOnlyAtAllowedCounts) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv", k_small_gcp);
  auto offers = list_offers(*store, OfferFilter{.gpu_model = "t4"});
  ASSERT_TRUE(offers);
  auto gcp = imported_only(*offers);
  ASSERT_EQ(gcp.size(), 2u);  // the file has n1-standard-8 and -16 hosts: 1 × T4 and 2 × T4
  EXPECT_EQ(gcp[0].instance_type, "n1-standard-8+1xT4");
  EXPECT_EQ(gcp[0].on_demand, usd("0.73"));
  EXPECT_EQ(gcp[0].spot, usd("0.30"));
  EXPECT_EQ(gcp[1].instance_type, "n1-standard-16+2xT4");
  EXPECT_EQ(gcp[1].on_demand, usd("1.46"));
  EXPECT_EQ(gcp[1].gpu_count, 2);
  EXPECT_EQ(gcp[1].gpu_memory_gib, 32);
  // The bare hosts are CPU offers of their own.
  auto all = list_offers(*store, OfferFilter{.provider = "gcp"});
  ASSERT_TRUE(all);
  EXPECT_NE(find_offer(*all, "n1-standard-8", "us-central1"), nullptr);
}

TEST(ListOffers, TpuSlicesAreOffersOfTheirOwn) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv", k_small_gcp);
  auto offers = list_offers(*store, OfferFilter{.gpu_model = "tpu-v5p-8"});
  ASSERT_TRUE(offers);
  ASSERT_EQ(offers->size(), 1u);
  EXPECT_EQ((*offers)[0].on_demand, usd("8.4"));
  // A bare GPU row is never an offer: GCP sells GPUs only with a VM.
  auto all = list_offers(*store, OfferFilter{.provider = "gcp"});
  ASSERT_TRUE(all);
  EXPECT_EQ(find_offer(*all, "A100"), nullptr);
}

TEST(ListOffers, SortsCheapestFirstAndAppliesEveryFilter) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "azure_vms.csv",
              "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region\n"
              "Standard_NC24ads_A100_v4,A100-80GB,1,24,220,A100-80GB,3.673,0.74,eastus\n"
              "Standard_NC24ads_A100_v4,A100-80GB,1,24,220,A100-80GB,4.00,,westeurope\n"
              "Standard_NC48ads_A100_v4,A100-80GB,2,48,440,A100-80GB,7.346,1.49,eastus\n"
              "Standard_D4s_v5,,,4,16,,0.192,0.02,eastus\n");

  auto by_model = list_offers(*store, OfferFilter{.gpu_model = "a100-80gb", .provider = "azure"});
  ASSERT_TRUE(by_model);
  auto azure = imported_only(*by_model);
  ASSERT_EQ(azure.size(), 3u);
  EXPECT_TRUE(std::is_sorted(azure.begin(), azure.end(),
                             [](const Offer& a, const Offer& b) { return a.on_demand < b.on_demand; }));
  EXPECT_EQ(azure[0].region, "eastus");

  auto two = list_offers(*store, OfferFilter{.gpu_model = "A100-80GB", .min_gpu_count = 2, .provider = "azure"});
  ASSERT_TRUE(two);
  for (const auto& o : *two) EXPECT_GE(o.gpu_count, 2);

  auto capped = list_offers(*store, OfferFilter{.max_hourly = usd("1"), .provider = "azure"});
  ASSERT_TRUE(capped);
  ASSERT_FALSE(capped->empty());
  for (const auto& o : *capped) EXPECT_LE(o.on_demand, usd("1"));

  auto spot = list_offers(*store, OfferFilter{.gpu_model = "A100-80GB", .region = "westeurope",
                                              .pricing = Pricing::spot});
  ASSERT_TRUE(spot);
  EXPECT_TRUE(spot->empty());  // westeurope has no spot price

  auto limited = list_offers(*store, OfferFilter{.provider = "azure", .limit = 2});
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->size(), 2u);
}

TEST(ListOffers, IncludesBuiltinOffersTheCatalogDoesNotOverride) {
  TestDir dir;
  auto store = open_test_store(dir);
  auto before = list_offers(*store, OfferFilter{.gpu_model = "A100", .provider = "aws"});
  ASSERT_TRUE(before);
  const Offer* builtin_p4d = find_offer(*before, "p4d.24xlarge", "us-east-1");
  ASSERT_NE(builtin_p4d, nullptr);
  EXPECT_EQ(builtin_p4d->source, "builtin");

  import_text(*store, dir, "aws_vms.csv",
              "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Region,Price,SpotPrice\n"
              "p4d.24xlarge,A100,8,96,1152,,us-east-1,30.00,9.00\n");
  auto after = list_offers(*store, OfferFilter{.gpu_model = "A100", .provider = "aws"});
  ASSERT_TRUE(after);
  auto count = std::count_if(after->begin(), after->end(),
                             [](const Offer& o) { return o.instance_type == "p4d.24xlarge"; });
  EXPECT_EQ(count, 1);
  EXPECT_EQ(find_offer(*after, "p4d.24xlarge")->source, "aws_vms.csv");
  EXPECT_EQ(find_offer(*after, "p4d.24xlarge")->on_demand, usd("30"));
}

TEST(Cheapest, OneOfferPerProviderPreferringTheExactCount) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "lambda_vms.csv",
              "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice\n"
              "gpu_8x_a100,A100,8.0,124.0,1800.0,15.92,us-east-1,,\n"
              "gpu_8x_a100,A100,8.0,124.0,1800.0,14.00,us-west-1,,\n"
              "gpu_16x_a100,A100,16.0,248.0,3600.0,12.00,us-west-1,,\n");
  auto best = cheapest(*store, "a100", 8, Pricing::on_demand);
  ASSERT_TRUE(best) << best.error().message;
  std::vector<std::string> providers;
  for (const auto& o : *best) providers.push_back(o.provider);
  EXPECT_EQ(std::count(providers.begin(), providers.end(), "lambda"), 1);
  const Offer* lambda = find_offer(*best, "gpu_8x_a100");
  ASSERT_NE(lambda, nullptr);  // the exact count wins over a cheaper 16-GPU machine
  EXPECT_EQ(lambda->region, "us-west-1");
  EXPECT_TRUE(std::is_sorted(best->begin(), best->end(),
                             [](const Offer& a, const Offer& b) { return a.on_demand < b.on_demand; }));
  // Built-in AWS and Azure 8 × A100 machines compete too.
  EXPECT_NE(find_offer(*best, "p4d.24xlarge"), nullptr);
  EXPECT_NE(find_offer(*best, "Standard_ND96asr_v4"), nullptr);
}

TEST(Cheapest, FallsBackToMoreGpusWhenNoExactCountExists) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "lambda_vms.csv",
              "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice\n"
              "gpu_4x_h200,H200,4.0,124.0,1800.0,15.00,us-east-1,,\n");
  auto best = cheapest(*store, "H200", 3, Pricing::on_demand);
  ASSERT_TRUE(best);
  ASSERT_EQ(best->size(), 1u);
  EXPECT_EQ((*best)[0].instance_type, "gpu_4x_h200");
}

TEST(Cheapest, PricesGcpCombinationsForEightGpus) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "gcp_vms.csv",
              "InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,AvailabilityZone,"
              "Price,SpotPrice\n"
              "n1-standard-64,64,240,,,,us-central1,us-central1-a,3.04,1.12\n"
              ",,,V100,1,,us-central1,us-central1-a,2.48,1.24\n");
  auto best = cheapest(*store, "V100", 8, Pricing::spot);
  ASSERT_TRUE(best);
  const Offer* gcp = find_offer(*best, "n1-standard-64+8xV100");
  ASSERT_NE(gcp, nullptr);
  EXPECT_EQ(gcp->on_demand, usd("3.04") + usd("19.84"));
  EXPECT_EQ(gcp->spot, usd("1.12") + usd("9.92"));
}

}  // namespace
}  // namespace frugal::catalog
