#include <fmt/format.h>
#include <fmt/ranges.h>

#include "budget/budget.h"
#include "budget/run_columns.h"
#include "budget/run_totals.h"
#include "core/run_cost.h"
#include "util/display.h"

namespace frugal::budget {
namespace {

Dimension dimension_of(Scope s) {
  switch (s) {
    case Scope::team: return Dimension::team;
    case Scope::user: return Dimension::user;
    case Scope::project: return Dimension::project;
  }
  return Dimension::team;
}

std::string_view period_noun(Period p) {
  switch (p) {
    case Period::daily: return "today";
    case Period::weekly: return "this week";
    case Period::monthly: return "this month";
  }
  return "";
}

Result<Quota> quota_from_row(const store::Row& r) {
  Quota q;
  q.scope = FRUGAL_TRY(parse_scope(store::as_text(r[0])));
  q.name = store::as_text(r[1]);
  q.period = FRUGAL_TRY(parse_period(store::as_text(r[2])));
  if (!store::is_null(r[3])) q.limit = Money::from_nanos(store::as_int(r[3]));
  if (!store::is_null(r[4])) q.gpu_hours = store::as_double(r[4]);
  return q;
}

Result<QuotaUsage> usage_of(store::Store& store, const Quota& quota, TimePoint now, const Reservation& reservation = {}) {
  QuotaUsage u;
  u.quota = quota;
  std::tie(u.period_start, u.period_end) = period_bounds(quota.period, now);
  auto totals = FRUGAL_TRY(run_totals(store, dimension_of(quota.scope), u.period_start, u.period_end, quota.name));
  for (const auto& t : totals) {
    u.spent += Money::from_nanos(t.cost_nanos);
    u.gpu_hours += static_cast<double>(t.gpu_ms) / k_ms_per_hour;
  }
  // Runs still going count what they have spent so far, or concurrent jobs would all slip through.
  std::vector<store::Value> running = {quota.name, format_utc(u.period_start), format_utc(u.period_end)};
  FRUGAL_CHECK(store.for_each_row(
      fmt::format("SELECT started_at, hourly_price_nanos, gpu_count, instance_gpu_count, coalesce(cost_nanos, 0), "
                  "max_usd_nanos, max_gpu_hours FROM runs "
                  "WHERE status = 'running' AND {} = ? AND started_at >= ? AND started_at < ?",
                  dimension_column(dimension_of(quota.scope))),
      running, [&](const store::Row& r) {
        auto started = parse_utc(store::as_text(r[0]));
        if (!started) return true;
        std::int64_t elapsed_ms = std::max<std::int64_t>(0, (now - *started).count());
        int gpus = static_cast<int>(store::as_int(r[2]));
        // The rollups already hold what the runner last metered (cost_nanos); add only the rest.
        Money so_far = Money::from_nanos(store::as_int(r[4]));
        if (!store::is_null(r[1])) {
          Money now_cost = run_cost(Money::from_nanos(store::as_int(r[1])), elapsed_ms, gpus, static_cast<int>(store::as_int(r[3])));
          u.spent += now_cost - so_far;
          so_far = now_cost;
        }
        double hours = static_cast<double>(elapsed_ms * gpus) / k_ms_per_hour;
        u.gpu_hours += hours;
        // A run with its own budget holds the rest of it.
        if (!store::is_null(r[5]) && Money::from_nanos(store::as_int(r[5])) > so_far)
          u.reserved += Money::from_nanos(store::as_int(r[5])) - so_far;
        if (!store::is_null(r[6])) u.reserved_gpu_hours += std::max(0.0, store::as_double(r[6]) - hours);
        return true;
      }));
  std::vector<std::string> why;
  Money held = reservation.new_run ? u.spent + u.reserved : u.spent;
  auto reserved_note = [](const Money& m) {
    return m.nanos() > 0 ? fmt::format(" (${} of it held by running runs' budgets)", util::display::money(m.to_string())) : std::string();
  };
  if (quota.limit && (held >= *quota.limit || (reservation.usd && held + *reservation.usd > *quota.limit)))
    why.push_back(reservation.usd && held < *quota.limit
                      ? fmt::format("${} of ${} used{}, no room for this run's ${}", util::display::money(held.to_string()),
                                    util::display::money(quota.limit->to_string()), reserved_note(u.reserved),
                                    util::display::money(reservation.usd->to_string()))
                      : fmt::format("${} of ${}{}", util::display::money(held.to_string()),
                                    util::display::money(quota.limit->to_string()), reserved_note(u.reserved)));
  double held_hours = reservation.new_run ? u.gpu_hours + u.reserved_gpu_hours : u.gpu_hours;
  if (quota.gpu_hours && (held_hours >= *quota.gpu_hours ||
                          (reservation.gpu_hours && held_hours + *reservation.gpu_hours > *quota.gpu_hours)))
    why.push_back(fmt::format("{} of {} GPU-hours", util::display::quantity(held_hours), *quota.gpu_hours));
  u.exceeded = !why.empty();
  if (u.exceeded) {
    u.reason = fmt::format("{} {}: {} {} ({} quota, resets {})", scope_name(quota.scope), quota.name,
                           fmt::join(why, " and "), period_noun(quota.period), period_name(quota.period),
                           format_utc(u.period_end));
  }
  return u;
}

constexpr std::string_view k_select_quotas =
    "SELECT scope, name, period, limit_usd_nanos, limit_gpu_hours FROM quotas";

}  // namespace

std::pair<TimePoint, TimePoint> period_bounds(Period period, TimePoint t) {
  using namespace std::chrono;
  sys_days day = floor<days>(t);
  switch (period) {
    case Period::daily: return {TimePoint{day}, TimePoint{day + days(1)}};
    case Period::weekly: {
      sys_days monday = day - (weekday{day} - Monday);
      return {TimePoint{monday}, TimePoint{monday + weeks(1)}};
    }
    case Period::monthly: return {month_start(t), next_month_start(t)};
  }
  return {t, t};
}

Result<Quota> set_quota(store::Store& store, const Quota& quota, TimePoint now) {
  if (quota.name.empty()) return fail(ErrorCode::invalid, "quota: a team, user or project name is required");
  if (!quota.limit && !quota.gpu_hours)
    return fail(ErrorCode::invalid, "quota: give a money limit (--monthly-usd ...) or a GPU-hour limit");
  if (quota.limit && *quota.limit < Money())
    return fail(ErrorCode::invalid, "quota: the money limit must not be negative");
  if (quota.gpu_hours && !(*quota.gpu_hours >= 0))
    return fail(ErrorCode::invalid, "quota: the GPU-hour limit must not be negative");
  std::vector<store::Value> params = {
      std::string(scope_name(quota.scope)), quota.name, std::string(period_name(quota.period)),
      quota.limit ? store::Value{quota.limit->nanos()} : store::Value{},
      quota.gpu_hours ? store::Value{*quota.gpu_hours} : store::Value{}, format_utc(now)};
  Quota stored = quota;
  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    FRUGAL_CHECK(store.execute(
        "INSERT INTO quotas (scope, name, period, limit_usd_nanos, limit_gpu_hours, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, name, period) DO UPDATE SET "
        "limit_usd_nanos = coalesce(excluded.limit_usd_nanos, quotas.limit_usd_nanos), "
        "limit_gpu_hours = coalesce(excluded.limit_gpu_hours, quotas.limit_gpu_hours), "
        "updated_at = excluded.updated_at",
        params));
    std::vector<store::Value> key(params.begin(), params.begin() + 3);
    auto now_stored = FRUGAL_TRY(store.query(
        "SELECT limit_usd_nanos, limit_gpu_hours FROM quotas WHERE scope = ? AND name = ? AND period = ?", key));
    if (now_stored.rows.empty()) return fail(ErrorCode::io, "quota: not found right after it was written");
    const auto& r = now_stored.rows[0];
    stored.limit = store::is_null(r[0]) ? std::nullopt : std::optional<Money>(Money::from_nanos(store::as_int(r[0])));
    stored.gpu_hours = store::is_null(r[1]) ? std::nullopt : std::optional<double>(store::as_double(r[1]));
    return {};
  }));
  return stored;
}

