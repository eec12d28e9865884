// `frugal slurm`: a Slurm cluster's jobs priced from its own accounting (sacct), partitions
// priced, accounts mapped to teams, quotas pushed into Slurm as association limits (sacctmgr).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "catalog/catalog.h"
#include "cli/child_output.h"
#include "cli/context.h"
#include "slurm/slurm.h"
#include "util/display.h"
#include "util/strings.h"

namespace frugal::cli {
namespace {

std::string num(std::size_t n) { return util::display::group_thousands(std::to_string(n)); }

struct SlurmFlags {
  std::string cluster;
  // import
  std::string since = "7d", until, from;
  std::vector<std::string> jobs;
  // price
  std::string partition, instance_type, region, provider, gpu_hour_usd, node_hour_usd;
  std::optional<int> node_gpus, node_cpus, nodes;
  // map
  std::string account, team;
  bool remove = false;
  // sync-limits
  bool apply = false;
};

// sacct, sinfo and sshare write times in the machine's zone unless told: frugal reads UTC.
const std::vector<std::string> k_slurm_env = {"TZ=UTC", "SLURM_TIME_FORMAT=standard"};

// `timeout`: sacct over a big window takes a while; an epilog's sacct of one job must not hang the node.
Result<ChildOutput> run_slurm_tool(const std::vector<std::string>& argv,
                                   std::chrono::milliseconds timeout = std::chrono::minutes(10)) {
  auto out = run_capture(argv, k_slurm_env, timeout);
  if (!out && out.error().code == ErrorCode::not_found)
    return fail(ErrorCode::not_found, fmt::format("{} (Slurm's client commands: apt install slurm-client); or give "
                                                  "--from FILE with the output of sacct --parsable2 --format={}",
                                                  out.error().message, slurm::sacct_fields()));
  if (!out) return out;
  if (out->status != 0)
    return fail(ErrorCode::unavailable, fmt::format("{} failed (exit {}): {}", argv[0], out->status, util::trim(out->err)));
  return out;
}

// The cluster: --cluster, else the job's environment, else what scontrol says this machine's is.
Result<std::string> cluster_name(const SlurmFlags& f) {
  if (!f.cluster.empty()) return f.cluster;
  if (const char* env = std::getenv("SLURM_CLUSTER_NAME"); env && *env) return std::string(env);
  auto config = run_slurm_tool({"scontrol", "show", "config"});
  if (!config) return fail(ErrorCode::invalid, fmt::format("name the cluster with --cluster ({})", config.error().message));
  std::istringstream lines(config->out);
  for (std::string line; std::getline(lines, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos && util::trim(line.substr(0, eq)) == "ClusterName") return std::string(util::trim(line.substr(eq + 1)));
  }
  return fail(ErrorCode::invalid, "scontrol show config names no ClusterName; give --cluster");
}

// sacct's command for the jobs of `cluster`: every user's, each requeued attempt, Frugal's fields.
std::vector<std::string> sacct_argv(const std::string& cluster) {
  return {"sacct", "--allusers", "--duplicates", "--parsable2", "--format=" + std::string(slurm::sacct_fields()),
          "--clusters=" + cluster};
}

Result<slurm::ImportStats> import_text(Context& ctx, std::string text, const std::string& source, const std::string& cluster) {
  auto jobs = slurm::parse_sacct(text, source);
  if (!jobs) return std::unexpected(jobs.error());
  std::string().swap(text);  // the jobs hold copies: the whole of sacct's output need not stay
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  return slurm::import_jobs(**store, *jobs, cluster);
}

void print_import(const slurm::ImportStats& s) {
  fmt::print("slurm import: {} job attempts read: {} new runs, {} joined to the run `frugal run` recorded, {} ended since, {} unchanged\n",
             num(s.read), num(s.added), num(s.joined), num(s.finished), num(s.unchanged));
  if (s.unpriced)
    fmt::print(stderr, "{} of them ran in a partition without a price, so their cost is unknown: "
                       "frugal slurm price --partition NAME --gpu-hour-usd RATE (or --instance-type TYPE)\n",
               num(s.unpriced));
}

Result<int> import(Context& ctx, const SlurmFlags& f) {
  if (!f.from.empty()) {
    std::ifstream in(f.from, std::ios::binary);
    if (!in) return fail(ErrorCode::io, fmt::format("{}: cannot read", f.from));
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto stats = import_text(ctx, std::move(text), f.from, f.cluster);
    if (!stats) return std::unexpected(stats.error());
    print_import(*stats);
    return k_exit_ok;
  }
  auto window = parse_window(f.since, f.until, ctx.clock.now());
  if (!window) return std::unexpected(window.error());
  auto cluster = cluster_name(f);
  if (!cluster) return std::unexpected(cluster.error());
  auto day_time = [](TimePoint t) { return format_utc(t).substr(0, 19); };  // sacct reads no zone or milliseconds
  std::vector<std::string> argv = sacct_argv(*cluster);
  argv.push_back("--starttime=" + day_time(window->first));
  argv.push_back("--endtime=" + day_time(window->second));
  if (!f.jobs.empty()) argv.push_back("--jobs=" + util::join(f.jobs, ","));
  auto out = run_slurm_tool(argv);
  if (!out) return std::unexpected(out.error());
  auto stats = import_text(ctx, std::move(out->out), "sacct", *cluster);
  if (!stats) return std::unexpected(stats.error());
  print_import(*stats);
  return k_exit_ok;
}

// A node of the partition as sinfo describes it: how many, CPUs and GPUs each ("4|64|gpu:a100:8(S:0-1)").
struct NodeShape {
  int count = 0, cpus = 0, gpus = 0;
};
Result<NodeShape> node_shape(const std::string& partition) {
  auto out = run_slurm_tool({"sinfo", "--noheader", "--partition=" + partition, "--format=%D|%c|%G"});
  if (!out) return std::unexpected(out.error());
  NodeShape shape;
  std::set<std::pair<int, int>> sizes;
  std::istringstream lines(out->out);
  for (std::string line; std::getline(lines, line);) {
    auto fields = util::split(line, '|');
    if (fields.size() != 3) continue;
    int count = 0, cpus = 0, gpus = 0;
    std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), count);
    std::from_chars(fields[1].data(), fields[1].data() + fields[1].size(), cpus);
    for (auto gres : util::split(fields[2], ',')) {
      gres = gres.substr(0, gres.find('('));
      if (!gres.starts_with("gpu")) continue;
      auto n = gres.substr(gres.rfind(':') + 1);
      int g = 0;
      std::from_chars(n.data(), n.data() + n.size(), g);
      gpus += g;
    }
    shape.count += count;
    sizes.insert({cpus, gpus});
    shape.cpus = cpus;
    shape.gpus = gpus;
  }
  if (sizes.empty()) return fail(ErrorCode::not_found, fmt::format("sinfo knows no partition {}", partition));
  if (sizes.size() > 1)
    return fail(ErrorCode::invalid, fmt::format("partition {} has nodes of {} sizes; give --node-gpus and --node-cpus for the "
                                                "node the price is for",
                                                partition, sizes.size()));
  return shape;
}

