// Runs the SQL golden files in tests/sql/*.test (DuckDB's sqllogictest idea, simplified) on SQLite
// and on PostgreSQL: each block is a statement that must succeed or fail, a query whose rows must
// match exactly, or a run of the built `frugal` whose stdout must match exactly, so the SQL that
// commands build in C++ (top, report, costs, advise, bill reconcile) is pinned on both backends.
//
//   statement ok | statement error TEXT | readonly error TEXT   (the SQL follows on the next lines;
//                                                                TEXT may be "SQLITE'S|POSTGRESQL'S")
//   query                                                        (SQL, then "----", then rows)
//   plan                                                         (SQL, then "----", then plan steps)
//   evidence                                                     (SQL whose one cell is a query, such as
//                                                                recommendations.query; then "----" and
//                                                                the rows of that query)
//   frugal ARGS...                                               (the built binary on this test's database,
//                                                                then "----" and its exact stdout; without
//                                                                "----" it need only exit 0)
//   file NAME                                                    (the lines that follow become NAME in the
//                                                                test's folder: a small bill to import)
//   onlyif sqlite | onlyif postgresql                            (before a block: one backend only)
//
// Rows print columns joined by '|', NULL as "NULL". Blocks end at a blank line, so an empty line
// of expected output is written "<blank>"; '#' lines are comments, except among expected rows
// (CSV sections of `frugal report` start with '#'). "readonly" and "evidence" run the SQL on a
// read-only connection, as `frugal sql` does.
//
// Commands run under /bin/sh in the test's folder with a clean environment, so no config file or
// FRUGAL_* variable leaks in: HOME is the folder, USER is "golden", and `frugal` is the binary
// with `--db` set. `$DIR` is the folder and `$SOURCE` the checkout (fixtures:
// `$SOURCE/tests/fixtures/billing/...`); in the output both paths read back as `$DIR` and
// `$SOURCE`. The binary reads the system clock (there is no override), so give --since and
// --until as dates: a window such as 30d would hold different runs every day.
//
// FRUGAL_GOLDEN_UPDATE=1 writes each command's actual stdout into its file in place of the expected
// output (on SQLite; the PostgreSQL run then checks the new text): for a deliberate change of
// output, reviewed with `git diff tests/sql` before it is committed.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "util/strings.h"
#include "test_database.h"

