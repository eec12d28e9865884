#pragma once
// FaultStore: a store::Store that fails on demand, so a test can show that an operation leaves
// the database as it was, and says so, when any one of its statements or its commit fails
// (LevelDB's SpecialEnv, for our one door to the database).
//
// It forwards everything to an inner store, owned (unique_ptr) or borrowed (a reference, which
// must outlive it), and counts every call that reaches the engine: query, for_each_row, stream, execute,
// prepare, explain, and execute / execute_views of the statements it prepares (they are wrapped
// too); besides, every commit of an outermost transaction whose body succeeded.
// - fail_statement(n): the nth statement counted from now fails with ErrorCode::io, before it
//   runs (Timing::before_running), or once it has run (Timing::after_running: as a connection lost
//   before the answer came: the work may be done, the caller hears it failed).
// - fail_commit(n): the nth outermost commit from now fails: the transaction's body succeeded, then
//   the injected error makes the inner store roll the whole transaction back, and transaction()
//   returns that error. Savepoints (a transaction inside another) are not commits.
// One fault is armed at a time (arming again replaces it); it fires once, and then the store is
// healthy again. The error's message starts with "injected fault" and names the statement (its
// SQL) or the commit it hit.
//
// The statements it prepares must not outlive it (as with any Store).
//
// Threads: like any Store, one thread at a time uses it (and its statements). Arming, disarming
// and the counters may be used from another thread (the test's, while a server's writer thread
// writes through it); arm before handing work over, read once the work is answered.
//
// Also here: dump_tables / dump_difference, every row of every table in a stable order, to show
// that a database is exactly as it was.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"
#include "store/store.h"

namespace frugal::testing {

class FaultStore final : public store::Store {
 public:
  enum class Timing { before_running, after_running };

  explicit FaultStore(std::unique_ptr<store::Store> inner) : m_owned(std::move(inner)), m_inner(*m_owned) {}
  explicit FaultStore(store::Store& inner) : m_inner(inner) {}

  // The nth statement from now (1: the next) fails. REQUIRES: n >= 1.
  void fail_statement(std::int64_t n, Timing timing = Timing::before_running);
  // The nth outermost commit from now (1: the next) fails, rolling its transaction back. REQUIRES: n >= 1.
  void fail_commit(std::int64_t n = 1);
  void disarm();

  // Whether the armed fault was injected (since it was armed).
  bool fired() const;
  // Counted since the store was made; statements and commits that failed by injection included.
  std::int64_t statements() const;
  std::int64_t commits() const;
  // "execute INSERT INTO params ..." for each statement counted, oldest first, with "BEGIN" where an
  // outermost transaction began and "COMMIT" where its body succeeded (a commit counted): for
  // finding which statements an operation runs, and in which transaction.
  std::vector<std::string> trace() const;
  // The nth statement counted since the store was made (1: the first), as in trace(); "" if none.
  std::string statement(std::int64_t n) const;

  store::Store& inner() { return m_inner; }

  // ---- store::Store ----
  Result<store::QueryResult> query(std::string_view sql, std::span<const store::Value> params = {}) override;
  Result<void> for_each_row(std::string_view sql, std::span<const store::Value> params,
                            const std::function<bool(const store::Row&)>& on_row) override;
  Result<void> stream(std::string_view sql, std::span<const store::Value> params,
                      const std::function<void(const std::vector<std::string>&)>& on_columns,
                      const std::function<bool(const store::Row&)>& on_row) override;
  Result<std::int64_t> execute(std::string_view sql, std::span<const store::Value> params = {}) override;
  Result<std::unique_ptr<store::Statement>> prepare(std::string_view sql) override;
  void set_query_time_limit(int milliseconds) override { m_inner.set_query_time_limit(milliseconds); }
  void set_query_memory_limit(std::int64_t bytes) override { m_inner.set_query_memory_limit(bytes); }
  Result<void> transaction(const std::function<Result<void>()>& body) override;
  bool in_transaction() const override { return m_inner.in_transaction(); }
  Result<std::vector<std::string>> explain(std::string_view sql, std::span<const store::Value> params = {}) override;
  std::string describe() const override { return m_inner.describe(); }
  std::string_view dialect() const override { return m_inner.dialect(); }
  int schema_version() const override { return m_inner.schema_version(); }

 private:
  class FaultStatement;
  enum class Armed { nothing, statement, commit };
  // What to do about the statement now being counted.
  struct Verdict {
    std::optional<Error> injected;
    Timing timing = Timing::before_running;
  };

  Verdict count_statement(std::string_view kind, std::string_view sql);
  std::optional<Error> count_commit();
  template <typename T, typename Run>
  Result<T> guarded(std::string_view kind, std::string_view sql, Run&& run);

