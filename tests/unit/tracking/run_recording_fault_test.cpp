// Recording a run against a database that fails: whichever statement of start_run, finish_run or
// record_progress fails, or its commit, the call says so and every table is as it was: never a
// run without its params and tags, a finished status without its cost, or samples without the
// cost metered with them.
#include <functional>
#include <memory>

#include <gtest/gtest.h>

#include "fault_store.h"
#include "test_database.h"
#include "tracking/tracking.h"

namespace frugal::tracking {
namespace {

using frugal::testing::FaultStore;
using frugal::testing::TestDir;
using Timing = FaultStore::Timing;

TimePoint at(const char* text) { return *parse_utc(text); }

RunStart sample_run(const char* name) {
  RunStart run;
  run.labels = {"ada", "vision", "detector", "yolo", "coco", "lr-sweep"};
  run.name = name;
  run.command = {"/usr/bin/python3", "train.py", "--lr", "0.001"};
  run.instance_type = "p4d.24xlarge";
  run.region = "us-east-1";
  run.provider = "aws";
  run.hourly_price = *Money::parse("32.7726");
  run.price_source = "builtin";
  run.instance_gpu_count = 8;
  run.gpu_count = 2;
  run.started = at("2026-11-01T10:00:00Z");
  run.params = {{"lr", "0.001"}, {"batch", "64"}};
  run.tags = {{"stage", "pretrain"}, {"owner", "ada"}};
  run.max_usd = *Money::parse("50");
  return run;
}

std::vector<Sample> two_samples() {
  return {{at("2026-11-01T10:05:00Z"), 95.5, 1'000'000, {{0, 80.0, 1u << 30, 300.0}, {1, 82.5, 1u << 30, 310.0}}},
          {at("2026-11-01T10:10:00Z"), 97.0, 1'100'000, {{0, 85.0, 1u << 30, 305.0}, {1, 90.0, 1u << 30, 320.0}}}};
}

// A fresh database with one finished run and one still running (with a sample and its cost so
// far): what each operation below starts from.
struct Recorded {
  TestDir dir;
  std::unique_ptr<store::Store> store = std::move(*store::open_store(::frugal::testing::database(dir)));
  std::int64_t running_id = 0;
  testing::TableDump before;

