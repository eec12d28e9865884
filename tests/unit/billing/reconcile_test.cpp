#include <fstream>

#include <gtest/gtest.h>

#include "billing/billing.h"
#include "test_database.h"
#include "unit/billing/focus_columns.h"

namespace frugal::billing {
namespace {

const TimePoint k_now = *parse_utc("2026-11-26T12:00:00Z");

class Reconcile : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = std::move(*store::open_store(::frugal::testing::database(m_dir)));
    std::ofstream(m_dir.file("bill.csv")) << ::frugal::testing::with_focus_mandatory(
        "ProviderName,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
        "ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,ServiceName,ResourceId\n"
        "AWS,a,USD,2026-11-01,2026-12-01,2026-11-20T10:00:00Z,2026-11-20T11:00:00Z,32,32,32,EC2,i-1\n"
        "AWS,a,USD,2026-11-01,2026-12-01,2026-11-20T11:00:00Z,2026-11-20T12:00:00Z,32,32,32,EC2,i-1\n"
        "AWS,a,USD,2026-11-01,2026-12-01,2026-11-20T12:00:00Z,2026-11-20T13:00:00Z,32,32,32,EC2,i-1\n"
        "AWS,a,USD,2026-11-01,2026-12-01,2026-11-20T10:00:00Z,2026-11-20T11:00:00Z,5,5,5,S3,bucket-1\n");
    ASSERT_TRUE(import_bill(*m_store, m_dir.file("bill.csv"), {}, k_now));
  }
  void run(const char* name, const char* start, const char* end, int gpus, std::int64_t estimate_nanos) {
    std::vector<store::Value> p = {name, start, end, std::int64_t{gpus}, estimate_nanos};
    ASSERT_TRUE(m_store->execute(
        "INSERT INTO runs (name, username, command, instance_id, started_at, ended_at, status, gpu_count, "
        "instance_gpu_count, cost_nanos) VALUES (?, 'ada', 'train', 'i-1', ?, ?, 'finished', ?, 8, ?)",
        p));
  }
  frugal::testing::TestDir m_dir;
  std::unique_ptr<store::Store> m_store;
};

