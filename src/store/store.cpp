#include "store/store.h"

#include <charconv>
#include <cstdlib>
#include <fmt/format.h>

#include "store/migrations.h"
#include "store/pg_store.h"
#include "store/sqlite_store.h"

namespace frugal::store {

bool is_null(const Value& v) { return std::holds_alternative<std::monostate>(v); }

Value text_or_null(std::string_view s) { return s.empty() ? Value{} : Value{std::string(s)}; }

std::int64_t as_int(const Value& v) {
  if (auto i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (auto s = std::get_if<std::string>(&v)) {
    std::int64_t out = 0;
    std::from_chars(s->data(), s->data() + s->size(), out);
    return out;
  }
  return 0;
}

double as_double(const Value& v) {
  if (auto i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto s = std::get_if<std::string>(&v)) {
    double out = 0;
    std::from_chars(s->data(), s->data() + s->size(), out);
    return out;
  }
  return 0;
}

std::string as_text(const Value& v) {
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  if (auto s = std::get_if<std::string>(&v)) return *s;
  return "";
}

int latest_schema_version() { return migrations().back().version; }

int target_schema_version() {
  int latest = latest_schema_version();
  const char* limit = std::getenv("FRUGAL_MIGRATE_UP_TO");
  if (!limit || !*limit) return latest;
  int wanted = std::atoi(limit);
  return wanted > 0 && wanted < latest ? wanted : latest;
}

Result<std::unique_ptr<Store>> open_store(const std::string& location, Access access) {
  if (location.starts_with("postgres://") || location.starts_with("postgresql://")) {
    auto store = FRUGAL_TRY(PgStore::open(location, access));
    return std::unique_ptr<Store>(std::move(store));
  }
  if (location.empty()) return fail(ErrorCode::invalid, "--db: empty database path");
  auto store = FRUGAL_TRY(SqliteStore::open(location, access));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace frugal::store