  Recorded() {
    auto done = start_run(*store, sample_run("earlier"));
    if (!done || !finish_run(*store, *done, {at("2026-11-01T11:00:00Z"), RunStatus::finished, 0}))
      throw std::runtime_error("could not record the earlier run");
    auto running = start_run(*store, sample_run("going"));
    if (!running || !record_progress(*store, *running, {two_samples().front()}, *Money::parse("2.73")))
      throw std::runtime_error("could not record the running run");
    running_id = *running;
    before = now();
  }
  testing::TableDump now() { return *testing::dump_tables(*store); }
  // `sql` counts; its one `?`, if any, is the running run's id.
  std::int64_t count(const std::string& sql) {
    std::vector<store::Value> id = {running_id};
    auto r = sql.find('?') == std::string::npos ? store->query(sql) : store->query(sql, id);
    return r ? store::as_int(r->rows.at(0).at(0)) : -1;
  }
};

using Operation = std::function<Result<void>(store::Store&, std::int64_t running_id)>;

// For n = 1, 2, ...: statement n of `operation` fails (before or after it runs): the operation
// must report the injected failure and leave every table as it was, and so the next attempt
// starts from the same state, on the same connection. Returns the database once the operation
// ran to the end, for the caller to check what it wrote (null after a failure of the test).
std::unique_ptr<Recorded> fail_each_statement(const Operation& operation, Timing timing) {
  auto db = std::make_unique<Recorded>();
  for (int n = 1; n < 200; ++n) {
    FaultStore faulty(*db->store);
    faulty.fail_statement(n, timing);
    auto r = operation(faulty, db->running_id);
    if (!faulty.fired()) {
      EXPECT_TRUE(r) << r.error().message;
      EXPECT_GT(n, 1) << "the operation ran no statement";
      return db;
    }
    std::string what = faulty.statement(n);
    if (r) {
      ADD_FAILURE() << "statement " << n << " (" << what << ") failed, yet the operation reported success";
      return nullptr;
    }
    EXPECT_NE(r.error().message.find("injected fault"), std::string::npos)
        << "statement " << n << " (" << what << "): another error was reported: " << r.error().message;
    std::string difference = testing::dump_difference(db->before, db->now());
    if (!difference.empty()) {
      ADD_FAILURE() << "after statement " << n << " (" << what << ") failed:\n" << difference;
      return nullptr;
    }
    if (db->store->in_transaction()) {
      ADD_FAILURE() << "statement " << n << " (" << what << ") failed and left a transaction open";
      return nullptr;
    }
  }
  ADD_FAILURE() << "the operation never completed";
  return nullptr;
}

void expect_a_failed_commit_changes_nothing(const Operation& operation) {
  Recorded db;
  FaultStore faulty(*db.store);
  faulty.fail_commit();
  auto r = operation(faulty, db.running_id);
  ASSERT_TRUE(faulty.fired()) << "the operation committed nothing";
  ASSERT_FALSE(r) << "the commit failed, yet the operation reported success";
  EXPECT_NE(r.error().message.find("injected fault"), std::string::npos) << r.error().message;
  EXPECT_EQ(testing::dump_difference(db.before, db.now()), "");
}

const Operation k_start = [](store::Store& s, std::int64_t) -> Result<void> {
  FRUGAL_CHECK(start_run(s, sample_run("new")));
  return {};
};
const Operation k_finish = [](store::Store& s, std::int64_t id) -> Result<void> {
  FRUGAL_CHECK(finish_run(s, id, {at("2026-11-01T11:30:00Z"), RunStatus::finished, 0}));
  return {};
};
const Operation k_progress = [](store::Store& s, std::int64_t id) -> Result<void> {
  return record_progress(s, id, two_samples(), *Money::parse("6.55"));
};

class RunRecordingFaults : public ::testing::TestWithParam<Timing> {};

TEST_P(RunRecordingFaults, AFailureAtAnyStatementOfStartRunLeavesNoRunBehind) {
  auto db = fail_each_statement(k_start, GetParam());
  ASSERT_TRUE(db);
  EXPECT_EQ(db->count("SELECT count(*) FROM runs WHERE name = 'new' AND status = 'running'"), 1);
  EXPECT_EQ(db->count("SELECT count(*) FROM params p JOIN runs r ON r.id = p.run_id WHERE r.name = 'new'"), 2);
  EXPECT_EQ(db->count("SELECT count(*) FROM tags t JOIN runs r ON r.id = t.run_id WHERE r.name = 'new'"), 2);
}

TEST_P(RunRecordingFaults, AFailureAtAnyStatementOfFinishRunLeavesTheRunRunning) {
  auto db = fail_each_statement(k_finish, GetParam());
  ASSERT_TRUE(db);
  // 90 minutes of 2 of 8 GPUs at $32.7726/h.
  EXPECT_EQ(db->count("SELECT count(*) FROM runs WHERE id = ? AND status = 'finished' AND cost_nanos = 12289725000 "
                      "AND duration_ms = 5400000"),
            1);
}

TEST_P(RunRecordingFaults, AFailureAtAnyStatementOfRecordProgressStoresNoSampleAndNoCost) {
  auto db = fail_each_statement(k_progress, GetParam());
  ASSERT_TRUE(db);
  EXPECT_EQ(db->count("SELECT count(*) FROM samples WHERE run_id = ?"), 3 + 6);  // a host row and a row per GPU each
  EXPECT_EQ(db->count("SELECT count(*) FROM runs WHERE id = ? AND cost_nanos = 6550000000"), 1);
}

INSTANTIATE_TEST_SUITE_P(Timings, RunRecordingFaults,
                         ::testing::Values(Timing::before_running, Timing::after_running),
                         [](const auto& info) {
                           return std::string(info.param == Timing::before_running ? "BeforeRunning" : "AfterRunning");
                         });

TEST(RunRecordingFaults, AFailedCommitOfStartRunLeavesNoRunBehind) { expect_a_failed_commit_changes_nothing(k_start); }

TEST(RunRecordingFaults, AFailedCommitOfFinishRunLeavesTheRunRunning) { expect_a_failed_commit_changes_nothing(k_finish); }

TEST(RunRecordingFaults, AFailedCommitOfRecordProgressStoresNoSampleAndNoCost) {
  expect_a_failed_commit_changes_nothing(k_progress);
}

}  // namespace
}  // namespace frugal::tracking
