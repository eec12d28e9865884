#pragma once
// The one place where SQLite's dialect, which the domain code and the migrations are written in,
// becomes PostgreSQL's. Private to store/.
#include <string>
#include <string_view>

namespace frugal::store {

// A statement for PostgreSQL: `?` and `?N` placeholders become `$N` (SQLite's numbering: a bare
// `?` takes one more than the largest number so far), and scalar max(a, b) / min(a, b), which
// SQLite spells like the aggregates, become greatest / least. Text in quotes and comments is
// left alone. `placeholders` receives the number of parameters the statement takes.
std::string postgres_statement(std::string_view sqlite_sql, int* placeholders = nullptr);

// A migration's DDL for PostgreSQL: INTEGER is 64-bit (money in nanos), REAL is double precision,
// `INTEGER PRIMARY KEY` is an identity column, virtual generated columns are stored (PostgreSQL 15
// has no virtual ones), and WITHOUT ROWID goes. What cannot be rewritten (trigger bodies) has its
// own file under migrations/postgresql/.
std::string postgres_ddl(std::string_view sqlite_ddl);

}  // namespace frugal::store
