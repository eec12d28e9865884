// The server's group commit against a database that fails. Several jobs share one transaction:
// a statement failing inside one job fails that job alone (its savepoint is rolled back, the
// others commit); a failed commit fails every job of the group. Either way no job is answered
// "committed" unless its writes are in the database, and a failed job leaves nothing behind.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fault_store.h"
#include "server/group_commit.h"
#include "test_database.h"
#include "tracking/tracking.h"

namespace frugal::server {
namespace {

using frugal::testing::FaultStore;
using frugal::testing::TestDir;

constexpr int k_jobs = 4;
constexpr int k_failing_job = 1;  // writes its run, then fails by itself

tracking::RunStart run_named(const std::string& name) {
  tracking::RunStart run;
  run.labels = {"ada", "vision", "detector", "", "", ""};
  run.name = name;
  run.command = {"python", "train.py"};
  run.hourly_price = *Money::parse("3.06");
  run.started = *parse_utc("2026-11-26T10:00:00Z");
  run.params = {{"lr", "0.1"}, {"epochs", "3"}};
  run.tags = {{"stage", "sweep"}, {"queue", "a"}};
  return run;
}

// One database for a whole test: each group starts from what the groups before it committed.
struct Database {
  TestDir dir;
  const std::string& location = ::frugal::testing::database(dir);
  std::unique_ptr<store::Store> reader = std::move(*store::open_store(location));
  int groups = 0;  // run so far: names the jobs of each apart

  Database() {
    if (!tracking::start_run(*reader, run_named("earlier"))) throw std::runtime_error("could not record the earlier run");
  }
};

// One group of jobs through a writer (a connection of its own) whose store fails as armed. A
// first job holds the writer until the others are queued, so that they make one group (the
// writer's second transaction).
struct Group {
  Database& db;
  std::string prefix = "group-" + std::to_string(++db.groups) + "-job-";
  testing::TableDump before = *testing::dump_tables(*db.reader);
  std::vector<Result<void>> results = std::vector<Result<void>>(k_jobs, Result<void>{});
  bool one_group = true;  // whether the jobs did run in one transaction (queued in time)

  // What job k_failing_job does: by default, it writes its run and then fails.
  using FailingJob = std::function<Result<void>(store::Store&, const std::string& name)>;

  Group(Database& database, const std::function<void(FaultStore&)>& arm, std::chrono::milliseconds queueing,
        const FailingJob& failing_job)
      : db(database) {
    auto owned = std::make_unique<FaultStore>(std::move(*store::open_store(db.location)));
    FaultStore& faulty = *owned;
    GroupCommit writer(std::move(owned));
    arm(faulty);
    std::atomic<bool> holding{false}, release{false};
    std::atomic<int> queueing_jobs{0};
    std::thread holder([&] {
      (void)writer.run([&](store::Store&) -> Result<void> {
        holding = true;
        while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return {};
      });
    });
    while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::vector<std::int64_t> commits_seen(k_jobs, -1);
    std::vector<std::thread> threads;
    for (int i = 0; i < k_jobs; ++i)
      threads.emplace_back([&, i] {
        ++queueing_jobs;
        results[i] = writer.run([&, i](store::Store& s) -> Result<void> {
          commits_seen[i] = faulty.commits();
          if (i == k_failing_job && failing_job) return failing_job(s, prefix + std::to_string(i));
          FRUGAL_CHECK(tracking::start_run(s, run_named(prefix + std::to_string(i))));
          if (i == k_failing_job) return fail(ErrorCode::invalid, "this job fails after writing its run");
          return {};
        });
      });
    while (queueing_jobs < k_jobs) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(queueing);  // from run() being called to the job being queued
    release = true;
    holder.join();
    for (auto& t : threads) t.join();
    // Every job ran after the holder's commit (the first) and before any other.
    for (auto seen : commits_seen) one_group = one_group && seen == 1;
  }

