// What a partition's jobs held of its nodes over a window, and the idle rest.
#include <algorithm>
#include <fmt/format.h>

#include "slurm/slurm.h"

namespace frugal::slurm {
namespace {

constexpr std::int64_t k_hour_ms = 3'600'000;

// The share of its nodes a job held, in nodes: the same rule as job_price.
double nodes_held(const PartitionPrice& p, int nodes, int cpus, int gpus) {
  int held = std::max(nodes, 1);
  if (gpus > 0 && p.node_gpus > 0) return std::min<double>(held, static_cast<double>(gpus) / p.node_gpus);
  if (cpus > 0 && p.node_cpus > 0) return std::min<double>(held, static_cast<double>(cpus) / p.node_cpus);
  return held;
}

// Monday 00:00 UTC of the week holding `t` is hour 0: 1970-01-01 was a Thursday (hour 72).
int hour_of_week(std::int64_t ms_since_epoch) { return static_cast<int>((ms_since_epoch / k_hour_ms + 72) % 168); }

}  // namespace

Result<std::vector<PartitionUsage>> partition_usage(store::Store& store, TimePoint since, TimePoint until) {
  auto prices = FRUGAL_TRY(partition_prices(store));
  std::vector<PartitionUsage> out;
  const std::int64_t window_ms = std::max<std::int64_t>(0, (until - since).count());
  const std::int64_t from = since.time_since_epoch().count();
  const std::size_t hours = static_cast<std::size_t>((window_ms + k_hour_ms - 1) / k_hour_ms);
  for (const auto& p : prices) {
    PartitionUsage u;
    u.cluster = p.cluster;
    u.partition = p.partition;
    std::vector<double> node_ms_by_hour(hours, 0.0);  // node-milliseconds held in each hour of the window
    Money held_cost;  // the held node-time at the node's price, exactly: the idle cost is the rest
    std::vector<store::Value> key = {p.cluster, p.partition, format_utc(until), format_utc(since)};
    FRUGAL_CHECK(store.for_each_row(
        "SELECT r.started_at, r.ended_at, s.nodes, s.cpus, s.gpus FROM slurm_jobs s "
        "JOIN runs r ON r.id = s.run_id WHERE s.cluster = ? AND s.partition = ? AND r.started_at < ? "
        "AND (r.ended_at IS NULL OR r.ended_at >= ?)",
        key, [&](const store::Row& r) {
          auto started = parse_utc(store::as_text(r[0]));
          auto ended = store::is_null(r[1]) ? Result<TimePoint>(until) : parse_utc(store::as_text(r[1]));
          if (!started || !ended) return true;
          std::int64_t a = std::max(started->time_since_epoch().count(), from);
          std::int64_t b = std::min(ended->time_since_epoch().count(), from + window_ms);
          if (b < a || (b == a && started->time_since_epoch().count() < from)) return true;
          ++u.jobs;  // a job that ended as it started (failed at once) counts, holding nothing
          if (b == a) return true;
          int nodes = static_cast<int>(store::as_int(r[2])), cpus = static_cast<int>(store::as_int(r[3])),
              gpus = static_cast<int>(store::as_int(r[4]));
          double share = nodes_held(p, nodes, cpus, gpus);
          JobPrice price = job_price(p, nodes, cpus, gpus);
          // The same formula as run_cost, over the part inside the window.
          Money hourly = price.instance_gpu_count > 0 ? price.hourly.scaled(price.gpu_count, price.instance_gpu_count) : price.hourly;
          held_cost += hourly.scaled(b - a, k_hour_ms);
          u.held_node_hours += share * static_cast<double>(b - a) / k_hour_ms;
          for (std::int64_t t = a; t < b;) {
            std::int64_t hour_end = (t - from) / k_hour_ms * k_hour_ms + from + k_hour_ms;
            std::int64_t upto = std::min(b, hour_end);
            node_ms_by_hour[static_cast<std::size_t>((t - from) / k_hour_ms)] += share * static_cast<double>(upto - t);
            t = upto;
          }
          return true;
        }));
    u.job_cost = held_cost;
    for (std::size_t h = 0; h < hours; ++h) {
      std::int64_t start = from + static_cast<std::int64_t>(h) * k_hour_ms;
      std::int64_t length = std::min<std::int64_t>(k_hour_ms, from + window_ms - start);
      double busy = node_ms_by_hour[h] / static_cast<double>(std::max<std::int64_t>(length, 1));
      double& slot = u.busy_nodes_by_hour_of_week[static_cast<std::size_t>(hour_of_week(start))];
      slot = std::max(slot, busy);
    }
    if (p.node_count) {
      u.node_hours = static_cast<double>(*p.node_count) * static_cast<double>(window_ms) / k_hour_ms;
      Money all = p.node_hour.scaled(*p.node_count, 1).scaled(window_ms, k_hour_ms);
      u.idle_cost = all > held_cost ? all - held_cost : Money{};
    }
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace frugal::slurm
