// The SQLite store as the server's writer uses it: many small commits, checkpoints on a thread of
// their own, the library's statements prepared once.
#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "test_dir.h"

namespace frugal::store {
namespace {

Result<std::int64_t> add_blob_row(Store& store) {
  return store.execute("INSERT INTO blobs (data) VALUES (randomblob(16384))");
}

TEST(SqliteWriter, BackgroundCheckpointsCopyTheWalIntoTheFileWhileTheWriterKeepsItsConnection) {
  testing::TestDir dir;
  const std::string path = dir.file("f.db");
  auto store = open_store(path);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->execute("CREATE TABLE blobs (data BLOB)"));
  ASSERT_TRUE((*store)->checkpoint_in_background());
  const auto file_before = std::filesystem::file_size(path);
  // 200 commits of 16 KiB: each writes its leaf page and page 1 to the WAL, 400 frames of the
  // store's 64 KiB pages, under the 1,000 at which the writer would checkpoint by itself, so only the
  // background thread can move them.
  for (int i = 0; i < 200; ++i) ASSERT_TRUE((*store)->transaction([&]() -> Result<void> {
    FRUGAL_CHECK(add_blob_row(**store));
    return {};
  }));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::filesystem::file_size(path) < file_before + 2'000'000 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GE(std::filesystem::file_size(path), file_before + 2'000'000)
      << "the database file did not grow: the commits stayed in the WAL, no checkpoint ran";
  // What was checkpointed beside the writer is all there for a new connection, and after a reopen.
  auto reader = open_store(path, Access::read_only);
  ASSERT_TRUE(reader) << reader.error().message;
  EXPECT_EQ(as_int((*reader)->query("SELECT count(*) FROM blobs")->rows.at(0).at(0)), 200);
  reader->reset();
  store->reset();
  auto again = open_store(path);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(as_int((*again)->query("SELECT count(*) FROM blobs")->rows.at(0).at(0)), 200);
  auto check = (*again)->query("PRAGMA integrity_check");
  ASSERT_TRUE(check);
  EXPECT_EQ(as_text(check->rows.at(0).at(0)), "ok");
}

TEST(SqliteWriter, ABusyWriterStartsTheWalOverInsteadOfGrowingIt) {
  // A checkpoint beside a writer that never pauses is always a little behind, and SQLite reuses the
  // WAL from its start only once everything is copied: without the writer's occasional wait, 1,500
  // back-to-back commits (each at least one 64 KiB frame) would leave a WAL of 100 MB or more.
  testing::TestDir dir;
  const std::string path = dir.file("f.db");
  auto store = open_store(path);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->execute("CREATE TABLE t (v INTEGER)"));
  ASSERT_TRUE((*store)->checkpoint_in_background());
  for (int i = 0; i < 1500; ++i) ASSERT_TRUE((*store)->execute(fmt::format("INSERT INTO t VALUES ({})", i)));
  EXPECT_LT(std::filesystem::file_size(path + "-wal"), 40'000'000u);
  EXPECT_EQ(as_int((*store)->query("SELECT count(*) FROM t")->rows.at(0).at(0)), 1500);
}

TEST(SqliteWriter, WithoutBackgroundCheckpointsTheSameCommitsStayInTheWal) {
  // The other side of the test above: it would pass by accident if SQLite checkpointed these on its own.
  testing::TestDir dir;
  const std::string path = dir.file("f.db");
  auto store = open_store(path);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->execute("CREATE TABLE blobs (data BLOB)"));
  const auto file_before = std::filesystem::file_size(path);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(add_blob_row(**store));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_LT(std::filesystem::file_size(path), file_before + 1'000'000);
}

