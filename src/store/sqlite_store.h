#pragma once
// SqliteStore: the embedded backend. One sqlite3 connection in WAL mode with a busy timeout, so
// many `frugal run` processes can write one file at once. Private to store/: others use store.h.
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "store/sqlite_checkpointer.h"
#include "store/sqlite_printf_guard.h"
#include "store/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace frugal::store {

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, Access access);
  ~SqliteStore() override;

  Result<QueryResult> query(std::string_view sql, std::span<const Value> params) override;
  Result<void> for_each_row(std::string_view sql, std::span<const Value> params,
                            const std::function<bool(const Row&)>& on_row) override;
  Result<void> stream(std::string_view sql, std::span<const Value> params,
                      const std::function<void(const std::vector<std::string>&)>& on_columns,
                      const std::function<bool(const Row&)>& on_row) override;
  Result<std::int64_t> execute(std::string_view sql, std::span<const Value> params) override;
  Result<std::unique_ptr<Statement>> prepare(std::string_view sql) override;
  Result<void> transaction(const std::function<Result<void>()>& body) override;
  Result<std::vector<std::string>> explain(std::string_view sql, std::span<const Value> params) override;
  void set_query_time_limit(int milliseconds) override { m_time_limit_ms = milliseconds; }
  void set_query_memory_limit(std::int64_t bytes) override;
  bool in_transaction() const override;
  Result<void> checkpoint_in_background() override;
  std::string describe() const override { return "sqlite:" + m_path; }
  int schema_version() const override { return m_schema_version; }
  std::string_view dialect() const override { return "sqlite"; }

 private:
  SqliteStore(sqlite3* db, std::string path, Access access) : m_db(db), m_path(std::move(path)), m_access(access) {}
  // Runs `sql`, handing its column names to `on_columns` (if any) before the first step, then each row.
  Result<void> run(std::string_view sql, std::span<const Value> params,
                   const std::function<void(const std::vector<std::string>&)>* on_columns,
                   const std::function<bool(const Row&)>& on_row);
  // The error for a step that ended with `rc`, naming the limit that stopped it if one did.
  Error step_error(int rc, bool over_memory_budget);
  Result<void> configure();
  Result<void> check_identity();
  Result<void> use_wal();
  Result<void> migrate();
  Result<int> read_user_version();
  Result<void> exec_script(std::string_view sql);
  // One statement without parameters or rows (BEGIN, SAVEPOINT, COMMIT...), prepared once: a
  // server's group commit runs two a write (with the cached INSERT of prepare(), 7-10% less server
  // CPU a log-metric, bench/server/cpu_per_request.sh).
  Result<void> exec_cached(std::string_view sql);
  Error error(std::string_view what) const;

  sqlite3* m_db;
  std::string m_path;
  Access m_access;
  int m_schema_version = 0;
  int m_time_limit_ms = 0;
  std::int64_t m_memory_limit_bytes = 0;
  std::unique_ptr<PrintfGuard> m_printf_guard;  // installed with the first memory limit
  std::unique_ptr<BackgroundCheckpointer> m_checkpointer;  // see checkpoint_in_background()
  std::chrono::steady_clock::time_point m_deadline{};
  // The library's own statements, kept prepared by their SQL and reset after each run: preparing
  // was most of a small query's cost (bench/server: a server request runs three). Only on
  // read-write connections; user SQL on read-only ones is prepared each time. See cached().
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, StringHash, std::equal_to<>> m_statements;
  // A prepared statement for `sql`: the cached one when it is free (not stepping in a caller up
  // the stack), else a new one; `*keep` says whether the caller resets it (true) or finalizes it.
  Result<sqlite3_stmt*> cached(std::string_view sql, bool* keep);
};

// Shared by SqliteStore and its prepared statements (sqlite_statement.cpp).
Result<sqlite3_stmt*> sqlite_prepare(sqlite3* db, std::string_view sql);
Result<void> sqlite_bind(sqlite3* db, sqlite3_stmt* stmt, std::span<const Value> params);
Value sqlite_column(sqlite3_stmt* stmt, int column);
// `borrowed`: `stmt` is one of the store's cached statements, reset rather than finalized when the
// Statement goes (so the Statement must not outlive the store, which finalizes it).
std::unique_ptr<Statement> make_sqlite_statement(sqlite3* db, sqlite3_stmt* stmt, bool borrowed = false);

}  // namespace frugal::store