Result<void> remove_quota(store::Store& store, Scope scope, const std::string& name, Period period) {
  std::vector<store::Value> params = {std::string(scope_name(scope)), name, std::string(period_name(period))};
  auto changed = FRUGAL_TRY(store.execute("DELETE FROM quotas WHERE scope = ? AND name = ? AND period = ?", params));
  if (changed == 0)
    return fail(ErrorCode::not_found, fmt::format("no {} quota for {} {}", period_name(period), scope_name(scope), name));
  return {};
}

Result<std::vector<QuotaUsage>> quota_usage(store::Store& store, TimePoint now) {
  auto rows = FRUGAL_TRY(store.query(std::string(k_select_quotas) + " ORDER BY scope, name, period"));
  std::vector<QuotaUsage> out;
  for (const auto& r : rows.rows) {
    Quota q = FRUGAL_TRY(quota_from_row(r));
    out.push_back(FRUGAL_TRY(usage_of(store, q, now)));
  }
  return out;
}

Result<std::vector<QuotaUsage>> blocking_quotas(store::Store& store, const std::string& user,
                                                const std::string& team, const std::string& project,
                                                TimePoint now, const Reservation& reservation) {
  std::vector<store::Value> params = {user, team, project};
  constexpr std::string_view k_these =
      " WHERE (scope = 'user' AND name = ?) OR (scope = 'team' AND name = ?) OR (scope = 'project' AND name = ?)";
  // Writing the quota rows (a change of nothing) locks them until the transaction ends, on both
  // backends: a concurrent admission waits here, then reads what this one committed.
  if (store.in_transaction()) FRUGAL_CHECK(store.execute(fmt::format("UPDATE quotas SET updated_at = updated_at{}", k_these), params));
  auto rows = FRUGAL_TRY(store.query(
      fmt::format("{}{} ORDER BY scope, name, period", k_select_quotas, k_these),
      params));
  std::vector<QuotaUsage> out;
  for (const auto& r : rows.rows) {
    Quota q = FRUGAL_TRY(quota_from_row(r));
    auto u = FRUGAL_TRY(usage_of(store, q, now, reservation));
    if (u.exceeded) out.push_back(std::move(u));
  }
  return out;
}

}  // namespace frugal::budget
