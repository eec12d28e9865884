// The one door for run data (tracking.h): the value rules every writer shares, on both backends.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "test_database.h"
#include "tracking/tracking.h"

namespace frugal::tracking {
namespace {

TimePoint at(const char* text) { return *parse_utc(text); }
constexpr double k_inf = std::numeric_limits<double>::infinity();

struct RunData : ::testing::Test {
  testing::TestDir dir;
  std::unique_ptr<store::Store> db = std::move(*store::open_store(::frugal::testing::database(dir)));
  std::int64_t run = 0;

  void SetUp() override {
    RunStart start;
    start.labels.user = "ada";
    start.labels.team = "vision";
    start.command = {"train.py"};
    start.started = at("2026-11-20T10:00:00Z");
    run = *start_run(*db, start);
  }
  std::vector<store::Row> rows(const std::string& sql) { return db->query(sql, std::vector<store::Value>{run})->rows; }
  std::string label(const char* column) {
    return store::as_text(rows(std::string("SELECT ") + column + " FROM runs WHERE id = ?").at(0)[0]);
  }
};

TEST_F(RunData, NaNAndInfinitiesAreStoredAndReadBackExactly) {
  std::vector<MetricPoint> points = {{"loss", 1, at("2026-11-20T10:01:00Z"), std::nan("")},
                                     {"up", 1, at("2026-11-20T10:01:00Z"), k_inf},
                                     {"down", 1, at("2026-11-20T10:01:00Z"), -k_inf},
                                     {"ok", 1, at("2026-11-20T10:01:00Z"), 0.25}};
  ASSERT_TRUE(log_metrics(*db, run, points));
  auto stored = rows("SELECT key, value FROM metrics WHERE run_id = ? ORDER BY key");
  ASSERT_EQ(stored.size(), 4u);
  EXPECT_TRUE(store::is_null(stored[1][1])) << "NaN is stored as NULL on both backends";
  EXPECT_EQ(metric_value(stored[0][1]), -k_inf);
  EXPECT_TRUE(std::isnan(metric_value(stored[1][1])));
  EXPECT_EQ(metric_value(stored[2][1]), 0.25);
  EXPECT_EQ(metric_value(stored[3][1]), k_inf);
  auto detail = read_run(*db, run);
  ASSERT_TRUE(detail) << detail.error().message;
  ASSERT_EQ(detail->latest_metrics.size(), 4u);
  EXPECT_TRUE(std::isnan(detail->latest_metrics[1].value));
  EXPECT_EQ(detail->latest_metrics[3].value, k_inf);
}

TEST_F(RunData, AMissingStepIsOnePastTheKeysLast) {
  ASSERT_TRUE(log_metrics(*db, run, std::vector<MetricPoint>{{"loss", 7, at("2026-11-20T10:01:00Z"), 1.0}}));
  ASSERT_TRUE(log_metrics(*db, run, std::vector<MetricPoint>{{"loss", std::nullopt, at("2026-11-20T10:02:00Z"), 0.9},
                                                             {"loss", std::nullopt, at("2026-11-20T10:03:00Z"), 0.8},
                                                             {"acc", std::nullopt, at("2026-11-20T10:03:00Z"), 0.5}}));
  auto steps = rows("SELECT key, step FROM metrics WHERE run_id = ? ORDER BY key, step");
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(store::as_int(steps[0][1]), 0) << "a new key starts at 0";
  EXPECT_EQ(store::as_int(steps[2][1]), 8);
  EXPECT_EQ(store::as_int(steps[3][1]), 9);
}

TEST_F(RunData, ABatchWithABadKeyStoresNothingAndNamesIt) {
  std::vector<MetricPoint> points = {{"loss", 1, at("2026-11-20T10:01:00Z"), 1.0}, {"", 1, at("2026-11-20T10:01:00Z"), 1.0}};
  auto logged = log_metrics(*db, run, points);
  ASSERT_FALSE(logged);
  EXPECT_NE(logged.error().message.find("metrics[1]"), std::string::npos) << logged.error().message;
  EXPECT_TRUE(rows("SELECT * FROM metrics WHERE run_id = ?").empty());
}

TEST_F(RunData, TimesAreStoredInOneCanonicalForm) {
  ASSERT_TRUE(log_metrics(*db, run, std::vector<MetricPoint>{{"loss", 1, at("2026-11-20T11:01:00+01:00"), 1.0}}));
  EXPECT_EQ(store::as_text(rows("SELECT time FROM metrics WHERE run_id = ?").at(0)[0]), "2026-11-20T10:01:00.000Z");
}

TEST_F(RunData, ParamsAreImmutableButTheSameValueAgainIsFine) {
  ASSERT_TRUE(log_params(*db, run, {{"lr", "0.1"}}));
  EXPECT_TRUE(log_params(*db, run, {{"lr", "0.1"}}));
  auto changed = log_params(*db, run, {{"batch", "32"}, {"lr", "0.2"}});
  ASSERT_FALSE(changed);
  EXPECT_NE(changed.error().message.find("'lr' was already logged as '0.1'"), std::string::npos) << changed.error().message;
  EXPECT_EQ(rows("SELECT key FROM params WHERE run_id = ?").size(), 1u) << "all or nothing: batch was not kept";
}

TEST_F(RunData, LabelTagsMoveTheRunAndItsRollups) {
  ASSERT_TRUE(set_tags(*db, run, {{"frugal.project", "detector"}, {"mlflow.user", "bob"}, {"note", "x"}}, Writer::any()));
  EXPECT_EQ(label("project"), "detector");
  EXPECT_EQ(label("username"), "bob");
  auto rollup = rows("SELECT count(*) FROM run_rollups WHERE dimension = 'project' AND key = 'detector' AND runs = 1 AND ? > 0");
  EXPECT_EQ(store::as_int(rollup.at(0)[0]), 1);
  ASSERT_TRUE(set_tags(*db, run, {{"frugal.project", "other"}}, Writer::any()));
  auto old = rows("SELECT coalesce(sum(runs), 0) FROM run_rollups WHERE dimension = 'project' AND key = 'detector' AND ? > 0");
  EXPECT_EQ(store::as_int(old.at(0)[0]), 0) << "the old label's day no longer counts the run";
}

TEST_F(RunData, ATeamsWriterCannotNameAnotherTeam) {
  auto refused = set_tags(*db, run, {{"note", "kept?"}, {"frugal.team", "nlp"}}, Writer::of_team("vision"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::forbidden);
  EXPECT_EQ(label("team"), "vision");
  EXPECT_TRUE(rows("SELECT * FROM tags WHERE run_id = ?").empty());
  EXPECT_TRUE(set_tags(*db, run, {{"frugal.team", "vision"}}, Writer::of_team("vision")));
  EXPECT_TRUE(set_tags(*db, run, {{"frugal.team", "nlp"}}, Writer::any())) << "an admin moves runs between teams";
  EXPECT_EQ(label("team"), "nlp");
}

TEST(RunDataStart, ALabelTagMustAgreeWithTheLabelBesideIt) {
  testing::TestDir dir;
  auto db = *store::open_store(::frugal::testing::database(dir));
  RunStart start;
  start.labels.user = "ada";
  start.labels.team = "vision";
  start.command = {"train.py"};
  start.tags = {{"frugal.team", "nlp"}};
  auto contradicted = start_run(*db, start);
  ASSERT_FALSE(contradicted);
  EXPECT_EQ(contradicted.error().code, ErrorCode::invalid);
  start.labels.team.clear();
  auto foreign = start_run(*db, start, Writer::of_team("vision"));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::forbidden);
  EXPECT_EQ(store::as_int(db->query("SELECT count(*) FROM runs")->rows.at(0)[0]), 0);
  auto by_tag = start_run(*db, start);
  ASSERT_TRUE(by_tag) << by_tag.error().message;
  EXPECT_EQ(store::as_text(db->query("SELECT team FROM runs")->rows.at(0)[0]), "nlp");
}

TEST_F(RunData, SamplesAfterTheRunEndedAreCountedNotStored) {
  RunEnd end;
  end.ended = at("2026-11-20T11:00:00Z");
  ASSERT_TRUE(finish_run(*db, run, end));
  SampleRow during, after, gpu;
  during.time = at("2026-11-20T10:30:00Z");
  during.cpu_pct = 50;
  after.time = at("2026-11-20T11:00:01Z");
  after.cpu_pct = 50;
  gpu.time = during.time;
  gpu.gpu_index = 0;
  gpu.gpu_util_pct = std::nan("");  // a driver's glitch: not measured
  auto written = record_samples(*db, run, std::vector<SampleRow>{during, after, gpu});
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(written->stored, 2u);
  EXPECT_EQ(written->after_end, 1u);
  auto stored = rows("SELECT gpu_index, gpu_util_pct FROM samples WHERE run_id = ? ORDER BY gpu_index IS NULL");
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_TRUE(store::is_null(stored[0][1]));
}

TEST_F(RunData, ALateSampleRefusesTheCallWhenTheCallerAsksAndNothingIsStored) {
  RunEnd end;
  end.ended = at("2026-11-20T11:00:00Z");
  ASSERT_TRUE(finish_run(*db, run, end));
  SampleRow during, after;
  during.time = at("2026-11-20T10:30:00Z");
  during.cpu_pct = 50;
  after.time = at("2026-11-20T11:00:01Z");
  after.cpu_pct = 50;
  auto written = record_samples(*db, run, std::vector<SampleRow>{during, after}, LateSample::refuse);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::conflict);
  EXPECT_NE(written.error().message.find("ended at 2026-11-20T11:00:00"), std::string::npos) << written.error().message;
  EXPECT_TRUE(rows("SELECT * FROM samples WHERE run_id = ?").empty());
  auto on_time = record_samples(*db, run, std::vector<SampleRow>{during}, LateSample::refuse);
  ASSERT_TRUE(on_time) << on_time.error().message;
  EXPECT_EQ(on_time->stored, 1u);
}

TEST_F(RunData, ASampleStampedOnArrivalInTheMillisecondOfTheEndIsLate) {
  // arcee's proc is stamped when it arrives: one in the same millisecond as the finish that came
  // before it is after the end (e2e.server_api saw it pass now and then). Counted samples carry
  // the time they were taken, and that same instant is still within the run.
  RunEnd end;
  end.ended = at("2026-11-20T11:00:00Z");
  ASSERT_TRUE(finish_run(*db, run, end));
  SampleRow at_end;
  at_end.time = end.ended;
  at_end.cpu_pct = 50;
  auto refused = record_samples(*db, run, std::vector<SampleRow>{at_end}, LateSample::refuse);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  auto counted = record_samples(*db, run, std::vector<SampleRow>{at_end});
  ASSERT_TRUE(counted) << counted.error().message;
  EXPECT_EQ(counted->stored, 1u);
}

TEST_F(RunData, ANegativeMeasurementIsRefusedAndNamed) {
  SampleRow bad;
  bad.time = at("2026-11-20T10:30:00Z");
  bad.rss_bytes = -1;
  auto written = record_samples(*db, run, std::vector<SampleRow>{SampleRow{bad.time}, bad});
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("samples[1].rss_bytes"), std::string::npos) << written.error().message;
  EXPECT_TRUE(rows("SELECT * FROM samples WHERE run_id = ?").empty());
}

}  // namespace
}  // namespace frugal::tracking
