#include "store/sqlite_memory.h"

#include <sqlite3.h>

namespace frugal::store {
namespace {

sqlite3_mem_methods g_sqlite_default{};  // SQLite's own allocator, which the wrappers call

struct ThreadBudget {
  bool active = false;
  bool exceeded = false;
  std::int64_t left = 0;  // may go past the start: frees of memory the query did not take count too
};
thread_local ThreadBudget t_budget;

void* budget_malloc(int bytes) {
  ThreadBudget& b = t_budget;
  if (!b.active) return g_sqlite_default.xMalloc(bytes);
  if (bytes > b.left) {
    b.exceeded = true;
    return nullptr;
  }
  void* p = g_sqlite_default.xMalloc(bytes);
  if (p) b.left -= g_sqlite_default.xSize(p);
  return p;
}

void budget_free(void* p) {
  ThreadBudget& b = t_budget;
  if (b.active && p) b.left += g_sqlite_default.xSize(p);
  g_sqlite_default.xFree(p);
}

void* budget_realloc(void* p, int bytes) {
  ThreadBudget& b = t_budget;
  if (!b.active) return g_sqlite_default.xRealloc(p, bytes);
  std::int64_t before = p ? g_sqlite_default.xSize(p) : 0;
  if (bytes - before > b.left) {
    b.exceeded = true;
    return nullptr;  // SQLite keeps the old block
  }
  void* q = g_sqlite_default.xRealloc(p, bytes);
  if (q) b.left -= g_sqlite_default.xSize(q) - before;
  return q;
}

}  // namespace

bool install_sqlite_memory_accounting() {
  if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &g_sqlite_default) != SQLITE_OK) return false;
  sqlite3_mem_methods wrapped = g_sqlite_default;
  wrapped.xMalloc = budget_malloc;
  wrapped.xFree = budget_free;
  wrapped.xRealloc = budget_realloc;
  return sqlite3_config(SQLITE_CONFIG_MALLOC, &wrapped) == SQLITE_OK;
}

QueryMemoryBudget::QueryMemoryBudget(std::int64_t bytes) : m_owner(!t_budget.active) {
  if (m_owner) t_budget = ThreadBudget{true, false, bytes};
}

QueryMemoryBudget::~QueryMemoryBudget() {
  if (m_owner) t_budget.active = false;
}

bool QueryMemoryBudget::exceeded() const { return t_budget.exceeded; }

}  // namespace frugal::store
