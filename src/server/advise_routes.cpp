// Routes of `frugal advise`: the stored recommendations (a member sees its team's), and dismissing
// one. Computing them stays the CLI's (`frugal advise`, e.g. from cron): it reads every run.
#include <fmt/format.h>

#include "advise/advise.h"
#include "server/routes.h"

namespace frugal::server {
namespace {

json recommendation_json(const advise::Recommendation& r) {
  json evidence = json::array();
  for (const auto& e : r.evidence) evidence.push_back({{"name", e.name}, {"value", e.value}});
  return {{"id", r.id},       {"rule", r.rule},         {"team", r.team},
          {"target", r.target}, {"finding", r.finding}, {"evidence", evidence},
          {"query", r.query},   {"monthly_saving_usd", r.monthly_saving.to_string(2)},
          {"confidence", r.confidence}, {"action", r.action}};
}

Result<Reply> list(Call& call) {
  std::string team = call.who.role == Role::admin ? query_or(call, "team", "") : call.who.team;
  json out = json::array();
  for (const auto& r : FRUGAL_TRY(advise::open_recommendations(call.store, team))) out.push_back(recommendation_json(r));
  return Reply{200, {{"recommendations", out}}};
}

Result<Reply> dismiss(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  std::string why = FRUGAL_TRY(string_field(body, "why", "why", Field::required));
  std::string id = call.path_params.at(0);
  FRUGAL_CHECK(call.write([&](store::Store& s) { return advise::dismiss(s, id, why, call.now); }));
  return Reply{200, {{"dismissed", id}}};
}

}  // namespace

void add_advise_routes(std::vector<Route>& routes) {
  routes.push_back({"GET", "/api/v1/recommendations", Access::member,
                    "open recommendations of `frugal advise`, largest monthly saving first (a member: its team's; "
                    "an admin: team=)",
                    list});
  routes.push_back({"POST", "/api/v1/recommendations/{id}/dismiss", Access::admin,
                    "dismiss a recommendation: why (kept with it)", dismiss});
}

}  // namespace frugal::server