  std::unique_ptr<store::Store> m_owned;
  store::Store& m_inner;
  mutable std::mutex m_mutex;
  Armed m_armed = Armed::nothing;
  Timing m_timing = Timing::before_running;
  std::int64_t m_countdown = 0;
  bool m_fired = false;
  std::int64_t m_statements = 0;
  std::int64_t m_commits = 0;
  std::vector<std::string> m_trace;
  int m_depth = 0;  // transactions opened through this store and still open (the using thread's)
};

// For gtest's names of tests parameterised by it.
inline void PrintTo(FaultStore::Timing timing, std::ostream* out) {
  *out << (timing == FaultStore::Timing::before_running ? "before_running" : "after_running");
}

// Every row of every table of the schema, each row as text, sorted: two dumps are equal exactly
// when the tables hold the same rows. (Not sequences: PostgreSQL never rolls those back.)
using TableDump = std::map<std::string, std::vector<std::string>>;
inline Result<TableDump> dump_tables(store::Store& store);
// The rows `sql` returns, each as text ("'vision' | 12 | NULL"), sorted.
inline Result<std::vector<std::string>> dump_rows(store::Store& store, std::string_view sql);
// "" when equal; else, per table that differs, a few rows found in only one of them.
inline std::string dump_difference(const TableDump& before, const TableDump& after);

// ---- Inline bodies ---------------------------------------------------------------------------

namespace fault_store_detail {

inline std::string shorten(std::string_view sql) {
  std::string out;
  for (char c : sql) {
    if ((c == '\n' || c == ' ') && (out.empty() || out.back() == ' ')) continue;
    out += c == '\n' ? ' ' : c;
  }
  if (out.size() > 90) out = out.substr(0, 87) + "...";
  return out;
}

inline std::string cell(const store::Value& v) {
  if (store::is_null(v)) return "NULL";
  if (auto d = std::get_if<double>(&v)) return fmt::format("{:.17g}", *d);
  if (auto s = std::get_if<std::string>(&v)) return fmt::format("'{}'", *s);
  return store::as_text(v);
}

}  // namespace fault_store_detail

class FaultStore::FaultStatement final : public store::Statement {
 public:
  FaultStatement(FaultStore& owner, std::unique_ptr<store::Statement> inner, std::string sql)
      : m_owner(owner), m_inner(std::move(inner)), m_sql(std::move(sql)) {}
  Result<std::int64_t> execute(std::span<const store::Value> params) override {
    return m_owner.guarded<std::int64_t>("statement execute", m_sql, [&] { return m_inner->execute(params); });
  }
  Result<std::int64_t> execute_views(std::span<const store::ValueView> params) override {
    return m_owner.guarded<std::int64_t>("statement execute_views", m_sql, [&] { return m_inner->execute_views(params); });
  }

