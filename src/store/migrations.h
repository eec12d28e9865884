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

// The version a migration brings a database to: the latest, or less when FRUGAL_MIGRATE_UP_TO
// says so. That variable exists for tests of one migration, which need a database as an older
// version left it (tests/e2e/experiments_get_their_team_by_migration.bash); nothing else sets it.
int target_schema_version();

// PostgreSQL's text for the versions whose SQLite text cannot be translated (migrations/postgresql/);
// every other version is translated by postgres_ddl.
const std::vector<Migration>& postgres_overrides();

}  // namespace frugal::store
