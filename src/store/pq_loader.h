#pragma once
// Whether libpq.so.5 could be loaded (pq_loader.cpp); PgStore checks before its first call.
namespace frugal::store {
bool pq_loaded();
}  // namespace frugal::store
