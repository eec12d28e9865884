// Runs recorded in bulk (insert_recorded_runs): the same rows and the same per-day rollups as
// start_run + finish_run give one at a time, on both backends.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_database.h"
#include "tracking/tracking.h"

namespace frugal::tracking {
namespace {

TimePoint at(const char* text) { return *parse_utc(text); }

std::vector<RecordedRun> three_runs() {
  std::vector<RecordedRun> runs(3);
  const char* starts[] = {"2026-11-20T10:00:00Z", "2026-11-20T23:30:00Z", "2026-11-21T08:00:00Z"};
  const char* teams[] = {"vision", "vision", "nlp"};
  for (int i = 0; i < 3; ++i) {
    RunStart& s = runs[i].start;
    s.labels.user = "ada";
    s.labels.team = teams[i];
    s.labels.project = "detector";
    s.command = {"slurm:lab/" + std::to_string(100 + i)};
    s.started = at(starts[i]);
    s.hourly_price = *Money::parse("8.40");
    s.gpu_count = i + 1;
    s.instance_gpu_count = 4;
    s.tags = {{"slurm.job_id", std::to_string(100 + i)}};
    RunEnd end;
    end.ended = s.started + std::chrono::minutes(90);
    end.status = i == 1 ? RunStatus::failed : RunStatus::finished;
    end.exit_code = i == 1 ? 3 : 0;
    runs[i].end = end;
  }
  return runs;
}

struct RecordedRuns : ::testing::Test {
  testing::TestDir dir_bulk, dir_one;
  std::unique_ptr<store::Store> bulk = std::move(*store::open_store(::frugal::testing::database(dir_bulk)));
  std::unique_ptr<store::Store> one = std::move(*store::open_store(::frugal::testing::database(dir_one)));

  static std::string rows(store::Store& db, const std::string& sql) {
    auto r = db.query(sql);
    EXPECT_TRUE(r) << r.error().message;
    std::string out;
    for (const auto& row : r ? r->rows : std::vector<store::Row>{}) {
      for (const auto& v : row) out += store::as_text(v) + ",";
      out += ";";
    }
    return out;
  }
};

TEST_F(RecordedRuns, ABulkInsertStoresWhatStartAndFinishStoreAndTheSameRollups) {
  auto runs = three_runs();
  auto ids = insert_recorded_runs(*bulk, runs);
  ASSERT_TRUE(ids) << ids.error().message;
  ASSERT_EQ(ids->size(), 3u);
  for (const auto& run : runs) {
    auto id = start_run(*one, run.start);
    ASSERT_TRUE(id) << id.error().message;
    ASSERT_TRUE(finish_run(*one, *id, *run.end));
  }
  const std::string run_columns =
      "SELECT username, team, project, command, started_at, ended_at, duration_ms, status, exit_code, cost_nanos, gpu_count "
      "FROM runs ORDER BY id";
  EXPECT_EQ(rows(*bulk, run_columns), rows(*one, run_columns));
  const std::string rollups =
      "SELECT dimension, day, key, runs, failures, cost_nanos, gpu_ms, duration_ms, idle_cost_nanos FROM run_rollups "
      "WHERE runs <> 0 ORDER BY dimension, day, key";
  EXPECT_EQ(rows(*bulk, rollups), rows(*one, rollups));
  EXPECT_NE(rows(*bulk, rollups), "") << "the bulk insert rolled its runs up";
  EXPECT_EQ(rows(*bulk, "SELECT count(*) FROM rollup_deferrals"), "0,;") << "nothing deferred is left behind";
  EXPECT_EQ(rows(*bulk, "SELECT key, value FROM tags ORDER BY run_id"), "slurm.job_id,100,;slurm.job_id,101,;slurm.job_id,102,;");
}

TEST_F(RecordedRuns, RunsStartedAfterABulkInsertAreRolledUpByTheTriggerAgain) {
  ASSERT_TRUE(insert_recorded_runs(*bulk, three_runs()));
  RunStart later;
  later.labels.user = "grace";
  later.labels.team = "vision";
  later.command = {"python", "train.py"};
  later.started = at("2026-11-20T12:00:00Z");
  ASSERT_TRUE(start_run(*bulk, later));
  EXPECT_EQ(rows(*bulk, "SELECT runs FROM run_rollups WHERE dimension = 'team' AND day = '2026-11-20' AND key = 'vision'"), "3,;");
}

TEST_F(RecordedRuns, AFailedBulkInsertLeavesNothingNotEvenItsDeferral) {
  auto runs = three_runs();
  runs[2].start.tags = {{"frugal.team", "nlp"}};  // a label tag: refused before anything is written
  EXPECT_FALSE(insert_recorded_runs(*bulk, runs));
  runs = three_runs();
  runs[2].start.parent_run_id = 999'999;  // no such run: the third insert fails after two went in
  auto failed = insert_recorded_runs(*bulk, runs);
  ASSERT_FALSE(failed);
  EXPECT_EQ(rows(*bulk, "SELECT count(*) FROM runs"), "0,;");
  EXPECT_EQ(rows(*bulk, "SELECT count(*) FROM run_rollups WHERE runs <> 0"), "0,;");
  EXPECT_EQ(rows(*bulk, "SELECT count(*) FROM rollup_deferrals"), "0,;");
}

TEST_F(RecordedRuns, SetAttemptMovesARunInItsChainAndRefusesWhatNoChainCanHold) {
  auto ids = insert_recorded_runs(*bulk, three_runs());
  ASSERT_TRUE(ids) << ids.error().message;
  ASSERT_TRUE(set_attempt(*bulk, (*ids)[1], 2, (*ids)[0]));
  ASSERT_TRUE(set_attempt(*bulk, (*ids)[2], 3, std::nullopt));  // the parent left as it was
  EXPECT_EQ(rows(*bulk, "SELECT attempt, coalesce(parent_run_id, 0) FROM runs ORDER BY id"),
            fmt::format("1,0,;2,{},;3,0,;", (*ids)[0]));
  auto missing = set_attempt(*bulk, 999'999, 2, std::nullopt);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_EQ(set_attempt(*bulk, (*ids)[1], 0, std::nullopt).error().code, ErrorCode::invalid);
  EXPECT_EQ(set_attempt(*bulk, (*ids)[1], 2, (*ids)[1]).error().code, ErrorCode::invalid);
  EXPECT_FALSE(set_attempt(*bulk, (*ids)[1], 2, 999'999)) << "a parent that does not exist";
  EXPECT_EQ(rows(*bulk, "SELECT attempt, coalesce(parent_run_id, 0) FROM runs ORDER BY id"),
            fmt::format("1,0,;2,{},;3,0,;", (*ids)[0]))
      << "a refused change changes nothing";
  // Rollups count runs, not attempts: moving one changes none.
  EXPECT_EQ(rows(*bulk, "SELECT sum(runs) FROM run_rollups WHERE dimension = 'team'"), "3,;");
}

}  // namespace
}  // namespace frugal::tracking
