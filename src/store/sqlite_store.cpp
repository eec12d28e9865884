#include "store/sqlite_store.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <sqlite3.h>

#include "store/migrations.h"
#include "store/query_limits.h"
#include "store/sqlite_memory.h"

namespace frugal::store {
namespace {

// 'FRUG': marks a SQLite file as ours, so a foreign database is never migrated by mistake.
constexpr int k_application_id = 0x46525547;
constexpr int k_busy_timeout_ms = 30'000;

// What `frugal sql` may do on its read-only connection: read tables and call functions.
// Everything else (writes, ATTACH, state-changing pragmas, DDL) is refused at prepare time.
int read_only_authorizer(void*, int action, const char* arg1, const char* arg2, const char*, const char*) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_FUNCTION: {
      // fts3_tokenizer hands out and takes raw pointers (a memory-corruption primitive in builds with
      // ENABLE_FTS3_TOKENIZER, as Debian's); load_extension runs native code. Everything else reads.
      const char* name = arg2;  // for SQLITE_FUNCTION the function name is the second argument
      for (const char* denied : {"fts3_tokenizer", "load_extension", "readfile", "writefile", "edit"})
        if (name && sqlite3_stricmp(name, denied) == 0) return SQLITE_DENY;
      return SQLITE_OK;
    }
    case SQLITE_UPDATE:
      // SQLite re-reads its own schema through these checks; the connection is opened read-only,
      // so this can never write.
      return arg1 && (sqlite3_stricmp(arg1, "sqlite_master") == 0 || sqlite3_stricmp(arg1, "sqlite_temp_master") == 0)
                 ? SQLITE_OK
                 : SQLITE_DENY;
    case SQLITE_PRAGMA: {
      // Introspection pragmas only; their argument names a table, never a setting.
      static constexpr std::array<const char*, 6> allowed = {"table_info", "table_xinfo", "table_list",
                                                              "index_list", "index_info", "foreign_key_list"};
      for (const char* name : allowed)
        if (arg1 && sqlite3_stricmp(arg1, name) == 0) return SQLITE_OK;
      return SQLITE_DENY;
    }
    default:
      return SQLITE_DENY;
  }
}

// What a failed setting, transaction statement or migration means to the caller.
ErrorCode script_error_code(int rc) {
  if (rc == SQLITE_BUSY) return ErrorCode::unavailable;
  return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ? ErrorCode::invalid : ErrorCode::io;
}

}  // namespace

Error SqliteStore::error(std::string_view what) const {
  int rc = sqlite3_errcode(m_db);
  ErrorCode code = ErrorCode::io;
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) code = ErrorCode::unavailable;
  else if (rc == SQLITE_CONSTRAINT) code = ErrorCode::conflict;
  else if (rc == SQLITE_AUTH || rc == SQLITE_ERROR || rc == SQLITE_READONLY || rc == SQLITE_MISMATCH)
    code = ErrorCode::invalid;
  return Error{code, fmt::format("{}: {} (sqlite {})", what, sqlite3_errmsg(m_db), sqlite3_extended_errcode(m_db))};
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, Access access) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool exists = fs::exists(path, ec);
  // The file is never opened here outside SQLite, not even to peek at its header: closing any
  // descriptor of it drops every POSIX lock this process holds on it, SQLite's included, and
  // another process could then take the database for its own and remove the WAL from under this
  // one's connections (a server opening a connection per thread did exactly that). A file that
  // is not SQLite's is refused by check_identity, before anything is written.
  if (!exists && access == Access::read_write) {
    fs::path parent = fs::path(path).parent_path();
    // Another process may create it at the same moment: only a real error counts.
    if (!parent.empty() && (fs::create_directories(parent, ec), ec))
      return fail(ErrorCode::io, fmt::format("{}: cannot create folder: {}", parent.string(), ec.message()));
  }
  if (!exists && access == Access::read_only) {
    // A fresh home has no database yet: make an empty, migrated one, then open it read-only.
    auto created = FRUGAL_TRY(open(path, Access::read_write));
    created.reset();
  }
  // Memory statistics take a global mutex on every allocation; nothing here reads them. A query's
  // memory limit is kept per thread instead (sqlite_memory.h says why).
  static std::once_flag configured;
  std::call_once(configured, [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    install_sqlite_memory_accounting();
  });
  int flags = access == Access::read_only ? SQLITE_OPEN_READONLY
                                          : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path, access));
  if (rc != SQLITE_OK) return std::unexpected(store->error(path));
  FRUGAL_CHECK(store->configure());
  auto migrated = store->migrate();
  if (!migrated && migrated.error().code == ErrorCode::conflict && access == Access::read_only) {
    // An older schema: bring it up to date through a writing connection, then read as asked.
    store.reset();
    auto writer = FRUGAL_TRY(open(path, Access::read_write));
    writer.reset();
    return open(path, Access::read_only);
  }
  if (!migrated) return std::unexpected(migrated.error());
  if (access == Access::read_only) sqlite3_set_authorizer(db, read_only_authorizer, nullptr);
  return store;
}

