// PgStore's prepared statements. A plain multi-row INSERT (`INSERT INTO t (a, b) VALUES (?, ?)`,
// what bill imports and metric batches run once per row) becomes a binary COPY: rows are
// buffered and streamed in chunks, which PostgreSQL loads several times faster than one INSERT
// per row (bench/postgres measures it against psql's \copy). Everything else is a server-side
// prepared statement.
#include <libpq-fe.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <regex>

#include <fmt/format.h>

#include "store/pg_dialect.h"
#include "store/pg_store.h"

namespace frugal::store {

namespace {

// Big-endian, as COPY's binary format wants every number.
void put16(std::string& out, std::int16_t v) {
  auto u = static_cast<std::uint16_t>(v);
  out += static_cast<char>(u >> 8);
  out += static_cast<char>(u & 0xff);
}
void put32(std::string& out, std::int32_t v) {
  auto u = static_cast<std::uint32_t>(v);
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((u >> shift) & 0xff);
}
void put64(std::string& out, std::uint64_t u) {
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((u >> shift) & 0xff);
}

}  // namespace

class PgCopyStatement final : public Statement {
 public:
  PgCopyStatement(PgStore& store, std::string table, std::vector<std::string> columns, std::vector<PgWire> wires)
      : m_store(store), m_table(std::move(table)), m_columns(std::move(columns)), m_wires(std::move(wires)) {
    std::string list;
    for (const auto& c : m_columns) list += (list.empty() ? "" : ", ") + c;
    m_copy = fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)", m_table, list);
    m_store.register_copy(this);
  }
  ~PgCopyStatement() override {
    // Rows still buffered go now; a failure is reported by the store's next statement or COMMIT,
    // so the transaction they belong to cannot commit without them.
    if (auto sent = flush(); !sent) m_store.defer_error(sent.error());
    m_store.unregister_copy(this);
  }

  Result<std::int64_t> execute(std::span<const Value> params) override { return put_row(params); }
  Result<std::int64_t> execute_views(std::span<const ValueView> params) override { return put_row(params); }

  // Drops the buffered rows and ends an open COPY unfinished: the server discards what it took.
  void abandon() {
    m_buffer.clear();
    m_rows = 0;
    m_send_failed = false;
    if (!m_copying) return;
    m_copying = false;
    PGconn* conn = m_store.connection();
    PQputCopyEnd(conn, "frugal: rolled back");
    while (PGresult* r = PQgetResult(conn)) PQclear(r);
  }

