// Streaming a result of any size, and the time and memory limits of a query, alike on SQLite and on
// a real PostgreSQL server.
#include <gtest/gtest.h>

#include "peak_memory.h"
#include "store/store.h"
#include "test_database.h"

namespace frugal::store {
namespace {

using frugal::testing::Backend;
using frugal::testing::PeakMemoryGrowth;
using frugal::testing::TestDatabase;
using frugal::testing::TestDir;

constexpr std::string_view k_ten_million_rows =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000) "
    "SELECT i, 'some text' AS t FROM n";
constexpr std::string_view k_endless_rows =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c";

class StoreStreaming : public ::testing::TestWithParam<Backend> {
 protected:
  TestDir dir;
  TestDatabase db{GetParam(), dir};

  std::unique_ptr<Store> open(Access access = Access::read_write) {
    auto s = open_store(db.location(), access);
    if (!s) throw std::runtime_error(s.error().message);
    return std::move(*s);
  }
};

const std::function<void(const std::vector<std::string>&)> k_ignore_columns = [](const std::vector<std::string>&) {};

TEST_P(StoreStreaming, HandsOverTheColumnsThenEachRowAndStopsWhenAsked) {
  FRUGAL_REQUIRE_DATABASE(db);
  open();
  auto s = open(Access::read_only);
  std::vector<std::string> columns;
  int column_calls = 0;
  std::vector<std::int64_t> seen;
  PeakMemoryGrowth memory;
  auto r = s->stream(
      k_ten_million_rows, {},
      [&](const std::vector<std::string>& c) {
        EXPECT_TRUE(seen.empty()) << "the columns come before the rows";
        columns = c;
        ++column_calls;
      },
      [&](const Row& row) {
        seen.push_back(as_int(row.at(0)));
        EXPECT_EQ(as_text(row.at(1)), "some text");
        return seen.size() < 5;
      });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(column_calls, 1);
  EXPECT_EQ(columns, (std::vector<std::string>{"i", "t"}));
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  // Holding the 10,000,000 rows would take about a gigabyte.
  if (::frugal::testing::k_memory_bars) {
    EXPECT_LT(memory.bytes(), 50 << 20) << "the rest of the result was not held";
  }
  auto after = s->query("SELECT 2 AS two");
  ASSERT_TRUE(after) << "the connection still works: " << after.error().message;
  EXPECT_EQ(as_int(after->rows.at(0).at(0)), 2);
}

TEST_P(StoreStreaming, AnEmptyResultStillHasItsColumns) {
  FRUGAL_REQUIRE_DATABASE(db);
  auto s = open();
  std::vector<std::string> columns;
  int rows = 0;
  auto r = s->stream("SELECT id, name FROM runs WHERE id < 0", {},
                     [&](const std::vector<std::string>& c) { columns = c; },
                     [&](const Row&) { return ++rows > 0; });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(columns, (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(rows, 0);
}

TEST_P(StoreStreaming, StoppingEarlyInsideATransactionKeepsTheTransaction) {
  FRUGAL_REQUIRE_DATABASE(db);
  auto s = open();
  auto add_quota = [&](const std::string& name) {
    std::vector<Value> p = {name};
    return s->execute("INSERT INTO quotas (scope, name, period, updated_at) VALUES ('team', ?, 'monthly', 'x')", p);
  };
  auto r = s->transaction([&]() -> Result<void> {
    FRUGAL_CHECK(add_quota("before"));
    FRUGAL_CHECK(s->stream("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
                           "SELECT i FROM n", {}, k_ignore_columns, [](const Row&) { return false; }));
    FRUGAL_CHECK(add_quota("after"));
    return {};
  });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(as_int(s->query("SELECT count(*) FROM quotas")->rows.at(0).at(0)), 2);
}

TEST_P(StoreStreaming, AReadOnlyStreamRefusesWrites) {
  FRUGAL_REQUIRE_DATABASE(db);
  open();
  auto ro = open(Access::read_only);
  auto r = ro->stream("DELETE FROM runs", {}, k_ignore_columns, [](const Row&) { return true; });
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("read-only"), std::string::npos) << r.error().message;
}

TEST_P(StoreStreaming, AStreamPastItsTimeLimitStopsNamingTheLimit) {
  FRUGAL_REQUIRE_DATABASE(db);
  open();
  auto s = open(Access::read_only);
  s->set_query_time_limit(50);
  std::int64_t rows = 0;
  auto r = s->stream(k_endless_rows, {}, k_ignore_columns, [&](const Row&) { return ++rows > 0; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::too_large);
  EXPECT_NE(r.error().message.find("time limit of 50 ms"), std::string::npos) << r.error().message;
  EXPECT_TRUE(s->query("SELECT 1")) << "the connection still works";
}

// SQLite's printf('%.*c', 1000000000, 'x') is one uninterruptible step of seconds; PostgreSQL has no
// printf, and its repeat() is a value the server builds whole and sends as one row.
TEST_P(StoreStreaming, AValueOverTheMemoryLimitFailsAtOnceNamingTheLimit) {
  FRUGAL_REQUIRE_DATABASE(db);
  open();
  auto s = open(Access::read_only);
  s->set_query_time_limit(30000);  // the memory limit stops it long before
  s->set_query_memory_limit(16 << 20);
  std::string bomb = GetParam() == Backend::sqlite ? "SELECT printf('%.*c', 1000000000, 'x')"
                                                   : "SELECT repeat('x', 20000000)";
  PeakMemoryGrowth memory;
  auto r = s->stream(bomb, {}, k_ignore_columns, [](const Row&) { return true; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::too_large);
  EXPECT_NE(r.error().message.find("memory limit of 16 MiB"), std::string::npos) << r.error().message;
  if (::frugal::testing::k_memory_bars) {
    EXPECT_LT(memory.bytes(), 100 << 20);
  }
  auto small = s->query(GetParam() == Backend::sqlite ? "SELECT length(printf('%.*c', 1000, 'x'))"
                                                      : "SELECT length(repeat('x', 1000))");
  ASSERT_TRUE(small) << "the connection still works: " << small.error().message;
  EXPECT_EQ(as_int(small->rows.at(0).at(0)), 1000);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreStreaming, FRUGAL_BACKENDS);

}  // namespace
}  // namespace frugal::store
