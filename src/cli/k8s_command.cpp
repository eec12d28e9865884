// `frugal k8s`: a Kubernetes cluster's workload read from its Prometheus (kube-state-metrics, DCGM
// exporter, cAdvisor) and recorded as runs; its node pools against what the pods needed.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "cli/context.h"
#include "k8s/k8s.h"
#include "objects/objects.h"
#include "util/display.h"
#include "util/strings.h"

namespace frugal::cli {
namespace {

std::string num(std::size_t n) { return util::display::group_thousands(std::to_string(n)); }

struct K8sFlags {
  std::string prometheus, cluster, since = "24h", until, step = "30s", pools_since = "7d";
  std::string bearer_token_file, basic_auth_user, basic_auth_password_file;
  std::string team_label, project_label, model_label, dataset_label, user_label;
};

// A flag, else its [k8s] setting (flag, FRUGAL_K8S_*, frugal.toml, default).
std::string setting(const Context& ctx, const std::string& flag, std::string_view key) {
  return flag.empty() ? ctx.config->get(key) : flag;
}

Result<std::string> read_secret(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::io, fmt::format("{}: cannot read the {}", path, what));
  std::stringstream text;
  text << in.rdbuf();
  std::string secret(util::trim(text.str()));
  if (secret.empty()) return fail(ErrorCode::invalid, fmt::format("{}: the {} is empty", path, what));
  return secret;
}

// How requests to Prometheus authenticate: a bearer token (file or FRUGAL_K8S_BEARER_TOKEN), or
// basic authentication (the password from a file or FRUGAL_K8S_BASIC_AUTH_PASSWORD); never on the
// command line, where `ps` shows it.
Result<objects::HttpGetOptions> auth_options(const Context& ctx, const K8sFlags& f) {
  objects::HttpGetOptions o;
  std::string token_file = setting(ctx, f.bearer_token_file, "k8s.bearer_token_file");
  std::string token;
  if (!token_file.empty()) token = FRUGAL_TRY(read_secret(token_file, "bearer token"));
  else if (const char* env = std::getenv("FRUGAL_K8S_BEARER_TOKEN"); env && *env) token = env;
  if (!token.empty()) o.headers.push_back("Authorization: Bearer " + token);
  o.user = setting(ctx, f.basic_auth_user, "k8s.basic_auth_user");
  if (!o.user.empty()) {
    std::string password_file = setting(ctx, f.basic_auth_password_file, "k8s.basic_auth_password_file");
    if (!password_file.empty()) o.password = FRUGAL_TRY(read_secret(password_file, "password"));
    else if (const char* env = std::getenv("FRUGAL_K8S_BASIC_AUTH_PASSWORD"); env && *env) o.password = env;
    else
      return fail(ErrorCode::invalid, "k8s import: --basic-auth-user needs the password in a file "
                                      "(--basic-auth-password-file) or in FRUGAL_K8S_BASIC_AUTH_PASSWORD");
  }
  if (!token.empty() && !o.user.empty())
    return fail(ErrorCode::invalid, "k8s import: give a bearer token or basic authentication, not both");
  return o;
}

// Prometheus' query_range over HTTP. A refused or failed request names the URL; an error answer
// (bad PromQL, too many samples, a timeout) is JSON that k8s::read_matrix reads out.
k8s::QueryRange prometheus_client(std::string base, const objects::HttpGetOptions& options) {
  while (base.ends_with('/')) base.pop_back();
  return [base, options](const std::string& promql, std::int64_t start, std::int64_t end,
                         std::int64_t step) -> Result<std::string> {
    std::string url = base + "/api/v1/query_range?" +
                      objects::canonical_query({{"query", promql},
                                                {"start", std::to_string(start)},
                                                {"end", std::to_string(end)},
                                                {"step", std::to_string(step)}});
    auto answer = objects::http_get(url, options);
    if (!answer) return fail(answer.error().code, fmt::format("Prometheus at {}: {}", base, answer.error().message));
    std::string source = fmt::format("Prometheus at {}", base);
    if (answer->status == 401 || answer->status == 403)
      return fail(ErrorCode::forbidden,
                  fmt::format("{} refused the request (HTTP {}): give its credentials (--bearer-token-file, or "
                              "--basic-auth-user with --basic-auth-password-file)",
                              source, answer->status));
    bool json = answer->body.starts_with('{');
    if ((answer->status < 200 || answer->status >= 300) && !json)
      return fail(ErrorCode::unavailable, fmt::format("{} answered HTTP {}: {}", source, answer->status,
                                                      util::trim(answer->body.substr(0, 200))));
    return std::move(answer->body);  // an error answer in JSON says what went wrong: read_matrix names it
  };
}

std::string cluster_name(const Context& ctx, const K8sFlags& f, const std::string& url) {
  std::string name = setting(ctx, f.cluster, "k8s.cluster");
  if (!name.empty()) return name;
  // The Prometheus host names the cluster by default: one Prometheus watches one cluster.
  std::string host = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  host = host.substr(host.find('@') == std::string::npos ? 0 : host.find('@') + 1);
  return host.substr(0, host.find_first_of("/?"));
}

Result<int> import(Context& ctx, const K8sFlags& f) {
  std::string url = setting(ctx, f.prometheus, "k8s.prometheus");
  if (url.empty())
    return fail(ErrorCode::invalid,
                "k8s import: name the cluster's Prometheus (--prometheus http://prometheus:9090, or [k8s] prometheus "
                "in frugal.toml)");
  auto window = parse_window(f.since, f.until, ctx.clock.now());
  if (!window) return std::unexpected(window.error());
  auto step = parse_duration(f.step);
  if (!step) return std::unexpected(step.error());
  if (step->count() < 1000 || step->count() % 1000 != 0 || 3'600'000 % step->count() != 0)
    return fail(ErrorCode::invalid,
                fmt::format("k8s import: --step {} must be whole seconds that divide an hour (15s, 30s, 1m, 5m)", f.step));
  if (url.find('@') != std::string::npos && url.find('@') < url.find('/', url.find("://") + 3))
    return fail(ErrorCode::invalid, "k8s import: keep credentials out of the Prometheus URL (ps and logs show it): "
                                    "--basic-auth-user with --basic-auth-password-file, or --bearer-token-file");
  auto auth = auth_options(ctx, f);
  if (!auth) return std::unexpected(auth.error());
  // The window starts on the hour, so that `--since 1h` from cron covers the last whole hour of the
  // node pools (k8s_pool_hours holds whole hours only).
  k8s::Window w{std::chrono::floor<std::chrono::hours>(window->first), window->second, step->count() / 1000};
  k8s::ImportOptions options;
  options.cluster = cluster_name(ctx, f, url);
  options.labels.team = setting(ctx, f.team_label, "k8s.team_label");
  options.labels.project = setting(ctx, f.project_label, "k8s.project_label");
  options.labels.model = setting(ctx, f.model_label, "k8s.model_label");
  options.labels.dataset = setting(ctx, f.dataset_label, "k8s.dataset_label");
  options.labels.user = setting(ctx, f.user_label, "k8s.user_label");
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  auto cluster = k8s::read_cluster(prometheus_client(url, *auth), w, k8s::folded_until(**store, options.cluster));
  if (!cluster) return std::unexpected(cluster.error());
  auto stats = k8s::import_cluster(**store, *cluster, options);
  if (!stats) return std::unexpected(stats.error());

  fmt::print("k8s import: cluster {}, {} nodes, {} pods read from {} to {}: {} new runs, {} updated, {} unchanged; "
             "{} pool-hours\n",
             options.cluster, num(cluster->nodes.size()), num(stats->pods), format_utc(w.since), format_utc(w.until),
             num(stats->added), num(stats->updated), num(stats->unchanged), num(stats->pool_hours));
  if (stats->renumbered)
    fmt::print("{} runs recorded before are later attempts than they were: this window found attempts that came "
               "before them\n",
               num(stats->renumbered));
  for (const auto& idle : stats->idle)
    fmt::print("idle GPUs: {} ({}, run {}): {} of its {} GPUs sat idle the whole time, {:.1f} idle GPU-hours, ${}\n",
               idle.run_name, idle.namespace_, idle.run_id, idle.idle_gpus, idle.gpus, idle.idle_gpu_hours,
               money_text(idle.idle_cost));
  if (stats->unpriced_pods)
    fmt::print(stderr, "{} pods ran on nodes whose instance type the catalog does not price, so their cost is unknown: "
                       "frugal catalog import FILE\n",
               num(stats->unpriced_pods));
  if (cluster->pods.empty())
    explain_empty(fmt::format("no pod ran between {} and {} (does Prometheus scrape kube-state-metrics?)",
                              format_utc(w.since), format_utc(w.until)),
                  "frugal k8s import --since 7d");
  return k_exit_ok;
}

// Each node pool over the window: what ran against what the requests needed.
Result<int> pools(Context& ctx, const K8sFlags& f) {
  auto window = parse_window(f.pools_since, f.until, ctx.clock.now());
  if (!window) return std::unexpected(window.error());
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto usage = k8s::pool_usage(**store, window->first, window->second);
  if (!usage) return std::unexpected(usage.error());
  Format format = ctx.format();
  Table t;
  t.columns = {"cluster", "instance_type", "capacity", "region", "hours", "node_hours", "needed_node_hours",
               "cost_usd", "idle_usd", "autoscale_saving_usd", "idle_hours_of_week"};
  auto money_or_null = [&](const std::optional<Money>& m) { return m ? money_cell(*m, format) : Cell::null(); };
  for (const auto& p : *usage)
    t.rows.push_back({Cell::str(p.cluster), Cell::str(p.instance_type), Cell::str(p.spot ? "spot" : "on-demand"),
                      Cell::str(p.region), int_cell(p.hours), hours_cell(p.node_hours, format),
                      hours_cell(p.needed_node_hours, format), money_or_null(p.cost), money_or_null(p.idle_cost),
                      money_or_null(p.autoscale_saving), int_cell(static_cast<std::int64_t>(p.idle_hours_of_week.size()))});
  print_table(stdout, t, format);
  if (usage->empty())
    explain_empty("no node pool hours recorded in the window", "frugal k8s import --prometheus URL --since 7d");
  return k_exit_ok;
}

}  // namespace