Result<int> price(Context& ctx, const SlurmFlags& f) {
  if (f.partition.empty()) return fail(ErrorCode::invalid, "slurm price: name the partition (--partition gpu)");
  int given = !f.instance_type.empty() + !f.gpu_hour_usd.empty() + !f.node_hour_usd.empty();
  if (given != 1)
    return fail(ErrorCode::invalid, "slurm price: give exactly one of --instance-type TYPE (a cloud's price, from the catalog), "
                                    "--gpu-hour-usd RATE or --node-hour-usd RATE (an on-premises cluster)");
  auto cluster = cluster_name(f);
  if (!cluster) return std::unexpected(cluster.error());
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  slurm::PartitionPrice p;
  p.cluster = *cluster;
  p.partition = f.partition;
  // The node's size: the flags, else the instance type's, else what sinfo says.
  std::optional<NodeShape> shape;
  auto need_shape = [&]() -> Result<NodeShape> {
    if (!shape) {
      auto s = node_shape(f.partition);
      if (!s) return std::unexpected(s.error().wrap("--node-gpus/--node-cpus not given and sinfo could not say"));
      shape = *s;
    }
    return *shape;
  };
  if (!f.instance_type.empty()) {
    auto found = catalog::price_of(**store, f.instance_type, f.region, f.provider, catalog::Pricing::on_demand);
    if (!found) return std::unexpected(found.error());
    p.node_hour = found->hourly;
    p.node_gpus = found->instance_gpu_count;
    p.instance_type = f.instance_type;
    p.source = found->source + ": " + f.instance_type;
  } else if (!f.gpu_hour_usd.empty()) {
    auto rate = parse_usd(f.gpu_hour_usd, "--gpu-hour-usd");
    if (!rate) return std::unexpected(rate.error());
    if (f.node_gpus) p.node_gpus = *f.node_gpus;
    else {
      auto s = need_shape();
      if (!s) return std::unexpected(s.error());
      p.node_gpus = s->gpus;
    }
    if (p.node_gpus <= 0)
      return fail(ErrorCode::invalid, fmt::format("--gpu-hour-usd: partition {} has no GPUs; price it with --node-hour-usd", f.partition));
    p.node_hour = rate->scaled(p.node_gpus, 1);
    p.source = "--gpu-hour-usd " + f.gpu_hour_usd;
  } else {
    auto rate = parse_usd(f.node_hour_usd, "--node-hour-usd");
    if (!rate) return std::unexpected(rate.error());
    p.node_hour = *rate;
    p.source = "--node-hour-usd " + f.node_hour_usd;
  }
  if (f.node_gpus) p.node_gpus = *f.node_gpus;
  if (f.node_cpus) p.node_cpus = *f.node_cpus;
  p.node_count = f.nodes;
  // What the flags and the catalog left open, from sinfo when it answers (the price is set either way).
  if (!f.node_cpus || !f.nodes || (f.node_hour_usd.size() && !f.node_gpus)) {
    if (auto s = node_shape(f.partition)) {
      if (!f.node_cpus) p.node_cpus = s->cpus;
      if (!f.nodes) p.node_count = s->count;
      if (!f.node_hour_usd.empty() && !f.node_gpus) p.node_gpus = s->gpus;
    }
  }
  if (p.node_gpus == 0 && p.node_cpus == 0)
    fmt::print(stderr, "partition {}: a node's GPUs and CPUs are not known (sinfo did not answer; --node-gpus, --node-cpus), "
                       "so each job pays for whole nodes\n", f.partition);
  auto repriced = slurm::set_partition_price(**store, p, ctx.clock.now());
  if (!repriced) return std::unexpected(repriced.error());
  fmt::print("partition {} of {}: ${} a node-hour ({} GPUs, {} CPUs a node{}), from {}; {} priced again\n", p.partition,
             p.cluster, money_text(p.node_hour), p.node_gpus, p.node_cpus,
             p.node_count ? ", " + util::display::count(*p.node_count, "node") : std::string(), p.source,
             util::display::count(*repriced, "run"));
  return k_exit_ok;
}

