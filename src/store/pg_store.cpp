#include "store/pg_store.h"

#include <libpq-fe.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "store/migrations.h"
#include "store/pg_dialect.h"
#include "store/pq_loader.h"
#include "store/query_limits.h"

namespace frugal::store {
namespace {

// 'FRUG', as SQLite's application_id: the advisory lock two servers migrating at once queue on.
constexpr std::int64_t k_migration_lock = 0x46525547;
// How long a lost connection is retried before a statement fails (a database restart takes ~1 s).
constexpr auto k_reconnect_wait = std::chrono::seconds(15);

constexpr unsigned k_int8 = 20, k_int2 = 21, k_int4 = 23, k_oid = 26, k_bool = 16, k_float4 = 700,
                   k_float8 = 701, k_numeric = 1700;

std::string without_password(const std::string& url) {
  static const std::regex password(R"(^(postgres(ql)?://[^:/@]*):[^@]*@)");
  return std::regex_replace(url, password, "$1@");
}

// The URL with what a server needs and the user did not set: a connect timeout, so an unreachable
// host fails in seconds, not minutes, and a name in pg_stat_activity.
std::string conninfo(const std::string& url) {
  std::string out = url;
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  if (url.find("connect_timeout=") == std::string::npos) {
    out += sep;
    out += "connect_timeout=5";
    sep = '&';
  }
  if (url.find("application_name=") == std::string::npos) {
    out += sep;
    out += "application_name=frugal";
  }
  return out;
}

std::string trimmed(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (auto& c : s)
    if (c == '\n' || c == '\t') c = ' ';
  return s;
}

std::string format_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return fmt::format("{}", d);
}

bool reads_only(std::string_view sql) {
  while (!sql.empty() && std::isspace(static_cast<unsigned char>(sql.front()))) sql.remove_prefix(1);
  auto starts = [&](std::string_view w) {
    return sql.size() >= w.size() && std::equal(w.begin(), w.end(), sql.begin(), [](char a, char b) {
             return a == std::toupper(static_cast<unsigned char>(b));
           });
  };
  return starts("SELECT") || starts("EXPLAIN") || starts("VALUES") || starts("TABLE") || starts("SHOW") ||
         (starts("WITH") && sql.find("INSERT") == std::string_view::npos &&
                                                   sql.find("UPDATE") == std::string_view::npos &&
                                                   sql.find("DELETE") == std::string_view::npos);
}

struct ResultGuard {
  PGresult* r;
  ~ResultGuard() {
    if (r) PQclear(r);
  }
};

}  // namespace

Result<void> check_no_nul(std::string_view text) {
  auto at = text.find('\0');
  if (at == std::string_view::npos) return {};
  return fail(ErrorCode::invalid, fmt::format("text with a NUL character (U+0000) after '{}', which PostgreSQL's text cannot hold",
                                              text.substr(0, std::min<std::size_t>(at, 40))));
}

Result<void> PgParams::bind(std::span<const Value> params) {
  text.assign(params.size(), {});
  values.assign(params.size(), nullptr);
  types.assign(params.size(), 0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::int64_t>) {
            text[i] = std::to_string(v);
            types[i] = k_int8;
          } else if constexpr (std::is_same_v<T, double>) {
            text[i] = format_double(v);
            types[i] = k_float8;
          } else if constexpr (std::is_same_v<T, std::string>) {
            text[i] = v;  // untyped, like a quoted literal: PostgreSQL takes the type the context needs
          }
        },
        params[i]);
  }
  // Pointers only once every text is in place (and NULL stays a null pointer).
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (std::holds_alternative<std::string>(params[i])) FRUGAL_CHECK(check_no_nul(text[i]));
    if (!std::holds_alternative<std::monostate>(params[i])) values[i] = text[i].c_str();
  }
  return {};
}

Result<void> PgParams::bind(std::span<const ValueView> params) {
  std::vector<Value> owned;
  owned.reserve(params.size());
  for (const auto& p : params)
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string_view>) owned.emplace_back(std::string(v));
          else owned.emplace_back(v);
        },
        p);
  return bind(std::span<const Value>(owned));
}

