// PgStore's prepared statements. A plain multi-row INSERT (`INSERT INTO t (a, b) VALUES (?, ?)`,
// what bill imports and metric batches run once per row) becomes a COPY: rows are buffered as
// COPY text and sent in chunks, which PostgreSQL loads several times faster than one INSERT per
// row (bench/postgres measures it against psql's \copy). Everything else is a server-side
// prepared statement.
#include <libpq-fe.h>

#include <cmath>
#include <regex>

#include <fmt/format.h>

#include "store/pg_dialect.h"
#include "store/pg_store.h"

namespace frugal::store {

class PgCopyStatement final : public Statement {
 public:
  PgCopyStatement(PgStore& store, std::string table, std::string columns, int width)
      : m_store(store), m_copy(fmt::format("COPY {} ({}) FROM STDIN", table, columns)), m_table(std::move(table)),
        m_width(width) {
    m_store.register_copy(this);
  }
  ~PgCopyStatement() override {
    // Rows still buffered go now; a failure is reported by the store's next statement or COMMIT,
    // so the transaction they belong to cannot commit without them.
    if (auto sent = flush(); !sent) m_store.defer_error(sent.error());
    m_store.unregister_copy(this);
  }

  Result<std::int64_t> execute(std::span<const Value> params) override {
    FRUGAL_CHECK(check_width(params.size()));
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (i) m_buffer += '\t';
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) m_buffer += "\\N";
            else if constexpr (std::is_same_v<T, std::int64_t>) m_buffer += std::to_string(v);
            else if constexpr (std::is_same_v<T, double>) append_double(v);
            else append_text(v);
          },
          params[i]);
    }
    return end_row();
  }

  Result<std::int64_t> execute_views(std::span<const ValueView> params) override {
    FRUGAL_CHECK(check_width(params.size()));
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (i) m_buffer += '\t';
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) m_buffer += "\\N";
            else if constexpr (std::is_same_v<T, std::int64_t>) m_buffer += std::to_string(v);
            else if constexpr (std::is_same_v<T, double>) append_double(v);
            else append_text(v);
          },
          params[i]);
    }
    return end_row();
  }

  // Sends the buffered rows as one COPY.
  Result<void> flush() {
    if (m_rows == 0) return {};
    std::string data;
    data.swap(m_buffer);
    std::int64_t rows = m_rows, first = m_sent + 1;
    m_rows = 0;
    m_sent += rows;
    PGconn* conn = m_store.connection();
    PGresult* started = PQexec(conn, m_copy.c_str());
    bool copying = PQresultStatus(started) == PGRES_COPY_IN;
    Error failure = copying ? Error{} : m_store.error("COPY " + m_table, started);
    PQclear(started);
    if (!copying) return std::unexpected(failure);
    bool put = PQputCopyData(conn, data.data(), static_cast<int>(data.size())) == 1;
    PQputCopyEnd(conn, put ? nullptr : "frugal: sending the rows failed");
    Result<void> outcome;
    while (PGresult* r = PQgetResult(conn)) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK && outcome) {
        Error e = m_store.error(fmt::format("COPY into {} (rows {} to {} of this statement)", m_table, first,
                                            first + rows - 1),
                                r);
        outcome = std::unexpected(e);
      }
      PQclear(r);
    }
    return outcome;
  }

 private:
  Result<void> check_width(std::size_t n) const {
    if (static_cast<int>(n) != m_width)
      return fail(ErrorCode::invalid, fmt::format("sql: {} parameters given, {} expected", n, m_width));
    return {};
  }

  Result<std::int64_t> end_row() {
    m_buffer += '\n';
    ++m_rows;
    // 4 MiB chunks: large enough that the per-COPY round trip vanishes, small enough to stream.
    if (m_buffer.size() >= (4u << 20)) FRUGAL_CHECK(flush());
    return 1;
  }

  void append_double(double d) {
    if (std::isnan(d)) m_buffer += "NaN";
    else if (std::isinf(d)) m_buffer += d > 0 ? "Infinity" : "-Infinity";
    else fmt::format_to(std::back_inserter(m_buffer), "{}", d);
  }

  // COPY's text format: backslash escapes for the characters that delimit it.
  void append_text(std::string_view s) {
    for (char c : s) {
      switch (c) {
        case '\\': m_buffer += "\\\\"; break;
        case '\t': m_buffer += "\\t"; break;
        case '\n': m_buffer += "\\n"; break;
        case '\r': m_buffer += "\\r"; break;
        default: m_buffer += c;
      }
    }
  }

  PgStore& m_store;
  std::string m_copy;
  std::string m_table;
  int m_width;
  std::string m_buffer;
  std::int64_t m_rows = 0;
  std::int64_t m_sent = 0;
};