Result<int> list_partitions(Context& ctx) {
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto prices = slurm::partition_prices(**store);
  if (!prices) return std::unexpected(prices.error());
  Format format = ctx.format();
  Table t;
  t.columns = {"cluster", "partition", "node_hour_usd", "node_gpus", "node_cpus", "nodes", "source"};
  for (const auto& p : *prices)
    t.rows.push_back({Cell::str(p.cluster), Cell::str(p.partition), money_cell(p.node_hour, format), int_cell(p.node_gpus),
                      int_cell(p.node_cpus), p.node_count ? int_cell(*p.node_count) : Cell::null(), Cell::str(p.source)});
  print_table(stdout, t, format);
  if (prices->empty()) explain_empty("no partition has a price", "frugal slurm price --partition NAME --gpu-hour-usd RATE");
  return k_exit_ok;
}

// Each priced partition's jobs over the window, and what no job held: its idle node-hours and
// their cost, on a line of its own.
Result<int> report(Context& ctx, const SlurmFlags& f) {
  auto window = parse_window(f.since, f.until, ctx.clock.now());
  if (!window) return std::unexpected(window.error());
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto usage = slurm::partition_usage(**store, window->first, window->second);
  if (!usage) return std::unexpected(usage.error());
  Format format = ctx.format();
  Table t;
  t.columns = {"cluster", "partition", "line", "jobs", "cost_usd", "node_hours", "share"};
  for (const auto& u : *usage) {
    double all = u.node_hours.value_or(0);
    t.rows.push_back({Cell::str(u.cluster), Cell::str(u.partition), Cell::str("jobs"), int_cell(u.jobs), money_cell(u.job_cost, format),
                      hours_cell(u.held_node_hours, format), all > 0 ? share_cell(u.held_node_hours / all, format) : Cell::null()});
    if (u.idle_cost)
      t.rows.push_back({Cell::str(u.cluster), Cell::str(u.partition), Cell::str("idle"), Cell::null(), money_cell(*u.idle_cost, format),
                        hours_cell(std::max(0.0, all - u.held_node_hours), format),
                        all > 0 ? share_cell(std::max(0.0, all - u.held_node_hours) / all, format) : Cell::null()});
  }
  print_table(stdout, t, format);
  if (usage->empty()) explain_empty("no partition has a price", "frugal slurm price --partition NAME --gpu-hour-usd RATE");
  for (const auto& u : *usage)
    if (!u.idle_cost && format == Format::table)
      fmt::print(stderr, "partition {}: its node count is not known, so its idle time is not either (frugal slurm price --nodes N)\n",
                 u.partition);
  return k_exit_ok;
}

