// The server's writer: jobs from many threads commit together, each all or nothing.
#include <atomic>
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

}  // namespace
}  // namespace frugal::server
