#include <gtest/gtest.h>

#include "catalog/gcp_families.h"

namespace frugal::catalog {
namespace {

void expect_bundle(const char* type, const char* model, int count) {
  auto b = gcp_bundled_gpus(type);
  ASSERT_TRUE(b) << type;
  EXPECT_EQ(b->model, model) << type;
  EXPECT_EQ(b->count, count) << type;
}

TEST(GcpFamilies, KnowsTheGpusOfEachBundledFamily) {
  expect_bundle("a2-highgpu-1g", "A100", 1);
  expect_bundle("a2-highgpu-8g", "A100", 8);
  expect_bundle("a2-megagpu-16g", "A100", 16);
  expect_bundle("a2-ultragpu-4g", "A100-80GB", 4);
  expect_bundle("a3-highgpu-2g", "H100", 2);
  expect_bundle("a3-megagpu-8g", "H100-MEGA", 8);
  expect_bundle("a3-edgegpu-8g-nolssd", "H100", 8);
  expect_bundle("a3-ultragpu-8g", "H200", 8);
  expect_bundle("a4-highgpu-8g", "B200", 8);
}

TEST(GcpFamilies, G2CountsL4sByMachineSize) {
  for (const char* one : {"g2-standard-4", "g2-standard-8", "g2-standard-12", "g2-standard-16", "g2-standard-32"})
    expect_bundle(one, "L4", 1);
  expect_bundle("g2-standard-24", "L4", 2);
  expect_bundle("g2-standard-48", "L4", 4);
  expect_bundle("g2-standard-96", "L4", 8);
  EXPECT_FALSE(gcp_bundled_gpus("g2-standard-5"));
}

TEST(GcpFamilies, OtherMachinesHaveNoBundledGpus) {
  for (const char* type : {"n1-standard-8", "c3-standard-4", "a2-highgpu-", "a2-highgpu-xg", "e2-medium"})
    EXPECT_FALSE(gcp_bundled_gpus(type)) << type;
}

TEST(GcpFamilies, AttachHostHasEightVcpusPerGpuCappedAt96) {
  EXPECT_EQ(gcp_attach_host(1), "n1-standard-8");
  EXPECT_EQ(gcp_attach_host(4), "n1-standard-32");
  EXPECT_EQ(gcp_attach_host(8), "n1-standard-64");
  EXPECT_EQ(gcp_attach_host(16), "n1-standard-96");
  EXPECT_EQ(gcp_attach_name("n1-standard-32", 4, "V100"), "n1-standard-32+4xV100");
}

}  // namespace
}  // namespace frugal::catalog