Result<int> map(Context& ctx, const SlurmFlags& f) {
  if (f.account.empty()) return fail(ErrorCode::invalid, "slurm map: name the Slurm account (--account)");
  if (f.remove == !f.team.empty())
    return fail(ErrorCode::invalid, "slurm map: give --team TEAM to charge the account's jobs to, or --remove");
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  auto changed = slurm::map_account(**store, f.account, f.remove ? "" : f.team);
  if (!changed) return std::unexpected(changed.error());
  fmt::print("account {} → team {}; {} imported before changed team\n", f.account, f.remove ? f.account : f.team,
             util::display::count(*changed, "run"));
  return k_exit_ok;
}

// What Slurm has counted of each account's GPU-minutes since its last usage reset (sshare's GrpTRESRaw).
std::map<std::string, std::int64_t> used_gpu_minutes(const std::string& cluster, bool& known) {
  std::map<std::string, std::int64_t> used;
  auto out = run_slurm_tool({"sshare", "--noheader", "--parsable2", "--all", "--clusters=" + cluster,
                             "--format=Account,User,GrpTRESRaw"});
  known = out.has_value();
  if (!out) return used;
  std::istringstream lines(out->out);
  for (std::string line; std::getline(lines, line);) {
    auto fields = util::split(line, '|');
    if (fields.size() != 3 || !util::trim(fields[1]).empty()) continue;  // association rows of accounts only
    std::string account(util::trim(fields[0]));
    for (auto tres : util::split(fields[2], ',')) {
      if (!tres.starts_with("gres/gpu=")) continue;
      auto n = tres.substr(9);
      std::int64_t minutes = 0;
      std::from_chars(n.data(), n.data() + n.size(), minutes);
      used[account] = minutes;
    }
  }
  return used;
}

