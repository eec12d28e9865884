#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "budget/run_totals.h"
#include "test_database.h"
#include "unit/budget/budget_fixture.h"

namespace frugal::budget {
namespace {

// What run_totals must equal: the same sums straight off the runs table.
std::map<std::string, std::vector<std::int64_t>> brute_force(store::Store& store, std::string_view column,
                                                             TimePoint since, TimePoint until) {
  std::map<std::string, std::vector<std::int64_t>> out;
  std::vector<store::Value> p = {format_utc(since), format_utc(until)};
  auto r = store.query(fmt::format("SELECT coalesce({}, ''), count(*), sum(CASE WHEN status IN ('failed', 'killed', 'lost') THEN 1 ELSE 0 END), "
                                   "sum(coalesce(cost_nanos, 0)), sum(coalesce(duration_ms, 0) * gpu_count), "
                                   "sum(coalesce(duration_ms, 0)) FROM runs WHERE started_at >= ? AND started_at < ? "
                                   "GROUP BY 1", column),
                       p);
  for (const auto& row : r->rows)
    out[store::as_text(row[0])] = {store::as_int(row[1]), store::as_int(row[2]), store::as_int(row[3]),
                                   store::as_int(row[4]), store::as_int(row[5])};
  return out;
}

std::map<std::string, std::vector<std::int64_t>> via_rollups(store::Store& store, Dimension d, TimePoint since,
                                                             TimePoint until) {
  std::map<std::string, std::vector<std::int64_t>> out;
  auto totals = run_totals(store, d, since, until);
  EXPECT_TRUE(totals) << totals.error().message;
  for (const auto& t : *totals)
    out[t.key] = {t.runs, t.failures, t.cost_nanos, t.gpu_ms, t.duration_ms};
  return out;
}

TEST(RunTotals, RollupsEqualRawSumsAfterInsertsUpdatesAndDeletesForAnyWindow) {
  frugal::testing::TestDir dir;
  auto store = std::move(*store::open_store(::frugal::testing::database(dir)));
  std::mt19937 rng(7);
  const char* statuses[] = {"running", "finished", "failed", "killed", "stopped_early"};
  TimePoint base = *parse_utc("2026-11-01T00:00:00Z");
  for (int i = 0; i < 400; ++i) {
    auto started = base + std::chrono::minutes(rng() % (20 * 24 * 60));
    testing::RunRow row{.team = rng() % 5 == 0 ? "" : fmt::format("t{}", rng() % 4),
                        .user = fmt::format("u{}", rng() % 6),
                        .project = fmt::format("p{}", rng() % 3),
                        .started_at = format_utc(started),
                        .duration_ms = static_cast<std::int64_t>(rng() % 10'000'000),
                        .cost_nanos = static_cast<std::int64_t>(rng() % 5'000'000'000),
                        .gpus = static_cast<int>(rng() % 9),
                        .status = statuses[rng() % 5]};
    testing::insert(*store, row);
  }
  // Runs finish, move team, are restated, and are deleted: the triggers must follow every change.
  ASSERT_TRUE(store->execute("UPDATE runs SET status = 'finished', cost_nanos = cost_nanos + 7 WHERE id % 3 = 0"));
  ASSERT_TRUE(store->execute("UPDATE runs SET team = 'moved' WHERE id % 7 = 0"));
  ASSERT_TRUE(store->execute("UPDATE runs SET started_at = '2026-11-15T12:34:56.789Z' WHERE id % 11 = 0"));
  ASSERT_TRUE(store->execute("DELETE FROM runs WHERE id % 5 = 0"));

  const std::pair<const char*, const char*> windows[] = {
      {"2026-10-01T00:00:00Z", "2026-12-01T00:00:00Z"},  // everything, whole days
      {"2026-11-03T07:15:00Z", "2026-11-17T22:05:00Z"},  // partial days at both ends
      {"2026-11-05T01:00:00Z", "2026-11-05T23:00:00Z"},  // inside one day
      {"2026-11-15T12:34:56.789Z", "2026-11-15T12:34:56.790Z"},  // one millisecond
  };
  for (auto [since_text, until_text] : windows) {
    TimePoint since = *parse_utc(since_text), until = *parse_utc(until_text);
    EXPECT_EQ(via_rollups(*store, Dimension::team, since, until), brute_force(*store, "team", since, until))
        << since_text << " .. " << until_text;
    EXPECT_EQ(via_rollups(*store, Dimension::user, since, until), brute_force(*store, "username", since, until))
        << since_text << " .. " << until_text;
  }
}

TEST(RunTotals, WholeDaysAreReadFromRollupsAndEdgesFromRunsThroughTheIndex) {
  auto [sql, params] = run_totals_sql(Dimension::team, *parse_utc("2026-11-03T07:15:00Z"),
                                      *parse_utc("2026-11-17T22:05:00Z"), std::nullopt);
  frugal::testing::TestDir dir;
  auto store = std::move(*store::open_store(::frugal::testing::database(dir)));
  if (store->dialect() == "postgresql") {
    // PostgreSQL scans a near-empty table whatever its indexes: forbid that, then the plan shows
    // which index answers each side.
    ASSERT_TRUE(store->execute("SET enable_seqscan = off"));
    auto plan = store->explain(sql, params);
    ASSERT_TRUE(plan) << plan.error().message;
    std::string all;
    for (const auto& line : *plan) all += line + "\n";
    EXPECT_NE(all.find("run_rollups_pkey"), std::string::npos) << all;
    EXPECT_NE(all.find("runs_started"), std::string::npos) << all;
    EXPECT_EQ(all.find("Seq Scan on runs"), std::string::npos) << all;
    return;
  }
  auto plan = store->explain(sql, params);
  ASSERT_TRUE(plan) << plan.error().message;
  std::string all;
  for (const auto& line : *plan) all += line + "\n";
  EXPECT_NE(all.find("SEARCH run_rollups USING PRIMARY KEY (dimension=? AND day>? AND day<?)"), std::string::npos) << all;
  EXPECT_NE(all.find("INDEX runs_started"), std::string::npos) << all;
  EXPECT_EQ(all.find("SCAN runs"), std::string::npos) << all;
}

}  // namespace
}  // namespace frugal::budget
