#pragma once
// SQLite's heap held to a ceiling per query, for SQL a user types in (Store::set_query_memory_limit).
//
// Why not SQLite's own limits: sqlite3_hard_heap_limit64 and sqlite3_soft_heap_limit64 are
// process-wide, so inside `frugal serve` one reader's query would make the writer's allocations
// fail (or, soft, evict every connection's page cache); and SQLite enforces them only with memory
// statistics on (SQLITE_CONFIG_MEMSTATUS), a global mutex on every allocation, which we keep off.
// Nor SQLITE_LIMIT_LENGTH alone: printf() answers NULL, not an error, past it, and the JSON
// aggregates build their whole text before they check it.
//
// So SQLite's allocator is wrapped once, and a QueryMemoryBudget counts what SQLite allocates less
// what it frees on one thread while a query runs there; an allocation past the ceiling fails, the
// statement stops with SQLITE_NOMEM, and the connection stays usable (SQLite recovers from a failed
// allocation). Other threads are never counted. Private to store/.
#include <cstdint>

namespace frugal::store {

// Wraps SQLite's allocator. REQUIRES: before SQLite initializes (the first sqlite3_open). Returns
// false when SQLite had already initialized: budgets then never refuse anything.
bool install_sqlite_memory_accounting();

// While alive, an allocation by SQLite on this thread that would take it past `bytes` more than it
// held when the budget began fails. A budget begun while another is alive on the thread (a
// statement run from a row callback) leaves the outer one in charge.
// REQUIRES: bytes > 0.
class QueryMemoryBudget {
 public:
  explicit QueryMemoryBudget(std::int64_t bytes);
  ~QueryMemoryBudget();
  QueryMemoryBudget(const QueryMemoryBudget&) = delete;
  QueryMemoryBudget& operator=(const QueryMemoryBudget&) = delete;

  // Whether an allocation was refused (SQLite may have carried on without it: a page cache miss).
  bool exceeded() const;

 private:
  bool m_owner;
};

}  // namespace frugal::store
