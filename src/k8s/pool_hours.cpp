// Node pools hour by hour: nodes up against the nodes the pods' requests needed (write_pool_hours),
// and what that comes to over a window (pool_usage): idle cost and what autoscaling would save.
#include "k8s/pool_hours.h"

#include <algorithm>
#include <chrono>
#include <set>

#include <fmt/format.h>

namespace frugal::k8s {
namespace {

constexpr std::int64_t k_hour_ms = 3'600'000;

std::int64_t ms_of(TimePoint t) { return t.time_since_epoch().count(); }

struct Pool {
  std::string instance_type, region;
  bool spot = false;
  std::vector<const Node*> nodes;
  std::optional<Money> node_hour;
  std::int64_t cpu_millis = 0, memory_bytes = 0;
  int gpus = 0;
};

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return b <= 0 ? 0 : (a + b - 1) / b; }

}  // namespace

Result<std::size_t> write_pool_hours(store::Store& store, const Cluster& cluster, const std::string& name,
                                     const std::map<std::string, std::optional<UnitPrices>>& prices) {
  const std::int64_t since = ms_of(cluster.window.since), until = ms_of(cluster.window.until);
  const std::int64_t step = cluster.window.step_s * 1000;
  const std::int64_t first_hour = ceil_div(since, k_hour_ms) * k_hour_ms;
  // A step that does not divide an hour would give hours of unequal steps.
  if (first_hour + k_hour_ms > until || 3600 % cluster.window.step_s != 0) return std::size_t{0};
  // The query grid: since, since + step, … ; a step's reading stands for [t, t + step).
  const std::size_t grid = static_cast<std::size_t>((until - since) / step + 1);
  auto index_at_or_after = [&](std::int64_t t) {
    return static_cast<std::size_t>(std::clamp<std::int64_t>(ceil_div(t - since, step), 0, static_cast<std::int64_t>(grid)));
  };

  std::map<std::pair<std::string, bool>, Pool> pools;
  std::map<std::string, Pool*> pool_of_node;
  for (const Node& n : cluster.nodes) {
    if (n.instance_type.empty()) continue;
    Pool& p = pools[{n.instance_type, n.spot}];
    if (p.nodes.empty()) {
      p.instance_type = n.instance_type;
      p.region = n.region;
      p.spot = n.spot;
      p.cpu_millis = n.cpu_millis;
      p.memory_bytes = n.memory_bytes;
      p.gpus = n.gpus;
    }
    if (!p.node_hour)
      if (auto it = prices.find(n.name); it != prices.end() && it->second) p.node_hour = it->second->node_hour;
    p.nodes.push_back(&n);
    pool_of_node[n.name] = &p;
  }

  auto upsert = FRUGAL_TRY(store.prepare(
      "INSERT INTO k8s_pool_hours (cluster, instance_type, spot, hour, region, node_seconds, nodes_max, nodes_needed, "
      "node_hour_nanos, held_cost_nanos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (cluster, instance_type, spot, hour) DO UPDATE SET region = excluded.region, "
      "node_seconds = excluded.node_seconds, nodes_max = excluded.nodes_max, nodes_needed = excluded.nodes_needed, "
      "node_hour_nanos = excluded.node_hour_nanos, held_cost_nanos = excluded.held_cost_nanos"));
  std::size_t written = 0;
  for (auto& [key, pool] : pools) {
    // Nodes up and requests held at each step of the grid: counts, and running sums of what pods
    // ask for from their start's step to their end's.
    std::vector<int> up(grid, 0);
    for (const Node* n : pool.nodes)
      for (std::int64_t t : n->up_ms) {
        // The nearest step: a query frontend (Thanos) may align its answers to the step, not to since.
        std::int64_t i = (t - since + step / 2) / step;
        if (t >= since - step / 2 && i >= 0 && i < static_cast<std::int64_t>(grid)) ++up[static_cast<std::size_t>(i)];
      }
    std::vector<std::int64_t> gpu_delta(grid + 1, 0), cpu_delta(grid + 1, 0), mem_delta(grid + 1, 0);
    std::map<std::int64_t, Money> held;  // hour start → what the pods' requests cost in it
    for (const Pod& pod : cluster.pods) {
      auto it = pool_of_node.find(pod.node);
      if (it == pool_of_node.end() || it->second != &pool) continue;
      std::int64_t start = ms_of(pod.started), end = pod.ended ? ms_of(*pod.ended) : until + step;
      std::size_t from = index_at_or_after(start), to = index_at_or_after(end);
      gpu_delta[from] += pod.gpus;
      gpu_delta[to] -= pod.gpus;
      cpu_delta[from] += pod.cpu_millis;
      cpu_delta[to] -= pod.cpu_millis;
      mem_delta[from] += pod.memory_bytes;
      mem_delta[to] -= pod.memory_bytes;
      const auto& unit = prices.at(pod.node);
      if (!unit) continue;
      Money hourly = Money::from_nanos(pod_hourly(*unit, pod.gpus, pod.cpu_millis, pod.memory_bytes).nanos_rounded());
      std::int64_t run_end = std::min(end, until);
      for (std::int64_t h = std::max(first_hour, start / k_hour_ms * k_hour_ms); h < run_end && h + k_hour_ms <= until;
           h += k_hour_ms) {
        std::int64_t overlap = std::min(run_end, h + k_hour_ms) - std::max(start, h);
        if (overlap > 0) held[h] += hourly.scaled(overlap, k_hour_ms);
      }
    }
    std::int64_t gpus = 0, cpu = 0, mem = 0;
    std::vector<int> needed(grid, 0);
    for (std::size_t i = 0; i < grid; ++i) {
      gpus += gpu_delta[i];
      cpu += cpu_delta[i];
      mem += mem_delta[i];
      std::int64_t n = std::max({pool.gpus > 0 ? ceil_div(gpus, pool.gpus) : 0, ceil_div(cpu, pool.cpu_millis),
                                 ceil_div(mem, pool.memory_bytes)});
      needed[i] = static_cast<int>(n);
    }
    for (std::int64_t h = first_hour; h + k_hour_ms <= until; h += k_hour_ms) {
      std::int64_t node_seconds = 0;
      int nodes_max = 0, nodes_needed = 0;
      for (std::size_t i = index_at_or_after(h); i < grid && i < index_at_or_after(h + k_hour_ms); ++i) {
        node_seconds += up[i] * cluster.window.step_s;
        nodes_max = std::max(nodes_max, up[i]);
        nodes_needed = std::max(nodes_needed, needed[i]);
      }
      std::string hour = format_utc(TimePoint(std::chrono::milliseconds(h)));
      Money held_cost = held.contains(h) ? held[h] : Money();
      std::array<store::ValueView, 10> row = {
          std::string_view(name), std::string_view(pool.instance_type), std::int64_t{pool.spot ? 1 : 0},
          std::string_view(hour), pool.region.empty() ? store::ValueView{} : store::ValueView{std::string_view(pool.region)},
          node_seconds, std::int64_t{nodes_max}, std::int64_t{nodes_needed},
          pool.node_hour ? store::ValueView{pool.node_hour->nanos_rounded()} : store::ValueView{},
          held_cost.nanos_rounded()};
      FRUGAL_CHECK(upsert->execute_views(row));
      ++written;
    }
  }
  return written;
}