SqliteStore::~SqliteStore() {
  m_checkpointer.reset();  // its thread's connection closes first, so this one's close finds the WAL to itself
  for (auto& [sql, stmt] : m_statements) sqlite3_finalize(stmt);
  sqlite3_close_v2(m_db);
}

Result<void> SqliteStore::checkpoint_in_background() {
  if (m_checkpointer || m_access != Access::read_write) return {};
  m_checkpointer = FRUGAL_TRY(BackgroundCheckpointer::start(m_path, m_db));
  return {};
}

Result<sqlite3_stmt*> SqliteStore::cached(std::string_view sql, bool* keep) {
  constexpr std::size_t k_max_cached = 256;  // the library has fewer distinct statements than this
  *keep = false;
  if (m_access != Access::read_write) return sqlite_prepare(m_db, sql);
  if (auto it = m_statements.find(sql); it != m_statements.end()) {
    if (sqlite3_stmt_busy(it->second)) return sqlite_prepare(m_db, sql);  // in use further up the stack
    *keep = true;
    return it->second;
  }
  sqlite3_stmt* stmt = FRUGAL_TRY(sqlite_prepare(m_db, sql));
  if (m_statements.size() < k_max_cached) {
    m_statements.emplace(std::string(sql), stmt);
    *keep = true;
  }
  return stmt;
}