  std::int64_t count(const std::string& sql, const std::string& name) {
    store::Value p[] = {name};
    auto r = db.reader->query(sql, p);
    return r ? store::as_int(r->rows.at(0).at(0)) : -1;
  }
  // Everything job i writes, or nothing of it.
  void expect_job_all_or_nothing(int i, bool committed, const std::string& context) {
    std::string name = prefix + std::to_string(i);
    std::int64_t want = committed ? 1 : 0;
    EXPECT_EQ(count("SELECT count(*) FROM runs WHERE name = ?", name), want) << context << ", job " << i;
    EXPECT_EQ(count("SELECT count(*) FROM params p JOIN runs r ON r.id = p.run_id WHERE r.name = ?", name), 2 * want)
        << context << ", job " << i;
    EXPECT_EQ(count("SELECT count(*) FROM tags t JOIN runs r ON r.id = t.run_id WHERE r.name = ?", name), 2 * want)
        << context << ", job " << i;
  }
  // Nothing but the committed jobs' rows was added (no orphan params or tags of a failed job).
  void expect_only(int committed_jobs, const std::string& context) {
    auto now = *testing::dump_tables(*db.reader);
    EXPECT_EQ(now["runs"].size(), before["runs"].size() + committed_jobs) << context;
    EXPECT_EQ(now["params"].size(), before["params"].size() + 2 * committed_jobs) << context;
    EXPECT_EQ(now["tags"].size(), before["tags"].size() + 2 * committed_jobs) << context;
    if (committed_jobs == 0) {
      EXPECT_EQ(testing::dump_difference(before, now), "") << context;
    }
  }
};

// Runs the group again, queueing for longer each time, until its jobs made one transaction.
std::unique_ptr<Group> one_group(Database& db, const std::function<void(FaultStore&)>& arm,
                                 const Group::FailingJob& failing_job = {}) {
  for (auto wait : {std::chrono::milliseconds(20), std::chrono::milliseconds(200), std::chrono::milliseconds(1000)}) {
    auto group = std::make_unique<Group>(db, arm, wait, failing_job);
    if (group->one_group) return group;
  }
  ADD_FAILURE() << "the jobs never made one group";
  return nullptr;
}

TEST(GroupCommitFaults, AFailingStatementFailsItsJobAloneAndNoOtherWriteIsLost) {
  Database db;
  for (int n = 1;; ++n) {
    ASSERT_LT(n, 200) << "the group never completes";
    auto group = one_group(db, [&](FaultStore& f) { f.fail_statement(n); });
    ASSERT_TRUE(group);
    int injected = 0, committed = 0;
    for (int i = 0; i < k_jobs; ++i) {
      const auto& r = group->results[i];
      if (!r && r.error().message.find("injected fault") != std::string::npos) {
        ++injected;
      } else if (i == k_failing_job) {
        EXPECT_FALSE(r) << "statement " << n << ": the job that fails by itself succeeded";
      } else {
        EXPECT_TRUE(r) << "statement " << n << ": job " << i << " failed: " << r.error().message;
      }
      committed += r ? 1 : 0;
      group->expect_job_all_or_nothing(i, r.has_value(), "statement " + std::to_string(n) + " failed");
    }
    group->expect_only(committed, "statement " + std::to_string(n) + " failed");
    if (injected == 0) {  // statement n was past the group's last: every job but the failing one committed
      EXPECT_EQ(committed, k_jobs - 1);
      ASSERT_GT(n, k_jobs) << "the jobs ran fewer statements than jobs";
      break;
    }
    EXPECT_EQ(injected, 1) << "statement " << n << " failed in one job, yet " << injected << " jobs report it";
  }
}

TEST(GroupCommitFaults, AFailedCommitFailsEveryJobOfTheGroupAndKeepsNoneOfItsWrites) {
  Database db;
  auto group = one_group(db, [](FaultStore& f) { f.fail_commit(2); });  // the first commit is the holder's
  ASSERT_TRUE(group);
  for (int i = 0; i < k_jobs; ++i) {
    const auto& r = group->results[i];
    ASSERT_FALSE(r) << "job " << i << " was answered committed, but its group's commit failed";
    if (i != k_failing_job) {
      EXPECT_NE(r.error().message.find("injected fault"), std::string::npos) << "job " << i << ": " << r.error().message;
    }
    group->expect_job_all_or_nothing(i, false, "the commit failed");
  }
  group->expect_only(0, "the commit failed");
}

TEST(GroupCommitFaults, TheGroupAfterAFailedCommitCommits) {
  Database db;
  auto group = one_group(db, [](FaultStore& f) { f.fail_commit(1); });  // the holder's own commit fails
  ASSERT_TRUE(group);
  for (int i = 0; i < k_jobs; ++i) {
    EXPECT_EQ(group->results[i].has_value(), i != k_failing_job) << "job " << i;
    group->expect_job_all_or_nothing(i, i != k_failing_job, "after the commit before it failed");
  }
}

// Not an injected fault: the database refuses a row the job wrote through a prepared statement
// (PostgreSQL sends those as a COPY, and finds out when the statement goes), and the job fails
// by itself. Its savepoint must still be rolled back, and the other jobs committed.
TEST(GroupCommitFaults, AJobWhoseRefusedRowsComeToLightAsItFailsIsRolledBackAlone) {
  Database db;
  auto group = one_group(db, [](FaultStore&) {}, [](store::Store& s, const std::string&) -> Result<void> {
    auto insert = FRUGAL_TRY(s.prepare("INSERT INTO samples (run_id, time, cpu_pct) VALUES (?, ?, ?)"));
    store::Value no_such_run[] = {std::int64_t{424242}, std::string("2026-11-26T10:00:00.000Z"), 1.0};
    (void)insert->execute(no_such_run);  // refused now (SQLite) or when the statement goes (PostgreSQL)
    return fail(ErrorCode::invalid, "this job fails by itself");
  });
  ASSERT_TRUE(group);
  for (int i = 0; i < k_jobs; ++i) {
    const auto& r = group->results[i];
    if (i == k_failing_job) {
      EXPECT_FALSE(r);
      continue;
    }
    EXPECT_TRUE(r) << "job " << i << " failed: " << r.error().message;
    group->expect_job_all_or_nothing(i, r.has_value(), "after a job whose rows were refused");
  }
  group->expect_only(k_jobs - 1, "after a job whose rows were refused");
}

}  // namespace
}  // namespace frugal::server
