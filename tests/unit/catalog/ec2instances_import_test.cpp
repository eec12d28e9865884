// Imports of the ec2instances.info CSV export: display strings such as "$0.096 hourly".
#include <gtest/gtest.h>

#include "catalog/ec2instances_importer.h"
#include "catalog_test_util.h"

namespace frugal::catalog {
namespace {

using namespace frugal::catalog::testing;

constexpr const char* k_header =
    "\"Name\",\"API Name\",\"Memory\",\"vCPUs\",\"GPUs\",\"GPU model\",\"GPU memory\",\"Linux On Demand cost\","
    "\"Linux Reserved cost\",\"Linux Spot Minimum cost\",\"Linux Spot Maximum cost\"\n";

std::string ec2_file() {
  return std::string(k_header) +
         "\"P3 2xl\",\"p3.2xlarge\",\"61.0 GiB\",\"8 vCPUs\",\"1\",\"NVIDIA Tesla V100\",\"16 GiB\","
         "\"$3.06 hourly\",\"$1.9 hourly\",\"$0.918000 hourly\",\"$0.918000 hourly\"\n"
         "\"T2 Micro\",\"t2.micro\",\"1.0 GiB\",\"1 vCPUs       for a     2h 24m     burst\",\"0\",\"None\",\"0 GiB\","
         "\"$0.0116 hourly\",\"$0.007 hourly\",\"$0.003500 hourly\",\"$0.003500 hourly\"\n"
         "\"G4AD xl\",\"g4ad.xlarge\",\"16.0 GiB\",\"4 vCPUs\",\"1\",\"None\",\"0 GiB\","
         "\"$0.37853 hourly\",\"unavailable\",\"unavailable\",\"unavailable\"\n"
         "\"Mac1\",\"mac1.metal\",\"32.0 GiB\",\"12 vCPUs\",\"0\",\"None\",\"0 GiB\","
         "\"unavailable\",\"unavailable\",\"unavailable\",\"unavailable\"\n";
}

TEST(Ec2InstancesImport, DetectsTheFormatAndReadsDisplayStrings) {
  TestDir dir;
  auto store = open_test_store(dir);
  ImportStats stats = import_text(*store, dir, "aws_ec2_export.csv", ec2_file());
  EXPECT_EQ(stats.format, "ec2instances.info");
  EXPECT_EQ(stats.provider, "aws");
  EXPECT_EQ(stats.rows_read, 4u);
  EXPECT_EQ(stats.instances, 3u);  // mac1.metal has no on-demand price
  auto r = store->query(
      "SELECT region, vcpus, memory_gib, gpu_model, gpu_count, gpu_memory_gib, price_nanos, spot_price_nanos "
      "FROM catalog WHERE instance_type = 'p3.2xlarge'");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->rows.size(), 1u);
  const auto& row = r->rows[0];
  EXPECT_EQ(store::as_text(row[0]), "us-east-1");
  EXPECT_EQ(store::as_double(row[1]), 8);
  EXPECT_EQ(store::as_double(row[2]), 61);
  EXPECT_EQ(store::as_text(row[3]), "V100");
  EXPECT_EQ(store::as_double(row[4]), 1);
  EXPECT_EQ(store::as_double(row[5]), 16);
  EXPECT_EQ(store::as_int(row[6]), usd("3.06").nanos());
  EXPECT_EQ(store::as_int(row[7]), usd("0.918").nanos());
}

TEST(Ec2InstancesImport, ReadsBurstableVcpusAndUnavailableSpot) {
  TestDir dir;
  auto store = open_test_store(dir);
  import_text(*store, dir, "aws_ec2.csv", ec2_file());
  EXPECT_EQ(scalar(*store, "SELECT vcpus FROM catalog WHERE instance_type = 't2.micro'"), 1);
  EXPECT_EQ(scalar(*store, "SELECT spot_price_nanos IS NULL FROM catalog WHERE instance_type = 'g4ad.xlarge'"), 1);
  // An unnamed GPU still counts, for the cost share of a run.
  EXPECT_EQ(scalar(*store, "SELECT gpu_count FROM catalog WHERE instance_type = 'g4ad.xlarge'"), 1);
  EXPECT_EQ(scalar(*store, "SELECT gpu_model IS NULL FROM catalog WHERE instance_type = 'g4ad.xlarge'"), 1);
}

TEST(Ec2InstancesImport, FormatImpliesAwsWhenTheNameSaysNothing) {
  TestDir dir;
  auto store = open_test_store(dir);
  EXPECT_EQ(import_text(*store, dir, "Amazon EC2 Instance Comparison.csv", ec2_file()).provider, "aws");
}

TEST(Ec2InstancesImport, PriceWithoutDollarSignFailsNamingTheColumn) {
  TestDir dir;
  auto store = open_test_store(dir);
  auto path = write_file(dir, "aws_ec2.csv",
                         std::string(k_header) +
                             "\"P3\",\"p3.2xlarge\",\"61.0 GiB\",\"8 vCPUs\",\"1\",\"NVIDIA Tesla V100\",\"16 GiB\","
                             "\"3.06 hourly\",\"\",\"$0.9 hourly\",\"\"\n");
  auto stats = import_file(*store, path, "", test_now());
  ASSERT_FALSE(stats);
  EXPECT_NE(stats.error().message.find("aws_ec2.csv:2: column Linux On Demand cost: '3.06 hourly' is not a price"),
            std::string::npos)
      << stats.error().message;
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM catalog"), 0);
}

TEST(Ec2InstancesImport, BadMemoryFailsNamingTheColumn) {
  TestDir dir;
  auto store = open_test_store(dir);
  auto path = write_file(dir, "aws_ec2.csv",
                         std::string(k_header) +
                             "\"P3\",\"p3.2xlarge\",\"lots\",\"8 vCPUs\",\"1\",\"NVIDIA Tesla V100\",\"16 GiB\","
                             "\"$3.06 hourly\",\"\",\"$0.9 hourly\",\"\"\n");
  auto stats = import_file(*store, path, "", test_now());
  ASSERT_FALSE(stats);
  EXPECT_NE(stats.error().message.find("aws_ec2.csv:2: column Memory: 'lots' is not a number"), std::string::npos)
      << stats.error().message;
}

TEST(Ec2InstancesImport, NormalizesGpuModelsToSkypilotNames) {
  EXPECT_EQ(normalize_ec2_gpu_model("NVIDIA Tesla V100"), "V100");
  EXPECT_EQ(normalize_ec2_gpu_model("NVIDIA T4 Tensor Core"), "T4");
  EXPECT_EQ(normalize_ec2_gpu_model("NVIDIA A10G"), "A10G");
  EXPECT_EQ(normalize_ec2_gpu_model("NVIDIA GRID K520"), "K520");
  EXPECT_EQ(normalize_ec2_gpu_model("None"), "");
}

}  // namespace
}  // namespace frugal::catalog
