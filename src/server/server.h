#pragma once
// Server: `frugal serve`, one process that a whole team's machines send runs to and read costs
// from: JSON over HTTP/1.1 (keep-alive) with an OpenAPI document, bearer tokens with roles and
// teams, an MLflow-compatible tracking API, and Prometheus /metrics. Beast and JSON stay inside
// this folder's .cpp files.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "store/store.h"

namespace frugal::server {

// ---- Tokens ----------------------------------------------------------------------------------

enum class Role { agent, member, admin };
Result<Role> parse_role(std::string_view name);
std::string_view role_name(Role role);

struct TokenInfo {
  std::int64_t id = 0;
  std::string name, prefix;
  std::string team;  // "" for admin tokens
  Role role = Role::member;
  std::string created_at, expires_at, revoked_at;  // UTC; "" when unset
};

struct NewToken {
  std::string name;
  std::string team;                    // REQUIRED for agent and member
  Role role = Role::member;
  std::optional<TimePoint> expires;
};

// Makes a token and returns it in clear, the only time it exists outside the caller: the store
// keeps its SHA-256. Errors: a missing team for agent/member.
Result<std::string> create_token(store::Store& store, const NewToken& token, TimePoint now);
Result<std::vector<TokenInfo>> list_tokens(store::Store& store);
// not_found when there is no such token.
Result<void> revoke_token(store::Store& store, std::int64_t id, TimePoint now);

// Who a request is: the token's role and team. Errors: unauthenticated (no such token, revoked,
// expired) without saying which, so a caller learns nothing about other tokens.
struct Principal {
  std::int64_t token_id = 0;
  Role role = Role::member;
  std::string team;
};
Result<Principal> authenticate(store::Store& store, const std::string& token, TimePoint now);
// The SHA-256 of a token, hex: what the store keeps of it (and what a cache may key it by).
std::string token_hash(std::string_view token);

// ---- Serving ---------------------------------------------------------------------------------

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                      // 0: any free port (told through on_listening)
  std::string database;                 // the store every request uses
  std::size_t max_body_bytes = 16 << 20;
  int requests_per_second = 1000;       // per token, with bursts of 2 s worth; 0: no limit
  int max_sql_rows = 10000;              // /sql: rows a reply holds at most (`max_rows` asks for fewer)
  int sql_timeout_ms = 5000;            // /sql: a query's time limit
  std::int64_t sql_memory_bytes = 64 << 20;     // /sql: a query's memory limit (Store::set_query_memory_limit)
  std::size_t max_sql_reply_bytes = 32 << 20;   // /sql: the rows' JSON; rows past it are left out (truncated)
  int threads = 16;                     // workers that run handlers (connections cost none)
  std::size_t max_connections = 16384;  // in all: 503 beyond
  std::size_t max_connections_per_client = 2048;  // from one address: 429 beyond
  std::function<void(int port)> on_listening;  // once bound, before the first request
};

// Serves until SIGTERM or SIGINT: then stops accepting, lets requests in flight finish, and
// closes the store. Errors: the address cannot be bound, the store cannot be opened.
Result<void> serve(const ServeOptions& options);

}  // namespace frugal::server