Value pg_value(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return std::monostate{};
  const char* text = PQgetvalue(result, row, column);
  int length = PQgetlength(result, row, column);
  switch (PQftype(result, column)) {
    case k_int8:
    case k_int2:
    case k_int4:
    case k_oid: {
      std::int64_t v = 0;
      std::from_chars(text, text + length, v);
      return v;
    }
    case k_bool: return std::int64_t{text[0] == 't' ? 1 : 0};
    case k_float4:
    case k_float8: return std::strtod(text, nullptr);  // strtod reads NaN and Infinity too
    case k_numeric: {
      // Sums of bigint columns come back as numeric: keep whole ones exact (money in nanos).
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(text, text + length, v);
      if (ec == std::errc{} && end == text + length) return v;
      return std::strtod(text, nullptr);
    }
    default: return std::string(text, static_cast<std::size_t>(length));
  }
}

Error PgStore::error(std::string_view what, const PGresult* result) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string code = state ? state : "";
  std::string message = trimmed(result && PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)
                                    ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)
                                    : PQerrorMessage(m_conn));
  ErrorCode kind = ErrorCode::io;
  if (code.starts_with("23") || code.starts_with("40")) kind = ErrorCode::conflict;  // constraint; serialization
  else if (code == "57014" && m_time_limit_ms > 0)
    return time_limit_error(m_time_limit_ms);
  else if (code == "25006" || code == "25001" || code == "42501")
    return Error{ErrorCode::invalid, fmt::format("sql: refused: this SQL surface is read-only ({})", message)};
  else if (code.starts_with("42") || code.starts_with("22") || code.starts_with("0A")) kind = ErrorCode::invalid;
  else if (code.empty() || code.starts_with("08") || code.starts_with("57")) kind = ErrorCode::unavailable;
  return Error{kind, fmt::format("{}: {}{}", what, message, code.empty() ? "" : fmt::format(" (postgresql {})", code))};
}

Result<std::unique_ptr<PgStore>> PgStore::open(const std::string& url, Access access) {
  std::string shown = without_password(url);
  if (!pq_loaded())
    return fail(ErrorCode::unavailable,
                fmt::format("{}: libpq.so.5 is not installed (apt-get install libpq5)", shown));
  PGconn* conn = PQconnectdb(conninfo(url).c_str());
  if (!conn) return fail(ErrorCode::io, fmt::format("{}: out of memory", shown));
  std::unique_ptr<PgStore> store(new PgStore(conn, shown, access));
  if (PQstatus(conn) != CONNECTION_OK) {
    const char* host = PQhost(conn);
    const char* port = PQport(conn);
    return fail(ErrorCode::unavailable,
                fmt::format("{}: cannot connect to PostgreSQL at {}:{}: {}", shown, host && *host ? host : "localhost",
                            port && *port ? port : "5432", trimmed(PQerrorMessage(conn))));
  }
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);  // NOTICEs are not errors
  FRUGAL_CHECK(store->configure_session());
  auto migrated = store->migrate();
  if (!migrated && migrated.error().code == ErrorCode::conflict && access == Access::read_only) {
    // An older schema: bring it up to date through a writing connection, then read as asked.
    store.reset();
    FRUGAL_TRY(open(url, Access::read_write)).reset();
    return open(url, Access::read_only);
  }
  if (!migrated) return std::unexpected(migrated.error().wrap(shown));
  if (access == Access::read_only) {
    // Each query of a read-only connection runs in its own READ ONLY transaction (which nothing
    // inside it can turn writable), as the schema's reader role where it exists: that role can
    // SELECT and nothing else, not even the token hashes (migration 0012).
    auto role = FRUGAL_TRY(store->query("SELECT CASE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = 'frugal_reader') "
                                        "THEN pg_has_role(current_user, 'frugal_reader', 'MEMBER') ELSE false END",
                                        {}));
    store->m_reader_role = as_int(role.rows.at(0).at(0)) != 0;
  }
  return store;
}

// Statements never outlive their store: each unregisters itself when it goes.
PgStore::~PgStore() { PQfinish(m_conn); }

Result<void> PgStore::configure_session() {
  // UTC and ISO dates, whatever the server's defaults: times are compared as ISO-8601 text.
  return exec_script("SET TIME ZONE 'UTC'; SET client_min_messages = warning; SET DateStyle = 'ISO';");
}

