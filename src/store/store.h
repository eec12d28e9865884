#pragma once
// Store: the one door to the database for every domain module. Domain code speaks SQL through
// this interface, with `?` placeholders, and never sees a backend; each backend (SQLite now,
// PostgreSQL for the team server) applies the numbered migrations on open and keeps the same
// documented schema (docs/schema.md).
//
// A Store is one connection: use it from one thread at a time. Many processes may open the same
// database at once; writers wait for each other (busy timeout) instead of failing.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"

namespace frugal::store {

// One SQL value. Money travels as int64 nanos (see core/money.h), times as ISO-8601 text.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;
using Row = std::vector<Value>;
// A value that borrows its text: for hot loops that bind many rows (bulk imports). The text must
// outlive the call it is passed to.
using ValueView = std::variant<std::monostate, std::int64_t, double, std::string_view>;

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<Row> rows;
};

// Helpers for reading cells; the caller knows the column's type from the schema.
bool is_null(const Value& v);
std::int64_t as_int(const Value& v);        // null → 0, text parsed, real truncated
Value text_or_null(std::string_view s);    // "" → null: how optional labels are stored
double as_double(const Value& v);           // null → 0
std::string as_text(const Value& v);        // null → ""

// A prepared statement, for loops that run the same SQL many times (bulk imports).
class Statement {
 public:
  virtual ~Statement() = default;
  // Binds `params`, runs to completion, resets. Returns the number of rows changed.
  virtual Result<std::int64_t> execute(std::span<const Value> params) = 0;
  // The same without copying text.
  virtual Result<std::int64_t> execute_views(std::span<const ValueView> params) = 0;
};

enum class Access { read_write, read_only };

class Store {
 public:
  virtual ~Store() = default;

  // Runs a statement that returns rows (SELECT, or INSERT ... RETURNING).
  virtual Result<QueryResult> query(std::string_view sql, std::span<const Value> params = {}) = 0;
  // Streams rows to `on_row` without holding them all; stop early by returning false. The callback
  // may run statements of its own on this store (PostgreSQL: the whole result is fetched first).
  virtual Result<void> for_each_row(std::string_view sql, std::span<const Value> params,
                                    const std::function<bool(const Row&)>& on_row) = 0;
  // Streams a result of any size in bounded memory, for SQL a user types in: `on_columns` gets the
  // column names once, before the first row (also when there is none), then `on_row` gets each row
  // until it returns false. One row is held at a time (PostgreSQL: libpq's single-row mode, and a
  // statement stopped early is cancelled on the server, unless it runs inside a transaction of the
  // caller, where the rest is read and dropped).
  // REQUIRES: the callbacks use no statement of this store: its connection is busy until this returns.
  virtual Result<void> stream(std::string_view sql, std::span<const Value> params,
                              const std::function<void(const std::vector<std::string>&)>& on_columns,
                              const std::function<bool(const Row&)>& on_row) = 0;
  // Runs a statement for its effect; returns the number of rows changed.
  virtual Result<std::int64_t> execute(std::string_view sql, std::span<const Value> params = {}) = 0;
  virtual Result<std::unique_ptr<Statement>> prepare(std::string_view sql) = 0;
  // Queries (query, for_each_row, stream) that run longer than this are stopped with an error naming
  // the limit (ErrorCode::too_large); 0 (the default) sets none. For SQL a user types in (a server's /sql).
  // SQLite checks the clock between steps of its VM: one function call over big values is one step.
  virtual void set_query_time_limit(int milliseconds) = 0;
  // The memory one query may take, in bytes; past it the query stops with ErrorCode::too_large naming
  // the limit. 0 (the default) sets none. For SQL a user types in.
  // SQLite: the heap SQLite takes while the query runs, counted on the calling thread alone (other
  // connections of the process are never refused memory), and printf()/format() widths and
  // precisions past the limit refused before SQLite pads to them. PostgreSQL: each row as it arrives
  // (libpq has read that row whole by then); the server bounds its own side (work_mem per sort or
  // hash, 1 GB per value).
  virtual void set_query_memory_limit(std::int64_t bytes) = 0;

  // Runs `body` in one write transaction: committed if it succeeds, rolled back (leaving the
  // database exactly as before) if it fails. Called inside another transaction (a server's group
  // commit), it is a savepoint of that one: rolled back alone on failure, committed with it.
  virtual Result<void> transaction(const std::function<Result<void>()>& body) = 0;
  // Whether a transaction is open on this connection (an error the engine could not contain,
  // such as a full disk, rolls back the outer one too).
  virtual bool in_transaction() const = 0;
  // For a connection that commits small transactions often (the server's group-commit writer):
  // moves the engine's periodic housekeeping off the committing thread where the engine allows it.
  // SQLite: WAL checkpoints, and the syncs they make, run on a thread and connection of their own
  // instead of inside the commit that crossed the threshold. A no-op elsewhere.
  virtual Result<void> checkpoint_in_background() { return {}; }

  // The engine's plan for a query, one line per step (for benchmarks and `frugal sql --explain`).
  virtual Result<std::vector<std::string>> explain(std::string_view sql,
                                                   std::span<const Value> params = {}) = 0;

  // "sqlite:/path/to/frugal.db", or the PostgreSQL URL without its password.
  virtual std::string describe() const = 0;
  // "sqlite" or "postgresql": for the few statements that differ (JSON, case-insensitive LIKE).
  virtual std::string_view dialect() const = 0;
  virtual int schema_version() const = 0;
};

// The newest schema version this binary knows.
int latest_schema_version();

// Opens (creating and migrating if needed, unless read_only) the database at `location`: a file
// path for SQLite, or postgresql://user@host:port/db (postgres:// too) for PostgreSQL. A database
// that is not Frugal's, or one with a newer schema than this binary knows, is refused and left
// untouched. A read-only PostgreSQL connection reads in READ ONLY transactions, as the schema's
// reader role where it exists.
Result<std::unique_ptr<Store>> open_store(const std::string& location, Access access = Access::read_write);

// The documented schema (docs/schema.md), generated from the migrations' comments.
std::string schema_markdown();

}  // namespace frugal::store
