// What a partition's node costs, what share of it a job pays, and which team an account charges.
#include <fmt/format.h>

#include "slurm/slurm.h"
#include "tracking/tracking.h"

namespace frugal::slurm {

JobPrice job_price(const PartitionPrice& price, int nodes, int cpus, int gpus) {
  int held_nodes = std::max(nodes, 1);
  Money nodes_hour = price.node_hour.scaled(held_nodes, 1);
  if (gpus > 0 && price.node_gpus > 0) return {nodes_hour, gpus, price.node_gpus * held_nodes};
  // No GPUs held (or none to share by): the CPUs' share of the nodes, whole nodes at most, as an
  // hourly price rounded to the nano-dollar the store keeps, so a run ended at its first import
  // and one ended at a later one cost the same. The GPUs it held are still its GPUs.
  int node_cpus = price.node_cpus * held_nodes;
  if (cpus > 0 && node_cpus > 0 && cpus < node_cpus)
    return {Money::from_nanos(nodes_hour.scaled(cpus, node_cpus).nanos_rounded()), gpus, 0};
  return {nodes_hour, gpus, 0};
}

Result<std::vector<PartitionPrice>> partition_prices(store::Store& store) {
  auto rows = FRUGAL_TRY(store.query(
      "SELECT cluster, partition, node_hour_nanos, node_gpus, node_cpus, node_count, instance_type, price_source "
      "FROM slurm_partitions ORDER BY cluster, partition"));
  std::vector<PartitionPrice> out;
  for (const auto& r : rows.rows) {
    PartitionPrice p;
    p.cluster = store::as_text(r[0]);
    p.partition = store::as_text(r[1]);
    p.node_hour = Money::from_nanos(store::as_int(r[2]));
    p.node_gpus = static_cast<int>(store::as_int(r[3]));
    p.node_cpus = static_cast<int>(store::as_int(r[4]));
    if (!store::is_null(r[5])) p.node_count = static_cast<int>(store::as_int(r[5]));
    p.instance_type = store::as_text(r[6]);
    p.source = store::as_text(r[7]);
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::int64_t> set_partition_price(store::Store& store, const PartitionPrice& price, TimePoint now) {
  if (price.cluster.empty() || price.partition.empty())
    return fail(ErrorCode::invalid, "slurm price: name the cluster and the partition");
  if (price.node_gpus < 0 || price.node_cpus < 0 || (price.node_count && *price.node_count < 0))
    return fail(ErrorCode::invalid, "slurm price: a node's GPUs, CPUs and the node count cannot be negative");
  if (price.node_hour < Money{}) return fail(ErrorCode::invalid, "slurm price: a price cannot be negative");
  if (!price.node_hour.fits_nanos() || price.node_hour.sub_nano_attos() != 0 || price.node_hour.sub_attos() != 0)
    return fail(ErrorCode::invalid, fmt::format("slurm price: ${} a node-hour has digits below a nano-dollar",
                                                price.node_hour.to_string()));
  std::int64_t repriced = 0;
  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    std::vector<store::Value> row = {
        price.cluster, price.partition, price.node_hour.nanos(), std::int64_t{price.node_gpus}, std::int64_t{price.node_cpus},
        price.node_count ? store::Value{std::int64_t{*price.node_count}} : store::Value{},
        store::text_or_null(price.instance_type), price.source, format_utc(now)};
    FRUGAL_CHECK(store.execute(
        "INSERT INTO slurm_partitions (cluster, partition, node_hour_nanos, node_gpus, node_cpus, node_count, "
        "instance_type, price_source, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (cluster, partition) DO UPDATE SET node_hour_nanos = excluded.node_hour_nanos, "
        "node_gpus = excluded.node_gpus, node_cpus = excluded.node_cpus, node_count = excluded.node_count, "
        "instance_type = excluded.instance_type, price_source = excluded.price_source, updated_at = excluded.updated_at",
        row));
    // The partition's jobs, priced again; a job `frugal run` wrapped keeps a price of its own.
    std::vector<store::Value> key = {price.cluster, price.partition};
    auto jobs = FRUGAL_TRY(store.query(
        "SELECT s.run_id, s.nodes, s.cpus, s.gpus FROM slurm_jobs s JOIN runs r ON r.id = s.run_id "
        "WHERE s.cluster = ? AND s.partition = ? AND (s.wrapped = 0 OR r.hourly_price_nanos IS NULL)",
        key));
    for (const auto& j : jobs.rows) {
      JobPrice p = job_price(price, static_cast<int>(store::as_int(j[1])), static_cast<int>(store::as_int(j[2])),
                             static_cast<int>(store::as_int(j[3])));
      FRUGAL_CHECK(tracking::reprice_run(store, store::as_int(j[0]),
                                         {p.hourly, p.gpu_count, p.instance_gpu_count, price.instance_type, price.source}));
      ++repriced;
    }
    return {};
  }));
  return repriced;
}

Result<std::map<std::string, std::string>> account_teams(store::Store& store) {
  auto rows = FRUGAL_TRY(store.query("SELECT account, team FROM slurm_accounts"));
  std::map<std::string, std::string> out;
  for (const auto& r : rows.rows) out[store::as_text(r[0])] = store::as_text(r[1]);
  return out;
}

Result<std::int64_t> map_account(store::Store& store, const std::string& account, const std::string& team) {
  if (account.empty()) return fail(ErrorCode::invalid, "slurm map: name the account (--account)");
  std::int64_t changed = 0;
  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    std::vector<store::Value> key = {account};
    if (team.empty()) FRUGAL_CHECK(store.execute("DELETE FROM slurm_accounts WHERE account = ?", key));
    else {
      std::vector<store::Value> row = {account, team};
      FRUGAL_CHECK(store.execute(
          "INSERT INTO slurm_accounts (account, team) VALUES (?, ?) ON CONFLICT (account) DO UPDATE SET team = excluded.team",
          row));
    }
    const std::string& now_team = team.empty() ? account : team;
    std::vector<store::Value> which = {account, now_team};
    auto runs = FRUGAL_TRY(store.query(
        "SELECT DISTINCT s.run_id FROM slurm_jobs s JOIN runs r ON r.id = s.run_id "
        "WHERE s.account = ? AND s.wrapped = 0 AND coalesce(r.team, '') <> ?",
        which));
    for (const auto& r : runs.rows) {
      FRUGAL_CHECK(tracking::set_tags(store, store::as_int(r[0]), {{"frugal.team", now_team}}, tracking::Writer::any()));
      ++changed;
    }
    return {};
  }));
  return changed;
}

}  // namespace frugal::slurm