bool PgStore::connection_lost() const { return PQstatus(m_conn) != CONNECTION_OK; }

Result<void> PgStore::reconnect_if_lost() {
  if (!connection_lost()) return {};
  m_depth = 0;  // the server rolled back whatever transaction the connection had open
  ++m_generation;
  const auto deadline = std::chrono::steady_clock::now() + k_reconnect_wait;
  for (;;) {
    PQreset(m_conn);
    if (!connection_lost()) {
      FRUGAL_CHECK(configure_session());
      if (m_access == Access::read_only) FRUGAL_CHECK(exec_script("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"));
      if (m_time_limit_ms > 0) set_query_time_limit(m_time_limit_ms);
      return {};
    }
    if (std::chrono::steady_clock::now() > deadline)
      return fail(ErrorCode::unavailable, fmt::format("{}: the database is unreachable: {}", m_description,
                                                      trimmed(PQerrorMessage(m_conn))));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Result<void> PgStore::exec_script(std::string_view sql) {
  FRUGAL_CHECK(flush_copies());
  return exec_now(sql);
}

Result<void> PgStore::commit() {
  FRUGAL_CHECK(flush_copies());
  ResultGuard r{PQexec(m_conn, "COMMIT")};
  if (PQresultStatus(r.r) != PGRES_COMMAND_OK) return std::unexpected(error(m_description, r.r));
  if (std::string_view(PQcmdStatus(r.r)) != "COMMIT")
    return fail(ErrorCode::io, fmt::format("{}: the server rolled the transaction back at COMMIT (a statement in it had "
                                           "failed); nothing of it was kept", m_description));
  return {};
}

Result<void> PgStore::exec_now(std::string_view sql) {
  ResultGuard r{PQexec(m_conn, std::string(sql).c_str())};
  auto status = PQresultStatus(r.r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return std::unexpected(error(m_description, r.r));
  return {};
}

Result<int> PgStore::read_schema_version() {
  auto seen = FRUGAL_TRY(query(
      "SELECT to_regclass('frugal_schema') IS NOT NULL, (SELECT count(*) FROM pg_tables WHERE schemaname = "
      "current_schema())",
      {}));
  bool ours = as_int(seen.rows.at(0).at(0)) != 0;
  if (!ours && as_int(seen.rows.at(0).at(1)) > 0)
    return fail(ErrorCode::invalid, "a database with tables of another program, not Frugal's; left untouched. "
                                    "Create an empty database for Frugal (createdb frugal).");
  if (!ours) return 0;
  auto version = FRUGAL_TRY(query("SELECT version FROM frugal_schema", {}));
  return version.rows.empty() ? 0 : static_cast<int>(as_int(version.rows[0][0]));
}

Result<void> PgStore::migrate() {
  int version = FRUGAL_TRY(read_schema_version());
  int latest = latest_schema_version();
  int target = target_schema_version();
  if (version > latest)
    return fail(ErrorCode::invalid, fmt::format("schema version {} is newer than this frugal knows ({}); upgrade "
                                                "frugal; the database is left untouched", version, latest));
  if (version >= target) {
    m_schema_version = version;
    return {};
  }
  if (m_access == Access::read_only)
    return fail(ErrorCode::conflict, fmt::format("schema version {} needs migrating to {}", version, latest));
  // Several servers may start at once: the first takes the lock and migrates, the others wait for
  // it, then find the work done.
  return transaction([&]() -> Result<void> {
    FRUGAL_CHECK(exec_script(fmt::format("SELECT pg_advisory_xact_lock({})", k_migration_lock)));
    int current = FRUGAL_TRY(read_schema_version());
    for (const auto& m : migrations()) {
      if (m.version <= current) continue;
      if (m.version > target) break;
      std::string sql = postgres_statement(postgres_ddl(m.sql));
      std::string_view file = m.file;
      for (const auto& o : postgres_overrides())
        if (o.version == m.version) {
          sql = o.sql;
          file = o.file;
        }
      auto applied = exec_script(sql);
      if (!applied) return std::unexpected(applied.error().wrap(std::string(file)));
    }
    FRUGAL_CHECK(exec_script(fmt::format(
        "CREATE TABLE IF NOT EXISTS frugal_schema (version BIGINT NOT NULL); DELETE FROM frugal_schema; "
        "INSERT INTO frugal_schema (version) VALUES ({});",
        target)));
    m_schema_version = target;
    return {};
  });
}

Result<QueryResult> PgStore::query(std::string_view sql, std::span<const Value> params) {
  QueryResult result;
  FRUGAL_CHECK(run(sql, params, &result.columns, [&](const Row& row) {
    result.rows.push_back(row);
    return true;
  }));
  return result;
}

Result<void> PgStore::for_each_row(std::string_view sql, std::span<const Value> params,
                                   const std::function<bool(const Row&)>& on_row) {
  return run(sql, params, nullptr, on_row);
}

Result<void> PgStore::stream(std::string_view sql, std::span<const Value> params,
                             const std::function<void(const std::vector<std::string>&)>& on_columns,
                             const std::function<bool(const Row&)>& on_row) {
  // Cancelling aborts the transaction the statement is in: only a read's, in one of our own (a
  // read-only connection's, rolled back anyway) or in none.
  Cancel cancel = m_depth == 0 && reads_only(sql) ? Cancel::yes : Cancel::no;
  bool delivered = false;
  return read_with(
      sql,
      [&](const std::string& translated) {
        return run_streamed(translated, params, cancel, on_columns, on_row, delivered);
      },
      [&] { return !delivered; });  // rows already handed out cannot be taken back
}

Result<void> PgStore::run(std::string_view sql, std::span<const Value> params, std::vector<std::string>* columns_out,
                          const std::function<bool(const Row&)>& on_row) {
  return read_with(
      sql,
      [&](const std::string& translated) {
        if (columns_out) columns_out->clear();
        return run_once(translated, params, columns_out, on_row);
      },
      [] { return true; });
}

Result<void> PgStore::read_with(std::string_view sql, const std::function<Result<void>(const std::string&)>& once,
                                const std::function<bool()>& may_retry) {
  FRUGAL_CHECK(reconnect_if_lost());
  if (m_access == Access::read_only && m_depth == 0) {
    if (!reads_only(sql))
      return fail(ErrorCode::invalid, "sql: refused: this SQL surface is read-only (SELECT, WITH, VALUES, TABLE, "
                                      "EXPLAIN or SHOW)");
    FRUGAL_CHECK(exec_script(m_reader_role ? "BEGIN READ ONLY; SET LOCAL ROLE frugal_reader" : "BEGIN READ ONLY"));
    m_depth = 1;
    auto r = once(postgres_statement(sql));
    m_depth = 0;
    if (!connection_lost()) (void)exec_script("ROLLBACK");
    return r;
  }
  std::string translated = postgres_statement(sql);
  auto r = once(translated);
  // A read outside a transaction is safe to send again on a new connection.
  if (!r && connection_lost() && m_depth == 0 && reads_only(sql) && may_retry()) {
    FRUGAL_CHECK(reconnect_if_lost());
    return once(translated);
  }
  return r;
}

std::optional<Error> PgStore::over_memory_limit(const PGresult* result, int row) const {
  if (m_memory_limit_bytes <= 0) return std::nullopt;
  std::int64_t bytes = 0;
  for (int c = 0, columns = PQnfields(result); c < columns; ++c) bytes += PQgetlength(result, row, c);
  if (bytes <= m_memory_limit_bytes) return std::nullopt;
  return memory_limit_error(m_memory_limit_bytes, fmt::format("a row of {} bytes", bytes));
}

void PgStore::cancel_statement() {
  PGcancel* cancel = PQgetCancel(m_conn);
  if (!cancel) return;
  std::array<char, 256> why{};
  (void)PQcancel(cancel, why.data(), static_cast<int>(why.size()));  // best effort: the rest is read and dropped
  PQfreeCancel(cancel);
}

Result<void> PgStore::run_streamed(const std::string& sql, std::span<const Value> params, Cancel cancel,
                                   const std::function<void(const std::vector<std::string>&)>& on_columns,
                                   const std::function<bool(const Row&)>& on_row, bool& delivered) {
  FRUGAL_CHECK(flush_copies());
  PgParams p;
  FRUGAL_CHECK(p.bind(params));
  if (!PQsendQueryParams(m_conn, sql.c_str(), static_cast<int>(p.values.size()), p.types.data(), p.values.data(),
                         nullptr, nullptr, 0))
    return std::unexpected(error("sql", nullptr));
  // Each row as it arrives, instead of the whole result in libpq's memory. (Refused only when not
  // right after the send; the result would then come whole, still correct.)
  (void)PQsetSingleRowMode(m_conn);
  std::optional<Error> failure;
  bool told = false, stopped = false;
  Row row;
  auto stop = [&] {
    stopped = true;
    if (cancel == Cancel::yes) cancel_statement();
  };
  // Every result is read, to the end of the statement, whatever happens: the connection is busy until then.
  while (PGresult* raw = PQgetResult(m_conn)) {
    ResultGuard r{raw};
    if (stopped || failure) continue;  // the rest of a statement stopped early, or its cancellation
    auto status = PQresultStatus(raw);
    if (status != PGRES_SINGLE_TUPLE && status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      failure = error("sql", raw);
      continue;
    }
    int columns = PQnfields(raw);
    if (!told) {
      std::vector<std::string> names;
      for (int c = 0; c < columns; ++c) names.emplace_back(PQfname(raw, c));
      on_columns(names);
      told = true;
      row.assign(static_cast<std::size_t>(columns), Value{});
    }
    for (int i = 0, rows = PQntuples(raw); i < rows && !stopped; ++i) {
      if (auto over = over_memory_limit(raw, i)) {
        failure = std::move(over);
        stop();
        break;
      }
      for (int c = 0; c < columns; ++c) row[static_cast<std::size_t>(c)] = pg_value(raw, i, c);
      delivered = true;
      if (!on_row(row)) stop();
    }
  }
  if (failure) return std::unexpected(*failure);
  return {};
}

Result<void> PgStore::run_once(const std::string& sql, std::span<const Value> params,
                               std::vector<std::string>* columns_out, const std::function<bool(const Row&)>& on_row) {
  FRUGAL_CHECK(flush_copies());
  PgParams p;
  FRUGAL_CHECK(p.bind(params));
  int n = static_cast<int>(params.size());
  // The whole result at once, even for for_each_row: one connection runs one statement at a time,
  // and callers run statements of their own from inside the callback (reconcile inserts while it
  // reads charges), which SQLite allows. A cursor would keep memory bounded at the cost of that.
  (void)n;
  ResultGuard r{exec_params(sql, p)};
  auto status = PQresultStatus(r.r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return std::unexpected(error("sql", r.r));
  int columns = PQnfields(r.r);
  if (columns_out)
    for (int c = 0; c < columns; ++c) columns_out->emplace_back(PQfname(r.r, c));
  Row row(static_cast<std::size_t>(columns));
  for (int i = 0, rows = PQntuples(r.r); i < rows; ++i) {
    if (auto over = over_memory_limit(r.r, i)) return std::unexpected(*over);
    for (int c = 0; c < columns; ++c) row[static_cast<std::size_t>(c)] = pg_value(r.r, i, c);
    if (!on_row(row)) break;
  }
  return {};
}

Result<std::int64_t> PgStore::execute(std::string_view sql, std::span<const Value> params) {
  if (m_access == Access::read_only) {
    FRUGAL_CHECK(run(sql, params, nullptr, [](const Row&) { return true; }));
    return 0;
  }
  FRUGAL_CHECK(reconnect_if_lost());
  FRUGAL_CHECK(flush_copies());
  std::string translated = postgres_statement(sql);
  PgParams p;
  FRUGAL_CHECK(p.bind(params));
  ResultGuard r{exec_params(translated, p)};
  auto status = PQresultStatus(r.r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return std::unexpected(error("sql", r.r));
  const char* changed = PQcmdTuples(r.r);
  std::int64_t n = 0;
  if (changed && *changed) std::from_chars(changed, changed + std::strlen(changed), n);
  return n;
}

PGresult* PgStore::exec_params(const std::string& sql, const PgParams& p) {
  int n = static_cast<int>(p.values.size());
  // User SQL (read-only connections) runs once; everything else is the program's own, run again
  // and again: prepared once per parameter types, then only bound and executed.
  if (m_access == Access::read_only)
    return PQexecParams(m_conn, sql.c_str(), n, p.types.data(), p.values.data(), nullptr, nullptr, 0);
  if (m_prepared_generation != m_generation) {  // a new connection has none of them
    m_prepared.clear();
    m_prepared_generation = m_generation;
  }
  if (m_prepared.size() >= 512 && m_depth == 0) {  // SQL built with values in it: start again
    std::string drop;
    for (const auto& [sql_and_types, name] : m_prepared) drop += "DEALLOCATE " + name + ";";
    PQclear(PQexec(m_conn, drop.c_str()));
    m_prepared.clear();
  }
  std::string key = sql;
  key += '\0';
  for (unsigned t : p.types) key += std::to_string(t) + ",";
  auto found = m_prepared.find(key);
  if (found == m_prepared.end()) {
    std::string name = fmt::format("frugal_q{}", m_prepared.size() + 1 + m_prepared_count++);
    PGresult* prepared = PQprepare(m_conn, name.c_str(), sql.c_str(), n, p.types.data());
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK) return prepared;  // the caller reports it
    PQclear(prepared);
    found = m_prepared.emplace(key, name).first;
  }
  return PQexecPrepared(m_conn, found->second.c_str(), n, p.values.data(), nullptr, nullptr, 0);
}

void PgStore::set_query_time_limit(int milliseconds) {
  m_time_limit_ms = milliseconds;
  (void)exec_script(fmt::format("SET statement_timeout = {}", std::max(0, milliseconds)));
}

bool PgStore::in_transaction() const { return m_depth > 0; }

Result<void> PgStore::transaction(const std::function<Result<void>()>& body) {
  if (m_depth > 0) {
    // Inside another transaction (a server's group commit): a savepoint, as SqliteStore does.
    std::string name = fmt::format("frugal_nested_{}", m_depth);
    FRUGAL_CHECK(exec_script("SAVEPOINT " + name));
    ++m_depth;
    auto r = body();
    if (r) r = flush_copies();  // a COPY's error belongs to this savepoint, not the outer transaction
    --m_depth;
    if (connection_lost()) return r ? fail(ErrorCode::unavailable, m_description + ": connection lost") : r;
    if (!r) {
      // A COPY's deferred error must not stop the rollback: the savepoint would stay, and the
      // whole group's transaction would be aborted under the jobs that did succeed.
      abandon_copies();
      (void)exec_now("ROLLBACK TO SAVEPOINT " + name);  // the failure being reported matters more
      (void)exec_now("RELEASE SAVEPOINT " + name);
      return r;
    }
    return exec_script("RELEASE SAVEPOINT " + name);
  }
  // BEGIN on a connection the server dropped while idle fails before anything ran: reconnect and
  // begin again.
  FRUGAL_CHECK(reconnect_if_lost());
  if (auto begun = exec_script("BEGIN"); !begun) {
    if (!connection_lost()) return begun;
    FRUGAL_CHECK(reconnect_if_lost());
    FRUGAL_CHECK(exec_script("BEGIN"));
  }
  m_depth = 1;
  auto r = body();
  if (r) r = flush_copies();
  if (!r) {
    m_depth = 0;
    abandon_copies();
    if (!connection_lost()) (void)exec_now("ROLLBACK");  // the failure being reported matters more
    return r;
  }
  auto committed = commit();
  m_depth = 0;
  if (!committed && connection_lost())
    return fail(ErrorCode::unavailable,
                fmt::format("{}: the connection was lost during COMMIT; the transaction may or may not have been "
                            "committed", m_description));
  return committed;
}

Result<std::vector<std::string>> PgStore::explain(std::string_view sql, std::span<const Value> params) {
  std::vector<std::string> lines;
  FRUGAL_CHECK(for_each_row("EXPLAIN " + std::string(sql), params, [&](const Row& row) {
    lines.push_back(as_text(row.at(0)));
    return true;
  }));
  return lines;
}

void PgStore::unregister_copy(PgCopyStatement* s) { std::erase(m_copies, s); }

}  // namespace frugal::store
