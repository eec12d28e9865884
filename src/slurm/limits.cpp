// Frugal's team quotas as Slurm association limits: GrpTRESMins on gres/gpu, which Slurm checks
// at submission and scheduling (AccountingStorageEnforce=limits), so a job over quota is held by
// the scheduler itself rather than noticed afterwards.
#include <algorithm>
#include <cmath>
#include <limits>
#include <fmt/format.h>

#include "budget/budget.h"
#include "slurm/slurm.h"
#include "util/display.h"

namespace frugal::slurm {
namespace {

// The accounts whose jobs a team is charged for: mapped to it, or named as it and mapped nowhere.
Result<std::vector<std::string>> accounts_of(store::Store& store, const std::string& cluster, const std::string& team,
                                              const std::map<std::string, std::string>& teams) {
  std::vector<store::Value> key = {cluster};
  auto seen = FRUGAL_TRY(store.query(
      "SELECT DISTINCT account FROM slurm_jobs WHERE cluster = ? AND account IS NOT NULL ORDER BY account", key));
  std::vector<std::string> out;
  for (const auto& [account, to] : teams)
    if (to == team) out.push_back(account);
  for (const auto& r : seen.rows) {
    std::string account = store::as_text(r[0]);
    if (account == team && !teams.contains(account)) out.push_back(account);
  }
  return out;
}

std::string period_word(budget::Period p) {
  switch (p) {
    case budget::Period::daily: return "today";
    case budget::Period::weekly: return "this week";
    case budget::Period::monthly: return "this month";
  }
  return "";
}

std::string usd(const Money& m) { return "$" + util::display::money(m.to_string()); }

}  // namespace

Result<std::vector<AccountLimit>> plan_limits(store::Store& store, const std::string& cluster, const std::string& partition,
                                              const std::map<std::string, std::int64_t>& used_gpu_minutes, TimePoint now) {
  auto prices = FRUGAL_TRY(partition_prices(store));
  const PartitionPrice* price = nullptr;
  for (const auto& p : prices)
    if (p.cluster == cluster && p.partition == partition) price = &p;
  if (!price)
    return fail(ErrorCode::not_found, fmt::format("partition {} of cluster {} has no price; give it one with "
                                                  "`frugal slurm price --partition {} --gpu-hour-usd RATE`",
                                                  partition, cluster, partition));
  if (price->node_gpus <= 0)
    return fail(ErrorCode::invalid, fmt::format("partition {} has no GPUs to price a GPU-minute by; name a GPU partition",
                                                partition));
  // A GPU-minute of this partition, in attos, exactly: node-hour / GPUs / 60.
  Money gpu_hour = price->node_hour.scaled(1, price->node_gpus);
  auto teams = FRUGAL_TRY(account_teams(store));
  auto usage = FRUGAL_TRY(budget::quota_usage(store, now));
  std::vector<AccountLimit> out;
  for (const auto& u : usage) {
    if (u.quota.scope != budget::Scope::team) continue;
    auto accounts = FRUGAL_TRY(accounts_of(store, cluster, u.quota.name, teams));
    if (accounts.empty()) continue;
    std::optional<std::int64_t> left_minutes;
    std::vector<std::string> reasons;
    if (u.quota.limit) {
      Money left = *u.quota.limit - u.spent;
      if (left < Money{}) left = Money{};
      // Whole GPU-minutes the money left buys, rounded down (never a minute the quota cannot pay
      // for): left × 60 × GPUs of a node / node-hour, in exact integers.
      std::int64_t minutes = std::numeric_limits<std::int64_t>::max() / 2;
      if (price->node_hour > Money{}) {
        __int128 bought = left.attos() * 60 * price->node_gpus / price->node_hour.attos();
        if (bought < minutes) minutes = static_cast<std::int64_t>(bought);
      }
      left_minutes = minutes;
      reasons.push_back(fmt::format("{} of {} left {} at {} a GPU-hour", usd(left), usd(*u.quota.limit), period_word(u.quota.period),
                                    usd(gpu_hour)));
    }
    if (u.quota.gpu_hours) {
      double left = std::max(0.0, *u.quota.gpu_hours - u.gpu_hours);
      auto minutes = static_cast<std::int64_t>(std::floor(left * 60));
      if (!left_minutes || minutes < *left_minutes) left_minutes = minutes;
      reasons.push_back(fmt::format("{:.2f} of {} GPU-hours left {}", left, *u.quota.gpu_hours, period_word(u.quota.period)));
    }
    if (!left_minutes) continue;
    for (const auto& account : accounts) {
      std::int64_t used = used_gpu_minutes.contains(account) ? used_gpu_minutes.at(account) : 0;
      AccountLimit limit;
      limit.account = account;
      limit.team = u.quota.name;
      limit.period = std::string(budget::period_name(u.quota.period));
      limit.gpu_minutes = used + *left_minutes;
      limit.why = fmt::format("team {}: {} → {} GPU-minutes more, after the {} Slurm has counted", u.quota.name,
                              fmt::join(reasons, "; "), util::display::group_thousands(std::to_string(*left_minutes)),
                              util::display::group_thousands(std::to_string(used)));
      if (accounts.size() > 1)
        limit.why += fmt::format(" (each of its {} accounts may use it: make them children of one account to share one limit)",
                                 accounts.size());
      // An account holds one GrpTRESMins: of a team's daily, weekly and monthly quotas, the tightest.
      auto same = std::find_if(out.begin(), out.end(), [&](const AccountLimit& l) { return l.account == account; });
      if (same == out.end()) out.push_back(std::move(limit));
      else if (limit.gpu_minutes < same->gpu_minutes) *same = std::move(limit);
    }
  }
  for (auto& limit : out)
    limit.command = {"sacctmgr", "-i", "modify", "account", "where", "name=" + limit.account, "cluster=" + cluster, "set",
                     fmt::format("GrpTRESMins=gres/gpu={}", limit.gpu_minutes)};
  return out;
}

}  // namespace frugal::slurm
