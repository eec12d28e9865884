#include <fmt/format.h>
#include <sqlite3.h>

#include "store/sqlite_store.h"

namespace frugal::store {
namespace {

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, bool borrowed) : m_db(db), m_stmt(stmt), m_borrowed(borrowed) {}
  ~SqliteStatement() override {
    if (!m_borrowed) {
      sqlite3_finalize(m_stmt);
      return;
    }
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);  // text bound SQLITE_STATIC may be gone by the next use
  }

  Result<std::int64_t> execute(std::span<const Value> params) override {
    FRUGAL_CHECK(sqlite_bind(m_db, m_stmt, params));
    return step();
  }

  Result<std::int64_t> execute_views(std::span<const ValueView> params) override {
    sqlite3_reset(m_stmt);
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(m_stmt))
      return fail(ErrorCode::invalid, fmt::format("sql: {} parameters given, {} expected", params.size(),
                                                  sqlite3_bind_parameter_count(m_stmt)));
    for (std::size_t i = 0; i < params.size(); ++i) {
      int index = static_cast<int>(i) + 1;
      // SQLITE_STATIC: the text outlives the step below, which runs to completion before we return.
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) return sqlite3_bind_null(m_stmt, index);
            else if constexpr (std::is_same_v<T, std::int64_t>) return sqlite3_bind_int64(m_stmt, index, v);
            else if constexpr (std::is_same_v<T, double>) return sqlite3_bind_double(m_stmt, index, v);
            else return sqlite3_bind_text(m_stmt, index, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
          },
          params[i]);
      if (rc != SQLITE_OK) return fail(ErrorCode::invalid, fmt::format("sql: bind: {}", sqlite3_errmsg(m_db)));
    }
    return step();
  }

 private:
  Result<std::int64_t> step() {
    int rc;
    while ((rc = sqlite3_step(m_stmt)) == SQLITE_ROW) {
    }
    sqlite3_reset(m_stmt);
    if (rc != SQLITE_DONE)
      return fail(rc == SQLITE_CONSTRAINT ? ErrorCode::conflict : ErrorCode::io,
                  fmt::format("sqlite: {}", sqlite3_errmsg(m_db)));
    return sqlite3_changes64(m_db);
  }

  sqlite3* m_db;
  sqlite3_stmt* m_stmt;
  bool m_borrowed;  // the store's cached statement: reset when done with, never finalized here
};

}  // namespace

Result<sqlite3_stmt*> sqlite_prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, &tail);
  if (rc == SQLITE_AUTH)
    return fail(ErrorCode::invalid, "sql: refused: this SQL surface is read-only (no writes, ATTACH, "
                                    "schema changes or setting pragmas)");
  if (rc != SQLITE_OK) return fail(ErrorCode::invalid, fmt::format("sql: {}", sqlite3_errmsg(db)));
  if (!stmt) return fail(ErrorCode::invalid, "sql: empty statement");
  // Whatever follows must be no statement at all (whitespace, ';' or comments).
  const char* rest = tail;
  const char* end = sql.data() + sql.size();
  while (rest < end) {
    sqlite3_stmt* next = nullptr;
    const char* next_tail = nullptr;
    int next_rc = sqlite3_prepare_v2(db, rest, static_cast<int>(end - rest), &next, &next_tail);
    if (next_rc != SQLITE_OK || next) {
      sqlite3_finalize(next);
      sqlite3_finalize(stmt);
      return fail(ErrorCode::invalid, "sql: one statement at a time");
    }
    if (next_tail == rest) break;
    rest = next_tail;
  }
  return stmt;
}

Result<void> sqlite_bind(sqlite3* db, sqlite3_stmt* stmt, std::span<const Value> params) {
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt))
    return fail(ErrorCode::invalid, fmt::format("sql: {} parameters given, {} expected", params.size(),
                                                sqlite3_bind_parameter_count(stmt)));
  for (std::size_t i = 0; i < params.size(); ++i) {
    int index = static_cast<int>(i) + 1;
    int rc = std::visit(
        [&](const auto& v) -> int {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) return sqlite3_bind_null(stmt, index);
          else if constexpr (std::is_same_v<T, std::int64_t>) return sqlite3_bind_int64(stmt, index, v);
          else if constexpr (std::is_same_v<T, double>) return sqlite3_bind_double(stmt, index, v);
          else return sqlite3_bind_text(stmt, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        },
        params[i]);
    if (rc != SQLITE_OK) return fail(ErrorCode::invalid, fmt::format("sql: bind: {}", sqlite3_errmsg(db)));
  }
  return {};
}

Value sqlite_column(sqlite3_stmt* stmt, int column) {
  switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_INTEGER: return static_cast<std::int64_t>(sqlite3_column_int64(stmt, column));
    case SQLITE_FLOAT: return sqlite3_column_double(stmt, column);
    case SQLITE_NULL: return std::monostate{};
    default: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
      return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
    }
  }
}

std::unique_ptr<Statement> make_sqlite_statement(sqlite3* db, sqlite3_stmt* stmt, bool borrowed) {
  return std::make_unique<SqliteStatement>(db, stmt, borrowed);
}

}  // namespace frugal::store
