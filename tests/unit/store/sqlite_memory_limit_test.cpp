// A query's memory limit on SQLite: SQLite's heap counted per thread, and printf() widths past the
// limit refused before SQLite pads to them (store/sqlite_memory.h, store/sqlite_printf_guard.h).
#include <thread>

#include <gtest/gtest.h>

#include "peak_memory.h"
#include "store/store.h"
#include "test_dir.h"

namespace frugal::store {
namespace {

constexpr std::int64_t k_limit = 16 << 20;

// 100 values of 1 MB gathered into one JSON text: SQLite builds all of it before it checks its size.
constexpr std::string_view k_hundred_megabytes =
    "SELECT length(json_group_array(printf('%.*c', 1000000, 'x'))) FROM "
    "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) SELECT i FROM n)";
constexpr std::int64_t k_hundred_megabytes_length = 100 * (1000000 + 2) + 99 + 2;  // quotes, commas, brackets

std::unique_ptr<Store> open_limited(const std::string& path, std::int64_t limit) {
  auto s = open_store(path, Access::read_only);
  if (!s) throw std::runtime_error(s.error().message);
  (*s)->set_query_memory_limit(limit);
  return std::move(*s);
}

TEST(SqliteMemoryLimit, AQueryWhoseHeapPassesTheLimitStopsAndTheConnectionStillWorks) {
  testing::TestDir dir;
  auto s = open_limited(dir.file("f.db"), k_limit);
  testing::PeakMemoryGrowth memory;
  auto r = s->query(k_hundred_megabytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::too_large);
  EXPECT_EQ(r.error().message, "sql: SQLite's heap is over the query's memory limit of 16 MiB");
  if (::frugal::testing::k_memory_bars) {
    EXPECT_LT(memory.bytes(), 64 << 20);
  }
  auto again = s->query("SELECT count(*) FROM runs");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(as_int(again->rows.at(0).at(0)), 0);
}

TEST(SqliteMemoryLimit, AConnectionWithoutALimitIsNeverRefused) {
  testing::TestDir dir;
  auto s = open_store(dir.file("f.db"), Access::read_only);
  ASSERT_TRUE(s);
  auto r = (*s)->query(k_hundred_megabytes);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(as_int(r->rows.at(0).at(0)), k_hundred_megabytes_length);
}

// Inside `frugal serve` one process holds the writer and every reader: a reader's limit must not
// refuse memory to a query of another thread, even one that runs while the reader's query does.
TEST(SqliteMemoryLimit, ALimitNeverRefusesAnotherThreadsQuery) {
  testing::TestDir dir;
  auto limited = open_limited(dir.file("f.db"), k_limit);
  Result<QueryResult> other = fail(ErrorCode::io, "not run");
  auto r = limited->stream(
      "SELECT 1", {}, [](const std::vector<std::string>&) {},
      [&](const Row&) {
        std::thread([&] {  // while the limited query is mid-way on this thread
          auto s = open_store(dir.file("f.db"), Access::read_only);
          if (s) other = (*s)->query(k_hundred_megabytes);
        }).join();
        return true;
      });
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ(as_int(other->rows.at(0).at(0)), k_hundred_megabytes_length);
}

// Under the limit, the guarded printf and format answer what SQLite's own do, NULLs included.
TEST(SqliteMemoryLimit, PrintfUnderTheLimitAnswersWhatSqlitesOwnDoes) {
  testing::TestDir dir;
  auto guarded = open_limited(dir.file("f.db"), k_limit);
  auto plain = open_store(dir.file("f.db"), Access::read_only);
  ASSERT_TRUE(plain);
  const std::vector<std::string> calls = {
      "printf('%d|%5.2f|%-6s|%q|%Q|%w|%c|%.3c|%,d|%x|%o|%e|%g|%%|%5%', 42, 3.14159, 'ab', 'it''s', NULL, 'a\"b', "
      "'zed', 'y', 1234567, 255, 8, 12345.678, 0.0001)",
      "printf('%*d|%-*d|%.*f|%0*d|%.*s|%!.20g|%lld|%llx|%n|%r', 5, 42, -5, 7, 2, 3.14159, 6, 42, 2, 'abcdef', 0.1, "
      "9007199254740993, 255, 3)",
      "printf('%.9999999999s', 'cut by a precision that asks for nothing')",
      "printf('%s and %s', 'only one')", "printf('%T stops here %d', 1)", "printf('%')", "printf('')",
      "printf(NULL)", "printf()", "printf(42)", "printf('%s', x'414243')", "format('%5.1f', 2.25)",
      "format('%d apples', '12 pears')", "printf('%.*c', 70000, 'é')"};
  for (const std::string& call : calls) {
    auto want = (*plain)->query("SELECT " + call + ", typeof(" + call + ")");
    auto got = guarded->query("SELECT " + call + ", typeof(" + call + ")");
    ASSERT_TRUE(want) << call << ": " << want.error().message;
    ASSERT_TRUE(got) << call << ": " << got.error().message;
    EXPECT_EQ(got->rows, want->rows) << call;
  }
}

TEST(SqliteMemoryLimit, AWidthOrPrecisionPastTheLimitIsRefusedBeforeSqlitePadsToIt) {
  testing::TestDir dir;
  auto s = open_limited(dir.file("f.db"), k_limit);
  s->set_query_time_limit(30000);  // the guard refuses at once, long before
  for (std::string call : {"printf('%.*c', 1000000000, 'x')", "format('%2000000000d', 1)",
                                  "printf('%s%-*s', 'a', -20000000, 'b')", "printf('%.17000000f', 1.5)"}) {
    auto r = s->query("SELECT " + call);
    ASSERT_FALSE(r) << call;
    EXPECT_EQ(r.error().code, ErrorCode::too_large) << call;
    EXPECT_NE(r.error().message.find("over the query's memory limit of 16 MiB"), std::string::npos)
        << call << ": " << r.error().message;
  }
  EXPECT_TRUE(s->query("SELECT printf('%.*c', 10, 'x')")) << "the connection still works";
}

}  // namespace
}  // namespace frugal::store
