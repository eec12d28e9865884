#include <gtest/gtest.h>

#include "budget/budget.h"
#include "unit/budget/budget_fixture.h"
#include "test_database.h"

namespace frugal::budget {
namespace {

using testing::insert;
using testing::RunRow;

class LeaderboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = std::move(*store::open_store(::frugal::testing::database(m_dir)));
    insert(*m_store, {.team = "vision", .cost_nanos = 3'000'000'001, .gpus = 8});
    insert(*m_store, {.team = "vision", .cost_nanos = 1'000'000'000, .status = "failed"});
    insert(*m_store, {.team = "nlp", .user = "bob", .duration_ms = 7'200'000, .cost_nanos = 2'500'000'000, .gpus = 4});
    insert(*m_store, {.team = "", .cost_nanos = 500'000'000});
    // Outside the window: must not count.
    insert(*m_store, {.team = "nlp", .started_at = "2026-09-01T00:00:00.000Z", .cost_nanos = 99'000'000'000});
  }
  LeaderboardQuery query(Metric metric = Metric::cost) {
    return {Dimension::team, metric, *parse_utc("2026-11-01"), *parse_utc("2026-12-01"), 0};
  }
  frugal::testing::TestDir m_dir;
  std::unique_ptr<store::Store> m_store;
};

TEST_F(LeaderboardTest, RanksTeamsByExactCostWithShareOfTotal) {
  auto board = leaderboard(*m_store, query());
  ASSERT_TRUE(board) << board.error().message;
  ASSERT_EQ(board->rows.size(), 3u);
  EXPECT_EQ(board->rows[0].key, "vision");
  EXPECT_EQ(board->rows[0].cost.to_string(), "4.000000001");
  EXPECT_EQ(board->rows[1].key, "nlp");
  EXPECT_EQ(board->rows[2].key, "(none)");
  EXPECT_EQ(board->total.cost.to_string(), "7.000000001");
  EXPECT_NEAR(board->rows[0].share, 4.000000001 / 7.000000001, 1e-12);
  EXPECT_EQ(board->rows[0].runs, 2);
  EXPECT_EQ(board->rows[0].failures, 1);
}

TEST_F(LeaderboardTest, RanksByGpuHoursWhenAsked) {
  auto board = leaderboard(*m_store, query(Metric::gpu_hours));
  ASSERT_TRUE(board);
  EXPECT_EQ(board->rows[0].key, "vision");  // 8 + 1 GPU-hours
  EXPECT_DOUBLE_EQ(board->rows[0].gpu_hours, 9.0);
  EXPECT_EQ(board->rows[1].key, "nlp");     // 4 GPUs × 2 h
  EXPECT_DOUBLE_EQ(board->rows[1].gpu_hours, 8.0);
}

TEST_F(LeaderboardTest, GroupsByUserAndHonoursTheLimit) {
  auto q = query();
  q.by = Dimension::user;
  q.limit = 1;
  auto board = leaderboard(*m_store, q);
  ASSERT_TRUE(board);
  ASSERT_EQ(board->rows.size(), 1u);
  EXPECT_EQ(board->rows[0].key, "ada");
  EXPECT_EQ(board->total.runs, 4);  // the total still covers the rows past the limit
}

TEST_F(LeaderboardTest, EmptyWindowGivesNoRowsAndZeroTotal) {
  auto q = query();
  q.since = *parse_utc("2020-01-01");
  q.until = *parse_utc("2020-02-01");
  auto board = leaderboard(*m_store, q);
  ASSERT_TRUE(board);
  EXPECT_TRUE(board->rows.empty());
  EXPECT_EQ(board->total.cost, Money());
}

TEST(BudgetNames, UnknownDimensionListsTheKnownOnes) {
  auto d = parse_dimension("squad");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("team|user|project|model|dataset|experiment"), std::string::npos);
}

}  // namespace
}  // namespace frugal::budget

namespace frugal::budget {
namespace {

// Idle GPU cost comes from the rollups for whole days and from the runs for the partial ends, and
// a run whose idle cost is set when it ends (an UPDATE) moves the rollups with it.
TEST(LeaderboardIdleCost, RanksByIdleGpuCostFromRollupsAndPartialDays) {
  frugal::testing::TestDir dir;
  auto store = std::move(*store::open_store(::frugal::testing::database(dir)));
  testing::insert(*store, {.team = "vision", .started_at = "2026-11-10T10:00:00.000Z"});
  testing::insert(*store, {.team = "nlp", .started_at = "2026-11-20T10:00:00.000Z"});
  testing::insert(*store, {.team = "nlp", .started_at = "2026-11-30T23:00:00.000Z"});  // in the window's partial last day
  ASSERT_TRUE(store->execute("UPDATE runs SET idle_cost_nanos = 250000000 WHERE id = 1"));
  ASSERT_TRUE(store->execute("UPDATE runs SET idle_cost_nanos = 100000000 WHERE id = 2"));
  ASSERT_TRUE(store->execute("UPDATE runs SET idle_cost_nanos = 200000001 WHERE id = 3"));
  LeaderboardQuery q{Dimension::team, Metric::idle_cost, *parse_utc("2026-11-01"), *parse_utc("2026-11-30T23:30:00Z"), 0};
  auto board = leaderboard(*store, q);
  ASSERT_TRUE(board) << board.error().message;
  ASSERT_EQ(board->rows.size(), 2u);
  EXPECT_EQ(board->rows[0].key, "nlp");
  EXPECT_EQ(board->rows[0].idle_cost.to_string(), "0.300000001");
  EXPECT_EQ(board->rows[1].idle_cost.to_string(), "0.25");
  EXPECT_EQ(board->total.idle_cost.to_string(), "0.550000001");
  EXPECT_EQ(parse_metric("idle_cost").value(), Metric::idle_cost);
}

}  // namespace
}  // namespace frugal::budget