Result<void> SqliteStore::configure() {
  sqlite3_busy_timeout(m_db, k_busy_timeout_ms);
  // Defensive mode: no writes to the schema table or the file's raw pages through SQL.
  sqlite3_db_config(m_db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_extended_result_codes(m_db, 0);
  FRUGAL_CHECK(exec_script("PRAGMA foreign_keys = ON;"));
  // Identify the file before changing anything in it (journal mode is written to its header).
  FRUGAL_CHECK(check_identity());
  if (m_access == Access::read_write) {
    // Bigger pages for a new file: bills are bulk, append-mostly data, and 64 KiB pages cut the
    // system calls of an import. (Ignored by SQLite once the file has content.)
    FRUGAL_CHECK(exec_script("PRAGMA page_size = 65536;"));
    // WAL lets readers run beside one writer; NORMAL sync is durable against process crashes
    // (kill -9) and loses at most the last commits on power loss, which SQLite documents.
    FRUGAL_CHECK(use_wal());
    // Temp b-trees (sorts, the rollup triggers' row sets) stay in memory, off the disk.
    FRUGAL_CHECK(exec_script("PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;"));
    // Up to 64 MiB of page cache, used only as a write needs it: a bulk import that outgrows the
    // default 2 MiB spills pages to the WAL and reads them back, tripling its time.
    FRUGAL_CHECK(exec_script("PRAGMA cache_size = -65536;"));
  }
  return {};
}

Result<void> SqliteStore::use_wal() {
  // Switching a fresh file to WAL needs it to itself; SQLite answers BUSY at once, without the busy
  // handler, while another process is creating the same file. Wait and retry like the handler would.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(k_busy_timeout_ms);
  for (;;) {
    auto mode = query("PRAGMA journal_mode", {});
    if (mode && as_text(mode->rows.at(0).at(0)) == "wal") return {};
    auto set = exec_script("PRAGMA journal_mode = WAL");
    if (set || set.error().code != ErrorCode::unavailable || std::chrono::steady_clock::now() > deadline) return set;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Result<int> SqliteStore::read_user_version() {
  auto r = query("PRAGMA user_version", {});
  if (!r) return std::unexpected(r.error().wrap(m_path));
  return static_cast<int>(as_int(r->rows.at(0).at(0)));
}

Result<void> SqliteStore::exec_script(std::string_view sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(m_db, std::string(sql).c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return fail(script_error_code(rc), fmt::format("{}: {}", m_path, text));
  }
  return {};
}

Result<void> SqliteStore::exec_cached(std::string_view sql) {
  bool keep = false;
  sqlite3_stmt* stmt = FRUGAL_TRY(cached(sql, &keep));
  int rc = sqlite3_step(stmt);
  Result<void> result;
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) result = fail(script_error_code(rc), fmt::format("{}: {}", m_path, sqlite3_errmsg(m_db)));
  if (keep) sqlite3_reset(stmt);
  else sqlite3_finalize(stmt);
  return result;
}

Result<void> SqliteStore::check_identity() {
  // One statement, so one snapshot: another process may be creating the schema right now, and
  // it must look either wholly absent or wholly there.
  auto seen = query("SELECT (SELECT application_id FROM pragma_application_id), "
                    "(SELECT count(*) FROM sqlite_schema)", {});
  if (!seen) {
    const std::string& why = seen.error().message;
    bool foreign = why.find("not a database") != std::string::npos || why.find("malformed") != std::string::npos;
    if (!foreign)  // permissions, a missing -shm beside a read-only folder, a locked file...
      return fail(ErrorCode::io, fmt::format("{}: cannot read it ({}); a database in WAL mode needs write access "
                                             "to its folder, or its -wal and -shm files present", m_path, why));
    return fail(ErrorCode::invalid,
                fmt::format("{}: not a Frugal database (not even an SQLite file: {}); left untouched. Point --db at "
                            "another file or move this one away.", m_path, why));
  }
  int application_id = static_cast<int>(as_int(seen->rows.at(0).at(0)));
  std::int64_t objects = as_int(seen->rows.at(0).at(1));
  if (application_id != k_application_id && !(application_id == 0 && objects == 0))
    return fail(ErrorCode::invalid,
                fmt::format("{}: an SQLite database of another program, not Frugal's; left untouched", m_path));
  // Refuse a newer schema before anything (the journal mode, a migration) writes to the file.
  int version = FRUGAL_TRY(read_user_version());
  if (version > latest_schema_version())
    return fail(ErrorCode::invalid,
                fmt::format("{}: schema version {} is newer than this frugal knows ({}); upgrade frugal; "
                            "the file is left untouched", m_path, version, latest_schema_version()));
  return {};
}

Result<void> SqliteStore::migrate() {
  int version = FRUGAL_TRY(read_user_version());
  int latest = latest_schema_version();
  int target = target_schema_version();
  if (version > latest)
    return fail(ErrorCode::invalid,
                fmt::format("{}: schema version {} is newer than this frugal knows ({}); upgrade frugal",
                            m_path, version, latest));
  if (version >= target) {
    m_schema_version = version;
    return {};
  }
  if (m_access == Access::read_only)
    return fail(ErrorCode::conflict, fmt::format("{}: schema version {} needs migrating to {}", m_path, version, latest));
  // Another process may be migrating too: take the write lock, then look again.
  return transaction([&]() -> Result<void> {
    int current = FRUGAL_TRY(read_user_version());
    for (const auto& m : migrations()) {
      if (m.version <= current) continue;
      if (m.version > target) break;
      auto applied = exec_script(m.sql);
      if (!applied) return std::unexpected(applied.error().wrap(std::string(m.file)));
    }
    FRUGAL_CHECK(exec_script(fmt::format("PRAGMA user_version = {}; PRAGMA application_id = {};",
                                         target, k_application_id)));
    m_schema_version = target;
    return {};
  });
}

void SqliteStore::set_query_memory_limit(std::int64_t bytes) {
  m_memory_limit_bytes = std::max<std::int64_t>(0, bytes);
  if (m_memory_limit_bytes > 0 && !m_printf_guard) m_printf_guard = PrintfGuard::install(m_db);
  if (m_printf_guard) m_printf_guard->set_limit(m_memory_limit_bytes);
}

Result<QueryResult> SqliteStore::query(std::string_view sql, std::span<const Value> params) {
  QueryResult result;
  const std::function<void(const std::vector<std::string>&)> on_columns = [&](const std::vector<std::string>& c) {
    result.columns = c;
  };
  FRUGAL_CHECK(run(sql, params, &on_columns, [&](const Row& row) {
    result.rows.push_back(row);
    return true;
  }));
  return result;
}

Result<void> SqliteStore::for_each_row(std::string_view sql, std::span<const Value> params,
                                       const std::function<bool(const Row&)>& on_row) {
  return run(sql, params, nullptr, on_row);
}

Result<void> SqliteStore::stream(std::string_view sql, std::span<const Value> params,
                                 const std::function<void(const std::vector<std::string>&)>& on_columns,
                                 const std::function<bool(const Row&)>& on_row) {
  return run(sql, params, &on_columns, on_row);  // SQLite steps row by row already
}

Error SqliteStore::step_error(int rc, bool over_memory_budget) {
  if (rc == SQLITE_INTERRUPT && m_time_limit_ms > 0) return time_limit_error(m_time_limit_ms);
  if (rc == SQLITE_NOMEM && over_memory_budget) return memory_limit_error(m_memory_limit_bytes, "SQLite's heap");
  if (m_printf_guard && m_printf_guard->refused()) return Error{ErrorCode::too_large, fmt::format("sql: {}", sqlite3_errmsg(m_db))};
  return error("sql");
}

Result<void> SqliteStore::run(std::string_view sql, std::span<const Value> params,
                              const std::function<void(const std::vector<std::string>&)>* on_columns,
                              const std::function<bool(const Row&)>& on_row) {
  // The budget counts from before the prepare: a statement's own structures are the query's too.
  std::optional<QueryMemoryBudget> budget;
  if (m_memory_limit_bytes > 0) budget.emplace(m_memory_limit_bytes);
  if (m_printf_guard) m_printf_guard->clear_refusal();
  bool keep = false;
  auto prepared = cached(sql, &keep);
  if (!prepared && budget && budget->exceeded()) return std::unexpected(memory_limit_error(m_memory_limit_bytes, "SQLite's heap"));
  sqlite3_stmt* stmt = FRUGAL_TRY(std::move(prepared));
  // A kept statement is reset (its read snapshot released, bindings cleared) however this ends.
  struct Release {
    sqlite3_stmt* stmt;
    bool keep;
    ~Release() {
      if (!keep) {
        sqlite3_finalize(stmt);
        return;
      }
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
    }
  } release{stmt, keep};
  if (m_access == Access::read_only && !sqlite3_stmt_readonly(stmt))
    return fail(ErrorCode::invalid, "sql: the SQL surface is read-only");
  FRUGAL_CHECK(sqlite_bind(m_db, stmt, params));
  int columns = sqlite3_column_count(stmt);
  if (on_columns) {
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(columns));
    for (int i = 0; i < columns; ++i) names.emplace_back(sqlite3_column_name(stmt, i));
    (*on_columns)(names);
  }
  Row row(static_cast<std::size_t>(columns));
  // A time limit: SQLite calls the handler every few thousand steps of its VM; non-zero stops it.
  struct LimitGuard {
    sqlite3* db;
    bool set;
    ~LimitGuard() {
      if (set) sqlite3_progress_handler(db, 0, nullptr, nullptr);
    }
  } limit_guard{m_db, m_time_limit_ms > 0};
  if (m_time_limit_ms > 0) {
    m_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(m_time_limit_ms);
    sqlite3_progress_handler(
        m_db, 10000,
        [](void* self) { return std::chrono::steady_clock::now() > static_cast<SqliteStore*>(self)->m_deadline ? 1 : 0; },
        this);
  }
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    for (int i = 0; i < columns; ++i) row[static_cast<std::size_t>(i)] = sqlite_column(stmt, i);
    if (!on_row(row)) return {};
  }
  if (rc != SQLITE_DONE) return std::unexpected(step_error(rc, budget && budget->exceeded()));
  return {};
}

