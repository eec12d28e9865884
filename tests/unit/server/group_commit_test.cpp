// The server's writer: jobs from many threads commit together, each all or nothing.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server/group_commit.h"
#include "test_database.h"

namespace frugal::server {
namespace {

struct Writer : ::testing::Test {
  testing::TestDir dir;
  std::unique_ptr<store::Store> reader = std::move(*store::open_store(::frugal::testing::database(dir)));
  std::int64_t count(const char* prefix) {
    store::Value p[] = {std::string(prefix) + "%"};
    return store::as_int(reader->query("SELECT count(*) FROM experiments WHERE name LIKE ?", p)->rows.at(0)[0]);
  }
};

std::atomic<int> g_serial{0};

// Writes one row named `prefix`-N (then fails, if asked).
GroupCommit::Job insert_param(std::string prefix, bool then_fail = false) {
  return [name = prefix + "-" + std::to_string(++g_serial), then_fail](store::Store& s) -> Result<void> {
    store::Value v[] = {name, std::string("2026-11-26T00:00:00Z")};
    FRUGAL_TRY(s.execute("INSERT INTO experiments (name, created_at) VALUES (?, ?)", v));
    if (then_fail) return fail(ErrorCode::invalid, "this job fails after writing");
    return {};
  };
}

TEST_F(Writer, AFailingJobIsRolledBackAloneAndOthersCommit) {
  GroupCommit writer(std::move(*store::open_store(::frugal::testing::database(dir))));
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int i = 0; i < 40; ++i)
    threads.emplace_back([&, i] {
      auto r = writer.run(insert_param(i % 4 == 0 ? "bad" : "good", i % 4 == 0));
      if (!r) ++failed;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 10);
  EXPECT_EQ(count("good"), 30);
  EXPECT_EQ(count("bad"), 0) << "what a failed job wrote before failing is gone";
}

TEST_F(Writer, AJobIsVisibleToOtherConnectionsWhenRunReturns) {
  GroupCommit writer(std::move(*store::open_store(::frugal::testing::database(dir))));
  ASSERT_TRUE(writer.run(insert_param("seen")));
  EXPECT_EQ(count("seen"), 1);
}

TEST_F(Writer, QueuedJobsFinishBeforeTheWriterStops) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  {
    GroupCommit writer(std::move(*store::open_store(::frugal::testing::database(dir))));
    for (int i = 0; i < 20; ++i)
      threads.emplace_back([&] {
        if (writer.run(insert_param("late"))) ++ok;
      });
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(ok, 20);
  EXPECT_EQ(count("late"), 20);
}

TEST_F(Writer, ASubmittedJobIsAnsweredOnceCommittedAndAFailingOneAlone) {
  std::mutex mutex;
  std::vector<bool> outcomes;
  std::vector<std::int64_t> visible;  // rows of "sub" another connection saw when each was answered
  {
    GroupCommit writer(std::move(*store::open_store(::frugal::testing::database(dir))));
    for (int i = 0; i < 12; ++i)
      writer.submit(insert_param(i % 3 == 0 ? "subbad" : "sub", i % 3 == 0), [&, i](Result<void> r) {
        std::lock_guard lock(mutex);
        outcomes.push_back(r.has_value());
        if (i % 3 != 0) visible.push_back(count("sub-"));
      });
  }  // the destructor finishes what is queued, answers included
  ASSERT_EQ(outcomes.size(), 12U);
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), false), 4);
  for (auto seen : visible) EXPECT_GE(seen, 1) << "an answer came before its write was committed";
  EXPECT_EQ(count("sub-"), 8);
  EXPECT_EQ(count("subbad"), 0);
}

TEST_F(Writer, WaitersAndSubmittedJobsShareAGroupSafely) {
  // A waiter's job lives on its stack and may be gone as soon as it is told: answering the
  // submitted ones of the same group must not touch it (run under AddressSanitizer too).
  GroupCommit writer(std::move(*store::open_store(::frugal::testing::database(dir))));
  std::atomic<int> answered{0}, answered_ok{0}, ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 25; ++j) {
        writer.submit(insert_param("mixed"), [&](Result<void> r) {
          answered_ok += r ? 1 : 0;
          ++answered;
        });
        if (writer.run(insert_param("mixed"))) ++ok;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 200);
  while (answered < 200) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(answered_ok, 200);
  EXPECT_EQ(count("mixed"), 400);
}

}  // namespace
}  // namespace frugal::server
