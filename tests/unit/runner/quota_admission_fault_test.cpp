// Quota admission against a database that fails. Admitting a run (budget::blocking_quotas inside
// tracking::start_run's transaction, as `frugal run` does) locks the quotas, reads what is spent
// and held, and inserts the run with its own budget, which from then on is held against the
// quota. Whichever statement fails, or the commit: the run is not started, the job does not run,
// and nothing is held for it.
#include <filesystem>

#include <gtest/gtest.h>

#include "budget/budget.h"
#include "fault_store.h"
#include "runner/runner.h"
#include "test_database.h"
#include "tracking/tracking.h"

namespace frugal::runner {
namespace {

using frugal::testing::FaultStore;
using frugal::testing::TestDir;

const TimePoint k_now = *parse_utc("2026-11-26T12:00:00Z");

tracking::RunStart run_with_budget(const std::string& name, const char* max_usd, TimePoint started) {
  tracking::RunStart run;
  run.labels = {"ada", "vision", "detector", "", "", ""};
  run.name = name;
  run.command = {"python", "train.py"};
  run.started = started;
  run.max_usd = *Money::parse(max_usd);
  run.params = {{"lr", "0.1"}};
  return run;
}

// A fresh database where team vision has $100 a month, has spent $20 (a finished run) and holds
// $30 for a run still going (its --max-usd): $50 is left for new runs.
struct Spending {
  TestDir dir;
  std::unique_ptr<store::Store> store = std::move(*store::open_store(::frugal::testing::database(dir)));
  testing::TableDump before;

