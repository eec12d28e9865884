#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "budget/budget.h"
#include "unit/budget/budget_fixture.h"
#include "test_database.h"

namespace frugal::budget {
namespace {

using testing::insert;

class QuotaTest : public ::testing::Test {
 protected:
  void SetUp() override { m_store = std::move(*store::open_store(::frugal::testing::database(m_dir))); }
  TimePoint now() const { return *parse_utc("2026-11-26T12:00:00Z"); }
  frugal::testing::TestDir m_dir;
  std::unique_ptr<store::Store> m_store;
};

TEST_F(QuotaTest, SettingOneLimitKeepsTheOtherAndReturnsBoth) {
  ASSERT_TRUE(set_quota(*m_store, {Scope::team, "vision", Period::monthly, std::nullopt, 300.0}, now()));
  auto stored = set_quota(*m_store, {Scope::team, "vision", Period::monthly, *Money::parse("5000"), std::nullopt}, now());
  ASSERT_TRUE(stored) << stored.error().message;
  ASSERT_TRUE(stored->limit && stored->gpu_hours);
  EXPECT_EQ(stored->limit->to_string(2), "5000.00");
  EXPECT_EQ(*stored->gpu_hours, 300.0);
}

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
  EXPECT_NE((*blocking)[0].reason.find("8.00 of 8 GPU-hours"), std::string::npos);
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
  auto store = std::move(*store::open_store(::frugal::testing::database(dir)));
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

// A running run with its own budget (--max-usd) holds the rest of it: a new run that would not fit
// beside it is refused, though little is spent yet; a run without a budget is refused only once
// spend plus what is held reaches the limit.
TEST(QuotaReservations, ARunningRunsBudgetIsHeldAgainstNewRuns) {
  frugal::testing::TestDir dir;
  auto store = std::move(*store::open_store(::frugal::testing::database(dir)));
  TimePoint now = *parse_utc("2026-11-26T12:00:00Z");
  ASSERT_TRUE(set_quota(*store, {Scope::team, "vision", Period::monthly, *Money::parse("10"), std::nullopt}, now));
  ASSERT_TRUE(store->execute(
      "INSERT INTO runs (username, team, command, started_at, status, max_usd_nanos) "
      "VALUES ('ada', 'vision', 'train', '2026-11-26T11:00:00.000Z', 'running', 6000000000)"));
  auto four = blocking_quotas(*store, "bob", "vision", "", now, {.usd = *Money::parse("4"), .gpu_hours = {}});
  ASSERT_TRUE(four) << four.error().message;
  EXPECT_TRUE(four->empty()) << "6 held + 4 fits in 10";
  auto five = blocking_quotas(*store, "bob", "vision", "", now, {.usd = *Money::parse("5"), .gpu_hours = {}});
  ASSERT_TRUE(five);
  ASSERT_EQ(five->size(), 1u);
  EXPECT_EQ((*five)[0].reserved.to_string(), "6.00");
  EXPECT_NE((*five)[0].reason.find("no room for this run's $5.00"), std::string::npos) << (*five)[0].reason;
  auto unbudgeted = blocking_quotas(*store, "bob", "vision", "", now);
  ASSERT_TRUE(unbudgeted);
  EXPECT_TRUE(unbudgeted->empty()) << "$4 is left for a run without a budget";
  // The running run's own check (stop when over) counts only what is spent.
  auto watch = blocking_quotas(*store, "ada", "vision", "", now, {.usd = {}, .gpu_hours = {}, .new_run = false});
  ASSERT_TRUE(watch);
  EXPECT_TRUE(watch->empty());
}

// Two runs each asking for $6 of a $10 quota, admitted on two connections at once (two hosts, or
// two servers on one database): the second to check must see the first's reservation, so exactly
// one starts. The first holds its transaction open between check and commit to force the race.
TEST(QuotaReservations, TwoRunsRacingForTheLastOfAQuotaAreNotBothAdmitted) {
  frugal::testing::TestDir dir;
  std::string db = ::frugal::testing::database(dir);
  TimePoint now = *parse_utc("2026-11-26T12:00:00Z");
  ASSERT_TRUE(set_quota(*std::move(*store::open_store(db)),
                        {Scope::team, "vision", Period::monthly, *Money::parse("10"), std::nullopt}, now));
  std::atomic<int> admitted{0}, refused{0}, errors{0};
  std::atomic<bool> first_checked{false};
  auto admit = [&](const std::string& user, bool first) {
    auto s = store::open_store(db);
    if (!s) { ++errors; return; }
    if (!first)
      while (!first_checked) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    auto r = (*s)->transaction([&]() -> Result<void> {
      auto blocking = FRUGAL_TRY(blocking_quotas(**s, user, "vision", "", now, {.usd = *Money::parse("6"), .gpu_hours = {}}));
      if (first) {
        first_checked = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
      }
      if (!blocking.empty()) return fail(ErrorCode::quota_exceeded, blocking.front().reason);
      std::vector<store::Value> p = {user};
      FRUGAL_CHECK((*s)->execute("INSERT INTO runs (username, team, command, started_at, status, max_usd_nanos) "
                                 "VALUES (?, 'vision', 'train', '2026-11-26T11:59:00.000Z', 'running', 6000000000)",
                                 p));
      return {};
    });
    if (r) ++admitted;
    else if (r.error().code == ErrorCode::quota_exceeded) ++refused;
    else ++errors;
  };
  std::thread a(admit, "ada", true), b(admit, "bob", false);
  a.join();
  b.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(admitted.load(), 1);
  EXPECT_EQ(refused.load(), 1);
}

}  // namespace
}  // namespace frugal::budget