namespace {

class PgPreparedStatement final : public Statement {
 public:
  PgPreparedStatement(PgStore& store, std::string sql) : m_store(store), m_sql(std::move(sql)) {
    static std::uint64_t counter = 0;
    m_name = fmt::format("frugal_{}", ++counter);
  }

  Result<std::int64_t> execute(std::span<const Value> params) override {
    PgParams p;
    p.bind(params);
    return run(p, static_cast<int>(params.size()));
  }
  Result<std::int64_t> execute_views(std::span<const ValueView> params) override {
    PgParams p;
    p.bind(params);
    return run(p, static_cast<int>(params.size()));
  }

 private:
  Result<std::int64_t> run(const PgParams& p, int n) {
    FRUGAL_CHECK(m_store.reconnect_if_lost());
    FRUGAL_CHECK(m_store.flush_copies());
    PGconn* conn = m_store.connection();
    if (!m_prepared || m_generation != m_store.generation()) {
      PGresult* r = PQprepare(conn, m_name.c_str(), m_sql.c_str(), n, p.types.data());
      bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      Error e = ok ? Error{} : m_store.error("sql", r);
      PQclear(r);
      if (!ok) return std::unexpected(e);
      m_prepared = true;
      m_generation = m_store.generation();
    }
    PGresult* r = PQexecPrepared(conn, m_name.c_str(), n, p.values.data(), nullptr, nullptr, 0);
    auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      Error e = m_store.error("sql", r);
      PQclear(r);
      return std::unexpected(e);
    }
    std::int64_t changed = 0;
    const char* text = PQcmdTuples(r);
    if (text && *text) changed = std::strtoll(text, nullptr, 10);
    PQclear(r);
    return changed;
  }

  PgStore& m_store;
  std::string m_sql;
  std::string m_name;
  bool m_prepared = false;
  std::uint64_t m_generation = 0;
};

}  // namespace

Result<void> PgStore::flush_copies() {
  if (m_deferred_error) {
    Error e = *m_deferred_error;
    m_deferred_error.reset();
    return std::unexpected(e);
  }
  for (auto* s : m_copies) FRUGAL_CHECK(s->flush());
  return {};
}

Result<std::unique_ptr<Statement>> PgStore::prepare(std::string_view sql) {
  // INSERT INTO table (columns) VALUES (?, ?, ...): nothing computed, nothing returned → COPY.
  static const std::regex plain_insert(R"(^\s*INSERT\s+INTO\s+(\w+)\s*\(([\w\s,]+)\)\s*VALUES\s*\(\s*\?(\s*,\s*\?)*\s*\)\s*;?\s*$)",
                                       std::regex::icase);
  std::string text(sql);
  std::smatch m;
  if (std::regex_match(text, m, plain_insert)) {
    int width = static_cast<int>(std::count(text.begin() + m.position(2), text.end(), '?'));
    int columns = static_cast<int>(std::count(m[2].first, m[2].second, ',')) + 1;
    if (width == columns) return std::make_unique<PgCopyStatement>(*this, m[1].str(), m[2].str(), width);
  }
  return std::unique_ptr<Statement>(new PgPreparedStatement(*this, postgres_statement(sql)));
}

}  // namespace frugal::store
