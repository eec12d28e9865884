// POST /api/v1/sql: rows stream from the store into the reply, so a query of any size costs the
// reply's rows; the row, size, time and memory limits hold and are named.
#include "peak_memory.h"
#include "unit/server/route_test_util.h"

namespace frugal::server {
namespace {

constexpr std::string_view k_ten_million_rows =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000) "
    "SELECT i, 'some text' AS t FROM n";

class SqlRoute : public testing::RouteTest {
 protected:
  void SetUp() override {
    add_sql_routes(m_routes);
    m_options.database = ::frugal::testing::database(m_dir);
  }

  Result<Reply> post(std::string_view sql, std::optional<int> max_rows = std::nullopt) {
    json body = {{"sql", sql}};
    if (max_rows) body["max_rows"] = *max_rows;
    return call("POST", "/api/v1/sql", body.dump());
  }
};

TEST_F(SqlRoute, TenMillionRowsAnswerMaxRowsMarkedTruncatedInBoundedMemory) {
  ::frugal::testing::PeakMemoryGrowth memory;
  auto r = post(k_ten_million_rows, 10000);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->content_type, "application/json");
  json reply = json::parse(r->text);
  EXPECT_EQ(reply["columns"], json({"i", "t"}));
  ASSERT_EQ(reply["rows"].size(), 10000u);
  EXPECT_EQ(reply["rows"][0], json({1, "some text"}));
  EXPECT_EQ(reply["rows"][9999], json({10000, "some text"}));
  EXPECT_EQ(reply["truncated"], true);
  // Every row held at once would be over a gigabyte; the reply itself is about 250 KB.
  if (::frugal::testing::k_memory_bars) {
    EXPECT_LT(memory.bytes(), 100 << 20) << "the rows past max_rows were not read";
  }
}

TEST_F(SqlRoute, ASmallResultIsTheJsonItAlwaysWas) {
  auto r = post("SELECT 1 AS one, 'x' AS name, NULL AS none, 1.5 AS half, 'say \"hi\"' AS quoted");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text,
            R"({"columns":["one","name","none","half","quoted"],"rows":[[1,"x",null,1.5,"say \"hi\""]],"truncated":false})");
  auto none = post("SELECT id, name FROM runs WHERE id < 0");
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(none->text, R"({"columns":["id","name"],"rows":[],"truncated":false})");
}

TEST_F(SqlRoute, AResultOfExactlyMaxRowsIsNotTruncated) {
  auto r = post("SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3", 3);
  ASSERT_TRUE(r) << r.error().message;
  json reply = json::parse(r->text);
  EXPECT_EQ(reply["rows"].size(), 3u);
  EXPECT_EQ(reply["truncated"], false);
}

TEST_F(SqlRoute, RowsPastTheReplySizeLimitAreLeftOut) {
  m_options.max_sql_reply_bytes = 4096;
  auto r = post(k_ten_million_rows, 10000);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_LE(r->text.size(), 4096u + 32);
  json reply = json::parse(r->text);
  EXPECT_GT(reply["rows"].size(), 100u);
  EXPECT_LT(reply["rows"].size(), 10000u);
  EXPECT_EQ(reply["truncated"], true);
}

TEST_F(SqlRoute, AFirstRowOverTheReplySizeLimitIsRefusedNamingIt) {
  m_options.max_sql_reply_bytes = 1 << 20;
  auto r = post(::frugal::testing::on_postgresql() ? "SELECT repeat('x', 2000000)" : "SELECT printf('%.*c', 2000000, 'x')");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::too_large);
  EXPECT_NE(r.error().message.find("reply's limit of 1 MiB"), std::string::npos) << r.error().message;
}

// SQLite's printf('%.*c', 1000000000, 'x') once ran past its 3 s limit and took a gigabyte; PostgreSQL
// has no printf, and a value it builds whole (repeat) arrives as one row.
TEST_F(SqlRoute, AValueOverTheMemoryLimitIsRefusedNamingTheLimit) {
  m_options.sql_timeout_ms = 30000;  // the memory limit stops it long before
  m_options.sql_memory_bytes = 16 << 20;
  ::frugal::testing::PeakMemoryGrowth memory;
  auto r = post(::frugal::testing::on_postgresql() ? "SELECT repeat('x', 20000000)"
                                                   : "SELECT printf('%.*c', 1000000000, 'x')");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::too_large);
  EXPECT_NE(r.error().message.find("memory limit of 16 MiB"), std::string::npos) << r.error().message;
  if (::frugal::testing::k_memory_bars) {
    EXPECT_LT(memory.bytes(), 100 << 20);
  }
}

TEST_F(SqlRoute, AQueryPastItsTimeLimitIsRefusedNamingTheLimit) {
  m_options.sql_timeout_ms = 50;
  auto r = post("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::too_large);
  EXPECT_NE(r.error().message.find("time limit of 50 ms"), std::string::npos) << r.error().message;
}

TEST_F(SqlRoute, WritesAreRefused) {
  auto r = post("DELETE FROM runs");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("read-only"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace frugal::server