  // Ends the COPY: every row buffered or sent is in the table (or the error says which failed).
  Result<void> flush() {
    FRUGAL_CHECK(send());
    if (!m_copying) return {};
    m_copying = false;
    PGconn* conn = m_store.connection();
    std::string trailer;
    put16(trailer, -1);
    if (PQputCopyData(conn, trailer.data(), static_cast<int>(trailer.size())) != 1) m_send_failed = true;
    PQputCopyEnd(conn, m_send_failed ? "frugal: sending the rows failed" : nullptr);
    m_send_failed = false;
    Result<void> outcome;
    while (PGresult* r = PQgetResult(conn)) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK && outcome)
        outcome = std::unexpected(m_store.error(
            fmt::format("COPY into {} (rows {} to {} of this statement)", m_table, m_copy_first, m_sent), r));
      PQclear(r);
    }
    return outcome;
  }

 private:
  // One row in COPY's binary format: a field count, then each value; a value the column cannot
  // take leaves the buffer as it was.
  template <typename V>
  Result<std::int64_t> put_row(std::span<const V> params) {
    FRUGAL_CHECK(check_width(params.size()));
    std::size_t row_start = m_buffer.size();
    put16(m_buffer, static_cast<std::int16_t>(params.size()));
    for (std::size_t i = 0; i < params.size(); ++i) {
      auto put = std::visit([&](const auto& v) { return put_value(i, v); }, params[i]);
      if (!put) {
        m_buffer.resize(row_start);
        return std::unexpected(put.error());
      }
    }
    return end_row();
  }

  Result<void> check_width(std::size_t n) const {
    if (n != m_columns.size())
      return fail(ErrorCode::invalid, fmt::format("sql: {} parameters given, {} expected", n, m_columns.size()));
    return {};
  }

  Error mismatch(std::size_t i, std::string_view what) const {
    return Error{ErrorCode::invalid, fmt::format("{}.{}: {} for a column of type {}", m_table, m_columns[i], what,
                                                 m_wires[i] == PgWire::int8 ? "bigint" : "double precision")};
  }

  Result<void> put_value(std::size_t, std::monostate) {
    put32(m_buffer, -1);
    return {};
  }
  Result<void> put_value(std::size_t i, std::int64_t v) {
    switch (m_wires[i]) {
      case PgWire::int8: put32(m_buffer, 8); put64(m_buffer, static_cast<std::uint64_t>(v)); return {};
      case PgWire::float8: return put_value(i, static_cast<double>(v));
      case PgWire::text: return put_value(i, std::string_view(std::to_string(v)));
    }
    return {};
  }
  Result<void> put_value(std::size_t i, double v) {
    switch (m_wires[i]) {
      case PgWire::float8: put32(m_buffer, 8); put64(m_buffer, std::bit_cast<std::uint64_t>(v)); return {};
      case PgWire::int8:
        if (v != std::trunc(v) || !std::isfinite(v)) return std::unexpected(mismatch(i, fmt::format("{}", v)));
        return put_value(i, static_cast<std::int64_t>(v));
      case PgWire::text: return put_value(i, std::string_view(fmt::format("{}", v)));
    }
    return {};
  }
  Result<void> put_value(std::size_t i, const std::string& v) { return put_value(i, std::string_view(v)); }
  Result<void> put_value(std::size_t i, std::string_view v) {
    switch (m_wires[i]) {
      case PgWire::text:
        if (auto ok = check_no_nul(v); !ok) return std::unexpected(ok.error().wrap(fmt::format("{}.{}", m_table, m_columns[i])));
        put32(m_buffer, static_cast<std::int32_t>(v.size()));
        m_buffer.append(v);
        return {};
      case PgWire::int8: {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc{} || end != v.data() + v.size()) return std::unexpected(mismatch(i, fmt::format("'{}'", v)));
        return put_value(i, n);
      }
      case PgWire::float8: {
        std::string text(v);
        char* end = nullptr;
        double d = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size()) return std::unexpected(mismatch(i, fmt::format("'{}'", v)));
        return put_value(i, d);
      }
    }
    return {};
  }

  Result<std::int64_t> end_row() {
    ++m_rows;
    // 1 MiB chunks into a COPY left open: PostgreSQL stores one chunk while the caller prepares the
    // next (two cores busy instead of one), and the COPY ends only when the connection is needed
    // for something else (PgStore::flush_copies) or the statement goes.
    if (m_buffer.size() >= (1u << 20)) FRUGAL_CHECK(send());
    return 1;
  }

  // Sends the buffered rows into the COPY, starting it (and its header) if needed.
  Result<void> send() {
    if (m_rows == 0) return {};
    PGconn* conn = m_store.connection();
    if (!m_copying) {
      PGresult* started = PQexec(conn, m_copy.c_str());
      bool ok = PQresultStatus(started) == PGRES_COPY_IN;
      Error failure = ok ? Error{} : m_store.error("COPY " + m_table, started);
      PQclear(started);
      if (!ok) {
        m_buffer.clear();
        m_rows = 0;
        return std::unexpected(failure);
      }
      m_copying = true;
      m_copy_first = m_sent + 1;
      static constexpr char k_header[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";  // signature, flags, extension
      if (PQputCopyData(conn, k_header, 19) != 1) m_send_failed = true;
    }
    if (PQputCopyData(conn, m_buffer.data(), static_cast<int>(m_buffer.size())) != 1) m_send_failed = true;
    m_sent += m_rows;
    m_rows = 0;
    m_buffer.clear();
    return {};
  }

  PgStore& m_store;
  std::string m_table;
  std::vector<std::string> m_columns;
  std::vector<PgWire> m_wires;
  std::string m_copy;
  std::string m_buffer;
  std::int64_t m_rows = 0;         // buffered, not yet sent
  std::int64_t m_sent = 0;         // sent by this statement, all COPYs together
  std::int64_t m_copy_first = 0;   // the first row of the COPY now open
  bool m_copying = false;
  bool m_send_failed = false;
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
    FRUGAL_CHECK(p.bind(params));
    return run(p, static_cast<int>(params.size()));
  }
  Result<std::int64_t> execute_views(std::span<const ValueView> params) override {
    PgParams p;
    FRUGAL_CHECK(p.bind(params));
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

void PgStore::abandon_copies() {
  for (auto* s : m_copies) s->abandon();
  m_deferred_error.reset();
}

Result<void> PgStore::flush_copies() {
  if (m_deferred_error) {
    Error e = *m_deferred_error;
    m_deferred_error.reset();
    return std::unexpected(e);
  }
  for (auto* s : m_copies) FRUGAL_CHECK(s->flush());
  return {};
}

Result<std::vector<PgWire>> PgStore::copy_wires(const std::string& table, const std::vector<std::string>& columns) {
  std::string key = table + "(";
  for (const auto& c : columns) key += c + ",";
  if (auto known = m_wires.find(key); known != m_wires.end()) return known->second;
  std::vector<Value> p = {table};
  auto types = FRUGAL_TRY(query("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                                "WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped", p));
  std::vector<PgWire> wires;
  for (const auto& c : columns)
    for (const auto& row : types.rows)
      if (as_text(row[0]) == c) {
        std::string type = as_text(row[1]);
        if (type == "bigint") wires.push_back(PgWire::int8);
        else if (type == "double precision") wires.push_back(PgWire::float8);
        else if (type == "text") wires.push_back(PgWire::text);
      }
  if (wires.size() != columns.size()) wires.clear();
  return m_wires[key] = wires;
}

Result<std::unique_ptr<Statement>> PgStore::prepare(std::string_view sql) {
  // INSERT INTO table (columns) VALUES (?, ?, ...): nothing computed, nothing returned → COPY, in
  // the binary format: 8-byte integers and doubles travel as they are and PostgreSQL stores them
  // without parsing text (most of its time in a text COPY). Columns of other types → a prepared
  // INSERT.
  static const std::regex plain_insert(R"(^\s*INSERT\s+INTO\s+(\w+)\s*\(([\w\s,]+)\)\s*VALUES\s*\(\s*\?(\s*,\s*\?)*\s*\)\s*;?\s*$)",
                                       std::regex::icase);
  std::string text(sql);
  std::smatch m;
  if (std::regex_match(text, m, plain_insert)) {
    std::vector<std::string> columns;
    std::string list = m[2].str();
    for (std::size_t start = 0; start <= list.size();) {
      std::size_t comma = std::min(list.find(',', start), list.size());
      std::string name = list.substr(start, comma - start);
      name.erase(0, name.find_first_not_of(" \t\n"));
      name.erase(name.find_last_not_of(" \t\n") + 1);
      columns.push_back(name);
      start = comma + 1;
    }
    auto width = static_cast<std::size_t>(std::count(text.begin() + m.position(2), text.end(), '?'));
    if (width == columns.size()) {
      auto wires = FRUGAL_TRY(copy_wires(m[1].str(), columns));
      if (!wires.empty())
        return std::unique_ptr<Statement>(new PgCopyStatement(*this, m[1].str(), std::move(columns), std::move(wires)));
    }
  }
  return std::unique_ptr<Statement>(new PgPreparedStatement(*this, postgres_statement(sql)));
}

}  // namespace frugal::store