Result<std::int64_t> SqliteStore::execute(std::string_view sql, std::span<const Value> params) {
  sqlite3_stmt* stmt = FRUGAL_TRY(sqlite_prepare(m_db, sql));
  auto statement = make_sqlite_statement(m_db, stmt);
  if (m_access == Access::read_only && !sqlite3_stmt_readonly(stmt))
    return fail(ErrorCode::invalid, "sql: the SQL surface is read-only");
  auto r = statement->execute(params);
  if (!r) return std::unexpected(error("sql"));
  return r;
}

Result<std::unique_ptr<Statement>> SqliteStore::prepare(std::string_view sql) {
  // The library prepares the same few statements on every write (a server's log-metric, once per
  // request); a cached one saves parsing it again.
  bool keep = false;
  sqlite3_stmt* stmt = FRUGAL_TRY(cached(sql, &keep));
  return make_sqlite_statement(m_db, stmt, keep);
}

bool SqliteStore::in_transaction() const { return sqlite3_get_autocommit(m_db) == 0; }

Result<void> SqliteStore::transaction(const std::function<Result<void>()>& body) {
  // Inside another transaction (a server's group commit): a savepoint, so this body is still all
  // or nothing while the outer transaction decides when to commit.
  if (!sqlite3_get_autocommit(m_db)) {
    FRUGAL_CHECK(exec_cached("SAVEPOINT frugal_nested"));
    auto r = body();
    if (!r) (void)exec_cached("ROLLBACK TO frugal_nested");  // the failure being reported matters more
    auto released = exec_cached("RELEASE frugal_nested");
    if (!r) return r;
    return released;
  }
  // IMMEDIATE takes the write lock now, so two writers queue at BEGIN instead of deadlocking.
  FRUGAL_CHECK(exec_cached("BEGIN IMMEDIATE"));
  auto r = body();
  if (!r) {
    (void)exec_cached("ROLLBACK");  // the failure being reported matters more
    return r;
  }
  auto committed = exec_cached("COMMIT");
  if (!committed) {
    (void)exec_cached("ROLLBACK");  // the failure being reported matters more
    return committed;
  }
  return {};
}

Result<std::vector<std::string>> SqliteStore::explain(std::string_view sql, std::span<const Value> params) {
  std::vector<std::string> lines;
  FRUGAL_CHECK(for_each_row("EXPLAIN QUERY PLAN " + std::string(sql), params, [&](const Row& row) {
    lines.push_back(as_text(row.at(3)));
    return true;
  }));
  return lines;
}

}  // namespace frugal::store