TEST(SqliteWriter, TwoPreparedStatementsOfTheSameSqlCanBeUsedInTurn) {
  // prepare() hands out the store's cached statement when it is free: two holders of the same SQL
  // share one, and each use must still bind its own values.
  testing::TestDir dir;
  auto store = open_store(dir.file("f.db"));
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->execute("CREATE TABLE t (v INTEGER, s TEXT)"));
  auto a = (*store)->prepare("INSERT INTO t (v, s) VALUES (?, ?)");
  auto b = (*store)->prepare("INSERT INTO t (v, s) VALUES (?, ?)");
  ASSERT_TRUE(a && b);
  std::string text = "one";
  std::array<ValueView, 2> row1{std::int64_t{1}, std::string_view(text)};
  ASSERT_TRUE((*a)->execute_views(row1));
  ASSERT_TRUE((*b)->execute(std::vector<Value>{std::int64_t{2}, std::string("two")}));
  b->reset();  // resets the shared statement and clears its bindings
  text = "xxx";  // the text bound (without a copy) for row 1 is gone
  std::array<ValueView, 2> row3{std::int64_t{3}, std::string_view("three")};
  ASSERT_TRUE((*a)->execute_views(row3));
  a->reset();
  auto rows = (*store)->query("SELECT v, s FROM t ORDER BY v");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), 3u);
  EXPECT_EQ(as_text(rows->rows[0][1]), "one");
  EXPECT_EQ(as_text(rows->rows[1][1]), "two");
  EXPECT_EQ(as_text(rows->rows[2][1]), "three");
}

TEST(SqliteWriter, AStatementPreparedWhileTheSameSqlIsSteppingGetsItsOwn) {
  testing::TestDir dir;
  auto store = open_store(dir.file("f.db"));
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->execute("CREATE TABLE t (v INTEGER)"));
  ASSERT_TRUE((*store)->execute("INSERT INTO t VALUES (1), (2), (3)"));
  constexpr std::string_view sql = "SELECT v FROM t WHERE v >= ? ORDER BY v";
  std::vector<std::int64_t> outer, inner;
  Value from[] = {std::int64_t{1}};
  ASSERT_TRUE((*store)->for_each_row(sql, from, [&](const Row& row) {
    outer.push_back(as_int(row.at(0)));
    Value two[] = {std::int64_t{2}};
    auto nested = (*store)->query(sql, two);  // the cached statement is busy one frame up
    EXPECT_TRUE(nested);
    if (nested) inner.push_back(static_cast<std::int64_t>(nested->rows.size()));
    return true;
  }));
  EXPECT_EQ(outer, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(inner, (std::vector<std::int64_t>{2, 2, 2}));
}

TEST(SqliteWriter, SavepointsOfAGroupRollBackAloneAndTheGroupCommits) {
  // The group commit's shape: one transaction, a savepoint per job, run many times through the
  // same prepared BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO and COMMIT.
  testing::TestDir dir;
  const std::string path = dir.file("f.db");
  auto store = open_store(path);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->execute("CREATE TABLE t (v INTEGER PRIMARY KEY)"));
  for (int group = 0; group < 3; ++group) {
    auto committed = (*store)->transaction([&]() -> Result<void> {
      for (int job = 0; job < 4; ++job) {
        auto r = (*store)->transaction([&]() -> Result<void> {
          FRUGAL_CHECK((*store)->execute(fmt::format("INSERT INTO t VALUES ({})", group * 10 + job)));
          if (job == 2) return fail(ErrorCode::invalid, "this job fails after its insert");
          return {};
        });
        EXPECT_EQ(r.has_value(), job != 2);
      }
      return {};
    });
    ASSERT_TRUE(committed) << committed.error().message;
  }
  EXPECT_FALSE((*store)->in_transaction());
  auto other = open_store(path);
  ASSERT_TRUE(other);
  auto rows = (*other)->query("SELECT group_concat(v) FROM (SELECT v FROM t ORDER BY v)");
  ASSERT_TRUE(rows);
  EXPECT_EQ(as_text(rows->rows.at(0).at(0)), "0,1,3,10,11,13,20,21,23");
}

}  // namespace
}  // namespace frugal::store
