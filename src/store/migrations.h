#pragma once
// The schema's numbered migrations, embedded from src/store/migrations/*.sql. Private to store/.
#include <string_view>
#include <vector>

namespace frugal::store {

struct Migration {
  int version;
  std::string_view file;
  std::string_view sql;
};

// Ascending by version; versions start at 1 with no gaps.
const std::vector<Migration>& migrations();

// PostgreSQL's text for the versions whose SQLite text cannot be translated (migrations/postgresql/);
// every other version is translated by postgres_ddl.
const std::vector<Migration>& postgres_overrides();

}  // namespace frugal::store
