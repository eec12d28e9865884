#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "budget/budget.h"
#include "cli/context.h"

namespace frugal::cli {
namespace {

struct QuotaFlags {
  std::string team, user, project;
  // Limits per period: money and GPU-hours.
  std::string daily_usd, weekly_usd, monthly_usd;
  std::optional<double> daily_gpu_hours, weekly_gpu_hours, monthly_gpu_hours;
  std::string period = "monthly";  // for remove
};

Result<std::pair<budget::Scope, std::string>> target_of(const QuotaFlags& f) {
  int given = !f.team.empty() + !f.user.empty() + !f.project.empty();
  if (given != 1) return fail(ErrorCode::invalid, "quota: name exactly one of --team, --user or --project");
  if (!f.team.empty()) return std::pair{budget::Scope::team, f.team};
  if (!f.user.empty()) return std::pair{budget::Scope::user, f.user};
  return std::pair{budget::Scope::project, f.project};
}

Result<int> set(Context& ctx, const QuotaFlags& f) {
  auto target = target_of(f);
  if (!target) return std::unexpected(target.error());
  struct PeriodLimits {
    budget::Period period;
    const std::string& usd;
    const std::optional<double>& gpu_hours;
    const char* flag;
  };
  const PeriodLimits periods[] = {{budget::Period::daily, f.daily_usd, f.daily_gpu_hours, "--daily-usd"},
                                  {budget::Period::weekly, f.weekly_usd, f.weekly_gpu_hours, "--weekly-usd"},
                                  {budget::Period::monthly, f.monthly_usd, f.monthly_gpu_hours, "--monthly-usd"}};
  std::vector<budget::Quota> quotas;
  for (const auto& p : periods) {
    if (p.usd.empty() && !p.gpu_hours) continue;
    budget::Quota q{target->first, target->second, p.period, std::nullopt, p.gpu_hours};
    if (!p.usd.empty()) {
      auto usd = parse_usd(p.usd, p.flag);
      if (!usd) return std::unexpected(usd.error());
      q.limit = *usd;
    }
    quotas.push_back(q);
  }
  if (quotas.empty())
    return fail(ErrorCode::invalid, "quota set: give a limit, e.g. --monthly-usd 5000 or --monthly-gpu-hours 300");
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  for (const auto& q : quotas) {
    // What is stored now: a limit not given keeps its old value, and the line says so.
    auto stored = budget::set_quota(**store, q, ctx.clock.now());
    if (!stored) return std::unexpected(stored.error());
    auto kept = [](bool given) { return given ? "" : " (kept)"; };
    fmt::print("{} quota for {} {}: {}{}, {}{}\n", budget::period_name(q.period), budget::scope_name(q.scope), q.name,
               stored->limit ? "$" + stored->limit->to_string(2) : std::string("no money limit"), stored->limit ? kept(q.limit.has_value()) : "",
               stored->gpu_hours ? fmt::format("{} GPU-hours", *stored->gpu_hours) : std::string("no GPU-hour limit"),
               stored->gpu_hours ? kept(q.gpu_hours.has_value()) : "");
  }
  return k_exit_ok;
}

Result<int> list(Context& ctx) {
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto usage = budget::quota_usage(**store, ctx.clock.now());
  if (!usage) return std::unexpected(usage.error());
  Format format = ctx.format();
  Table t;
  t.columns = {"scope", "name", "period", "limit_usd", "spent_usd", "limit_gpu_hours", "gpu_hours", "status", "resets_at"};
  for (const auto& u : *usage)
    t.rows.push_back({Cell::str(std::string(budget::scope_name(u.quota.scope))), Cell::str(u.quota.name),
                      Cell::str(std::string(budget::period_name(u.quota.period))),
                      u.quota.limit ? money_cell(*u.quota.limit, format) : Cell::null(), money_cell(u.spent, format),
                      u.quota.gpu_hours ? Cell::num(format_double(*u.quota.gpu_hours)) : Cell::null(),
                      hours_cell(u.gpu_hours, format), Cell::str(u.exceeded ? "exceeded" : "ok"),
                      Cell::str(format_utc(u.period_end))});
  print_table(stdout, t, format);
  return k_exit_ok;
}

Result<int> remove(Context& ctx, const QuotaFlags& f) {
  auto target = target_of(f);
  if (!target) return std::unexpected(target.error());
  auto period = budget::parse_period(f.period);
  if (!period) return std::unexpected(period.error());
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  if (auto ok = budget::remove_quota(**store, target->first, target->second, *period); !ok)
    return std::unexpected(ok.error());
  return k_exit_ok;
}

void add_target_options(CLI::App* cmd, QuotaFlags& f) {
  cmd->add_option("--team", f.team, "the team the quota limits");
  cmd->add_option("--user", f.user, "the user the quota limits");
  cmd->add_option("--project", f.project, "the project the quota limits");
}

}  // namespace

void add_quota_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<QuotaFlags>();
  auto* quota = app.add_subcommand("quota", "budgets per team, user or project, enforced when a run starts");
  quota->require_subcommand(1);
  auto* set_cmd = quota->add_subcommand("set", "create a quota, or change the limits given (the others stay)");
  add_target_options(set_cmd, *flags);
  set_cmd->add_option("--daily-usd", flags->daily_usd, "money per UTC day");
  set_cmd->add_option("--weekly-usd", flags->weekly_usd, "money per week (Monday to Monday, UTC)");
  set_cmd->add_option("--monthly-usd", flags->monthly_usd, "money per calendar month (UTC)");
  set_cmd->add_option("--daily-gpu-hours", flags->daily_gpu_hours, "GPU-hours per day")->check(CLI::NonNegativeNumber);
  set_cmd->add_option("--weekly-gpu-hours", flags->weekly_gpu_hours, "GPU-hours per week")->check(CLI::NonNegativeNumber);
  set_cmd->add_option("--monthly-gpu-hours", flags->monthly_gpu_hours, "GPU-hours per month")->check(CLI::NonNegativeNumber);
  set_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return set(ctx, *flags); }; });

  auto* list_cmd = quota->add_subcommand("list", "every quota with what was used this period");
  list_cmd->callback([&ctx] { ctx.action = [&ctx] { return list(ctx); }; });

  auto* remove_cmd = quota->add_subcommand("remove", "delete a quota");
  add_target_options(remove_cmd, *flags);
  remove_cmd->add_option("--period", flags->period, "daily|weekly|monthly")->capture_default_str();
  remove_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return remove(ctx, *flags); }; });
}

}  // namespace frugal::cli
