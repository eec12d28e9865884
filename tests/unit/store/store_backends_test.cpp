// What every backend must do alike, run on SQLite and on a real PostgreSQL server.
#include <atomic>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "test_database.h"

namespace frugal::store {
namespace {

using frugal::testing::Backend;
using frugal::testing::TestDatabase;
using frugal::testing::TestDir;

class StoreBackends : public ::testing::TestWithParam<Backend> {
 protected:
  TestDir dir;
  TestDatabase db{GetParam(), dir};

  std::unique_ptr<Store> open(Access access = Access::read_write) {
    auto s = open_store(db.location(), access);
    if (!s) throw std::runtime_error(s.error().message);
    return std::move(*s);
  }
};

std::vector<std::string> column_strings(Store& s, const std::string& sql) {
  std::vector<std::string> out;
  auto r = s.query(sql);
  if (!r) throw std::runtime_error(r.error().message);
  for (const auto& row : r->rows) out.push_back(as_text(row.at(0)));
  return out;
}

void add_quota(Store& s, const std::string& name) {
  std::vector<Value> p = {name};
  auto r = s.execute("INSERT INTO quotas (scope, name, period, updated_at) VALUES ('team', ?, 'monthly', 'x')", p);
  if (!r) throw std::runtime_error(r.error().message);
}

TEST_P(StoreBackends, FirstOpenAppliesEveryMigration) {
  FRUGAL_REQUIRE_DATABASE(db);
  auto s = open();
  EXPECT_EQ(s->schema_version(), latest_schema_version());
  EXPECT_EQ(s->dialect(), GetParam() == Backend::sqlite ? "sqlite" : "postgresql");
  auto again = open();  // a second open finds the work done
  EXPECT_EQ(again->schema_version(), latest_schema_version());
}

TEST_P(StoreBackends, ServersStartingTogetherMigrateOnce) {
  FRUGAL_REQUIRE_DATABASE(db);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      auto s = open_store(db.location());
      if (!s) ++failures;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto s = open();
  auto mappings = s->query("SELECT count(*) FROM tag_mappings");  // seeded once by migration 3
  EXPECT_EQ(as_int(mappings->rows.at(0).at(0)), 11);
}

TEST_P(StoreBackends, FailedTransactionLeavesNoTrace) {
  FRUGAL_REQUIRE_DATABASE(db);
  auto s = open();
  auto r = s->transaction([&]() -> Result<void> {
    add_quota(*s, "a");
    return fail(ErrorCode::invalid, "row 2 is malformed");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "row 2 is malformed");
  EXPECT_FALSE(s->in_transaction());
  EXPECT_EQ(as_int(s->query("SELECT count(*) FROM quotas")->rows.at(0).at(0)), 0);
}

TEST_P(StoreBackends, ANestedTransactionIsASavepointRolledBackAlone) {
  FRUGAL_REQUIRE_DATABASE(db);
  auto s = open();
  auto outer = s->transaction([&]() -> Result<void> {
    add_quota(*s, "kept");
    auto inner = s->transaction([&]() -> Result<void> {
      add_quota(*s, "dropped");
      // A statement the database refuses: on PostgreSQL it aborts the transaction up to the savepoint.
      FRUGAL_CHECK(s->execute("INSERT INTO quotas (scope, name, period, updated_at) VALUES ('nope', 'x', 'monthly', 'x')"));
      return {};
    });
    EXPECT_FALSE(inner);
    return s->transaction([&]() -> Result<void> {
      add_quota(*s, "also kept");
      return {};
    });
  });
  ASSERT_TRUE(outer) << outer.error().message;
  EXPECT_EQ(column_strings(*s, "SELECT name FROM quotas ORDER BY name"),
            (std::vector<std::string>{"also kept", "kept"}));
}

TEST_P(StoreBackends, AQueryPastItsTimeLimitIsStopped) {
  FRUGAL_REQUIRE_DATABASE(db);
  auto s = open(Access::read_only);
  s->set_query_time_limit(50);
  auto r = s->query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("time limit of 50 ms"), std::string::npos) << r.error().message;
  EXPECT_TRUE(s->query("SELECT 1")) << "the connection still works";
}

TEST_P(StoreBackends, ReadOnlyConnectionRefusesEveryWrite) {
  FRUGAL_REQUIRE_DATABASE(db);
  open();
  auto ro = open(Access::read_only);
  std::vector<std::string> writes = {
      "DELETE FROM runs", "INSERT INTO quotas (scope, name, period, updated_at) VALUES ('team','a','monthly','x')",
      "DROP TABLE runs", "CREATE TABLE t (x INTEGER)", "UPDATE runs SET cost_nanos = 0"};
  if (GetParam() == Backend::postgresql)  // SQLite has no writes inside WITH
    writes.push_back("WITH gone AS (DELETE FROM quotas RETURNING 1) SELECT count(*) FROM gone");
  for (const std::string& sql : writes) {
    auto r = ro->query(sql);
    EXPECT_FALSE(r) << sql;
    if (!r) {
      EXPECT_NE(r.error().message.find("read-only"), std::string::npos) << sql << ": " << r.error().message;
    }
    EXPECT_FALSE(ro->execute(sql)) << sql;
  }
  EXPECT_TRUE(ro->query("SELECT count(*) FROM runs"));
  EXPECT_TRUE(ro->query("SELECT count(*) FROM v_run_costs"));
}

TEST_P(StoreBackends, ConcurrentWritersFromManyConnectionsLoseNothing) {
  FRUGAL_REQUIRE_DATABASE(db);
  open();
  constexpr int k_threads = 4, k_rows = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&, t] {
      auto s = open_store(db.location());
      if (!s) { ++failures; return; }
      for (int i = 0; i < k_rows; ++i) {
        auto r = (*s)->transaction([&]() -> Result<void> {
          add_quota(**s, fmt::format("t{}-{}", t, i));
          return {};
        });
        if (!r) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(as_int(open()->query("SELECT count(*) FROM quotas")->rows.at(0).at(0)), k_threads * k_rows);
}

TEST_P(StoreBackends, RejectsMoreThanOneStatementPerCall) {
  FRUGAL_REQUIRE_DATABASE(db);
  auto s = open();
  add_quota(*s, "a");
  EXPECT_FALSE(s->query("SELECT 1; DELETE FROM quotas"));
  EXPECT_FALSE(s->execute("SELECT 1; DELETE FROM quotas"));
  EXPECT_EQ(as_int(s->query("SELECT count(*) FROM quotas")->rows.at(0).at(0)), 1);
}

// Bulk inserts (bills, metric batches) go through prepare(); on PostgreSQL that is COPY, whose
// text format must carry every value exactly, awkward characters and extremes included.
TEST_P(StoreBackends, PreparedBulkInsertStoresEveryValueExactly) {
  FRUGAL_REQUIRE_DATABASE(db);
  auto s = open();
  const std::vector<std::string> names = {"plain", "tab\there", "new\nline", "back\\slash", "quote'\"", "\\N",
                                          "ünïcødé", "carriage\rreturn", ""};
  auto r = s->transaction([&]() -> Result<void> {
    auto insert = FRUGAL_TRY(s->prepare(
        "INSERT INTO quotas (scope, name, period, limit_usd_nanos, limit_gpu_hours, updated_at) VALUES (?, ?, ?, ?, ?, ?)"));
    for (std::size_t i = 0; i < names.size(); ++i) {
      std::vector<ValueView> row = {std::string_view("team"), std::string_view(names[i]), std::string_view("monthly"),
                                    i % 2 ? ValueView{std::int64_t{9'223'372'036'854'775'807}} : ValueView{},
                                    i % 3 ? ValueView{0.1 + static_cast<double>(i)} : ValueView{},
                                    std::string_view("2026-11-26T00:00:00.000Z")};
      FRUGAL_TRY(insert->execute_views(row));
    }
    return {};
  });
  ASSERT_TRUE(r) << r.error().message;
  auto rows = s->query("SELECT name, limit_usd_nanos, limit_gpu_hours FROM quotas");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->rows.size(), names.size());
  std::map<std::string, Row> by_name;
  for (const auto& row : rows->rows) by_name[as_text(row[0])] = row;
  for (std::size_t i = 0; i < names.size(); ++i) {
    ASSERT_TRUE(by_name.count(names[i])) << "missing " << names[i];
    const Row& row = by_name[names[i]];
    if (i % 2) EXPECT_EQ(as_int(row[1]), 9'223'372'036'854'775'807) << names[i];
    else EXPECT_TRUE(is_null(row[1])) << names[i];
    if (i % 3) EXPECT_EQ(std::get<double>(row[2]), 0.1 + static_cast<double>(i)) << names[i];
    else EXPECT_TRUE(is_null(row[2])) << names[i];
  }
}

TEST_P(StoreBackends, ABulkInsertThatBreaksAConstraintRollsBackWholly) {
  FRUGAL_REQUIRE_DATABASE(db);
  auto s = open();
  auto r = s->transaction([&]() -> Result<void> {
    auto insert = FRUGAL_TRY(s->prepare("INSERT INTO quotas (scope, name, period, updated_at) VALUES (?, ?, ?, ?)"));
    for (int i = 0; i < 1000; ++i) {
      std::vector<Value> row = {std::string("team"), fmt::format("q{}", i % 999), std::string("monthly"), std::string("x")};
      FRUGAL_TRY(insert->execute(row));  // row 1000 repeats row 1's key
    }
    return {};
  });
  EXPECT_FALSE(r);
  EXPECT_EQ(as_int(s->query("SELECT count(*) FROM quotas")->rows.at(0).at(0)), 0);
}

TEST_P(StoreBackends, TextWithANulCharacterIsKeptWholeOrRefusedNeverCutShort) {
  // SQLite's text holds U+0000; PostgreSQL's cannot, and libpq would end the value at it. A
  // backend that cannot keep the text whole refuses it: on a statement, in a bulk insert (COPY on
  // PostgreSQL), and as a query's parameter.
  FRUGAL_REQUIRE_DATABASE(db);
  auto s = open();
  const std::string nul("a\0b", 3);
  bool whole = GetParam() == Backend::sqlite;
  std::vector<Value> p = {nul};
  auto one = s->execute("INSERT INTO quotas (scope, name, period, updated_at) VALUES ('team', ?, 'monthly', 'x')", p);
  auto bulk = s->transaction([&]() -> Result<void> {
    auto insert = FRUGAL_TRY(s->prepare("INSERT INTO quotas (scope, name, period, updated_at) VALUES (?, ?, ?, ?)"));
    std::vector<ValueView> row = {std::string_view("project"), std::string_view(nul), std::string_view("monthly"), std::string_view("x")};
    FRUGAL_TRY(insert->execute_views(row));
    return {};
  });
  auto asked = s->query("SELECT count(*) FROM quotas WHERE name = ?", p);
  EXPECT_EQ(bool(one), whole);
  EXPECT_EQ(bool(bulk), whole);
  EXPECT_EQ(bool(asked), whole);
  if (!whole) {
    for (const Error& e : {one.error(), bulk.error(), asked.error()}) {
      EXPECT_EQ(e.code, ErrorCode::invalid) << e.message;
      EXPECT_NE(e.message.find("NUL character"), std::string::npos) << e.message;
    }
    EXPECT_EQ(as_int(s->query("SELECT count(*) FROM quotas")->rows.at(0).at(0)), 0) << "nothing stored cut short";
  } else {
    EXPECT_EQ(column_strings(*s, "SELECT name FROM quotas"), (std::vector<std::string>{nul, nul}));
  }
}

TEST_P(StoreBackends, SumsOfMoneyComeBackAsExactIntegers) {
  FRUGAL_REQUIRE_DATABASE(db);
  auto s = open();
  std::vector<Value> p = {std::int64_t{4'000'000'000'000'000'000}, std::int64_t{4'000'000'000'000'000'001}};
  ASSERT_TRUE(s->execute("INSERT INTO quotas (scope, name, period, limit_usd_nanos, updated_at) VALUES "
                         "('team', 'a', 'monthly', ?, 'x'), ('team', 'b', 'monthly', ?, 'x')",
                         p));
  auto sum = s->query("SELECT sum(limit_usd_nanos) FROM quotas");
  ASSERT_TRUE(sum);
  EXPECT_EQ(as_int(sum->rows.at(0).at(0)), 8'000'000'000'000'000'001);
}

// The views BI tools read have the same columns on both backends.
TEST_P(StoreBackends, BiViewsHaveTheDocumentedColumns) {
  FRUGAL_REQUIRE_DATABASE(db);
  auto s = open(Access::read_only);
  const std::map<std::string, std::vector<std::string>> expected = {
      {"v_run_costs", {"run_id", "name", "username", "team", "project", "model", "dataset", "experiment", "provider",
                       "region", "instance_type", "pricing", "gpu_count", "status", "started_at", "ended_at", "day",
                       "hours", "gpu_hours", "cost_usd", "billed_cost_usd", "idle_cost_usd", "saved_usd", "cost_nanos"}},
      {"v_daily_costs", {"day", "dimension", "key", "currency", "charge_rows", "billed_cost", "effective_cost", "list_cost"}},
      {"v_leaderboard", {"day", "dimension", "key", "runs", "failures", "cost_usd", "gpu_hours", "hours",
                         "idle_cost_usd", "cost_nanos"}}};
  for (const auto& [view, columns] : expected) {
    auto r = s->query("SELECT * FROM " + view + " LIMIT 0");
    ASSERT_TRUE(r) << view << ": " << r.error().message;
    EXPECT_EQ(r->columns, columns) << view;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreBackends, FRUGAL_BACKENDS);

}  // namespace
}  // namespace frugal::store
