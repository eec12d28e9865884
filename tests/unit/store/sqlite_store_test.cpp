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
