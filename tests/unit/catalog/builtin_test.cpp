#include <set>

#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "catalog/gcp_families.h"

namespace frugal::catalog {
namespace {

TEST(Builtin, CoversTheCommonMlTypesOfThreeClouds) {
  std::set<std::string> types;
  for (const auto& o : builtin_offers()) types.insert(o.instance_type);
  for (const char* t : {"p3.2xlarge", "p4d.24xlarge", "p5.48xlarge", "g5.48xlarge", "trn1.32xlarge", "m5.xlarge",
                        "a2-highgpu-8g", "a3-highgpu-8g", "g2-standard-8", "Standard_ND96isr_H100_v5",
                        "Standard_NC4as_T4_v3"})
    EXPECT_TRUE(types.contains(t)) << t;
  EXPECT_GE(builtin_offers().size(), 30u);
  EXPECT_LE(builtin_offers().size(), 60u);
}

TEST(Builtin, RowsAreWholeInstancesWithConsistentGpus) {
  std::set<std::tuple<std::string, std::string, std::string>> keys;
  for (const auto& o : builtin_offers()) {
    EXPECT_TRUE(keys.insert({o.provider, o.region, o.instance_type}).second) << "duplicate " << o.instance_type;
    EXPECT_EQ(o.source, "builtin");
    EXPECT_GT(o.on_demand, Money()) << o.instance_type;
    if (o.spot) {
      EXPECT_LT(*o.spot, o.on_demand) << o.instance_type;
    }
    EXPECT_EQ(o.gpu_model.empty(), o.gpu_count == 0) << o.instance_type;
    // GCP rows carry their GPUs, matching the family table the importer uses.
    if (auto bundled = gcp_bundled_gpus(o.instance_type); bundled && o.provider == "gcp") {
      EXPECT_EQ(o.gpu_model, bundled->model) << o.instance_type;
      EXPECT_EQ(o.gpu_count, bundled->count) << o.instance_type;
    }
  }
}

}  // namespace
}  // namespace frugal::catalog
