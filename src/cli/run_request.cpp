#include "cli/run_request.h"

#include <charconv>
#include <cstdlib>
#include <fmt/format.h>
#include <tuple>

#include "cli/context.h"
#include "util/strings.h"

namespace frugal::cli {

namespace {

// Inside a Slurm job, the run says which job it is (as sacct names it: 123, or 123_4 for an array
// task), so `frugal slurm import` joins it instead of counting the job twice. A --tag of the same
// key wins.
void add_slurm_job_tags(std::vector<std::pair<std::string, std::string>>& tags) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  std::string job = env("SLURM_JOB_ID");
  if (job.empty()) return;
  if (!env("SLURM_ARRAY_JOB_ID").empty() && !env("SLURM_ARRAY_TASK_ID").empty())
    job = env("SLURM_ARRAY_JOB_ID") + "_" + env("SLURM_ARRAY_TASK_ID");
  std::pair<const char*, std::string> from_job[] = {{"slurm.job_id", job},
                                                    {"slurm.cluster", env("SLURM_CLUSTER_NAME")},
                                                    {"slurm.partition", env("SLURM_JOB_PARTITION")},
                                                    {"slurm.account", env("SLURM_JOB_ACCOUNT")}};
  for (auto& [key, value] : from_job) {
    bool given = false;
    for (const auto& tag : tags) given = given || tag.first == key;
    if (!given && !value.empty()) tags.emplace_back(key, value);
  }
}

}  // namespace


std::map<std::string, std::string> config_flags(const RunFlags& f) {
  const std::pair<const char*, const std::string*> given[] = {
      {"user", &f.user},         {"team", &f.team},
      {"project", &f.project},   {"model", &f.model},
      {"dataset", &f.dataset},   {"experiment", &f.experiment},
      {"provider", &f.provider}, {"region", &f.region},
      {"instance_type", &f.instance_type}, {"instance_id", &f.instance_id},
      {"server", &f.server},     {"token", &f.token}};
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : given)
    if (!value->empty()) out[key] = *value;
  return out;
}

Result<RunPlan> build_run_plan(const RunFlags& f, const Config& c) {
  RunPlan plan;
  runner::RunRequest& request = plan.request;
  request.labels = {c.get("user"),  c.get("team"),    c.get("project"),
                    c.get("model"), c.get("dataset"), c.get("experiment")};
  request.name = f.name;
  request.command = f.command;
  request.provider = c.get("provider");
  request.region = c.get("region");
  request.instance_type = c.get("instance_type");
  request.instance_id = c.get("instance_id");
  request.spot = f.spot;
  request.gpus = f.gpus;
  request.quota_policy = f.allow_over_quota ? runner::QuotaPolicy::allow_over : runner::QuotaPolicy::enforce;
  if (!f.hourly_usd.empty()) request.hourly_price = FRUGAL_TRY(parse_usd(f.hourly_usd, "--hourly-usd"));
  if (!f.max_usd.empty()) request.max_usd = FRUGAL_TRY(parse_usd(f.max_usd, "--max-usd"));
  request.max_gpu_hours = f.max_gpu_hours;
  for (auto [text, into, flag] : {std::tuple{&f.sample_every, &request.sample_every, "--sample-every"},
                                  std::tuple{&f.grace, &request.grace, "--grace"}}) {
    auto d = parse_duration(*text);
    if (!d) return std::unexpected(d.error().wrap(flag));
    if (*d < std::chrono::milliseconds(10) && std::string_view(flag) == "--sample-every")
      return fail(ErrorCode::invalid, "--sample-every: at least 10ms");
    *into = *d;
  }
  for (const auto& m : f.metrics) request.metric_patterns.push_back(FRUGAL_TRY(parse_key_value(m, "--metric", "'val_loss=val_loss: ([0-9.eE+-]+)'")));
  request.stop_when = f.stop_when;
  request.prune = f.prune;
  request.prune_metric = f.prune_metric;
  request.warmup_steps = f.warmup_steps;
  request.startup_runs = f.startup_runs;
  request.max_steps = f.max_steps;
  request.retries = f.retries;
  request.keep = f.keep;
  request.checkpoint_dir = f.checkpoint_dir;
  request.checkpoint_store = f.checkpoint_store;
  request.preemption_notice = f.preemption_notice;
  if (!f.planned_duration.empty()) {
    auto planned = parse_duration(f.planned_duration);
    if (!planned) return std::unexpected(planned.error().wrap("--planned-duration"));
    request.planned_duration = *planned;
  }
  if (!f.retry_on_exit.empty()) {
    for (auto part : util::split(f.retry_on_exit, ',')) {
      int code = 0;
      auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), code);
      if (ec != std::errc() || end != part.data() + part.size() || code < 1 || code > 255)
        return fail(ErrorCode::invalid,
                    fmt::format("--retry-on-exit: '{}' is not an exit status 1-255 (e.g. --retry-on-exit 137,143)", part));
      request.retry_on_exit.insert(code);
    }
  }
  auto backoff = parse_duration(f.retry_backoff);
  if (!backoff) return std::unexpected(backoff.error().wrap("--retry-backoff"));
  request.retry_backoff = *backoff;
  for (const auto& kv : f.tags) request.tags.push_back(FRUGAL_TRY(parse_key_value(kv, "--tag", "stage=pretrain")));
  add_slurm_job_tags(request.tags);
  for (const auto& kv : f.params) request.params.push_back(FRUGAL_TRY(parse_key_value(kv, "--param", "lr=0.001")));
  if (!request.checkpoint_store.empty() && request.checkpoint_dir.empty())
    return fail(ErrorCode::invalid, "--checkpoint-store copies what --checkpoint-dir holds: give --checkpoint-dir too");
  if (f.warmup_steps < 0 || f.startup_runs < 0 || (f.max_steps && *f.max_steps <= 0))
    return fail(ErrorCode::invalid, "--warmup-steps, --startup-runs and --max-steps must not be negative");
  plan.target = {c.get("server"), c.get("token")};
  if (!plan.target.server.empty()) {
    if (plan.target.token.empty()) return fail(ErrorCode::invalid, "--server needs --token (or FRUGAL_TOKEN)");
    if (!plan.target.server.starts_with("http://") && !plan.target.server.starts_with("https://"))
      return fail(ErrorCode::invalid, fmt::format("--server '{}': expected http://host:port or https://host", plan.target.server));
    auto every = parse_duration(f.send_every);
    if (!every || every->count() < 100)
      return fail(ErrorCode::invalid, fmt::format("--send-every '{}': expected a duration of 100ms or more", f.send_every));
    plan.send_every = *every;
  }
  return plan;
}

}  // namespace frugal::cli
