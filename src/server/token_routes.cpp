// Tokens under /api/v1/tokens (admin: create, shown once; list, never the tokens themselves;
// revoke) and /api/v1/me, who the caller's token is.
#include <fmt/format.h>

#include "core/time.h"
#include "server/routes.h"

namespace frugal::server {
namespace {

Result<Reply> create_token_route(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  NewToken t;
  t.name = FRUGAL_TRY(string_field(body, "name", "", Field::optional));
  t.team = FRUGAL_TRY(string_field(body, "team", "", Field::optional));
  t.role = FRUGAL_TRY(parse_role(FRUGAL_TRY(string_field(body, "role", "", Field::required))));
  std::string expires = FRUGAL_TRY(string_field(body, "expires", "", Field::optional));
  if (!expires.empty()) {
    auto d = parse_duration(expires);
    if (!d) return fail(ErrorCode::invalid, fmt::format("field 'expires': {}", d.error().message));
    t.expires = call.now + *d;
  }
  std::string token;
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    token = FRUGAL_TRY(create_token(s, t, call.now));
    return {};
  }));
  return Reply{201, {{"token", token}, {"note", "shown once: store it now"}}};
}

Result<Reply> list_tokens_route(Call& call) {
  json out = json::array();
  for (const auto& t : FRUGAL_TRY(list_tokens(call.store)))
    out.push_back({{"id", t.id}, {"name", t.name}, {"prefix", t.prefix}, {"team", t.team}, {"role", role_name(t.role)},
                   {"created_at", t.created_at}, {"expires_at", t.expires_at}, {"revoked_at", t.revoked_at}});
  return Reply{200, {{"tokens", out}}};
}

Result<Reply> revoke_token_route(Call& call) {
  auto id = FRUGAL_TRY(parse_id(call.path_params.at(0), "token"));
  FRUGAL_CHECK(call.write([&](store::Store& s) { return revoke_token(s, id, call.now); }));
  return Reply{200, {{"id", id}, {"revoked", true}}};
}

}  // namespace

void add_token_routes(std::vector<Route>& routes) {
  routes.push_back({"GET", "/api/v1/me", Access::any, "who this token is: role and team", [](Call& call) -> Result<Reply> {
                      return Reply{200, {{"role", role_name(call.who.role)}, {"team", call.who.team}}};
                    }});
  routes.push_back({"POST", "/api/v1/tokens", Access::admin, "create a token: role, team, name, expires (shown once)", create_token_route});
  routes.push_back({"GET", "/api/v1/tokens", Access::admin, "list tokens (never the tokens themselves)", list_tokens_route});
  routes.push_back({"DELETE", "/api/v1/tokens/{id}", Access::admin, "revoke a token", revoke_token_route});
}

}  // namespace frugal::server
