// Rule "commitment": on-demand instances that run all the time are cheaper committed. A 1-year
// savings plan or reserved instance bills every hour whether used or not, so it only covers the
// floor of usage: the 10th percentile of hourly concurrency, which 90% of the window's hours reach.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "advise/rules.h"

namespace frugal::advise {
namespace {

constexpr std::int64_t k_ms_per_hour = 3'600'000;
constexpr std::int64_t k_min_baseline_centi = 50;  // half an instance: less is not worth a contract

// One provider, region and instance family (p4d of p4d.24xlarge).
struct Family {
  std::vector<double> load;          // instances in use, hour by hour over the window
  __int128 price_weight_nanos = 0;   // Σ hourly price (nanos) × instance-milliseconds
  std::int64_t instance_ms = 0;      // Σ instance-milliseconds (a GPU share counts its fraction)
  std::int64_t runs = 0;
  std::set<std::string> teams;
};

// Nearest rank: the smallest value that at least num/den of the sorted values do not exceed.
double percentile(const std::vector<double>& sorted, std::int64_t num, std::int64_t den) {
  auto n = static_cast<std::int64_t>(sorted.size());
  std::int64_t rank = std::max<std::int64_t>(1, (n * num + den - 1) / den);
  return sorted[static_cast<std::size_t>(rank - 1)];
}

std::string instances_text(std::int64_t centi) {
  std::string n = centi % 100 == 0 ? std::to_string(centi / 100) : fmt::format("{}.{:02}", centi / 100, centi % 100);
  return n + (centi == 100 ? " instance" : " instances");
}

std::string price_text(Money hourly) {
  return "$" + (hourly.decimals() <= 4 ? hourly.to_string(2) : hourly.to_fixed(4)) + "/hour";
}

}  // namespace

Result<void> commitments(const Context& c, std::vector<Recommendation>& out) {
  auto discount_bp = std::llround(c.options.commitment_discount * 10'000);
  if (discount_bp <= 0 || discount_bp >= 10'000) return {};
  const TimePoint since = c.options.since, until = c.options.until;
  const std::int64_t window_ms = (until - since).count();
  const std::int64_t hours = (window_ms + k_ms_per_hour - 1) / k_ms_per_hour;
  if (hours <= 0) return {};

  // Runs that held on-demand capacity in the window, whatever their outcome: a failed run was
  // billed too. One still running holds its instance to the window's end.
  std::string sql = fmt::format(
      "SELECT coalesce(provider, ''), coalesce(region, ''), instance_type, hourly_price_nanos, gpu_count, "
      "instance_gpu_count, started_at, ended_at, coalesce(team, '') FROM runs WHERE pricing = 'on_demand' "
      "AND hourly_price_nanos > 0 AND instance_type IS NOT NULL AND instance_type <> '' AND started_at < ? "
      "AND (ended_at IS NULL OR ended_at > ?) AND (ended_at IS NOT NULL OR status = 'running'){} ORDER BY id",
      c.team_filter());
  std::vector<store::Value> params = {c.until, c.since};
  c.bind_team(params);
  auto runs = FRUGAL_TRY(c.store.query(sql, params));

  std::map<std::tuple<std::string, std::string, std::string>, Family> families;
  for (const auto& row : runs.rows) {
    auto started = parse_utc(store::as_text(row[6]));
    auto ended = store::is_null(row[7]) ? Result<TimePoint>(until) : parse_utc(store::as_text(row[7]));
    if (!started || !ended) continue;  // a malformed time: advise on the rest
    TimePoint from = std::max(*started, since), to = std::min(*ended, until);
    if (to <= from) continue;
    std::string type = store::as_text(row[2]);
    auto& f = families[{store::as_text(row[0]), store::as_text(row[1]), type.substr(0, type.find('.'))}];
    if (f.load.empty()) f.load.assign(static_cast<std::size_t>(hours), 0.0);
    // A run on some of an instance's GPUs holds that share of it, as its cost does (core/run_cost).
    std::int64_t gpus = store::as_int(row[4]), instance_gpus = store::as_int(row[5]);
    double share = gpus > 0 && gpus < instance_gpus ? static_cast<double>(gpus) / static_cast<double>(instance_gpus) : 1.0;
    std::int64_t held_ms = (to - from).count();
    auto weight = std::llround(static_cast<double>(held_ms) * share);
    f.price_weight_nanos += static_cast<__int128>(store::as_int(row[3])) * weight;
    f.instance_ms += weight;
    f.runs += 1;
    f.teams.insert(store::as_text(row[8]));
    // Spread the run over the hour buckets it touches, as a fraction of each bucket.
    std::int64_t start_ms = (from - since).count(), end_ms = (to - since).count();
    for (std::int64_t b = start_ms / k_ms_per_hour; b * k_ms_per_hour < end_ms; ++b) {
      std::int64_t lo = b * k_ms_per_hour, hi = std::min((b + 1) * k_ms_per_hour, window_ms);
      std::int64_t overlap = std::min(hi, end_ms) - std::max(lo, start_ms);
      if (overlap > 0) f.load[static_cast<std::size_t>(b)] += share * static_cast<double>(overlap) / static_cast<double>(hi - lo);
    }
  }

  for (auto& [key, f] : families) {
    const auto& [provider, region, family] = key;
    if (f.instance_ms <= 0) continue;
    std::vector<double> sorted = f.load;
    std::ranges::sort(sorted);
    double p10 = percentile(sorted, 10, 100), median = percentile(sorted, 50, 100), peak = sorted.back();
    // Kept to hundredths, rounded down: a commitment above the floor would sit unused.
    auto baseline_centi = static_cast<std::int64_t>(std::floor(p10 * 100 + 1e-6));
    if (baseline_centi < k_min_baseline_centi) continue;

    // The price each instance-hour paid, weighted by use: exact when the family has one price.
    Money avg_price = Money::from_attos(f.price_weight_nanos * Money::k_attos_per_nano).scaled(1, f.instance_ms);
    Money baseline_hourly = avg_price.scaled(baseline_centi, 100);
    Money baseline_cost = baseline_hourly.scaled(window_ms, k_ms_per_hour);
    Money saving = baseline_cost.scaled(discount_bp, 10'000);
    Money committed_hourly = baseline_hourly.scaled(10'000 - discount_bp, 10'000);
    double discount = static_cast<double>(discount_bp) / 10'000;
    std::string where = region.empty() ? "an unnamed region" : region;
    std::string who = provider.empty() ? "" : " (" + provider + ")";

    Recommendation r;
    r.rule = "commitment";
    r.target = fmt::format("{} instances in {}{}", family, where, who);
    r.id = recommendation_id(r.rule, r.target);
    r.team = !c.options.team.empty() ? c.options.team : f.teams.size() == 1 ? *f.teams.begin() : "";
    r.finding = fmt::format("At least {} of {} ran on demand in {}{} in 90% of the window's {} hours (median {:.2f}, "
                            "peak {:.2f}), at {} each.",
                            instances_text(baseline_centi), family, where, who, hours, median, peak,
                            price_text(avg_price));
    r.evidence = {{"hours in window", std::to_string(hours)},
                  {"p10 concurrency", fmt::format("{:.2f}", p10)},
                  {"median concurrency", fmt::format("{:.2f}", median)},
                  {"peak concurrency", fmt::format("{:.2f}", peak)},
                  {"average on-demand price", price_text(avg_price)},
                  {"runs", std::to_string(f.runs)},
                  {"baseline on-demand cost in window", usd(baseline_cost)},
                  {"commitment", fmt::format("{}/hour for 1 year ({} at {} off)", usd(committed_hourly),
                                             instances_text(baseline_centi), percent(discount))},
                  {"break-even", fmt::format("the commitment pays if used ≥ {} of hours", percent(1 - discount))}};
    r.query = fmt::format(
        "SELECT id, instance_type, team, gpu_count, instance_gpu_count, hourly_price_nanos, started_at, ended_at, "
        "status FROM runs WHERE pricing = 'on_demand' AND hourly_price_nanos > 0 AND coalesce(provider, '') = {} "
        "AND coalesce(region, '') = {} AND (instance_type = {} OR substr(instance_type, 1, {}) = {}) "
        "AND started_at < {} AND (ended_at IS NULL OR ended_at > {}) AND (ended_at IS NOT NULL OR status = 'running')"
        "{} ORDER BY started_at",
        sql_literal(provider), sql_literal(region), sql_literal(family), family.size() + 1, sql_literal(family + "."),
        sql_literal(c.until), sql_literal(c.since),
        c.options.team.empty() ? "" : " AND team = " + sql_literal(c.options.team));
    r.monthly_saving = c.monthly(saving);
    r.confidence = c.days >= 28 ? 0.7 : 0.4;
    r.action = fmt::format("Buy a 1-year savings plan (or reserved instances) covering {} of {} in {}{}: commit {}/hour "
                           "instead of paying {}/hour on demand. It pays while at least {} of its hours are used; "
                           "this baseline was in use in 90% of them.",
                           instances_text(baseline_centi), family, where, who, usd(committed_hourly),
                           usd(baseline_hourly), percent(1 - discount));
    out.push_back(std::move(r));
  }
  return {};
}

}  // namespace frugal::advise
