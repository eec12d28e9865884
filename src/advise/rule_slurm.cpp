// Rule "idle_partition": a Slurm partition whose nodes no job held for more than half of the
// window's node-hours, with what that cost (slurm::partition_usage), how many nodes its busiest
// hour of the week needed, and the jobs whose time limits were far above what they ran (backfill
// cannot place them in the gaps, which is part of why nodes sit idle).
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "advise/rules.h"
#include "slurm/slurm.h"

namespace frugal::advise {
namespace {

constexpr double k_idle_share = 0.5;

struct OverAsked {
  std::int64_t jobs = 0, over = 0;
  std::vector<double> limit_hours, ran_hours;  // of the jobs that asked for 3× what they ran
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Ended jobs of the partition in the window with a time limit: those that asked for at least three
// times, and an hour more than, what they ran.
Result<OverAsked> over_asked(const Context& c, const std::string& cluster, const std::string& partition) {
  OverAsked o;
  std::vector<store::Value> params = {cluster, partition, c.since, c.until};
  FRUGAL_CHECK(c.store.for_each_row(
      "SELECT s.time_limit_minutes, r.duration_ms FROM slurm_jobs s JOIN runs r ON r.id = s.run_id "
      "WHERE s.cluster = ? AND s.partition = ? AND r.started_at >= ? AND r.started_at < ? "
      "AND r.duration_ms IS NOT NULL AND s.time_limit_minutes IS NOT NULL",
      params, [&](const store::Row& r) {
        double limit_h = static_cast<double>(store::as_int(r[0])) / 60, ran_h = static_cast<double>(store::as_int(r[1])) / 3.6e6;
        ++o.jobs;
        if (limit_h >= 3 * ran_h && limit_h - ran_h >= 1) {
          ++o.over;
          o.limit_hours.push_back(limit_h);
          o.ran_hours.push_back(ran_h);
        }
        return true;
      }));
  return o;
}

// Hours of the week in which no job held a node of the partition in any week of the window.
int idle_hours_of_week(const slurm::PartitionUsage& u) {
  return static_cast<int>(std::count_if(u.busy_nodes_by_hour_of_week.begin(), u.busy_nodes_by_hour_of_week.end(),
                                        [](double n) { return n <= 0; }));
}

}  // namespace

Result<void> idle_partitions(const Context& c, std::vector<Recommendation>& out) {
  if (!c.options.team.empty()) return {};  // a partition is the cluster's, not one team's
  auto prices = FRUGAL_TRY(slurm::partition_prices(c.store));
  std::map<std::pair<std::string, std::string>, const slurm::PartitionPrice*> price_of;
  for (const auto& p : prices) price_of[{p.cluster, p.partition}] = &p;
  auto usage = FRUGAL_TRY(slurm::partition_usage(c.store, c.options.since, c.options.until));
  for (const auto& u : usage) {
    if (!u.node_hours || !u.idle_cost || *u.node_hours <= 0) continue;
    double idle = std::max(0.0, *u.node_hours - u.held_node_hours);
    double idle_share = idle / *u.node_hours;
    if (idle_share <= k_idle_share) continue;
    const slurm::PartitionPrice& price = *price_of.at({u.cluster, u.partition});
    double busiest = *std::max_element(u.busy_nodes_by_hour_of_week.begin(), u.busy_nodes_by_hour_of_week.end());
    int needed = static_cast<int>(std::ceil(busiest - 1e-9));
    bool cloud = !price.instance_type.empty();
    auto asked = FRUGAL_TRY(over_asked(c, u.cluster, u.partition));

    Recommendation rec;
    rec.rule = "idle_partition";
    rec.target = fmt::format("Slurm partition {} of {}", u.partition, u.cluster);
    rec.id = recommendation_id(rec.rule, rec.target);
    rec.finding = fmt::format("no job held its nodes for {} of their node-hours ({:.0f} of {:.0f}), {} at {} a node-hour; "
                              "its busiest hour of the week needed {} of its {} nodes",
                              percent(idle_share), idle, *u.node_hours, usd(*u.idle_cost), usd(price.node_hour), needed,
                              price.node_count.value_or(0));
    rec.evidence = {{"node-hours held by jobs", fmt::format("{:.1f} of {:.1f}", u.held_node_hours, *u.node_hours)},
                    {"idle cost", usd(*u.idle_cost)},
                    {"jobs", std::to_string(u.jobs)},
                    {"nodes needed in the busiest hour of the week", fmt::format("{:.1f} of {}", busiest, price.node_count.value_or(0))},
                    {"hours of the week no node was needed", fmt::format("{} of 168", idle_hours_of_week(u))},
                    {"price", price.source}};
    if (asked.over > 0)
      rec.evidence.push_back({"jobs with a time limit 3× or more above what they ran",
                              fmt::format("{} of {} (median limit {:.1f} h, median run {:.1f} h): backfill cannot place them "
                                          "in the gaps",
                                          asked.over, asked.jobs, median(asked.limit_hours), median(asked.ran_hours))});
    rec.query = fmt::format("SELECT s.job_id, r.username, r.started_at, r.ended_at, s.nodes, s.gpus, s.time_limit_minutes, "
                            "r.duration_ms / 60000 AS ran_minutes, r.cost_usd FROM slurm_jobs s JOIN runs r ON r.id = s.run_id "
                            "WHERE s.cluster = {} AND s.partition = {} AND r.started_at >= '{}' AND r.started_at < '{}' "
                            "ORDER BY r.started_at",
                            sql_literal(u.cluster), sql_literal(u.partition), c.since, c.until);
    rec.monthly_saving = c.monthly(*u.idle_cost);
    if (cloud) {
      // Cloud nodes cost only while they exist: Slurm's power saving creates and deletes them.
      rec.confidence = 0.6;
      rec.action = fmt::format("let Slurm start and release cloud nodes with the load (slurm.conf: SuspendTime=600, "
                               "SuspendProgram/ResumeProgram that delete and create the {} instances, nodes State=CLOUD); "
                               "or keep {} node{}",
                               price.instance_type, std::max(needed, 1), needed == 1 ? "" : "s");
    } else {
      // An owned node's price is mostly capital already spent: powering it down saves its power only.
      rec.confidence = 0.2;
      rec.action = fmt::format("power idle nodes down (slurm.conf: SuspendTime=600, SuspendProgram and ResumeProgram "
                               "through IPMI), lend them to another partition, or plan the next purchase at {} node{}; "
                               "the rate includes capital already spent, so powering down saves the power part of it",
                               std::max(needed, 1), needed == 1 ? "" : "s");
    }
    if (asked.over > 0)
      rec.action += fmt::format("; ask for time limits near what jobs run (sbatch --time={}:00:00 covers the median "
                                "of these three times over)",
                                static_cast<int>(std::ceil(median(asked.ran_hours) * 3)));
    out.push_back(std::move(rec));
  }
  return {};
}

}  // namespace frugal::advise
