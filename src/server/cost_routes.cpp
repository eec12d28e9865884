// Where the money went, over HTTP, as the CLI answers it: the leaderboard (`frugal top`), the
// report, bill costs, quotas, the catalog's prices and what the caches saved. Leaderboards,
// reports and costs span every team: admin. Quotas: members read their team's, admins set them.
#include <cmath>
#include <fmt/format.h>

#include "billing/billing.h"
#include "budget/budget.h"
#include "catalog/catalog.h"
#include "core/time.h"
#include "server/routes.h"

namespace frugal::server {
namespace {

Result<std::pair<TimePoint, TimePoint>> window(const Call& call) {
  auto w = parse_window(query_or(call, "since", "30d"), query_or(call, "until", ""), call.now);
  if (!w) return fail(ErrorCode::invalid, fmt::format("query 'since'/'until': {}", w.error().message));
  return *w;
}

Result<Reply> top(Call& call) {
  budget::LeaderboardQuery q;
  auto get = [&](const char* name, const char* fallback) {
    auto it = call.query.find(name);
    return it == call.query.end() ? std::string(fallback) : it->second;
  };
  q.by = FRUGAL_TRY(budget::parse_dimension(get("by", "team")));
  q.metric = FRUGAL_TRY(budget::parse_metric(get("metric", "cost")));
  auto window = parse_window(get("since", "30d"), get("until", ""), call.now);
  if (!window) return fail(ErrorCode::invalid, fmt::format("query 'since'/'until': {}", window.error().message));
  std::tie(q.since, q.until) = *window;
  auto board = FRUGAL_TRY(budget::leaderboard(call.store, q));
  json rows = json::array();
  auto row_json = [](const budget::LeaderboardRow& r) {
    // Shares and hours rounded as a person reads them (4 and 3 decimals); money stays exact.
    auto round_to = [](double v, double scale) { return std::round(v * scale) / scale; };
    return json{{"key", r.key},
                {"cost_usd", r.cost.to_string()},
                {"share", round_to(r.share, 1e4)},
                {"gpu_hours", round_to(r.gpu_hours, 1e3)},
                {"runs", r.runs},
                {"failures", r.failures},
                {"hours", round_to(static_cast<double>(r.duration_ms) / 3.6e6, 1e3)},
                {"idle_cost_usd", r.idle_cost.to_string()},
                {"saved_by_cache_usd", r.saved_by_cache.to_string()}};
  };
  for (const auto& r : board.rows) rows.push_back(row_json(r));
  return Reply{200, {{"by", budget::dimension_name(q.by)}, {"since", format_utc(q.since)}, {"until", format_utc(q.until)},
                     {"rows", rows}, {"total", row_json(board.total)}}};
}

json job_json(const budget::JobLine& j) {
  return {{"run_id", j.run_id}, {"name", j.name}, {"user", j.user}, {"team", j.team}, {"project", j.project},
          {"instance_type", j.instance_type}, {"status", j.status}, {"started_at", j.started_at},
          {"duration_ms", j.duration_ms}, {"cost_usd", j.cost ? json(j.cost->to_string()) : json(nullptr)}};
}

Result<Reply> report(Call& call) {
  auto [since, until] = FRUGAL_TRY(window(call));
  auto r = FRUGAL_TRY(budget::report(call.store, {since, until, 10}));
  json costliest = json::array(), longest = json::array(), failures = json::array();
  for (const auto& j : r.costliest) costliest.push_back(job_json(j));
  for (const auto& j : r.longest) longest.push_back(job_json(j));
  for (const auto& f : r.failures)
    failures.push_back({{"team", f.team}, {"project", f.project}, {"runs", f.runs}, {"failures", f.failures},
                        {"failure_rate", f.failure_rate}, {"failed_cost_usd", f.failed_cost.to_string()},
                        {"total_cost_usd", f.total_cost.to_string()}});
  return Reply{200,
               {{"since", format_utc(since)},
                {"until", format_utc(until)},
                {"runs", r.runs},
                {"failed_runs", r.failed_runs},
                {"cost_usd", r.total_cost.to_string()},
                {"failed_cost_usd", r.failed_cost.to_string()},
                {"cache", {{"hits", r.cache_hits}, {"saved_hours", static_cast<double>(r.cache_saved_ms) / 3.6e6},
                           {"saved_usd", r.cache_saved.to_string()}, {"data_hits", r.data_hits},
                           {"egress_avoided_usd", r.egress_avoided.to_string()}}},
                {"costliest_jobs", costliest},
                {"longest_jobs", longest},
                {"failures", failures}}};
}

Result<Reply> costs(Call& call) {
  billing::CostQuery q;
  q.by = query_or(call, "by", "service");
  q.metric = FRUGAL_TRY(billing::parse_cost_metric(query_or(call, "metric", "billed")));
  std::tie(q.since, q.until) = FRUGAL_TRY(window(call));
  json lines = json::array();
  for (const auto& l : FRUGAL_TRY(billing::costs(call.store, q)))
    lines.push_back({{"key", l.key}, {"currency", l.currency}, {"rows", l.rows}, {"cost", l.cost.to_string()}, {"share", l.share}});
  // Idle instance cost: the part of reconciled instances' charges no run used (`frugal bill reconcile`).
  json idle = json::array();
  store::Value window[] = {format_utc(q.since), format_utc(q.until)};
  FRUGAL_CHECK(call.store.for_each_row(
      "SELECT c.resource_id, a.billing_currency, sum(a.cost_nanos), sum(a.cost_attos), sum(a.cost_sub_attos) "
      "FROM charge_allocations a "
      "JOIN charges c ON c.id = a.charge_id WHERE a.run_id IS NULL AND c.charge_period_start >= ? AND "
      "c.charge_period_start < ? GROUP BY 1, 2 ORDER BY 3 DESC",
      window, [&](const store::Row& r) {
        Money cost = Money::from_nanos(store::as_int(r[2]), store::as_int(r[3]), store::as_int(r[4]));
        idle.push_back({{"resource_id", store::as_text(r[0])}, {"currency", store::as_text(r[1])}, {"idle_cost", cost.to_string()}});
        return true;
      }));
  return Reply{200, {{"by", q.by}, {"since", format_utc(q.since)}, {"until", format_utc(q.until)},
                     {"bills_cover", FRUGAL_TRY(bills_cover_json(call.store))}, {"lines", lines}, {"idle_instances", idle}}};
}

json usage_json(const budget::QuotaUsage& u) {
  return {{"scope", budget::scope_name(u.quota.scope)},
          {"name", u.quota.name},
          {"period", budget::period_name(u.quota.period)},
          {"limit_usd", u.quota.limit ? json(u.quota.limit->to_string()) : json(nullptr)},
          {"limit_gpu_hours", u.quota.gpu_hours ? json(*u.quota.gpu_hours) : json(nullptr)},
          {"spent_usd", u.spent.to_string()},
          {"gpu_hours", u.gpu_hours},
          {"exceeded", u.exceeded},
          {"period_start", format_utc(u.period_start)},
          {"period_end", format_utc(u.period_end)}};
}

Result<Reply> list_quotas(Call& call) {
  json out = json::array();
  for (const auto& u : FRUGAL_TRY(budget::quota_usage(call.store, call.now))) {
    // A member sees its own team's quotas; user and project quotas may span teams: admin only.
    if (call.who.role != Role::admin && !(u.quota.scope == budget::Scope::team && u.quota.name == call.who.team)) continue;
    out.push_back(usage_json(u));
  }
  return Reply{200, {{"quotas", out}}};
}

Result<Reply> set_quota(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  budget::Quota q;
  q.scope = FRUGAL_TRY(budget::parse_scope(FRUGAL_TRY(string_field(body, "scope", "", Field::required))));
  q.name = FRUGAL_TRY(string_field(body, "name", "", Field::required));
  std::string period = FRUGAL_TRY(string_field(body, "period", "", Field::optional));
  q.period = FRUGAL_TRY(budget::parse_period(period.empty() ? "monthly" : period));
  std::string limit = FRUGAL_TRY(string_field(body, "limit_usd", "", Field::optional));
  if (!limit.empty()) {
    auto m = Money::parse(limit);
    if (!m || *m <= Money()) return fail(ErrorCode::invalid, "field 'limit_usd': expected a positive decimal string such as \"5000\"");
    q.limit = *m;
  }
  q.gpu_hours = FRUGAL_TRY(number_field(body, "limit_gpu_hours", "", Field::optional));
  if (q.gpu_hours && !(*q.gpu_hours > 0 && std::isfinite(*q.gpu_hours)))
    return fail(ErrorCode::invalid, "field 'limit_gpu_hours': expected a positive number of GPU-hours such as 100");
  if (!q.limit && !q.gpu_hours) return fail(ErrorCode::invalid, "give 'limit_usd' or 'limit_gpu_hours'");
  budget::Quota stored = q;
  FRUGAL_CHECK(call.write([&](store::Store& s) -> Result<void> {
    stored = FRUGAL_TRY(budget::set_quota(s, q, call.now));
    return {};
  }));
  json reply = {{"scope", budget::scope_name(q.scope)}, {"name", q.name}, {"period", budget::period_name(q.period)},
                {"limit_usd", nullptr}, {"limit_gpu_hours", nullptr}};
  if (stored.limit) reply["limit_usd"] = stored.limit->to_string(2);
  if (stored.gpu_hours) reply["limit_gpu_hours"] = *stored.gpu_hours;
  return Reply{200, reply};
}

Result<Reply> remove_quota(Call& call) {
  auto body = FRUGAL_TRY(parse_body(call));
  auto scope = FRUGAL_TRY(budget::parse_scope(FRUGAL_TRY(string_field(body, "scope", "", Field::required))));
  std::string name = FRUGAL_TRY(string_field(body, "name", "", Field::required));
  auto period = FRUGAL_TRY(budget::parse_period(FRUGAL_TRY(string_field(body, "period", "", Field::required))));
  FRUGAL_CHECK(call.write([&](store::Store& s) { return budget::remove_quota(s, scope, name, period); }));
  return Reply{200, {{"removed", true}}};
}

Result<Reply> cheapest(Call& call) {
  std::string gpu = query_or(call, "gpu", "");
  if (gpu.empty()) return fail(ErrorCode::invalid, "query 'gpu' is required (H100, A100, ...)");
  char* end = nullptr;
  std::string count_text = query_or(call, "count", "1");
  double count = std::strtod(count_text.c_str(), &end);
  if (end != count_text.c_str() + count_text.size() || count <= 0) return fail(ErrorCode::invalid, "query 'count': expected a positive number");
  auto pricing = query_or(call, "pricing", "on_demand") == "spot" ? catalog::Pricing::spot : catalog::Pricing::on_demand;
  json out = json::array();
  auto offers = FRUGAL_TRY(catalog::cheapest(call.store, gpu, count, pricing));
  for (std::size_t i = 0; i < offers.size() && i < 20; ++i) {
    const auto& o = offers[i];
    out.push_back({{"provider", o.provider}, {"region", o.region}, {"instance_type", o.instance_type}, {"vcpus", o.vcpus},
                   {"memory_gib", o.memory_gib}, {"gpu_model", o.gpu_model}, {"gpu_count", o.gpu_count},
                   {"on_demand_usd_per_hour", o.on_demand.to_string()},
                   {"spot_usd_per_hour", o.spot ? json(o.spot->to_string()) : json(nullptr)}, {"source", o.source}});
  }
  return Reply{200, {{"offers", out}}};
}

Result<Reply> price(Call& call) {
  std::string type = query_or(call, "instance_type", "");
  if (type.empty()) return fail(ErrorCode::invalid, "query 'instance_type' is required");
  auto pricing = query_or(call, "pricing", "on_demand") == "spot" ? catalog::Pricing::spot : catalog::Pricing::on_demand;
  auto p = FRUGAL_TRY(catalog::price_of(call.store, type, query_or(call, "region", ""), query_or(call, "provider", ""), pricing));
  return Reply{200, {{"instance_type", type}, {"usd_per_hour", p.hourly.to_string()}, {"gpus", p.instance_gpu_count},
                     {"provider", p.provider}, {"region", p.region}, {"source", p.source}}};
}

Result<Reply> cache_stats(Call& call) {
  auto [since, until] = FRUGAL_TRY(window(call));
  // A member sees its own team's savings; an admin everyone's.
  bool all = call.who.role == Role::admin;
  store::Value p[] = {format_utc(since), format_utc(until), all ? store::Value{std::int64_t{1}} : store::Value{std::int64_t{0}},
                      call.who.team};
  auto compute = FRUGAL_TRY(call.store.query(
      "SELECT count(*) FILTER (WHERE kind = 'hit'), count(*) FILTER (WHERE kind = 'store'), coalesce(sum(compute_ms) FILTER "
      "(WHERE kind = 'hit'), 0), coalesce(sum(saved_nanos), 0) FROM cache_events WHERE at >= ? AND at < ? AND (? = 1 OR team = ?)",
      p));
  auto data = FRUGAL_TRY(call.store.query(
      "SELECT count(*) FILTER (WHERE kind = 'hit'), coalesce(sum(bytes) FILTER (WHERE kind = 'hit'), 0), count(*) FILTER "
      "(WHERE kind <> 'hit'), coalesce(sum(avoided_nanos), 0) FROM data_events WHERE at >= ? AND at < ? AND (? = 1 OR team = ?)",
      p));
  const auto& c = compute.rows.at(0);
  const auto& d = data.rows.at(0);
  return Reply{200,
               {{"since", format_utc(since)},
                {"until", format_utc(until)},
                {"computation", {{"hits", store::as_int(c[0])}, {"stores", store::as_int(c[1])},
                                 {"saved_hours", static_cast<double>(store::as_int(c[2])) / 3.6e6},
                                 {"saved_usd", Money::from_nanos(store::as_int(c[3])).to_string()}}},
                {"data", {{"hits", store::as_int(d[0])}, {"hit_bytes", store::as_int(d[1])}, {"downloads", store::as_int(d[2])},
                          {"egress_avoided_usd", Money::from_nanos(store::as_int(d[3])).to_string()}}}}};
}

}  // namespace

Result<json> bills_cover_json(store::Store& store) {
  auto span = FRUGAL_TRY(billing::bill_span(store));
  if (!span) return json(nullptr);
  return json{{"first_day", span->first_day}, {"last_day", span->last_day}};
}

void add_cost_routes(std::vector<Route>& routes) {
  routes.push_back({"GET", "/api/v1/top", Access::admin, "leaderboard: by, metric, since, until", top});
  routes.push_back({"GET", "/api/v1/report", Access::admin, "the report of `frugal report`: since, until", report});
  routes.push_back({"GET", "/api/v1/costs", Access::admin, "bill costs: by, metric (billed|effective|list), since, until", costs});
  routes.push_back({"GET", "/api/v1/quotas", Access::member, "quotas and their use this period (a member: its team's)", list_quotas});
  routes.push_back({"PUT", "/api/v1/quotas", Access::admin, "set a quota: scope, name, period, limit_usd, limit_gpu_hours", set_quota});
  routes.push_back({"DELETE", "/api/v1/quotas", Access::admin, "remove a quota: scope, name, period", remove_quota});
  routes.push_back({"GET", "/api/v1/catalog/cheapest", Access::member, "cheapest offers: gpu, count, pricing", cheapest});
  routes.push_back({"GET", "/api/v1/catalog/price", Access::member, "the price that meters a run: instance_type, region, provider", price});
  routes.push_back({"GET", "/api/v1/cache/stats", Access::member, "what the caches saved (a member: its team's): since, until", cache_stats});
}

}  // namespace frugal::server