  Spending() {
    budget::Quota q{budget::Scope::team, "vision", budget::Period::monthly, *Money::parse("100"), std::nullopt};
    if (!budget::set_quota(*store, q, k_now)) throw std::runtime_error("could not set the quota");
    auto spent = run_with_budget("spent", "1000", *parse_utc("2026-11-20T10:00:00Z"));
    spent.hourly_price = *Money::parse("20");
    auto id = tracking::start_run(*store, spent);
    if (!id || !tracking::finish_run(*store, *id, {*parse_utc("2026-11-20T11:00:00Z"), tracking::RunStatus::finished, 0}))
      throw std::runtime_error("could not record the finished run");
    if (!tracking::start_run(*store, run_with_budget("holding", "30", *parse_utc("2026-11-26T11:00:00Z"))))
      throw std::runtime_error("could not record the running run");
    before = now();
  }
  testing::TableDump now() { return *testing::dump_tables(*store); }
  // What a new run with a budget of `max_usd` would be told now: "" when admitted.
  std::string admission(const char* max_usd) {
    auto blocking = budget::blocking_quotas(*store, "ada", "vision", "detector", k_now, {*Money::parse(max_usd), std::nullopt, true});
    if (!blocking) return blocking.error().message;
    return blocking->empty() ? "" : blocking->front().reason;
  }
};

// Starts a $40 run the way `frugal run` admits one (runner/tracked_run.cpp).
Result<std::int64_t> admit_and_start(store::Store& s) {
  auto run = run_with_budget("new", "40", k_now);
  run.admit = [&]() -> Result<bool> {
    auto blocking = FRUGAL_TRY(budget::blocking_quotas(s, run.labels.user, run.labels.team, run.labels.project, k_now,
                                                        {run.max_usd, run.max_gpu_hours}));
    if (!blocking.empty()) return fail(ErrorCode::quota_exceeded, "over quota: " + blocking.front().reason);
    return false;
  };
  return tracking::start_run(s, run);
}

// One database for each loop: a failed admission must leave it exactly as it was, so each attempt
// starts from the same state, on the same connection.
TEST(QuotaAdmissionFaults, AFailureAtAnyStatementOfAnAdmissionNeitherStartsTheRunNorHoldsItsBudget) {
  Spending db;
  ASSERT_EQ(db.admission("40"), "") << "the starting state must admit the run";
  for (int n = 1;; ++n) {
    ASSERT_LT(n, 200) << "the admission never completes";
    FaultStore faulty(*db.store);
    faulty.fail_statement(n);
    auto started = admit_and_start(faulty);
    if (!faulty.fired()) {
      ASSERT_TRUE(started) << started.error().message;
      ASSERT_GT(n, 3) << "an admission locks, reads the quotas and what is spent, then inserts";
      // The new run holds its $40: $10 is left.
      EXPECT_EQ(db.admission("10"), "");
      EXPECT_NE(db.admission("11"), "") << "the admitted run's budget is not held against the quota";
      break;
    }
    std::string what = faulty.statement(n);
    ASSERT_FALSE(started) << "statement " << n << " (" << what << ") failed, yet the run was started";
    EXPECT_NE(started.error().message.find("injected fault"), std::string::npos)
        << "statement " << n << " (" << what << "): another error was reported: " << started.error().message;
    ASSERT_EQ(testing::dump_difference(db.before, db.now()), "") << "after statement " << n << " (" << what << ") failed";
    ASSERT_FALSE(db.store->in_transaction()) << "statement " << n << " (" << what << ") left a transaction open";
    EXPECT_EQ(db.admission("50"), "") << "after statement " << n << " (" << what << ") failed, something is held";
  }
}

TEST(QuotaAdmissionFaults, AFailedCommitOfAnAdmissionNeitherStartsTheRunNorHoldsItsBudget) {
  Spending db;
  FaultStore faulty(*db.store);
  faulty.fail_commit();
  auto started = admit_and_start(faulty);
  ASSERT_TRUE(faulty.fired());
  ASSERT_FALSE(started) << "the commit failed, yet the run was started";
  EXPECT_NE(started.error().message.find("injected fault"), std::string::npos) << started.error().message;
  EXPECT_EQ(testing::dump_difference(db.before, db.now()), "");
  EXPECT_EQ(db.admission("50"), "");
}

// ---- The same through `frugal run` (run_tracked), whose job must not run either --------------

RunRequest request_with_budget(const std::string& marker) {
  RunRequest r;
  r.labels = {"ada", "vision", "detector", "", "", ""};
  r.command = {"touch", marker};
  r.hourly_price = *Money::parse("36");
  r.max_usd = *Money::parse("40");
  return r;
}

// Where, in the statements run_tracked runs, is the transaction that inserts the run: the
// numbers of its first and last statements and of its commit.
struct Window {
  std::int64_t first = 0, last = 0, commit = 0;
};

Window admission_window() {
  Spending db;
  FaultStore counting(*db.store);
  SystemClock clock;
  auto out = run_tracked(counting, request_with_budget(db.dir.file("ran")), clock);
  EXPECT_TRUE(out) << out.error().message;
  Window w;
  std::int64_t statement = 0, commit = 0, begun_after = -1;
  for (const auto& line : counting.trace()) {
    if (line == "BEGIN") {
      begun_after = statement;
    } else if (line == "COMMIT") {
      ++commit;
      if (w.first && !w.commit) w.commit = commit;
    } else {
      ++statement;
      if (!w.first && line.find("INSERT INTO runs") != std::string::npos) {
        w.first = begun_after + 1;
        w.last = statement;
      } else if (w.first && !w.commit) {
        w.last = statement;
      }
    }
  }
  EXPECT_TRUE(w.first > 0 && w.commit > 0) << "run_tracked inserted no run in a transaction";
  return w;
}

TEST(QuotaAdmissionFaults, AFailureDuringTheAdmissionOfFrugalRunRunsNoJobAndLeavesNoRun) {
  Window w = admission_window();
  ASSERT_GT(w.first, 0);
  ASSERT_GT(w.last, w.first) << "the admission runs in the same transaction as the insert";
  SystemClock clock;
  Spending db;
  for (std::int64_t n = w.first; n <= w.last + 1; ++n) {  // w.last + 1: the commit
    FaultStore faulty(*db.store);
    if (n <= w.last) faulty.fail_statement(n);
    else faulty.fail_commit(w.commit);
    std::string marker = db.dir.file("ran");
    auto out = run_tracked(faulty, request_with_budget(marker), clock);
    std::string what = n <= w.last ? "statement " + std::to_string(n) + " (" + faulty.statement(n) + ")" : "the commit";
    ASSERT_TRUE(faulty.fired()) << what;
    ASSERT_FALSE(out) << what << " failed, yet frugal run ran the job";
    EXPECT_NE(out.error().message.find("injected fault"), std::string::npos) << what << ": " << out.error().message;
    EXPECT_FALSE(std::filesystem::exists(marker)) << what << " failed, yet the job ran";
    ASSERT_EQ(testing::dump_difference(db.before, db.now()), "") << what << " failed";
    ASSERT_FALSE(db.store->in_transaction()) << what << " left a transaction open";
  }
}

}  // namespace
}  // namespace frugal::runner