void add_k8s_command(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<K8sFlags>();
  auto* k8s = app.add_subcommand("k8s", "a Kubernetes cluster's jobs priced from its Prometheus; node pools against their load");
  k8s->require_subcommand(1);

  auto* import_cmd = k8s->add_subcommand("import", "record the cluster's pods as runs (Prometheus: kube-state-metrics, DCGM)");
  import_cmd->add_option("--prometheus", f->prometheus, "the Prometheus that scrapes the cluster ([k8s] prometheus)");
  import_cmd->add_option("--cluster", f->cluster, "the cluster's name in Frugal (default: the Prometheus host)");
  import_cmd->add_option("--since", f->since, "pods running since (24h, 2026-11-01)")->capture_default_str();
  import_cmd->add_option("--until", f->until, "and before (default: now)");
  import_cmd->add_option("--step", f->step, "resolution of the range queries (the scrape interval)")->capture_default_str();
  import_cmd->add_option("--bearer-token-file", f->bearer_token_file, "file holding a bearer token for Prometheus");
  import_cmd->add_option("--basic-auth-user", f->basic_auth_user, "user for Prometheus' basic authentication");
  import_cmd->add_option("--basic-auth-password-file", f->basic_auth_password_file, "file holding its password");
  import_cmd->add_option("--team-label", f->team_label, "pod label naming the team (default: team; else the namespace)");
  import_cmd->add_option("--project-label", f->project_label, "pod label naming the project (default: project)");
  import_cmd->add_option("--model-label", f->model_label, "pod label naming the model (default: model)");
  import_cmd->add_option("--dataset-label", f->dataset_label, "pod label naming the dataset (default: dataset)");
  import_cmd->add_option("--user-label", f->user_label, "pod label naming the user (default: user)");
  import_cmd->callback([&ctx, f] { ctx.action = [&ctx, f] { return import(ctx, *f); }; });

  auto* pools_cmd = k8s->add_subcommand("pools", "each node pool: node-hours up against those its pods needed; autoscaling's saving");
  pools_cmd->add_option("--since", f->pools_since, "from (7d, 2026-11-01)")->capture_default_str();
  pools_cmd->add_option("--until", f->until, "to (default: now)");
  pools_cmd->callback([&ctx, f] { ctx.action = [&ctx, f] { return pools(ctx, *f); }; });
}

}  // namespace frugal::cli
