// What the web dashboard needs beyond the CLI's answers: an overview of the period, downsampled
// metric curves, GPU and host (CPU, memory) series of a run, and bill costs per day; and the
// dashboard itself, whose files are compiled into the binary (web_assets.h).
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>

#include "billing/billing.h"
#include "budget/budget.h"
#include "catalog/catalog.h"
#include "tracking/tracking.h"
#include "core/time.h"
#include "server/routes.h"
#include "server/web_assets.h"

namespace frugal::server {
namespace {

std::string usd(std::int64_t nanos) { return Money::from_nanos(nanos).to_string(); }

Result<std::int64_t> scalar(store::Store& s, const std::string& sql, std::span<const store::Value> params) {
  auto r = FRUGAL_TRY(s.query(sql, params));
  return store::as_int(r.rows.at(0)[0]);
}

// The buckets asked for: 2 to 5000, default 800 (about a chart's width in pixels).
Result<std::int64_t> buckets_of(const Call& call) {
  std::string text = query_or(call, "buckets", "800");
  char* end = nullptr;
  long n = std::strtol(text.c_str(), &end, 10);
  if (end != text.c_str() + text.size() || n < 2 || n > 5000) return fail(ErrorCode::invalid, "query 'buckets': expected 2 to 5000");
  return n;
}

Result<Reply> overview(Call& call) {
  auto window = parse_window(query_or(call, "since", "30d"), query_or(call, "until", ""), call.now);
  if (!window) return fail(ErrorCode::invalid, fmt::format("query 'since'/'until': {}", window.error().message));
  auto [since, until] = *window;
  TimePoint previous_since = since - (until - since);
  std::string s = format_utc(since), u = format_utc(until), ps = format_utc(previous_since);
  store::Value now_window[] = {s, u}, before[] = {ps, s};
  const std::string spend = "SELECT coalesce(sum(cost_nanos), 0) FROM runs WHERE started_at >= ? AND started_at < ?";
  json out = {{"since", s}, {"until", u}, {"previous_since", ps}, {"previous_until", s},
              {"spend_usd", usd(FRUGAL_TRY(scalar(call.store, spend, now_window)))},
              {"previous_spend_usd", usd(FRUGAL_TRY(scalar(call.store, spend, before)))},
              {"recommendations_open", FRUGAL_TRY(scalar(call.store, "SELECT count(*) FROM recommendations WHERE dismissed_at IS NULL", {}))}};
  json by_team = json::array(), daily = json::array(), costliest = json::array();
  auto teams = FRUGAL_TRY(call.store.query(
      "SELECT coalesce(team, ''), sum(cost_nanos) FROM runs WHERE started_at >= ? AND started_at < ? GROUP BY 1 "
      "ORDER BY 2 DESC NULLS LAST",
      now_window));
  for (const auto& r : teams.rows) by_team.push_back({{"team", store::as_text(r[0])}, {"cost_usd", usd(store::as_int(r[1]))}});
  auto days = FRUGAL_TRY(call.store.query(
      "SELECT substr(started_at, 1, 10), coalesce(team, ''), sum(cost_nanos) FROM runs WHERE started_at >= ? AND "
      "started_at < ? GROUP BY 1, 2 ORDER BY 1, 2",
      now_window));
  for (const auto& r : days.rows)
    daily.push_back({{"day", store::as_text(r[0])}, {"team", store::as_text(r[1])}, {"cost_usd", usd(store::as_int(r[2]))}});
  auto top = FRUGAL_TRY(call.store.query(
      "SELECT id, name, coalesce(username, ''), coalesce(team, ''), coalesce(project, ''), status, started_at, "
      "coalesce(duration_ms, 0), cost_nanos FROM runs WHERE started_at >= ? AND started_at < ? AND cost_nanos IS NOT NULL "
      "ORDER BY cost_nanos DESC LIMIT 10",
      now_window));
  for (const auto& r : top.rows)
    costliest.push_back({{"id", store::as_int(r[0])}, {"name", store::as_text(r[1])}, {"user", store::as_text(r[2])},
                         {"team", store::as_text(r[3])}, {"project", store::as_text(r[4])}, {"status", store::as_text(r[5])},
                         {"started_at", store::as_text(r[6])}, {"duration_ms", store::as_int(r[7])},
                         {"cost_usd", usd(store::as_int(r[8]))}});
  out["by_team"] = by_team;
  out["daily"] = daily;
  out["costliest_runs"] = costliest;
  // Spot: what the spot runs would have cost on demand, less what they cost. Cost is linear in
  // duration, so runs of one instance type and GPU share are priced together.
  Money spot_saved;
  auto spot = FRUGAL_TRY(call.store.query(
      "SELECT instance_type, coalesce(region, ''), coalesce(provider, ''), gpu_count, instance_gpu_count, "
      "sum(coalesce(duration_ms, 0)), sum(coalesce(cost_nanos, 0)) FROM runs WHERE pricing = 'spot' AND instance_type IS NOT NULL "
      "AND started_at >= ? AND started_at < ? GROUP BY 1, 2, 3, 4, 5",
      now_window));
  for (const auto& r : spot.rows) {
    auto on_demand = catalog::price_of(call.store, store::as_text(r[0]), store::as_text(r[1]), store::as_text(r[2]),
                                       catalog::Pricing::on_demand);
    if (!on_demand) continue;  // a type the catalog no longer knows: no claim
    Money would_have = tracking::estimate_cost(on_demand->hourly, store::as_int(r[5]), static_cast<int>(store::as_int(r[3])),
                                               static_cast<int>(store::as_int(r[4])));
    Money paid = Money::from_nanos(store::as_int(r[6]));
    if (would_have > paid) spot_saved += would_have - paid;
  }
  out["saved"] = {
      {"spot_usd", spot_saved.to_string()},
      {"early_stop_usd",
       usd(FRUGAL_TRY(scalar(call.store, "SELECT coalesce(sum(saved_nanos), 0) FROM runs WHERE started_at >= ? AND started_at < ?", now_window)))},
      {"cache_usd", usd(FRUGAL_TRY(scalar(
                        call.store, "SELECT coalesce(sum(saved_nanos), 0) FROM cache_events WHERE kind = 'hit' AND at >= ? AND at < ?",
                        now_window)))},
      {"egress_usd", usd(FRUGAL_TRY(scalar(
                         call.store, "SELECT coalesce(sum(avoided_nanos), 0) FROM data_events WHERE kind = 'hit' AND at >= ? AND at < ?",
                         now_window)))}};
  json near = json::array();
  for (const auto& q : FRUGAL_TRY(budget::quota_usage(call.store, call.now))) {
    double ratio = 0;
    if (q.quota.limit && q.quota.limit->nanos() > 0) ratio = std::max(ratio, q.spent.to_double() / q.quota.limit->to_double());
    if (q.quota.gpu_hours && *q.quota.gpu_hours > 0) ratio = std::max(ratio, q.gpu_hours / *q.quota.gpu_hours);
    if (ratio < 0.8 && !q.exceeded) continue;
    near.push_back({{"scope", budget::scope_name(q.quota.scope)},
                    {"name", q.quota.name},
                    {"period", budget::period_name(q.quota.period)},
                    {"used_ratio", ratio},
                    {"spent_usd", q.spent.to_string()},
                    {"limit_usd", q.quota.limit ? json(q.quota.limit->to_string()) : json(nullptr)},
                    {"gpu_hours", q.gpu_hours},
                    {"limit_gpu_hours", q.quota.gpu_hours ? json(*q.quota.gpu_hours) : json(nullptr)},
                    {"exceeded", q.exceeded},
                    {"period_start", format_utc(q.period_start)},
                    {"period_end", format_utc(q.period_end)}});
  }
  out["quotas_near_limit"] = near;
  return Reply{200, out};
}

// A metric's curve cut to `buckets` ranges of steps, each its min and max: what a chart of that
// width can show, from any number of points, read once in step order from the (run, key, step) index.
Result<Reply> series(Call& call) {
  auto id = FRUGAL_TRY(run_in_scope(call, call.path_params.at(0)));
  std::string key = query_or(call, "key", "");
  if (key.empty()) return fail(ErrorCode::invalid, "query 'key' is required");
  auto buckets = FRUGAL_TRY(buckets_of(call));
  store::Value p[] = {id, key};
  auto range = FRUGAL_TRY(call.store.query("SELECT count(*), min(step), max(step) FROM metrics WHERE run_id = ? AND key = ?", p));
  std::int64_t n = store::as_int(range.rows.at(0)[0]), first = store::as_int(range.rows.at(0)[1]), last = store::as_int(range.rows.at(0)[2]);
  json x = json::array(), lo = json::array(), hi = json::array();
  std::int64_t span = std::max<std::int64_t>(last - first + 1, 1);
  std::int64_t current = -1;
  double bucket_min = 0, bucket_max = 0;
  std::int64_t bucket_step = 0;
  auto close = [&] {
    if (current < 0) return;
    x.push_back(bucket_step);
    lo.push_back(bucket_min);
    hi.push_back(bucket_max);
  };
  FRUGAL_CHECK(call.store.for_each_row(
      "SELECT step, value FROM metrics WHERE run_id = ? AND key = ? AND value IS NOT NULL ORDER BY step", p, [&](const store::Row& r) {
        std::int64_t step = store::as_int(r[0]);
        double v = std::get<double>(r[1]);
        std::int64_t b = n <= buckets ? step - first : (step - first) * buckets / span;
        if (b != current) {
          close();
          current = b;
          bucket_step = step;
          bucket_min = bucket_max = v;
        } else {
          bucket_min = std::min(bucket_min, v);
          bucket_max = std::max(bucket_max, v);
        }
        return true;
      }));
  close();
  return Reply{200, {{"key", key}, {"points", n}, {"x", x}, {"min", lo}, {"max", hi}}};
}

// Utilisation and memory of each GPU a run held, averaged over `buckets` ranges of time.
Result<Reply> gpus(Call& call) {
  auto id = FRUGAL_TRY(run_in_scope(call, call.path_params.at(0)));
  auto buckets = FRUGAL_TRY(buckets_of(call));
  store::Value p[] = {id};
  auto range = FRUGAL_TRY(call.store.query(
      "SELECT min(time), max(time) FROM samples WHERE run_id = ? AND gpu_index IS NOT NULL", p));
  json out = json::array();
  if (store::is_null(range.rows.at(0)[0])) return Reply{200, {{"gpus", out}}};
  auto t0 = *parse_utc(store::as_text(range.rows.at(0)[0])), t1 = *parse_utc(store::as_text(range.rows.at(0)[1]));
  std::int64_t span = std::max<std::int64_t>((t1 - t0).count() + 1, 1);
  struct Acc {
    std::map<std::int64_t, std::array<double, 4>> by_bucket;  // t sum, util sum, mem sum, count
  };
  std::map<std::int64_t, Acc> per_gpu;
  FRUGAL_CHECK(call.store.for_each_row(
      "SELECT gpu_index, time, coalesce(gpu_util_pct, 0), coalesce(gpu_mem_bytes, 0) FROM samples WHERE run_id = ? AND "
      "gpu_index IS NOT NULL ORDER BY time",
      p, [&](const store::Row& r) {
        auto t = parse_utc(store::as_text(r[1]));
        if (!t) return true;
        std::int64_t b = (*t - t0).count() * buckets / span;
        auto& a = per_gpu[store::as_int(r[0])].by_bucket[b];
        a[0] += static_cast<double>(t->time_since_epoch().count()) / 1000.0;
        a[1] += store::is_null(r[2]) ? 0 : std::holds_alternative<double>(r[2]) ? std::get<double>(r[2]) : static_cast<double>(store::as_int(r[2]));
        a[2] += static_cast<double>(store::as_int(r[3])) / (1024.0 * 1024 * 1024);
        a[3] += 1;
        return true;
      }));
  for (const auto& [index, acc] : per_gpu) {
    json t = json::array(), util = json::array(), mem = json::array();
    for (const auto& [b, a] : acc.by_bucket) {
      t.push_back(std::round(a[0] / a[3]));
      util.push_back(a[1] / a[3]);
      mem.push_back(a[2] / a[3]);
    }
    out.push_back({{"index", index}, {"t", t}, {"util", util}, {"mem_gib", mem}});
  }
  return Reply{200, {{"gpus", out}}};
}

// The host samples of a run (CPU of its process tree, its resident memory), averaged over
// `buckets` ranges of time; the mean and peaks are over every sample, not the buckets.
Result<Reply> host_samples(Call& call) {
  auto id = FRUGAL_TRY(run_in_scope(call, call.path_params.at(0)));
  auto buckets = FRUGAL_TRY(buckets_of(call));
  store::Value p[] = {id};
  auto range = FRUGAL_TRY(call.store.query(
      "SELECT count(*), min(time), max(time), avg(cpu_pct), max(cpu_pct), max(rss_bytes) FROM samples WHERE run_id = ? AND "
      "gpu_index IS NULL",
      p));
  const auto& summary = range.rows.at(0);
  auto number = [](const store::Value& v) -> json {
    if (store::is_null(v)) return nullptr;
    return std::holds_alternative<double>(v) ? std::get<double>(v) : static_cast<double>(store::as_int(v));
  };
  json out = {{"samples", store::as_int(summary[0])}, {"cpu_pct_mean", number(summary[3])}, {"cpu_pct_peak", number(summary[4])},
              {"rss_bytes_peak", store::is_null(summary[5]) ? json(nullptr) : json(store::as_int(summary[5]))}};
  json t = json::array(), cpu = json::array(), rss = json::array();
  if (!store::is_null(summary[1])) {
    auto t0 = *parse_utc(store::as_text(summary[1])), t1 = *parse_utc(store::as_text(summary[2]));
    std::int64_t span = std::max<std::int64_t>((t1 - t0).count() + 1, 1);
    struct Acc {
      double t_s = 0, cpu = 0, rss = 0;
      std::int64_t n = 0, cpu_n = 0, rss_n = 0;
    };
    std::map<std::int64_t, Acc> by_bucket;
    FRUGAL_CHECK(call.store.for_each_row(
        "SELECT time, cpu_pct, rss_bytes FROM samples WHERE run_id = ? AND gpu_index IS NULL ORDER BY time", p,
        [&](const store::Row& r) {
          auto when = parse_utc(store::as_text(r[0]));
          if (!when) return true;
          auto& a = by_bucket[(*when - t0).count() * buckets / span];
          a.t_s += static_cast<double>(when->time_since_epoch().count()) / 1000.0;
          ++a.n;
          if (json v = number(r[1]); !v.is_null()) {
            a.cpu += v.get<double>();
            ++a.cpu_n;
          }
          if (!store::is_null(r[2])) {
            a.rss += static_cast<double>(store::as_int(r[2]));
            ++a.rss_n;
          }
          return true;
        }));
    for (const auto& [b, a] : by_bucket) {
      t.push_back(std::round(a.t_s / static_cast<double>(a.n) * 1000) / 1000);  // seconds, to the millisecond
      cpu.push_back(a.cpu_n ? json(a.cpu / static_cast<double>(a.cpu_n)) : json(nullptr));
      rss.push_back(a.rss_n ? json(std::llround(a.rss / static_cast<double>(a.rss_n))) : json(nullptr));
    }
  }
  out["t"] = t;
  out["cpu_pct"] = cpu;
  out["rss_bytes"] = rss;
  return Reply{200, out};
}

Result<Reply> daily_costs(Call& call) {
  billing::CostQuery q;
  q.by = query_or(call, "by", "service");
  q.metric = FRUGAL_TRY(billing::parse_cost_metric(query_or(call, "metric", "billed")));
  auto window = parse_window(query_or(call, "since", "30d"), query_or(call, "until", ""), call.now);
  if (!window) return fail(ErrorCode::invalid, fmt::format("query 'since'/'until': {}", window.error().message));
  std::tie(q.since, q.until) = *window;
  auto lines = FRUGAL_TRY(billing::daily_costs(call.store, q));
  std::vector<std::string> days;
  std::map<std::pair<std::string, std::string>, std::map<std::string, Money>> by_key;  // (key, currency) → day → cost
  for (const auto& l : lines) {
    days.push_back(l.day);
    by_key[{l.key, l.currency}][l.day] += l.cost;
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  json series = json::array();
  for (const auto& [key_currency, per_day] : by_key) {
    json values = json::array();
    for (const auto& d : days) {
      auto it = per_day.find(d);
      values.push_back(it == per_day.end() ? std::string("0") : it->second.to_string());
    }
    series.push_back({{"key", key_currency.first}, {"currency", key_currency.second}, {"values", values}});
  }
  return Reply{200, {{"by", q.by}, {"since", format_utc(q.since)}, {"until", format_utc(q.until)},
                     {"bills_cover", FRUGAL_TRY(bills_cover_json(call.store))}, {"days", days}, {"series", series}}};
}

Handler asset(const std::string& path) {
  return [path](Call&) -> Result<Reply> {
    const WebAsset* a = find_web_asset(path);
    if (!a) return fail(ErrorCode::not_found, fmt::format("{}: not in this build", path));
    return Reply{200, {}, std::string(a->bytes), std::string(a->content_type)};
  };
}

}  // namespace

void add_dashboard_routes(std::vector<Route>& routes) {
  routes.push_back({"GET", "/", Access::open, "the web dashboard (sign in with a token)", asset("/index.html")});
  routes.push_back({"GET", "/favicon.ico", Access::open, "no icon (answered, so browsers log no error)",
                    [](Call&) -> Result<Reply> { return Reply{204, {}, "", "image/x-icon"}; }});
  routes.push_back({"GET", "/assets/app.js", Access::open, "the dashboard's script", asset("/assets/app.js")});
  routes.push_back({"GET", "/assets/app.css", Access::open, "the dashboard's styles", asset("/assets/app.css")});
  routes.push_back({"GET", "/api/v1/overview", Access::admin, "the period at a glance (since, until): spend vs the previous one, by team and day, costliest runs, savings, quotas near their limit", overview});
  routes.push_back({"GET", "/api/v1/runs/{id}/series", Access::member, "a metric's curve, min and max per bucket of steps: key, buckets", series});
  routes.push_back({"GET", "/api/v1/runs/{id}/gpus", Access::member, "utilisation and memory of each GPU over time: buckets", gpus});
  routes.push_back({"GET", "/api/v1/runs/{id}/samples", Access::member,
                    "CPU and resident memory of the run's process tree over time, and their mean and peaks: buckets", host_samples});
  routes.push_back({"GET", "/api/v1/costs/daily", Access::admin, "bill costs per day and key: by, metric, since, until", daily_costs});
}

}  // namespace frugal::server
