#include <filesystem>
#include <fstream>
#include <sqlite3.h>
#include <thread>

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "test_dir.h"

namespace frugal::store {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(SqliteStore, CreatesFolderAndAppliesMigrationsOnFirstOpen) {
  testing::TestDir dir;
  auto store = open_store(dir.file("home/nested/frugal.db"));
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->schema_version(), latest_schema_version());
  auto tables = (*store)->query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'runs'");
  ASSERT_TRUE(tables);
  EXPECT_EQ(tables->rows.size(), 1u);
  auto mode = (*store)->query("PRAGMA journal_mode");
  ASSERT_TRUE(mode);
  EXPECT_EQ(as_text(mode->rows.at(0).at(0)), "wal");
}

TEST(SqliteStore, RefusesAFileThatIsNotSqliteAndLeavesItUntouched) {
  testing::TestDir dir;
  std::string path = dir.file("notes.db");
  std::ofstream(path) << "these are my notes, not a database\n";
  std::string before = read_all(path);
  auto store = open_store(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::invalid);
  EXPECT_NE(store.error().message.find("not a Frugal database"), std::string::npos);
  EXPECT_NE(store.error().message.find(path), std::string::npos);
  EXPECT_TRUE(read_all(path) == before) << "the file was modified";
}

TEST(SqliteStore, RefusesAnotherProgramsSqliteDatabaseAndLeavesItUntouched) {
  testing::TestDir dir;
  std::string path = dir.file("other.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('x');", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  std::string before = read_all(path);
  auto store = open_store(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("another program"), std::string::npos);
  EXPECT_TRUE(read_all(path) == before) << "the file was modified";
}

TEST(SqliteStore, RefusesASchemaNewerThanTheBinaryKnows) {
  testing::TestDir dir;
  std::string path = dir.file("f.db");
  ASSERT_TRUE(open_store(path));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string bump = "PRAGMA user_version = " + std::to_string(latest_schema_version() + 1);
  ASSERT_EQ(sqlite3_exec(db, bump.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  std::string before = read_all(path);
  auto store = open_store(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("newer than this frugal knows"), std::string::npos);
  EXPECT_TRUE(read_all(path) == before) << "the file was modified";
}

TEST(SqliteStore, FailedTransactionLeavesNoTrace) {
  testing::TestDir dir;
  auto store = open_store(dir.file("f.db"));
  ASSERT_TRUE(store);
  auto r = (*store)->transaction([&]() -> Result<void> {
    FRUGAL_CHECK((*store)->execute(
        "INSERT INTO quotas (scope, name, period, updated_at) VALUES ('team', 'a', 'monthly', 'x')"));
    return fail(ErrorCode::invalid, "row 2 is malformed");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "row 2 is malformed");
  auto count = (*store)->query("SELECT count(*) FROM quotas");
  EXPECT_EQ(as_int(count->rows.at(0).at(0)), 0);
}

TEST(SqliteStore, ANestedTransactionIsASavepointRolledBackAlone) {
  testing::TestDir dir;
  auto store = open_store(dir.file("f.db"));
  ASSERT_TRUE(store);
  auto insert = [&](const char* name) {
    return (*store)->execute(fmt::format(
        "INSERT INTO quotas (scope, name, period, updated_at) VALUES ('team', '{}', 'monthly', 'x')", name));
  };
  auto outer = (*store)->transaction([&]() -> Result<void> {
    FRUGAL_TRY(insert("kept"));
    auto inner = (*store)->transaction([&]() -> Result<void> {
      FRUGAL_TRY(insert("dropped"));
      return fail(ErrorCode::invalid, "inner fails");
    });
    EXPECT_FALSE(inner);
    return (*store)->transaction([&]() -> Result<void> {
      FRUGAL_TRY(insert("also kept"));
      return {};
    });
  });
  ASSERT_TRUE(outer) << outer.error().message;
  auto names = (*store)->query("SELECT group_concat(name, ',') FROM (SELECT name FROM quotas ORDER BY name)");
  EXPECT_EQ(as_text(names->rows.at(0).at(0)), "also kept,kept");
}

TEST(SqliteStore, AQueryPastItsTimeLimitIsStopped) {
  testing::TestDir dir;
  auto store = open_store(dir.file("f.db"));
  ASSERT_TRUE(store);
  (*store)->set_query_time_limit(50);
  auto r = (*store)->query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("time limit of 50 ms"), std::string::npos) << r.error().message;
  EXPECT_TRUE((*store)->query("SELECT 1")) << "the connection still works";
}

// SQLite's locks are POSIX advisory locks, which a process loses on the file the moment it closes
// any descriptor of it. Opening a second connection must not do that: else another process takes
// the database for its own at its close, checkpoints and removes the WAL under the first
// connection, whose next reads fail ("disk I/O error") or miss what was committed.
TEST(SqliteStore, OpeningASecondConnectionKeepsTheFirstOnesLocks) {
  testing::TestDir dir;
  std::string path = dir.file("f.db");
  auto first = open_store(path);
  ASSERT_TRUE(first);
  auto insert = [](Store& s, const char* name) {
    return s.execute(fmt::format("INSERT INTO quotas (scope, name, period, updated_at) VALUES ('team', '{}', 'monthly', 'x')", name));
  };
  ASSERT_TRUE(insert(**first, "a"));
  auto second = open_store(path);  // in the same process, as a server's threads do
  ASSERT_TRUE(second);
  for (int round = 0; round < 3; ++round) {
    // Another process (the frugal binary) writes and goes away, closing its connection.
    std::string command = fmt::format("{} --db {} quota set --team child{} --monthly-usd 1 >/dev/null 2>&1", FRUGAL_BINARY, path, round);
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    ASSERT_TRUE(std::filesystem::exists(path + "-wal")) << "another process removed the WAL from under our connections";
    ASSERT_TRUE(insert(**first, fmt::format("parent{}", round).c_str()));
    auto count = (*second)->query("SELECT count(*) FROM quotas");
    ASSERT_TRUE(count) << count.error().message;
    EXPECT_EQ(as_int(count->rows.at(0).at(0)), 3 + 2 * round);
    auto fresh = open_store(path);  // and a new connection sees all of it
    ASSERT_TRUE(fresh);
    EXPECT_EQ(as_int((*fresh)->query("SELECT count(*) FROM quotas")->rows.at(0).at(0)), 3 + 2 * round);
  }
}

TEST(SqliteStore, ReadOnlyConnectionRefusesWritesAttachAndSettingPragmas) {
  testing::TestDir dir;
  std::string path = dir.file("f.db");
  ASSERT_TRUE(open_store(path));
  auto ro = open_store(path, Access::read_only);
  ASSERT_TRUE(ro) << ro.error().message;
  std::string attach = "ATTACH DATABASE '" + dir.file("x.db") + "' AS x";
  for (const std::string& sql : std::vector<std::string>{"DELETE FROM runs", "INSERT INTO quotas (scope, name, period, updated_at) VALUES ('team','a','monthly','x')",
                          "DROP TABLE runs", attach, "PRAGMA journal_mode = DELETE",
                          "PRAGMA user_version = 99", "CREATE TABLE t (x)", "UPDATE runs SET cost_nanos = 0"}) {
    auto r = (*ro)->query(sql);
    EXPECT_FALSE(r) << sql;
  }
  EXPECT_TRUE((*ro)->query("SELECT count(*) FROM runs"));
  EXPECT_TRUE((*ro)->query("PRAGMA table_info(runs)"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.db")));
}

TEST(SqliteStore, ReadOnlyOpenOfAMissingFileCreatesAnEmptyDatabase) {
  testing::TestDir dir;
  auto ro = open_store(dir.file("fresh.db"), Access::read_only);
  ASSERT_TRUE(ro) << ro.error().message;
  auto count = (*ro)->query("SELECT count(*) FROM runs");
  ASSERT_TRUE(count);
  EXPECT_EQ(as_int(count->rows.at(0).at(0)), 0);
}

TEST(SqliteStore, ConcurrentWritersFromManyConnectionsLoseNothing) {
  testing::TestDir dir;
  std::string path = dir.file("f.db");
  ASSERT_TRUE(open_store(path));
  constexpr int k_threads = 4, k_rows = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&, t] {
      auto store = open_store(path);
      if (!store) { ++failures; return; }
      for (int i = 0; i < k_rows; ++i) {
        std::vector<Value> p = {std::string("t") + std::to_string(t) + "-" + std::to_string(i)};
        auto r = (*store)->transaction([&]() -> Result<void> {
          FRUGAL_CHECK((*store)->execute(
              "INSERT INTO quotas (scope, name, period, updated_at) VALUES ('team', ?, 'monthly', 'x')", p));
          return {};
        });
        if (!r) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto count = (*open_store(path))->query("SELECT count(*) FROM quotas");
  EXPECT_EQ(as_int(count->rows.at(0).at(0)), k_threads * k_rows);
}

TEST(SqliteStore, RejectsMoreThanOneStatementPerCall) {
  testing::TestDir dir;
  auto store = open_store(dir.file("f.db"));
  ASSERT_TRUE(store);
  auto r = (*store)->query("SELECT 1; DELETE FROM runs");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("one statement"), std::string::npos);
}

TEST(SchemaDoc, DocumentsEveryColumnOfEveryTable) {
  testing::TestDir dir;
  auto store = open_store(dir.file("f.db"));
  ASSERT_TRUE(store);
  std::string doc = schema_markdown();
  auto tables = (*store)->query("SELECT name FROM sqlite_schema WHERE type = 'table'");
  for (const auto& t : tables->rows) {
    std::string table = as_text(t[0]);
    EXPECT_NE(doc.find("\n## " + table + "\n"), std::string::npos) << table;
    auto columns = (*store)->query("SELECT name FROM pragma_table_xinfo(?)", std::vector<Value>{table});
    for (const auto& c : columns->rows)
      EXPECT_NE(doc.find("| `" + as_text(c[0]) + "` |"), std::string::npos) << table << "." << as_text(c[0]);
  }
}

TEST(SchemaDoc, CheckedInCopyMatchesTheMigrations) {
  std::ifstream in(std::string(FRUGAL_SOURCE_DIR) + "/docs/schema.md");
  std::string checked_in{std::istreambuf_iterator<char>(in), {}};
  EXPECT_EQ(checked_in, schema_markdown()) << "run `make docs` to regenerate docs/schema.md";
}

}  // namespace
}  // namespace frugal::store
