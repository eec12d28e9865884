#pragma once
// The errors of a query stopped by its limits (Store::set_query_time_limit, set_query_memory_limit),
// worded alike on both backends. Private to store/.
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "core/error.h"

namespace frugal::store {

// "64 MiB", "1536 KiB", "1000 bytes": the limit as it was most likely given.
inline std::string byte_size_text(std::int64_t bytes) {
  if (bytes >= (1 << 20) && bytes % (1 << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes >= (1 << 10) && bytes % (1 << 10) == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} bytes", bytes);
}

inline Error time_limit_error(int milliseconds) {
  return Error{ErrorCode::too_large, fmt::format("sql: the query ran over its time limit of {} ms", milliseconds)};
}

// `what` says what was over the limit: "SQLite's heap", "a row of 70000000 bytes".
inline Error memory_limit_error(std::int64_t limit_bytes, std::string_view what) {
  return Error{ErrorCode::too_large,
               fmt::format("sql: {} is over the query's memory limit of {}", what, byte_size_text(limit_bytes))};
}

}  // namespace frugal::store