 private:
  FaultStore& m_owner;
  std::unique_ptr<store::Statement> m_inner;
  std::string m_sql;
};

inline void FaultStore::fail_statement(std::int64_t n, Timing timing) {
  std::lock_guard lock(m_mutex);
  m_armed = Armed::statement;
  m_timing = timing;
  m_countdown = n;
  m_fired = false;
}

inline void FaultStore::fail_commit(std::int64_t n) {
  std::lock_guard lock(m_mutex);
  m_armed = Armed::commit;
  m_countdown = n;
  m_fired = false;
}

inline void FaultStore::disarm() {
  std::lock_guard lock(m_mutex);
  m_armed = Armed::nothing;
}

inline bool FaultStore::fired() const {
  std::lock_guard lock(m_mutex);
  return m_fired;
}

inline std::int64_t FaultStore::statements() const {
  std::lock_guard lock(m_mutex);
  return m_statements;
}

inline std::int64_t FaultStore::commits() const {
  std::lock_guard lock(m_mutex);
  return m_commits;
}

inline std::vector<std::string> FaultStore::trace() const {
  std::lock_guard lock(m_mutex);
  return m_trace;
}

inline std::string FaultStore::statement(std::int64_t n) const {
  std::lock_guard lock(m_mutex);
  for (const auto& line : m_trace)
    if (line != "BEGIN" && line != "COMMIT" && --n == 0) return line;
  return "";
}

inline FaultStore::Verdict FaultStore::count_statement(std::string_view kind, std::string_view sql) {
  std::lock_guard lock(m_mutex);
  ++m_statements;
  std::string what = fmt::format("{} {}", kind, fault_store_detail::shorten(sql));
  m_trace.push_back(what);
  if (m_armed != Armed::statement || --m_countdown > 0) return {};
  m_armed = Armed::nothing;
  m_fired = true;
  return {Error{ErrorCode::io, fmt::format("injected fault at statement {} of this store ({}{})", m_statements, what,
                                           m_timing == Timing::after_running ? ", after it ran" : "")},
          m_timing};
}

inline std::optional<Error> FaultStore::count_commit() {
  std::lock_guard lock(m_mutex);
  ++m_commits;
  m_trace.push_back("COMMIT");
  if (m_armed != Armed::commit || --m_countdown > 0) return std::nullopt;
  m_armed = Armed::nothing;
  m_fired = true;
  return Error{ErrorCode::io, fmt::format("injected fault at commit {} of this store", m_commits)};
}

template <typename T, typename Run>
Result<T> FaultStore::guarded(std::string_view kind, std::string_view sql, Run&& run) {
  Verdict verdict = count_statement(kind, sql);
  if (verdict.injected && verdict.timing == Timing::before_running) return std::unexpected(*verdict.injected);
  Result<T> result = run();
  if (verdict.injected) return std::unexpected(*verdict.injected);
  return result;
}

inline Result<store::QueryResult> FaultStore::query(std::string_view sql, std::span<const store::Value> params) {
  return guarded<store::QueryResult>("query", sql, [&] { return m_inner.query(sql, params); });
}

inline Result<void> FaultStore::for_each_row(std::string_view sql, std::span<const store::Value> params,
                                             const std::function<bool(const store::Row&)>& on_row) {
  return guarded<void>("for_each_row", sql, [&] { return m_inner.for_each_row(sql, params, on_row); });
}

inline Result<void> FaultStore::stream(std::string_view sql, std::span<const store::Value> params,
                                       const std::function<void(const std::vector<std::string>&)>& on_columns,
                                       const std::function<bool(const store::Row&)>& on_row) {
  return guarded<void>("stream", sql, [&] { return m_inner.stream(sql, params, on_columns, on_row); });
}

inline Result<std::int64_t> FaultStore::execute(std::string_view sql, std::span<const store::Value> params) {
  return guarded<std::int64_t>("execute", sql, [&] { return m_inner.execute(sql, params); });
}

inline Result<std::unique_ptr<store::Statement>> FaultStore::prepare(std::string_view sql) {
  auto prepared = guarded<std::unique_ptr<store::Statement>>("prepare", sql, [&] { return m_inner.prepare(sql); });
  if (!prepared) return std::unexpected(prepared.error());
  return std::unique_ptr<store::Statement>(new FaultStatement(*this, std::move(*prepared), std::string(sql)));
}

inline Result<std::vector<std::string>> FaultStore::explain(std::string_view sql, std::span<const store::Value> params) {
  return guarded<std::vector<std::string>>("explain", sql, [&] { return m_inner.explain(sql, params); });
}

inline Result<void> FaultStore::transaction(const std::function<Result<void>()>& body) {
  struct Depth {
    int& depth;
    explicit Depth(int& d) : depth(d) { ++depth; }
    ~Depth() { --depth; }
  };
  // A savepoint, or a transaction the caller opened on the inner store itself: not a commit.
  if (m_depth > 0 || m_inner.in_transaction()) {
    Depth depth(m_depth);
    return m_inner.transaction(body);
  }
  Depth depth(m_depth);
  {
    std::lock_guard lock(m_mutex);
    m_trace.push_back("BEGIN");
  }
  return m_inner.transaction([&]() -> Result<void> {
    FRUGAL_CHECK(body());
    if (auto injected = count_commit()) return std::unexpected(*injected);
    return {};
  });
}

inline Result<TableDump> dump_tables(store::Store& store) {
  std::string tables_sql =
      store.dialect() == "postgresql"
          ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY 1"
          : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1";
  auto tables = FRUGAL_TRY(store.query(tables_sql));
  TableDump dump;
  for (const auto& t : tables.rows) {
    std::string table = store::as_text(t[0]);
    dump[table] = FRUGAL_TRY(dump_rows(store, "SELECT * FROM " + table));
  }
  return dump;
}

inline Result<std::vector<std::string>> dump_rows(store::Store& store, std::string_view sql) {
  std::vector<std::string> rows;
  FRUGAL_CHECK(store.for_each_row(sql, {}, [&](const store::Row& row) {
    std::string line;
    for (const auto& v : row) line += (line.empty() ? "" : " | ") + fault_store_detail::cell(v);
    rows.push_back(std::move(line));
    return true;
  }));
  std::sort(rows.begin(), rows.end());
  return rows;
}

inline std::string dump_difference(const TableDump& before, const TableDump& after) {
  std::set<std::string> tables;
  for (const auto& [t, rows] : before) tables.insert(t);
  for (const auto& [t, rows] : after) tables.insert(t);
  static const std::vector<std::string> k_none;
  std::string out;
  for (const auto& t : tables) {
    auto b = before.find(t), a = after.find(t);
    const auto& rb = b == before.end() ? k_none : b->second;
    const auto& ra = a == after.end() ? k_none : a->second;
    if (rb == ra) continue;
    std::vector<std::string> gone, added;
    std::set_difference(rb.begin(), rb.end(), ra.begin(), ra.end(), std::back_inserter(gone));
    std::set_difference(ra.begin(), ra.end(), rb.begin(), rb.end(), std::back_inserter(added));
    out += fmt::format("table {}: {} rows before, {} after\n", t, rb.size(), ra.size());
    for (std::size_t i = 0; i < gone.size() && i < 3; ++i) out += "  only before: " + gone[i] + "\n";
    for (std::size_t i = 0; i < added.size() && i < 3; ++i) out += "  only after:  " + added[i] + "\n";
  }
  return out;
}

}  // namespace frugal::testing
