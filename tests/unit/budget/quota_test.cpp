#include <gtest/gtest.h>

#include "budget/budget.h"
#include "unit/budget/budget_fixture.h"
#include "test_dir.h"

namespace frugal::budget {
namespace {

using testing::insert;

class QuotaTest : public ::testing::Test {
 protected:
  void SetUp() override { m_store = std::move(*store::open_store(m_dir.file("f.db"))); }
  TimePoint now() const { return *parse_utc("2026-11-26T12:00:00Z"); }
  frugal::testing::TestDir m_dir;
  std::unique_ptr<store::Store> m_store;
};

TEST_F(QuotaTest, TeamUnderItsMonthlyLimitMayRun) {
  ASSERT_TRUE(set_quota(*m_store, {Scope::team, "vision", Period::monthly, *Money::parse("10"), std::nullopt}, now()));
  insert(*m_store, {.team = "vision", .cost_nanos = 9'999'999'999});
  auto blocking = blocking_quotas(*m_store, "ada", "vision", "detector", now());
  ASSERT_TRUE(blocking) << blocking.error().message;
  EXPECT_TRUE(blocking->empty());
}

TEST_F(QuotaTest, TeamAtItsMonthlyLimitIsBlockedWithAClearReason) {
  ASSERT_TRUE(set_quota(*m_store, {Scope::team, "vision", Period::monthly, *Money::parse("10"), std::nullopt}, now()));
  insert(*m_store, {.team = "vision", .cost_nanos = 10'000'000'000});
  auto blocking = blocking_quotas(*m_store, "ada", "vision", "detector", now());
  ASSERT_TRUE(blocking);
  ASSERT_EQ(blocking->size(), 1u);
  EXPECT_EQ((*blocking)[0].reason,
            "team vision: $10.00 of $10.00 this month (monthly quota, resets 2026-12-01T00:00:00.000Z)");
}

TEST_F(QuotaTest, LastMonthsSpendDoesNotCountAgainstThisMonth) {
  ASSERT_TRUE(set_quota(*m_store, {Scope::team, "vision", Period::monthly, *Money::parse("10"), std::nullopt}, now()));
  insert(*m_store, {.team = "vision", .started_at = "2026-10-31T23:59:59.999Z", .cost_nanos = 50'000'000'000});
  EXPECT_TRUE(blocking_quotas(*m_store, "ada", "vision", "", now())->empty());
}

TEST_F(QuotaTest, GpuHourLimitBlocksIndependentlyOfMoney) {
  ASSERT_TRUE(set_quota(*m_store, {Scope::user, "ada", Period::weekly, std::nullopt, 8.0}, now()));
  insert(*m_store, {.started_at = "2026-11-23T00:00:00.000Z", .duration_ms = 3'600'000, .cost_nanos = 1, .gpus = 8});
  auto blocking = blocking_quotas(*m_store, "ada", "", "", now());
  ASSERT_EQ(blocking->size(), 1u);
  EXPECT_NE((*blocking)[0].reason.find("8.0 of 8.0 GPU-hours"), std::string::npos);
  // Another user's quota is not ada's business.
  EXPECT_TRUE(blocking_quotas(*m_store, "bob", "", "", now())->empty());
}

TEST_F(QuotaTest, SettingOneLimitAgainChangesItAndKeepsTheOther) {
  ASSERT_TRUE(set_quota(*m_store, {Scope::project, "p", Period::monthly, *Money::parse("5"), 3.0}, now()));
  ASSERT_TRUE(set_quota(*m_store, {Scope::project, "p", Period::monthly, *Money::parse("7"), std::nullopt}, now()));
  auto usage = quota_usage(*m_store, now());
  ASSERT_EQ(usage->size(), 1u);
  EXPECT_EQ((*usage)[0].quota.limit->to_string(), "7.00");
  ASSERT_TRUE((*usage)[0].quota.gpu_hours);
  EXPECT_DOUBLE_EQ(*(*usage)[0].quota.gpu_hours, 3.0);
}

TEST_F(QuotaTest, QuotaWithoutAnyLimitIsRefused) {
  auto r = set_quota(*m_store, {Scope::team, "vision", Period::monthly, std::nullopt, std::nullopt}, now());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid);
}

TEST_F(QuotaTest, RemovingAMissingQuotaIsNotFound) {
  auto r = remove_quota(*m_store, Scope::team, "ghost", Period::monthly);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
}

TEST(QuotaPeriods, WeeksStartOnMondayAndMonthsOnTheFirstInUtc) {
  TimePoint thursday = *parse_utc("2026-11-26T12:00:00Z");
  auto [ws, we] = period_bounds(Period::weekly, thursday);
  EXPECT_EQ(format_utc(ws), "2026-11-23T00:00:00.000Z");
  EXPECT_EQ(format_utc(we), "2026-11-30T00:00:00.000Z");
  auto [ds, de] = period_bounds(Period::daily, thursday);
  EXPECT_EQ(format_utc(ds), "2026-11-26T00:00:00.000Z");
  EXPECT_EQ(format_utc(de), "2026-11-27T00:00:00.000Z");
}

}  // namespace
}  // namespace frugal::budget

namespace frugal::budget {
namespace {

TEST(QuotaRunning, RunsStillGoingCountWhatTheyHaveSpentSoFar) {
  frugal::testing::TestDir dir;
  auto store = std::move(*store::open_store(dir.file("f.db")));
  TimePoint now = *parse_utc("2026-11-26T12:00:00Z");
  ASSERT_TRUE(set_quota(*store, {Scope::team, "vision", Period::monthly, *Money::parse("10"), std::nullopt}, now));
  // Started two hours ago at $6/h on the whole instance, not finished: $12 so far.
  ASSERT_TRUE(store->execute(
      "INSERT INTO runs (username, team, command, started_at, status, hourly_price_nanos, gpu_count, instance_gpu_count) "
      "VALUES ('ada', 'vision', 'train', '2026-11-26T10:00:00.000Z', 'running', 6000000000, 8, 8)"));
  auto blocking = blocking_quotas(*store, "ada", "vision", "", now);
  ASSERT_TRUE(blocking) << blocking.error().message;
  ASSERT_EQ(blocking->size(), 1u);
  EXPECT_EQ((*blocking)[0].spent.to_string(), "12.00");
  EXPECT_DOUBLE_EQ((*blocking)[0].gpu_hours, 16.0);
}

}  // namespace
}  // namespace frugal::budget
