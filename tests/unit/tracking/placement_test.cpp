// Where a run turned out to run (tracking.h record_placement): the ids that may join it to bills,
// the price that meters it once, its cost while it runs; on both backends.
#include <gtest/gtest.h>

#include "test_database.h"
#include "tracking/tracking.h"

namespace frugal::tracking {
namespace {

TimePoint at(const char* text) { return *parse_utc(text); }

struct RunPlacement : ::testing::Test {
  testing::TestDir dir;
  std::unique_ptr<store::Store> db = std::move(*store::open_store(::frugal::testing::database(dir)));
  std::int64_t run = 0;

  void SetUp() override {
    RunStart start;
    start.labels.team = "vision";
    start.command = {"arcee"};
    start.started = at("2026-11-20T10:00:00Z");
    run = *start_run(*db, start);
  }
  store::Row row(const std::string& columns) {
    return db->query("SELECT " + columns + " FROM runs WHERE id = ?", std::vector<store::Value>{run})
        ->rows.at(0);
  }
  static Placement priced(const std::string& type, const char* hourly, int gpus) {
    Placement p;
    p.instance_type = type;
    p.hourly_price = *Money::parse(hourly);
    p.price_source = "builtin";
    p.instance_gpu_count = gpus;
    return p;
  }
};

TEST(CloudInstanceId, OnlyIdsOfTheProvidersShapeAreInstanceIds) {
  EXPECT_TRUE(is_cloud_instance_id("aws", "i-0a1b2c3d4e5f67890"));  // 17 hex digits
  EXPECT_TRUE(is_cloud_instance_id("aws", "i-1a2b3c4d"));           // 8, before 2016
  EXPECT_FALSE(is_cloud_instance_id("aws", "i-0abc"));
  EXPECT_FALSE(is_cloud_instance_id("aws", "i-0A1B2C3D4E5F67890"));
  EXPECT_FALSE(is_cloud_instance_id("aws", "ip-10-0-1-23"));
  EXPECT_TRUE(is_cloud_instance_id("gcp", "4520031823371942261"));
  EXPECT_FALSE(is_cloud_instance_id("gcp", "18446744073709551616")) << "beyond 64 bits";
  EXPECT_FALSE(is_cloud_instance_id("gcp", "0452"));
  EXPECT_FALSE(is_cloud_instance_id("gcp", "train-vm-1"));
  EXPECT_TRUE(is_cloud_instance_id("azure", "8d3f6c1e-2b7a-4e59-9c0d-5a1f3e7b9c24"));
  EXPECT_TRUE(is_cloud_instance_id("azure",
                                   "/subscriptions/8d3f6c1e-2b7a-4e59-9c0d-5a1f3e7b9c24/resourceGroups/ml/"
                                   "providers/Microsoft.Compute/virtualMachines/train-01"));
  EXPECT_FALSE(is_cloud_instance_id("azure",
                                    "/subscriptions/8d3f6c1e-2b7a-4e59-9c0d-5a1f3e7b9c24/resourceGroups/ml/"
                                    "providers/Microsoft.Storage/storageAccounts/x"));
  EXPECT_TRUE(is_cloud_instance_id("alibaba", "i-bp1hygp5b04o5s3wmxxq"));
  EXPECT_TRUE(is_cloud_instance_id("", "i-0a1b2c3d4e5f67890")) << "no provider named: any provider's shape";
  for (const char* host : {"ana-thinkpad", "gpu-box.local", "localhost", "ip-10-0-1-23.ec2.internal", ""}) {
    EXPECT_FALSE(is_cloud_instance_id("", host)) << host;
    EXPECT_FALSE(is_cloud_instance_id("unknown", host)) << host;
  }
  EXPECT_FALSE(is_cloud_instance_id("unknown", "i-0a1b2c3d4e5f67890"))
      << "off-cloud, nothing is an instance id";
}

TEST_F(RunPlacement, APriceMetersTheRunOnceAndOnlyForItsType) {
  Placement where;
  where.instance_id = "i-0a1b2c3d4e5f67890";
  where.host = "ana-thinkpad";
  ASSERT_TRUE(record_placement(*db, run, where));
  EXPECT_EQ(store::as_text(row("instance_id")[0]), "i-0a1b2c3d4e5f67890");
  EXPECT_TRUE(store::is_null(row("hourly_price_nanos")[0]));

  ASSERT_TRUE(record_placement(*db, run, priced("p3.2xlarge", "3.06", 1)));
  auto first = row("instance_type, hourly_price_nanos, price_source, gpu_count, instance_gpu_count, host");
  EXPECT_EQ(store::as_text(first[0]), "p3.2xlarge");
  EXPECT_EQ(store::as_int(first[1]), 3'060'000'000);
  EXPECT_EQ(store::as_text(first[2]), "builtin");
  EXPECT_EQ(store::as_int(first[3]), 1) << "an arcee run holds the whole instance";
  EXPECT_EQ(store::as_int(first[4]), 1);
  EXPECT_EQ(store::as_text(first[5]), "ana-thinkpad");

  ASSERT_TRUE(record_placement(*db, run, priced("p3.2xlarge", "9.99", 1)));
  ASSERT_TRUE(record_placement(*db, run, priced("g5.xlarge", "1.006", 1)));
  auto later = row("instance_type, hourly_price_nanos");
  EXPECT_EQ(store::as_text(later[0]), "p3.2xlarge") << "the first type stays";
  EXPECT_EQ(store::as_int(later[1]), 3'060'000'000) << "the first price stays";

  RunEnd end;
  end.ended = at("2026-11-20T12:00:00Z");
  auto summary = finish_run(*db, run, end);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(store::as_int(row("cost_nanos")[0]), 6'120'000'000) << "two hours at $3.06";
}

TEST_F(RunPlacement, AFinishedRunIsNotPricedAfterItsEnd) {
  RunEnd end;
  end.ended = at("2026-11-20T11:00:00Z");
  ASSERT_TRUE(finish_run(*db, run, end));
  ASSERT_TRUE(record_placement(*db, run, priced("p3.2xlarge", "3.06", 1)));
  EXPECT_TRUE(store::is_null(row("hourly_price_nanos")[0]));
  EXPECT_TRUE(store::is_null(row("cost_nanos")[0]));
}

TEST_F(RunPlacement, TheCostSoFarIsMeteredWhileTheRunRuns) {
  ASSERT_TRUE(meter_cost(*db, run, at("2026-11-20T11:00:00Z")));
  EXPECT_TRUE(store::is_null(row("cost_nanos")[0])) << "no price, no cost";
  ASSERT_TRUE(record_placement(*db, run, priced("p3.2xlarge", "3.06", 1)));
  ASSERT_TRUE(meter_cost(*db, run, at("2026-11-20T10:30:00Z")));
  EXPECT_EQ(store::as_int(row("cost_nanos")[0]), 1'530'000'000);
  RunEnd end;
  end.ended = at("2026-11-20T11:00:00Z");
  ASSERT_TRUE(finish_run(*db, run, end));
  ASSERT_TRUE(meter_cost(*db, run, at("2026-11-20T15:00:00Z")));
  EXPECT_EQ(store::as_int(row("cost_nanos")[0]), 3'060'000'000)
      << "an ended run keeps what finish_run metered";
}

}  // namespace
}  // namespace frugal::tracking
