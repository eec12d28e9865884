// Rule "autoscale_pool": a Kubernetes node pool (instance type × capacity type) that ran more nodes
// than its pods' requests needed, hour by hour (k8s::pool_usage): what a cluster autoscaler, or
// Karpenter's consolidation, would have saved, and the hours of the week it needed no node at all.
#include <fmt/format.h>

#include "advise/rules.h"
#include "k8s/k8s.h"

namespace frugal::advise {
namespace {

// "Mon 02-05, Sat 00-23": the hours of the week (Monday 00:00 UTC = 0) as ranges per day.
std::string hours_of_week(const std::vector<int>& hours) {
  static const char* k_days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  std::string out;
  for (std::size_t i = 0; i < hours.size();) {
    std::size_t j = i;
    while (j + 1 < hours.size() && hours[j + 1] == hours[j] + 1 && hours[j + 1] / 24 == hours[i] / 24) ++j;
    out += fmt::format("{}{} {:02}", out.empty() ? "" : ", ", k_days[hours[i] / 24], hours[i] % 24);
    if (j > i) out += fmt::format("-{:02}", hours[j] % 24);
    i = j + 1;
  }
  return out;
}

}  // namespace

Result<void> autoscale_pools(const Context& c, std::vector<Recommendation>& out) {
  if (!c.options.team.empty()) return {};  // a node pool is the cluster's, not one team's
  for (const auto& p : FRUGAL_TRY(k8s::pool_usage(c.store, c.options.since, c.options.until))) {
    if (!p.autoscale_saving || *p.autoscale_saving <= Money() || !p.node_hour) continue;
    std::string capacity = p.spot ? "spot" : "on-demand";
    Recommendation rec;
    rec.rule = "autoscale_pool";
    rec.target = fmt::format("node pool {} ({}) of Kubernetes cluster {}", p.instance_type, capacity, p.cluster);
    rec.id = recommendation_id(rec.rule, rec.target);
    rec.finding = fmt::format("its nodes ran {:.1f} node-hours where the pods' requests needed {:.0f}, hour by hour; "
                              "the spare ones cost {} at {} a node-hour",
                              p.node_hours, p.needed_node_hours, usd(*p.autoscale_saving), usd(*p.node_hour));
    rec.evidence = {{"node-hours up", fmt::format("{:.1f} over {} hours", p.node_hours, p.hours)},
                    {"node-hours the requests needed", fmt::format("{:.0f}", p.needed_node_hours)},
                    {"what the pods' requests cost", usd(p.held_cost.value_or(Money()))},
                    {"idle cost (nodes up, not requested)", usd(p.idle_cost.value_or(Money()))}};
    if (!p.idle_hours_of_week.empty())
      rec.evidence.push_back({"hours of the week it needed no node (UTC)", hours_of_week(p.idle_hours_of_week)});
    rec.query = fmt::format("SELECT hour, node_seconds / 3600.0 AS node_hours, nodes_max, nodes_needed, "
                            "node_hour_nanos / 1e9 AS node_hour_usd, held_cost_nanos / 1e9 AS held_usd FROM k8s_pool_hours "
                            "WHERE cluster = {} AND instance_type = {} AND spot = {} AND hour >= '{}' AND hour < '{}' ORDER BY hour",
                            sql_literal(p.cluster), sql_literal(p.instance_type), p.spot ? 1 : 0, c.since, c.until);
    rec.monthly_saving = c.monthly(*p.autoscale_saving);
    rec.confidence = 0.6;  // requests, not use: a pod may need the headroom it asked for
    rec.action = fmt::format("scale the pool with its load: Cluster Autoscaler with --scale-down-unneeded-time=10m, or "
                             "Karpenter with consolidationPolicy: WhenEmptyOrUnderutilized on the {} NodePool{}",
                             p.instance_type,
                             p.idle_hours_of_week.empty() ? "" : "; at least, let it reach 0 nodes in the hours listed");
    out.push_back(std::move(rec));
  }
  return {};
}

}  // namespace frugal::advise