namespace frugal::store {
namespace {

struct Block {
  std::string kind;      // "statement ok", "statement error", "readonly error", "query", "plan",
                         // "evidence", "command", "file"
  std::string expected;  // error text, the expected rows or stdout, or a file's contents
  std::string sql;       // the SQL, the command lines, or a file's name
  std::string only;      // "sqlite", "postgresql" or "" for both
  bool has_expected = false;
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
    if (line.starts_with("#") && !in_rows) continue;
    if (current.kind.empty() && line.starts_with("onlyif ")) {
      current.only = line.substr(7);
      continue;
    }
    if (current.kind.empty()) {
      current.line = number;
      if (line == "statement ok" || line == "query" || line == "plan" || line == "evidence") {
        current.kind = line;
      } else if (line.starts_with("statement error") || line.starts_with("readonly error")) {
        current.kind = line.starts_with("statement") ? "statement error" : "readonly error";
        auto space = line.find(' ', line.find(' ') + 1);
        current.expected = space == std::string::npos ? "" : line.substr(space + 1);
      } else if (line.starts_with("frugal ")) {
        current.kind = "command";
        current.sql = line;
      } else if (line.starts_with("file ")) {
        current.kind = "file";
        current.sql = line.substr(5);
        in_rows = true;  // every line that follows is content
      } else {
        ADD_FAILURE() << path << ":" << number << ": unknown block '" << line << "'";
      }
      continue;
    }
    if (line == "----" && current.kind != "file") {
      in_rows = true;
      current.has_expected = true;
      continue;
    }
    if (in_rows) current.expected += (line == "<blank>" ? "" : line) + "\n";
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

std::string rows_text(const QueryResult& r) {
  std::string got;
  for (const auto& row : r.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) got += (i ? "|" : "") + cell(row[i]);
    got += "\n";
  }
  return got;
}

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs a command block's lines under /bin/sh in `dir`, `frugal` being the binary on `db`.
CommandResult run_command(const std::string& lines, const std::string& dir, const std::string& db) {
  std::string script = dir + "/.golden-command.sh";
  std::ofstream(script) << "frugal() { \"$FRUGAL_BINARY\" --db \"$FRUGAL_DB\" \"$@\"; }\n" << lines << "\n";
  const char* path = std::getenv("PATH");
  std::string command = fmt::format(
      "cd {0} && env -i PATH={1} HOME={0} USER=golden LOGNAME=golden TZ=UTC LC_ALL=C DIR={0} SOURCE={2} "
      "FRUGAL_BINARY={3} FRUGAL_DB={4} /bin/sh {5} >{0}/.golden-stdout 2>{0}/.golden-stderr",
      shell_quoted(dir), shell_quoted(path ? path : "/usr/bin:/bin"), shell_quoted(FRUGAL_SOURCE_DIR),
      shell_quoted(FRUGAL_BINARY), shell_quoted(db), shell_quoted(script));
  int status = std::system(command.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  r.out = read_all(dir + "/.golden-stdout");
  r.err = read_all(dir + "/.golden-stderr");
  // Paths that differ from run to run read back as the variables that name them.
  for (std::string* text : {&r.out, &r.err}) {
    replace_all(*text, dir, "$DIR");
    replace_all(*text, FRUGAL_SOURCE_DIR, "$SOURCE");
  }
  return r;
}

// Replaces the expected output of the command blocks starting at the given lines (1-based).
void rewrite_expected(const std::string& path, const std::map<int, std::string>& outputs) {
  std::vector<std::string> lines;
  {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  for (auto it = outputs.rbegin(); it != outputs.rend(); ++it) {
    auto start = static_cast<std::size_t>(it->first - 1);
    while (start < lines.size() && lines[start] != "----") ++start;
    if (start == lines.size()) continue;
    auto end = start + 1;
    while (end < lines.size() && !lines[end].empty()) ++end;
    std::vector<std::string> replacement;
    std::istringstream out(it->second);
    for (std::string line; std::getline(out, line);) replacement.push_back(line.empty() ? "<blank>" : line);
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(start + 1), lines.begin() + static_cast<std::ptrdiff_t>(end));
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(start + 1), replacement.begin(), replacement.end());
  }
  std::ofstream rewritten(path);
  for (const auto& line : lines) rewritten << line << "\n";
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
  const char* update_env = std::getenv("FRUGAL_GOLDEN_UPDATE");
  bool update = update_env && std::string(update_env) == "1" && backend == testing::Backend::sqlite;
  std::map<int, std::string> updated;
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
    } else if (b.kind == "file") {
      std::ofstream(dir.file(b.sql)) << b.expected;
    } else if (b.kind == "command") {
      auto r = run_command(b.sql, dir.path(), db);
      ASSERT_EQ(r.exit_code, 0) << where << ": " << b.sql << "\nstderr:\n" << r.err << "stdout:\n" << r.out;
      if (b.has_expected && update && r.out != b.expected) {
        updated[b.line] = r.out;
      } else if (b.has_expected) {
        EXPECT_EQ(r.out, b.expected) << where << ": " << b.sql;
      }
    } else if (b.kind == "evidence") {
      // The query a user is told to paste into `frugal sql`, taken from where it is stored.
      auto stored = (*ro)->query(b.sql);
      ASSERT_TRUE(stored) << where << ": " << stored.error().message;
      ASSERT_EQ(stored->rows.size(), 1u) << where << ": expected one query, got " << stored->rows.size();
      ASSERT_EQ(stored->rows[0].size(), 1u) << where << ": expected one column";
      std::string evidence_sql = as_text(stored->rows[0][0]);
      auto r = (*ro)->query(evidence_sql);
      ASSERT_TRUE(r) << where << ": " << evidence_sql << ": " << r.error().message;
      EXPECT_EQ(rows_text(*r), b.expected) << where << ": " << evidence_sql;
    } else {
      auto r = (*ro)->query(b.sql);
      ASSERT_TRUE(r) << where << ": " << r.error().message;
      EXPECT_EQ(rows_text(*r), b.expected) << where;
    }
  }
  if (!updated.empty()) {
    rewrite_expected(file, updated);
    ADD_FAILURE() << file << ": rewrote the output of " << updated.size() << " command(s); review `git diff tests/sql`";
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
