// Rule "idle_instance": instance-hours the bill charged while no run was on the instance (the
// idle rows that reconciliation writes to charge_allocations). When the idle time falls at night
// or at weekends, a stop schedule removes it without touching work; otherwise the instance should
// stop when idle, or its autoscaling floor come down.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>

#include "advise/rules.h"

namespace frugal::advise {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;

constexpr double k_schedule_share = 0.6;  // of idle cost at nights and weekends
constexpr double k_schedule_lift = 2.0;   // idle that often more at off-hours than in working hours

// Nights (20:00–08:00 UTC) and weekends: when nobody is waiting for the instance.
bool off_hours(TimePoint t) {
  auto day = std::chrono::floor<days>(t);
  std::chrono::weekday wd{day};
  auto hour = std::chrono::floor<hours>(t - day).count();
  return wd == std::chrono::Saturday || wd == std::chrono::Sunday || hour < 8 || hour >= 20;
}

// The share of [from, to) that is off-hours, walked hour by hour (a daily charge is not all night).
double off_hours_share(TimePoint from, TimePoint to) {
  if (to <= from) return off_hours(from) ? 1.0 : 0.0;
  milliseconds off{0};
  for (TimePoint t = from; t < to;) {
    TimePoint next = std::min<TimePoint>(to, std::chrono::floor<hours>(t) + hours(1));
    if (off_hours(t)) off += next - t;
    t = next;
  }
  return static_cast<double>(off.count()) / static_cast<double>((to - from).count());
}

// One instance's charges in the window, split into idle and used, working hours and off-hours.
struct Instance {
  std::string provider, region;
  std::set<std::string> teams;
  Money idle, billed;
  double idle_off = 0, billed_off = 0;  // the off-hours part of each, in dollars (display, ratios)
  std::set<std::int64_t> charges;
};

}  // namespace

Result<void> idle_instances(const Context& c, std::vector<Recommendation>& out) {
  // Every allocation of the instances' charges: the idle rows (run_id NULL) and the used ones,
  // so that idle time can be compared with the instance's whole bill hour by hour. CROSS JOIN fixes
  // SQLite's join order: from the allocations (few) to their charges by primary key, not through
  // every charge of the window by its time index (29 s → 0.14 s over 5,000,000 charges).
  std::string sql = fmt::format(
      "SELECT c.id, c.resource_id, coalesce(c.provider_name, ''), coalesce(c.region_id, ''), coalesce(c.x_team, ''), "
      "c.charge_period_start, c.charge_period_end, CASE WHEN a.run_id IS NULL THEN 1 ELSE 0 END, a.cost_nanos, "
      "a.cost_attos, a.cost_sub_attos FROM charge_allocations a CROSS JOIN charges c WHERE c.id = a.charge_id "
      "AND c.resource_id IS NOT NULL AND c.resource_id <> '' AND c.charge_period_start >= ? "
      "AND c.charge_period_start < ?{} ORDER BY c.resource_id, c.charge_period_start, c.id",
      c.team_filter("c.x_team"));
  std::vector<store::Value> params = {c.since, c.until};
  c.bind_team(params);
  auto rows = FRUGAL_TRY(c.store.query(sql, params));

  std::map<std::string, Instance> instances;
  for (const auto& row : rows.rows) {
    auto from = parse_utc(store::as_text(row[5]));
    auto to = parse_utc(store::as_text(row[6]));
    if (!from || !to) continue;  // a malformed time: advise on the rest
    auto& inst = instances[store::as_text(row[1])];
    inst.provider = store::as_text(row[2]);
    inst.region = store::as_text(row[3]);
    inst.teams.insert(store::as_text(row[4]));
    inst.charges.insert(store::as_int(row[0]));
    Money cost = Money::from_nanos(store::as_int(row[8]), store::as_int(row[9]), store::as_int(row[10]));
    double off = off_hours_share(*from, *to) * cost.to_double();
    inst.billed += cost;
    inst.billed_off += off;
    if (store::as_int(row[7]) == 1) {
      inst.idle += cost;
      inst.idle_off += off;
    }
  }

  for (const auto& [resource, inst] : instances) {
    if (inst.idle <= Money{}) continue;
    double idle = inst.idle.to_double(), billed = inst.billed.to_double();
    double off_share = idle > 0 ? inst.idle_off / idle : 0;
    // A schedule fits when idle time gathers at off-hours: most idle cost is there, and off-hours
    // are idle much more often than working hours (an instance idle all week is not a schedule case).
    double working_billed = billed - inst.billed_off, working_idle = idle - inst.idle_off;
    double off_rate = inst.billed_off > 0 ? inst.idle_off / inst.billed_off : 0;
    double working_rate = working_billed > 0 ? working_idle / working_billed : 0;
    bool schedule = off_share >= k_schedule_share && off_rate >= k_schedule_lift * working_rate;
    std::string where = inst.region.empty() ? "" : " (" + inst.region + ")";

    Recommendation r;
    r.rule = "idle_instance";
    r.target = fmt::format("instance {}{}", resource, where);
    r.id = recommendation_id(r.rule, r.target);
    r.team = !c.options.team.empty() ? c.options.team : inst.teams.size() == 1 ? *inst.teams.begin() : "";
    r.finding = fmt::format("{}{} was billed {} over {:.0f} days while no run was on it ({} of its bill), {} of that "
                            "at nights and weekends.",
                            resource, where, usd(inst.idle), c.days, percent(billed > 0 ? idle / billed : 0),
                            percent(off_share));
    r.evidence = {{"idle cost in window", usd(inst.idle)},
                  {"billed cost in window", usd(inst.billed)},
                  {"idle share of its bill", percent(billed > 0 ? idle / billed : 0)},
                  {"idle cost at nights (20:00–08:00 UTC) and weekends", percent(off_share)},
                  {"idle rate at nights and weekends", percent(off_rate)},
                  {"idle rate in working hours", percent(working_rate)},
                  {"charges", std::to_string(inst.charges.size())}};
    r.query = fmt::format(
        "SELECT c.charge_period_start, c.charge_period_end, c.billed_cost_nanos, a.cost_nanos AS idle_cost_nanos "
        "FROM charge_allocations a JOIN charges c ON c.id = a.charge_id WHERE a.run_id IS NULL AND c.resource_id = {} "
        "AND c.charge_period_start >= {} AND c.charge_period_start < {}{} ORDER BY c.charge_period_start",
        sql_literal(resource), sql_literal(c.since), sql_literal(c.until),
        c.options.team.empty() ? "" : " AND c.x_team = " + sql_literal(c.options.team));
    r.monthly_saving = c.monthly(inst.idle);
    r.confidence = schedule ? 0.7 : 0.5;
    r.action = schedule
                   ? fmt::format("Stop {} from 20:00 to 08:00 UTC and at weekends (a scheduler, a cron job that "
                                 "stops and starts it, or its autoscaling group scheduled to 0), and start it "
                                 "before working hours.",
                                 resource)
                   : fmt::format("Stop {} when no run is on it (an idle-shutdown script, or an alarm on low "
                                 "utilisation that stops it), or lower its autoscaling group's minimum to what "
                                 "the runs need.",
                                 resource);
    out.push_back(std::move(r));
  }
  return {};
}

}  // namespace frugal::advise
