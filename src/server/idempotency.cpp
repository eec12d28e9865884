#include "server/idempotency.h"

#include <fmt/format.h>

#include "core/time.h"

namespace frugal::server {

namespace {

std::optional<std::string> scoped_key(const Call& call, std::string_view route) {
  auto it = call.headers.find("idempotency-key");
  if (it == call.headers.end() || it->second.empty()) return std::nullopt;
  return fmt::format("{}|{}|{}", call.who.role == Role::admin ? "*" : call.who.team, route, it->second);
}

}  // namespace

Result<bool> claim_key(const Call& call, store::Store& s, std::int64_t run_id, std::string_view route) {
  auto key = scoped_key(call, route);
  if (!key) return true;
  if (key->size() > 300) return fail(ErrorCode::invalid, "header 'Idempotency-Key': at most 200 characters");
  store::Value v[] = {*key, run_id, format_utc(call.now)};
  return FRUGAL_TRY(s.execute("INSERT INTO request_keys (key, run_id, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING", v)) == 1;
}

Result<std::optional<std::int64_t>> run_of_key(const Call& call, store::Store& s, std::string_view route) {
  auto key = scoped_key(call, route);
  if (!key) return std::optional<std::int64_t>{};
  store::Value v[] = {*key};
  auto rows = FRUGAL_TRY(s.query("SELECT run_id FROM request_keys WHERE key = ?", v));
  if (rows.rows.empty()) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>{store::as_int(rows.rows[0][0])};
}

}  // namespace frugal::server
