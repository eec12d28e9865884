// Hits journaled beside the data cache and folded into data_events: each counted exactly once,
// whatever the timing of appenders, folders and crashes.
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "datacache/datacache.h"
#include "store/store.h"
#include "test_database.h"

namespace frugal::datacache {
namespace {
namespace fs = std::filesystem;

struct Journal : ::testing::Test {
  testing::TestDir dir;
  std::unique_ptr<store::Store> db = std::move(*store::open_store(::frugal::testing::database(dir)));
  EgressPrices prices = *EgressPrices::parse("aws=0.09");
  Requester who{"ana", "vision", ""};

  Result<Money> hit(std::uint64_t bytes) {
    return journal_hit(dir.path(), "s3://b/k", GetResult{"/x", Outcome::hit, bytes}, TimePoint{}, "aws", prices, who);
  }
  std::int64_t scalar(const char* sql) { return store::as_int(db->query(sql)->rows.at(0).at(0)); }
};

TEST_F(Journal, HitsAreFoldedIntoTheStoreOnce) {
  EXPECT_FALSE(journal_pending(dir.path()));
  auto avoided = hit(2'000'000'000);
  ASSERT_TRUE(avoided) << avoided.error().message;
  EXPECT_EQ(*avoided, *Money::parse("0.18"));
  ASSERT_TRUE(hit(1'000'000'000));
  EXPECT_TRUE(journal_pending(dir.path()));
  EXPECT_EQ(*fold_journal(dir.path(), *db), 2U);
  EXPECT_FALSE(journal_pending(dir.path()));
  EXPECT_EQ(*fold_journal(dir.path(), *db), 0U);
  EXPECT_EQ(scalar("SELECT count(*) FROM data_events WHERE kind = 'hit' AND team = 'vision'"), 2);
  EXPECT_EQ(scalar("SELECT sum(avoided_nanos) FROM data_events"), 270'000'000);
}

TEST_F(Journal, AFoldCutShortAfterItsCommitCountsNothingTwice) {
  ASSERT_TRUE(hit(100));
  ASSERT_TRUE(hit(200));
  fs::copy_file(dir.file("hits.journal"), dir.file("saved"));
  ASSERT_TRUE(fold_journal(dir.path(), *db));
  // As if the process died after the commit, before removing the journal it folded.
  fs::rename(dir.file("saved"), dir.file("hits.journal.folding"));
  ASSERT_TRUE(hit(300));
  EXPECT_EQ(*fold_journal(dir.path(), *db), 0U) << "the leftover is folded first, idempotently";
  EXPECT_EQ(*fold_journal(dir.path(), *db), 1U) << "then the new hit";
  EXPECT_EQ(scalar("SELECT count(*) FROM data_events"), 3);
  EXPECT_EQ(scalar("SELECT sum(bytes) FROM data_events"), 600);
}

TEST_F(Journal, ATornLastLineIsSkippedNotMisread) {
  ASSERT_TRUE(hit(100));
  std::ofstream(dir.file("hits.journal"), std::ios::app) << "deadbeef\t17000";
  EXPECT_EQ(*fold_journal(dir.path(), *db), 1U);
  EXPECT_EQ(scalar("SELECT count(*) FROM data_events"), 1);
}

TEST_F(Journal, HitsJournaledWhileFoldingAreNeverLost) {
  constexpr int k_threads = 4, k_hits = 250;
  std::vector<std::thread> appenders;
  std::atomic<int> failures{0};
  for (int t = 0; t < k_threads; ++t)
    appenders.emplace_back([&] {
      for (int i = 0; i < k_hits; ++i)
        if (!hit(1)) ++failures;
    });
  std::size_t folded = 0;
  std::atomic<bool> done{false};
  std::thread folder([&] {
    auto own = std::move(*store::open_store(::frugal::testing::database(dir)));  // one connection per thread
    while (!done) folded += *fold_journal(dir.path(), *own);
  });
  for (auto& a : appenders) a.join();
  done = true;
  folder.join();
  folded += *fold_journal(dir.path(), *db);
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(folded, static_cast<std::size_t>(k_threads * k_hits));
  EXPECT_EQ(scalar("SELECT count(*) FROM data_events"), k_threads * k_hits);
}

}  // namespace
}  // namespace frugal::datacache