Result<std::vector<PoolUsage>> pool_usage(store::Store& store, TimePoint since, TimePoint until) {
  std::vector<store::Value> window = {format_utc(since), format_utc(until)};
  std::map<std::tuple<std::string, std::string, bool>, PoolUsage> pools;
  std::map<std::tuple<std::string, std::string, bool>, std::map<int, std::set<std::int64_t>>> busy_weeks;  // hour of week → weeks it was needed
  std::map<std::tuple<std::string, std::string, bool>, std::map<int, std::set<std::int64_t>>> seen_weeks;
  FRUGAL_CHECK(store.for_each_row(
      "SELECT cluster, instance_type, spot, hour, region, node_seconds, nodes_needed, node_hour_nanos, held_cost_nanos "
      "FROM k8s_pool_hours WHERE hour >= ? AND hour < ? ORDER BY cluster, instance_type, spot, hour",
      window, [&](const store::Row& r) {
        auto key = std::make_tuple(store::as_text(r[0]), store::as_text(r[1]), store::as_int(r[2]) != 0);
        PoolUsage& p = pools[key];
        p.cluster = std::get<0>(key);
        p.instance_type = std::get<1>(key);
        p.spot = std::get<2>(key);
        if (p.region.empty()) p.region = store::as_text(r[4]);
        ++p.hours;
        std::int64_t node_seconds = store::as_int(r[5]), needed = store::as_int(r[6]);
        p.node_hours += static_cast<double>(node_seconds) / 3600.0;
        p.needed_node_hours += static_cast<double>(needed);
        if (!store::is_null(r[7])) {
          Money price = Money::from_nanos(store::as_int(r[7]));
          p.node_hour = price;
          Money cost = price.scaled(node_seconds, 3600);
          Money held = Money::from_nanos(store::as_int(r[8]));
          p.cost = p.cost.value_or(Money()) + cost;
          p.held_cost = p.held_cost.value_or(Money()) + held;
          p.idle_cost = p.idle_cost.value_or(Money()) + (cost - held);
          std::int64_t spare = std::max<std::int64_t>(0, node_seconds - needed * 3600);
          p.autoscale_saving = p.autoscale_saving.value_or(Money()) + price.scaled(spare, 3600);
        }
        // Hour of the week, Monday 00:00 UTC = 0 (1970-01-01 was a Thursday: day 3).
        auto t = parse_utc(store::as_text(r[3]));
        if (t) {
          std::int64_t hours = t->time_since_epoch().count() / k_hour_ms;
          int of_week = static_cast<int>((hours + 72) % 168);
          std::int64_t week = (hours + 72) / 168;
          seen_weeks[key][of_week].insert(week);
          if (needed > 0) busy_weeks[key][of_week].insert(week);
        }
        return true;
      }));
  std::vector<PoolUsage> out;
  for (auto& [key, p] : pools) {
    for (const auto& [hour, weeks] : seen_weeks[key])
      if (!busy_weeks[key].contains(hour)) p.idle_hours_of_week.push_back(hour);
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const PoolUsage& a, const PoolUsage& b) {
    return a.autoscale_saving.value_or(Money()) > b.autoscale_saving.value_or(Money());
  });
  return out;
}

}  // namespace frugal::k8s