TEST_F(Reconcile, SharedInstanceSplitsByGpuSecondsAndShowsTheIdleHour) {
  run("a", "2026-11-20T10:00:00.000Z", "2026-11-20T11:00:00.000Z", 8, 32'770'000'000);
  run("b", "2026-11-20T11:00:00.000Z", "2026-11-20T11:30:00.000Z", 4, 8'000'000'000);
  auto r = reconcile(*m_store, k_now);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->instances.size(), 1u);
  const auto& inst = r->instances[0];
  EXPECT_EQ(inst.resource_id, "i-1");
  EXPECT_EQ(inst.charges, 3);
  EXPECT_EQ(inst.billed.to_string(), "96.00");
  EXPECT_EQ(inst.allocated.to_string(), "40.00");  // 32 (a: the whole first hour) + 8 (b: 4 of 8 GPUs, half an hour)
  EXPECT_EQ(inst.idle.to_string(), "56.00");       // 24 of the second hour + all of the third
  ASSERT_EQ(r->runs.size(), 2u);
  auto billed = m_store->query("SELECT name, billed_cost_nanos FROM runs ORDER BY name");
  EXPECT_EQ(store::as_int(billed->rows[0][1]), 32'000'000'000);
  EXPECT_EQ(store::as_int(billed->rows[1][1]), 8'000'000'000);
  // Every charge's parts add up to it exactly: allocations plus the idle row.
  auto sums = m_store->query(
      "SELECT count(*) FROM (SELECT (sum(a.cost_nanos) - c.billed_cost_nanos) * 1000000000 AS nanos_over, "
      "c.billed_cost_attos - sum(a.cost_attos) AS attos_short FROM charge_allocations a "
      "JOIN charges c ON c.id = a.charge_id GROUP BY a.charge_id, c.billed_cost_nanos, c.billed_cost_attos) AS per_charge "
      "WHERE nanos_over != attos_short");
  ASSERT_TRUE(sums) << sums.error().message;
  EXPECT_EQ(store::as_int(sums->rows[0][0]), 0);
}

// A charge with 28 decimals (Azure's amortized view writes such): its shares keep the digits below
// an atto too, so they add up to it exactly.
TEST_F(Reconcile, SharesOfATwentyEightDecimalChargeAddUpToItExactly) {
  std::ofstream(m_dir.file("fine.csv")) << ::frugal::testing::with_focus_mandatory(
      "ProviderName,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
      "ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,ServiceName,ResourceId\n"
      "AWS,b,USD,2026-11-01,2026-12-01,2026-11-21T10:00:00Z,2026-11-21T11:00:00Z,"
      "1.0000000000000000000000000001,1,1,EC2,i-2\n");
  ASSERT_TRUE(import_bill(*m_store, m_dir.file("fine.csv"), {}, k_now));
  std::vector<store::Value> p = {std::string("2026-11-21T10:00:00.000Z"), std::string("2026-11-21T10:20:00.000Z")};
  ASSERT_TRUE(m_store->execute(
      "INSERT INTO runs (name, username, command, instance_id, started_at, ended_at, status, gpu_count, "
      "instance_gpu_count) VALUES ('third', 'ada', 'train', 'i-2', ?, ?, 'finished', 1, 1)",
      p));
  auto r = reconcile(*m_store, k_now);
  ASSERT_TRUE(r) << r.error().message;
  auto parts = m_store->query(
      "SELECT a.cost_nanos, a.cost_attos, a.cost_sub_attos FROM charge_allocations a JOIN charges c "
      "ON c.id = a.charge_id WHERE c.resource_id = 'i-2'");
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->rows.size(), 2u);  // the run's third of the hour, and the idle rest
  Money sum;
  for (const auto& row : parts->rows)
    sum += Money::from_nanos(store::as_int(row[0]), store::as_int(row[1]), store::as_int(row[2]));
  EXPECT_EQ(sum.to_string(), "1.0000000000000000000000000001");
}

TEST_F(Reconcile, RunningItTwiceGivesTheSameAnswer) {
  run("a", "2026-11-20T10:00:00.000Z", "2026-11-20T12:30:00.000Z", 8, 1);
  auto first = reconcile(*m_store, k_now);
  auto second = reconcile(*m_store, k_now);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->instances[0].idle, second->instances[0].idle);
  EXPECT_EQ(second->instances[0].idle.to_string(), "16.00");
  auto rows = m_store->query("SELECT count(*) FROM charge_allocations");
  EXPECT_EQ(store::as_int(rows->rows[0][0]), 6);  // 3 charges × (run + idle)
}

TEST(BillMap, RemappingReallocatesStoredChargesAndTheirRollups) {
  frugal::testing::TestDir dir;
  auto store = std::move(*store::open_store(::frugal::testing::database(dir)));
  std::ofstream(dir.file("t.csv")) << ::frugal::testing::with_focus_mandatory(
      "ProviderName,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,"
      "BilledCost,Tags\n"
      "AWS,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,3,\"{\"\"squad\"\": \"\"vision\"\"}\"\n"
      "AWS,USD,2024-09-01,2024-10-01,2024-09-02,2024-09-03,1,\"{\"\"Squad\"\": \"\"nlp\"\", \"\"team\"\": "
      "\"\"x\"\"}\"\n");
  ASSERT_TRUE(import_bill(*store, dir.file("t.csv"), {}, k_now));
  auto changed = set_tag_map(*store, {{"team", {"squad"}}});
  ASSERT_TRUE(changed) << changed.error().message;
  auto by_team =
      costs(*store, {"team", CostMetric::billed, *parse_utc("2024-09-01"), *parse_utc("2024-10-01")});
  ASSERT_TRUE(by_team);
  ASSERT_EQ(by_team->size(), 2u);
  EXPECT_EQ((*by_team)[0].key, "vision");
  EXPECT_EQ((*by_team)[1].key, "nlp");  // "Squad" matches "squad": case variants map alike
  auto map = tag_map(*store);
  EXPECT_EQ((*map)[0].second, std::vector<std::string>{"squad"});
  EXPECT_FALSE(set_tag_map(*store, {{"galaxy", {"x"}}}));
}

}  // namespace
}  // namespace frugal::billing
