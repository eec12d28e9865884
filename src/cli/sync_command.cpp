#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "agent/agent.h"
#include "cli/context.h"

namespace frugal::cli {
namespace {

struct SyncFlags {
  std::string server, token;
};

// Sends every spool left by `frugal run --server` while the server was unreachable.
Result<int> sync(Context& ctx, const SyncFlags& f) {
  if (!f.server.empty()) ctx.flags["server"] = f.server;
  if (!f.token.empty()) ctx.flags["token"] = f.token;
  ctx.config.reset();
  if (auto loaded = ctx.load_config(); !loaded) return std::unexpected(loaded.error());
  agent::Target target{ctx.config->get("server"), ctx.config->get("token")};
  if (target.server.empty() || target.token.empty())
    return fail(ErrorCode::invalid, "sync: give --server and --token (or FRUGAL_SERVER and FRUGAL_TOKEN)");
  int failures = 0, refused = 0;
  agent::SyncReport total;
  auto spools = agent::pending_spools(ctx.config->home_dir());
  for (const auto& spool : spools) {
    auto sent = agent::sync_spool(spool, target);
    if (!sent) {
      fmt::print(stderr, "frugal: {}: {}\n", spool, sent.error().message);
      ++failures;
      continue;
    }
    if (!sent->refused.empty()) {
      // Refused for good: moved aside, so it does not stand in front of the others next time.
      fmt::print(stderr, "frugal: {}: refused for good: {}; moved to {}\n", spool, sent->refused, sent->dead_letter);
      ++refused;
      continue;
    }
    total.runs_sent += sent->runs_sent;
    total.runs_running += sent->runs_running;
    total.metrics += sent->metrics;
    total.samples += sent->samples;
  }
  fmt::print(stderr, "frugal: sync: {} spool(s), {} run(s) sent ({} metric points, {} samples), {} still running, {} failed, {} refused for good\n",
             spools.size(), total.runs_sent, total.metrics, total.samples, total.runs_running, failures, refused);
  if (auto dead = agent::dead_letters(ctx.config->home_dir()); !dead.empty())
    fmt::print(stderr, "frugal: sync: {} spool(s) the server refused for good are kept in {}/spool/dead (each with its .reason)\n",
               dead.size(), ctx.config->home_dir());
  return failures || refused ? k_exit_failure : k_exit_ok;
}

}  // namespace

void add_sync_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<SyncFlags>();
  auto* cmd = app.add_subcommand("sync", "send runs kept locally while the server was unreachable (frugal run --server)");
  cmd->add_option("--server", flags->server, "frugal serve URL (or FRUGAL_SERVER)");
  cmd->add_option("--token", flags->token, "its token (or FRUGAL_TOKEN)");
  cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return sync(ctx, *flags); }; });
}

}  // namespace frugal::cli