Result<int> sync_limits(Context& ctx, const SlurmFlags& f) {
  if (f.partition.empty())
    return fail(ErrorCode::invalid, "slurm sync-limits: name the partition whose GPU-hour prices the quotas (--partition gpu)");
  auto cluster = cluster_name(f);
  if (!cluster) return std::unexpected(cluster.error());
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  // A partition without a price is named before sshare is asked anything.
  auto prices = slurm::partition_prices(**store);
  if (!prices) return std::unexpected(prices.error());
  if (std::none_of(prices->begin(), prices->end(), [&](const auto& p) { return p.cluster == *cluster && p.partition == f.partition; }))
    if (auto named = slurm::plan_limits(**store, *cluster, f.partition, {}, ctx.clock.now()); !named)
      return std::unexpected(named.error());
  bool known = false;
  auto used = used_gpu_minutes(*cluster, known);
  if (!known)
    fmt::print(stderr, "sshare did not answer: the limits count none of the GPU-minutes Slurm has already counted\n");
  auto limits = slurm::plan_limits(**store, *cluster, f.partition, used, ctx.clock.now());
  if (!limits) return std::unexpected(limits.error());
  if (limits->empty()) {
    explain_empty("no team with a quota has Slurm accounts", "frugal quota set --team TEAM --monthly-usd 5000 (and slurm import)");
    return k_exit_ok;
  }
  for (const auto& l : *limits) {
    std::vector<std::string> words;
    for (const auto& arg : l.command) words.push_back(util::shell_word(arg));
    fmt::print("# {}\n{}\n", l.why, util::join(words, " "));
    if (!f.apply) continue;
    auto done = run_slurm_tool(l.command);
    if (!done) return std::unexpected(done.error());
  }
  std::fflush(stdout);  // the commands first, then the note, also where both go to one file
  if (!f.apply)
    fmt::print(stderr, "dry run: nothing changed; --apply runs these. Slurm enforces them with AccountingStorageEnforce=limits, "
                       "and resets usage with the quota's period when PriorityUsageResetPeriod matches it (docs/slurm.md)\n");
  return k_exit_ok;
}

