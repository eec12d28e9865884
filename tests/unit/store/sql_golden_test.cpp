// Runs the SQL golden files in tests/sql/*.test (DuckDB's sqllogictest idea, simplified): each
// block is a statement that must succeed or fail, or a query whose rows must match exactly.
//
//   statement ok | statement error TEXT | readonly error TEXT   (the SQL follows on the next lines;
//                                                                TEXT may be "SQLITE'S|POSTGRESQL'S")
//   query                                                        (SQL, then "----", then rows)
//   plan                                                         (SQL, then "----", then plan steps)
//   onlyif sqlite | onlyif postgresql                            (before a block: one backend only)
// Rows print columns joined by '|', NULL as "NULL". Blocks end at a blank line; '#' lines are
// comments. "readonly" runs the SQL on a read-only connection, as `frugal sql` does.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "util/strings.h"
#include "test_database.h"

namespace frugal::store {
namespace {

struct Block {
  std::string kind;      // "statement ok", "statement error", "readonly error", "query"
  std::string expected;  // error text, or the expected rows
  std::string sql;
  std::string only;      // "sqlite", "postgresql" or "" for both
  int line = 0;
};

std::vector<Block> parse(const std::string& path) {
  std::ifstream in(path);
  std::vector<Block> blocks;
  std::string line;
  int number = 0;
  Block current;
  bool in_rows = false;
  auto flush = [&] {
    if (!current.kind.empty()) blocks.push_back(current);
    current = Block{};
    in_rows = false;
  };
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) { flush(); continue; }
    if (line.starts_with("#")) continue;
    if (current.kind.empty() && line.starts_with("onlyif ")) {
      current.only = line.substr(7);
      continue;
    }
    if (current.kind.empty()) {
      current.line = number;
      if (line == "statement ok" || line == "query" || line == "plan") current.kind = line;
      else if (line.starts_with("statement error") || line.starts_with("readonly error")) {
        current.kind = line.starts_with("statement") ? "statement error" : "readonly error";
        auto space = line.find(' ', line.find(' ') + 1);
        current.expected = space == std::string::npos ? "" : line.substr(space + 1);
      } else {
        ADD_FAILURE() << path << ":" << number << ": unknown block '" << line << "'";
      }
      continue;
    }
    if (line == "----") { in_rows = true; continue; }
    if (in_rows) current.expected += line + "\n";
    else current.sql += (current.sql.empty() ? "" : "\n") + line;
  }
  flush();
  return blocks;
}

std::string cell(const Value& v) {
  if (is_null(v)) return "NULL";
  if (auto d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  return as_text(v);
}

class SqlGolden : public ::testing::TestWithParam<std::tuple<std::string, testing::Backend>> {};

TEST_P(SqlGolden, MatchesExpectedRowsAndErrors) {
  const auto& [file, backend] = GetParam();
  testing::TestDir dir;
  testing::TestDatabase database(backend, dir);
  FRUGAL_REQUIRE_DATABASE(database);
  std::string db = database.location();
  auto rw = open_store(db);
  ASSERT_TRUE(rw) << rw.error().message;
  auto ro = open_store(db, Access::read_only);
  ASSERT_TRUE(ro) << ro.error().message;
  for (const auto& b : parse(file)) {
    if (!b.only.empty() && b.only != (*rw)->dialect()) continue;
    std::string where = fmt::format("{}:{}", file, b.line);
    if (b.kind == "statement ok") {
      auto r = (*rw)->execute(b.sql);
      EXPECT_TRUE(r) << where << ": " << r.error().message;
    } else if (b.kind == "statement error" || b.kind == "readonly error") {
      auto& store = b.kind == "readonly error" ? *ro : *rw;
      auto r = store->query(b.sql);
      EXPECT_FALSE(r) << where << ": expected an error";
      if (!r) {
        // "A|B": the message each backend gives (SQLite's, PostgreSQL's); either will do.
        bool matched = false;
        for (const auto& expected : util::split(b.expected, '|'))
          matched = matched || r.error().message.find(std::string(expected)) != std::string::npos;
        EXPECT_TRUE(matched) << where << ": " << r.error().message;
      }
    } else if (b.kind == "plan") {
      auto r = (*ro)->explain(b.sql);
      ASSERT_TRUE(r) << where << ": " << r.error().message;
      std::string got;
      for (const auto& line : *r) got += line + "\n";
      EXPECT_EQ(got, b.expected) << where;
    } else {
      auto r = (*ro)->query(b.sql);
      ASSERT_TRUE(r) << where << ": " << r.error().message;
      std::string got;
      for (const auto& row : r->rows) {
        for (std::size_t i = 0; i < row.size(); ++i) got += (i ? "|" : "") + cell(row[i]);
        got += "\n";
      }
      EXPECT_EQ(got, b.expected) << where;
    }
  }
}

std::vector<std::string> golden_files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(FRUGAL_SOURCE_DIR) + "/tests/sql"))
    if (e.path().extension() == ".test") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

INSTANTIATE_TEST_SUITE_P(Files, SqlGolden,
                         ::testing::Combine(::testing::ValuesIn(golden_files()),
                                            ::testing::Values(testing::Backend::sqlite, testing::Backend::postgresql)),
                         [](const auto& info) {
                           std::string name = std::filesystem::path(std::get<0>(info.param)).stem().string();
                           for (char& c : name) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name + "_" + testing::backend_name(std::get<1>(info.param));
                         });

}  // namespace
}  // namespace frugal::store
