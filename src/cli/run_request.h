#pragma once
// Private to cli/: what `frugal run`'s flags ask for, turned into a runner::RunRequest (and where
// to send it) without starting anything, so the translation is tested apart from the process.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "core/config.h"
#include "runner/runner.h"

namespace frugal::cli {

struct RunFlags {
  std::string name, user, team, project, model, dataset, experiment;
  std::string provider, region, instance_type, instance_id, hourly_usd;
  std::optional<int> gpus;
  std::string max_usd, sample_every = "5s", grace = "30s";
  std::optional<double> max_gpu_hours;
  std::vector<std::string> metrics, stop_when;
  std::string prune, prune_metric;
  std::int64_t warmup_steps = 0;
  int startup_runs = 5;
  std::optional<std::int64_t> max_steps;
  int retries = 0, keep = 3;
  std::string retry_on_exit, retry_backoff = "5s", checkpoint_dir, checkpoint_store, preemption_notice,
                             planned_duration;
  bool spot = false;
  bool allow_over_quota = false;
  std::string server, token, send_every = "5s";
  std::vector<std::string> tags, params, command;
};

struct RunPlan {
  runner::RunRequest request;
  agent::Target target;                      // no server: recorded in the local store
  std::chrono::milliseconds send_every{5000};  // with a server: how often a running job is sent
};

// The flags that feed the Config (labels, placement, server), by key: flags win over FRUGAL_* and
// the config files.
std::map<std::string, std::string> config_flags(const RunFlags& f);

// The run the flags and the resolved config ask for. Errors: invalid, naming the flag.
Result<RunPlan> build_run_plan(const RunFlags& f, const Config& c);

}  // namespace frugal::cli
