#include <openssl/evp.h>
#include <openssl/rand.h>
#include <fmt/format.h>

#include "core/time.h"
#include "server/server.h"

namespace frugal::server {
namespace {

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}


}  // namespace

Result<Role> parse_role(std::string_view name) {
  if (name == "agent") return Role::agent;
  if (name == "member") return Role::member;
  if (name == "admin") return Role::admin;
  return fail(ErrorCode::invalid, fmt::format("role '{}': expected agent, member or admin", name));
}

std::string_view role_name(Role role) {
  switch (role) {
    case Role::agent: return "agent";
    case Role::member: return "member";
    case Role::admin: return "admin";
  }
  return "?";
}

Result<std::string> create_token(store::Store& store, const NewToken& token, TimePoint now) {
  if (token.role != Role::admin && token.team.empty())
    return fail(ErrorCode::invalid, fmt::format("--team: an {} token acts for one team; name it", role_name(token.role)));
  unsigned char random[20];
  if (RAND_bytes(random, sizeof random) != 1) return fail(ErrorCode::unavailable, "no randomness for a token");
  std::string clear = "frugal_";
  for (unsigned char b : random) clear += fmt::format("{:02x}", b);
  store::Value params[] = {store::text_or_null(token.name), sha256_hex(clear), clear.substr(0, 12),
                           token.role == Role::admin ? store::Value{} : store::Value{token.team},
                           std::string(role_name(token.role)), format_utc(now),
                           token.expires ? store::Value{format_utc(*token.expires)} : store::Value{}};
  FRUGAL_TRY(store.execute("INSERT INTO tokens (name, token_hash, prefix, team, role, created_at, expires_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)",
                           params));
  return clear;
}

Result<std::vector<TokenInfo>> list_tokens(store::Store& store) {
  auto rows = FRUGAL_TRY(store.query(
      "SELECT id, coalesce(name, ''), prefix, coalesce(team, ''), role, created_at, coalesce(expires_at, ''), "
      "coalesce(revoked_at, '') FROM tokens ORDER BY id"));
  std::vector<TokenInfo> out;
  for (const auto& r : rows.rows)
    out.push_back({store::as_int(r[0]), store::as_text(r[1]), store::as_text(r[2]), store::as_text(r[3]),
                   *parse_role(store::as_text(r[4])), store::as_text(r[5]), store::as_text(r[6]), store::as_text(r[7])});
  return out;
}

Result<void> revoke_token(store::Store& store, std::int64_t id, TimePoint now) {
  store::Value params[] = {format_utc(now), id};
  auto changed = FRUGAL_TRY(store.execute("UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", params));
  if (changed == 0) return fail(ErrorCode::not_found, fmt::format("token {}: no such token", id));
  return {};
}

std::string token_hash(std::string_view token) { return sha256_hex(token); }

Result<Principal> authenticate(store::Store& store, const std::string& token, TimePoint now) {
  auto unauthenticated = fail(ErrorCode::unauthenticated, "a valid token is required");
  if (!token.starts_with("frugal_") || token.size() != 47) return unauthenticated;
  store::Value params[] = {sha256_hex(token)};
  auto rows = FRUGAL_TRY(store.query(
      "SELECT id, role, coalesce(team, ''), coalesce(expires_at, ''), revoked_at IS NOT NULL FROM tokens "
      "WHERE token_hash = ?",
      params));
  if (rows.rows.empty()) return unauthenticated;
  const auto& r = rows.rows[0];
  if (store::as_int(r[4])) return unauthenticated;
  if (std::string expires = store::as_text(r[3]); !expires.empty() && expires <= format_utc(now)) return unauthenticated;
  auto role = parse_role(store::as_text(r[1]));
  if (!role) return unauthenticated;
  return Principal{store::as_int(r[0]), *role, store::as_text(r[2])};
}

}  // namespace frugal::server
