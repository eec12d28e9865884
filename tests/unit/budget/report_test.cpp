#include <gtest/gtest.h>

#include "budget/budget.h"
#include "unit/budget/budget_fixture.h"
#include "test_database.h"

namespace frugal::budget {
namespace {

using testing::insert;

TEST(Report, ListsCostliestAndLongestJobsAndTheMoneyLostToFailures) {
  frugal::testing::TestDir dir;
  auto store = std::move(*store::open_store(::frugal::testing::database(dir)));
  insert(*store, {.team = "vision", .duration_ms = 1'000, .cost_nanos = 9'000'000'000, .name = "big"});
  insert(*store, {.team = "vision", .duration_ms = 9'000'000, .cost_nanos = 1'000'000'000, .name = "long"});
  insert(*store, {.team = "nlp", .project = "chat", .cost_nanos = 2'000'000'000, .status = "failed", .name = "crash"});
  insert(*store, {.team = "nlp", .project = "chat", .cost_nanos = 1'000'000'000, .status = "killed", .name = "oom"});
  insert(*store, {.team = "nlp", .project = "chat", .cost_nanos = 1'000'000'000, .name = "ok"});
  auto r = report(*store, {*parse_utc("2026-11-01"), *parse_utc("2026-12-01"), 2});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->costliest.size(), 2u);
  EXPECT_EQ(r->costliest[0].name, "big");
  EXPECT_EQ(r->longest[0].name, "long");
  ASSERT_FALSE(r->failures.empty());
  EXPECT_EQ(r->failures[0].team, "nlp");
  EXPECT_EQ(r->failures[0].failures, 2);
  EXPECT_EQ(r->failures[0].runs, 3);
  EXPECT_EQ(r->failures[0].failed_cost.to_string(), "3.00");
  EXPECT_NEAR(r->failures[0].failure_rate, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(r->runs, 5);
  EXPECT_EQ(r->failed_runs, 2);
  EXPECT_EQ(r->total_cost.to_string(), "14.00");
}

}  // namespace
}  // namespace frugal::budget