// Slurm's Epilog: the job that just ended, recorded at once. Never fails the node: an epilog that
// exits non-zero drains it, so every error is reported and the status is 0.
Result<int> epilog(Context& ctx, const SlurmFlags& f) {
  const char* job = std::getenv("SLURM_JOB_ID");
  if (!job || !*job) {
    fmt::print(stderr, "frugal slurm epilog: no SLURM_JOB_ID (Slurm sets it for Epilog= scripts)\n");
    return k_exit_ok;
  }
  auto cluster = cluster_name(f);
  if (!cluster) {
    fmt::print(stderr, "frugal slurm epilog: job {}: {}\n", job, cluster.error().message);
    return k_exit_ok;
  }
  std::vector<std::string> argv = sacct_argv(*cluster);
  argv.push_back("--jobs=" + std::string(job));
  // slurmdbd may record the end a moment after the epilog starts: ask again for a few seconds.
  for (int attempt = 0;; ++attempt) {
    auto out = run_slurm_tool(argv, std::chrono::seconds(20));
    if (!out) {
      fmt::print(stderr, "frugal slurm epilog: {}\n", out.error().message);
      return k_exit_ok;
    }
    auto jobs = slurm::parse_sacct(out->out, "sacct");
    bool settled = jobs && !jobs->empty() && slurm::run_status_of(jobs->back().state) != "running";
    if (settled || attempt == 9) {
      Result<slurm::ImportStats> stats = jobs ? Result<slurm::ImportStats>(slurm::ImportStats{}) : std::unexpected(jobs.error());
      if (jobs) {
        auto store = ctx.open_store(store::Access::read_write);
        stats = store ? slurm::import_jobs(**store, *jobs, *cluster) : std::unexpected(store.error());
      }
      if (!stats) fmt::print(stderr, "frugal slurm epilog: job {}: {}\n", job, stats.error().message);
      return k_exit_ok;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace

void add_slurm_command(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<SlurmFlags>();
  auto* slurm = app.add_subcommand("slurm", "a Slurm cluster's jobs priced from its accounting; quotas enforced by Slurm");
  slurm->require_subcommand(1);
  auto cluster_option = [&](CLI::App* cmd) {
    cmd->add_option("--cluster", f->cluster, "the cluster (default: $SLURM_CLUSTER_NAME, else scontrol's ClusterName)");
  };

  auto* import_cmd = slurm->add_subcommand("import", "record the cluster's jobs (sacct) as runs: new ones added, ended ones ended");
  cluster_option(import_cmd);
  import_cmd->add_option("--since", f->since, "jobs running since (7d, 2026-11-01)")->capture_default_str();
  import_cmd->add_option("--until", f->until, "and before (default: now)");
  import_cmd->add_option("--job", f->jobs, "only this job id (repeatable)");
  import_cmd->add_option("--from", f->from, "read sacct's output from this file instead of running sacct");
  import_cmd->callback([&ctx, f] { ctx.action = [&ctx, f] { return import(ctx, *f); }; });

  auto* price_cmd = slurm->add_subcommand("price", "what a node of a partition costs; its jobs are priced again");
  cluster_option(price_cmd);
  price_cmd->add_option("--partition", f->partition, "the partition");
  price_cmd->add_option("--instance-type", f->instance_type, "a cloud instance type from the catalog (p4d.24xlarge)");
  price_cmd->add_option("--region", f->region, "its region (default: the cheapest)");
  price_cmd->add_option("--provider", f->provider, "its provider");
  price_cmd->add_option("--gpu-hour-usd", f->gpu_hour_usd, "an on-premises rate per GPU-hour (docs/slurm.md: how to derive it)");
  price_cmd->add_option("--node-hour-usd", f->node_hour_usd, "an on-premises rate per node-hour");
  price_cmd->add_option("--node-gpus", f->node_gpus, "GPUs a node has (default: sinfo)")->check(CLI::NonNegativeNumber);
  price_cmd->add_option("--node-cpus", f->node_cpus, "CPUs a node has (default: sinfo)")->check(CLI::NonNegativeNumber);
  price_cmd->add_option("--nodes", f->nodes, "nodes in the partition (default: sinfo)")->check(CLI::NonNegativeNumber);
  price_cmd->callback([&ctx, f] { ctx.action = [&ctx, f] { return price(ctx, *f); }; });

  auto* report_cmd = slurm->add_subcommand("report", "each priced partition's jobs and idle node-hours, with their cost");
  report_cmd->add_option("--since", f->since, "from (7d, 2026-11-01)")->capture_default_str();
  report_cmd->add_option("--until", f->until, "to (default: now)");
  report_cmd->callback([&ctx, f] { ctx.action = [&ctx, f] { return report(ctx, *f); }; });

  auto* partitions_cmd = slurm->add_subcommand("partitions", "the partitions priced");
  partitions_cmd->callback([&ctx] { ctx.action = [&ctx] { return list_partitions(ctx); }; });

  auto* map_cmd = slurm->add_subcommand("map", "charge a Slurm account's jobs to a team (default: the team named as the account)");
  map_cmd->add_option("--account", f->account, "the Slurm account");
  map_cmd->add_option("--team", f->team, "the team");
  map_cmd->add_flag("--remove", f->remove, "forget the mapping");
  map_cmd->callback([&ctx, f] { ctx.action = [&ctx, f] { return map(ctx, *f); }; });

  auto* limits_cmd = slurm->add_subcommand("sync-limits", "team quotas as Slurm association limits (GrpTRESMins); a dry run unless --apply");
  cluster_option(limits_cmd);
  limits_cmd->add_option("--partition", f->partition, "the GPU partition whose price turns money into GPU-minutes");
  limits_cmd->add_flag("--apply", f->apply, "run the sacctmgr commands");
  limits_cmd->callback([&ctx, f] { ctx.action = [&ctx, f] { return sync_limits(ctx, *f); }; });

  auto* epilog_cmd = slurm->add_subcommand("epilog", "for slurm.conf's Epilog=: record the job that just ended (always exits 0)");
  cluster_option(epilog_cmd);
  epilog_cmd->callback([&ctx, f] { ctx.action = [&ctx, f] { return epilog(ctx, *f); }; });
}

}  // namespace frugal::cli
