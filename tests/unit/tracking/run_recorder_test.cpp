#include <gtest/gtest.h>

#include "test_database.h"
#include "tracking/tracking.h"

namespace frugal::tracking {
namespace {

TimePoint at(const char* text) { return *parse_utc(text); }

RunStart sample_run() {
  RunStart run;
  run.labels = {"ada", "vision", "detector", "yolo", "coco", "lr-sweep"};
  run.command = {"/usr/bin/python3", "train.py", "--name", "my run"};
  run.instance_type = "p4d.24xlarge";
  run.region = "us-east-1";
  run.provider = "aws";
  run.hourly_price = *Money::parse("32.7726");
  run.price_source = "builtin";
  run.instance_gpu_count = 8;
  run.gpu_count = 8;
  run.started = at("2026-11-01T10:00:00Z");
  run.params = {{"lr", "0.001"}};
  run.tags = {{"stage", "pretrain"}};
  return run;
}

TEST(RunRecorder, StartsARunningRunWithLabelsParamsAndTags) {
  testing::TestDir dir;
  auto store = *store::open_store(::frugal::testing::database(dir));
  auto id = start_run(*store, sample_run());
  ASSERT_TRUE(id) << id.error().message;
  auto row = store->query("SELECT name, username, team, project, model, dataset, experiment, status, command, "
                          "hourly_price_nanos FROM runs WHERE id = ?", std::vector<store::Value>{*id});
  ASSERT_EQ(row->rows.size(), 1u);
  const auto& r = row->rows[0];
  EXPECT_EQ(store::as_text(r[0]), "python3");
  EXPECT_EQ(store::as_text(r[1]), "ada");
  EXPECT_EQ(store::as_text(r[2]), "vision");
  EXPECT_EQ(store::as_text(r[7]), "running");
  EXPECT_EQ(store::as_text(r[8]), "/usr/bin/python3 train.py --name 'my run'");
  EXPECT_EQ(store::as_int(r[9]), 32'772'600'000);
  auto params = store->query("SELECT key, value FROM params WHERE run_id = ?", std::vector<store::Value>{*id});
  ASSERT_EQ(params->rows.size(), 1u);
  EXPECT_EQ(store::as_text(params->rows[0][1]), "0.001");
}

TEST(RunRecorder, FinishRecordsDurationAndExactCost) {
  testing::TestDir dir;
  auto store = *store::open_store(::frugal::testing::database(dir));
  auto id = *start_run(*store, sample_run());
  auto summary = finish_run(*store, id, {at("2026-11-01T11:30:00Z"), RunStatus::finished, 0});
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->duration_ms, 90 * 60 * 1000);
  ASSERT_TRUE(summary->cost);
  EXPECT_EQ(summary->cost->to_string(), "49.1589");
  auto row = store->query("SELECT status, exit_code, cost_nanos, cost_usd, ended_at FROM runs WHERE id = ?",
                          std::vector<store::Value>{id});
  EXPECT_EQ(store::as_text(row->rows[0][0]), "finished");
  EXPECT_EQ(store::as_int(row->rows[0][1]), 0);
  EXPECT_EQ(store::as_int(row->rows[0][2]), 49'158'900'000);
  EXPECT_DOUBLE_EQ(store::as_double(row->rows[0][3]), 49.1589);
  EXPECT_EQ(store::as_text(row->rows[0][4]), "2026-11-01T11:30:00.000Z");
}

TEST(RunRecorder, RunHoldingPartOfTheInstancePaysItsGpuShare) {
  Money hourly = *Money::parse("32.00");
  EXPECT_EQ(estimate_cost(hourly, 3'600'000, 2, 8).to_string(), "8.00");
  EXPECT_EQ(estimate_cost(hourly, 3'600'000, 8, 8).to_string(), "32.00");
  EXPECT_EQ(estimate_cost(hourly, 3'600'000, 0, 0).to_string(), "32.00");  // CPU instance
}

TEST(RunRecorder, RunWithoutPriceHasNoCost) {
  testing::TestDir dir;
  auto store = *store::open_store(::frugal::testing::database(dir));
  RunStart run = sample_run();
  run.hourly_price.reset();
  auto id = *start_run(*store, run);
  auto summary = finish_run(*store, id, {at("2026-11-01T10:00:01Z"), RunStatus::failed, 3});
  ASSERT_TRUE(summary);
  EXPECT_FALSE(summary->cost);
  auto row = store->query("SELECT cost_nanos IS NULL, status FROM runs WHERE id = ?", std::vector<store::Value>{id});
  EXPECT_EQ(store::as_int(row->rows[0][0]), 1);
  EXPECT_EQ(store::as_text(row->rows[0][1]), "failed");
}

TEST(RunRecorder, FinishingAnUnknownRunIsNotFound) {
  testing::TestDir dir;
  auto store = *store::open_store(::frugal::testing::database(dir));
  auto r = finish_run(*store, 42, {at("2026-11-01T10:00:00Z"), RunStatus::finished, 0});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
}

TEST(RunRecorder, QuotesCommandsSoTheyCanBePastedIntoAShell) {
  EXPECT_EQ(quote_command({"python", "-c", "print('hi')"}), "python -c 'print('\\''hi'\\'')'");
  EXPECT_EQ(quote_command({"echo", ""}), "echo ''");
}

}  // namespace
}  // namespace frugal::tracking
