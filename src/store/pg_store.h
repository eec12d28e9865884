#pragma once
// PgStore: the team server's backend. One libpq connection to a PostgreSQL database that several
// `frugal serve` processes (and BI tools) share. Private to store/: others use store.h.
//
// It speaks the same SQL as SqliteStore: statements arrive in SQLite's dialect with `?` marks and
// pg_dialect.h rewrites them. A lost connection (the database restarted) is reopened on the next
// statement; a transaction cut off before its COMMIT was sent is rolled back by the server and is
// run again, so a caller only sees an error when the server stays away or the COMMIT's fate is
// unknown.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace frugal::store {

class PgCopyStatement;
struct PgParams;
// How a COPY sends a column's values (pg_statement.cpp).
enum class PgWire { int8, float8, text };

class PgStore final : public Store {
 public:
  static Result<std::unique_ptr<PgStore>> open(const std::string& url, Access access);
  ~PgStore() override;

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
  void set_query_time_limit(int milliseconds) override;
  void set_query_memory_limit(std::int64_t bytes) override { m_memory_limit_bytes = bytes; }
  bool in_transaction() const override;
  std::string describe() const override { return m_description; }
  int schema_version() const override { return m_schema_version; }
  std::string_view dialect() const override { return "postgresql"; }
  // The wire types of `columns` of `table` for a binary COPY; empty when one is of another type.
  Result<std::vector<PgWire>> copy_wires(const std::string& table, const std::vector<std::string>& columns);

  // Used by this backend's statements (pg_statement.cpp).
  PGconn* connection() { return m_conn; }
  Error error(std::string_view what, const PGresult* result) const;
  // Runs before any other statement: rows a COPY statement still holds go first, in order.
  Result<void> flush_copies();
  // Before a rollback: rows the COPY statements hold, a COPY left open and an error deferred from
  // one are dropped with what they belonged to, so the ROLLBACK itself is sent.
  void abandon_copies();
  void register_copy(PgCopyStatement* s) { m_copies.push_back(s); }
  void unregister_copy(PgCopyStatement* s);
  // Re-opens a connection the server dropped, waiting up to a few seconds for it to come back.
  Result<void> reconnect_if_lost();
  // Whether the connection is gone (the last failure was the server going away).
  bool connection_lost() const;
  // Grows each time the connection is re-opened: prepared statements are gone with the old one.
  std::uint64_t generation() const { return m_generation; }
  // A COPY that failed after its statement was gone: the next statement or COMMIT reports it.
  void defer_error(Error e) { if (!m_deferred_error) m_deferred_error = std::move(e); }

 private:
  PgStore(PGconn* conn, std::string description, Access access)
      : m_conn(conn), m_description(std::move(description)), m_access(access) {}
  Result<void> run(std::string_view sql, std::span<const Value> params, std::vector<std::string>* columns_out,
                   const std::function<bool(const Row&)>& on_row);
  // Runs `once` with `sql` in PostgreSQL's dialect: on a read-only connection in a READ ONLY
  // transaction of its own; a read outside a transaction is sent again on a new connection when
  // the old one was lost and `may_retry()` says so.
  Result<void> read_with(std::string_view sql, const std::function<Result<void>(const std::string&)>& once,
                         const std::function<bool()>& may_retry);
  Result<void> run_once(const std::string& sql, std::span<const Value> params, std::vector<std::string>* columns_out,
                        const std::function<bool(const Row&)>& on_row);
  // One statement in libpq's single-row mode; `delivered` tells whether a row reached `on_row`.
  // A statement stopped early is cancelled when `Cancel::yes` (no transaction of the caller's is open).
  enum class Cancel { no, yes };
  Result<void> run_streamed(const std::string& sql, std::span<const Value> params, Cancel cancel,
                            const std::function<void(const std::vector<std::string>&)>& on_columns,
                            const std::function<bool(const Row&)>& on_row, bool& delivered);
  // Asks the server to stop the statement in flight (best effort: its rows are read and dropped anyway).
  void cancel_statement();
  // The error for row `row` of `result` when it is over the memory limit.
  std::optional<Error> over_memory_limit(const PGresult* result, int row) const;
  Result<void> exec_script(std::string_view sql);
  // Sends `sql` as it is (no COPY is flushed first): for ROLLBACK after abandon_copies.
  Result<void> exec_now(std::string_view sql);
  // COMMIT, checked: a transaction the server had aborted answers COMMIT with "ROLLBACK" and an OK
  // status; that is a failure, never a commit.
  Result<void> commit();
  PGresult* exec_params(const std::string& sql, const PgParams& params);
  Result<void> configure_session();
  Result<void> migrate();
  Result<int> read_schema_version();

  PGconn* m_conn;
  std::string m_description;  // the URL without its password
  Access m_access;
  int m_schema_version = 0;
  int m_time_limit_ms = 0;
  std::int64_t m_memory_limit_bytes = 0;
  bool m_reader_role = false;  // a read-only connection reads as frugal_reader
  int m_depth = 0;  // open transactions: 1 for BEGIN, more for savepoints inside it
  std::vector<PgCopyStatement*> m_copies;
  // Column types of the tables COPY writes, by "table(columns)": looked up once per connection.
  std::map<std::string, std::vector<PgWire>> m_wires;
  // Named server-side statements of the SQL this connection ran, so a server's hot queries are
  // parsed and planned once (by SQL text; emptied when the connection is re-opened).
  std::map<std::string, std::string> m_prepared;
  std::uint64_t m_prepared_generation = 0;
  std::uint64_t m_prepared_count = 0;  // names are never reused within a connection
  std::uint64_t m_generation = 0;
  std::optional<Error> m_deferred_error;
};

// Shared with pg_statement.cpp: libpq's text form of a value and the row it reads back.
struct PgParams {
  std::vector<std::string> text;
  std::vector<const char*> values;
  std::vector<unsigned> types;
  // Errors: invalid for text holding a NUL character, which PostgreSQL's text cannot hold (and
  // libpq would cut the value short at it, silently).
  [[nodiscard]] Result<void> bind(std::span<const Value> params);
  [[nodiscard]] Result<void> bind(std::span<const ValueView> params);
};

// Errors: invalid, quoting the start of `text`, when it holds a NUL character (U+0000).
Result<void> check_no_nul(std::string_view text);
Value pg_value(const PGresult* result, int row, int column);

}  // namespace frugal::store
