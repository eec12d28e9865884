#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <fmt/format.h>

#include "cli/context.h"

namespace frugal::cli {
namespace {

// The one mapping from an error to frugal's exit status, after "frugal: message" on stderr.
int report_error(const Error& error) {
  fmt::print(stderr, "frugal: {}\n", error.message);
  switch (error.code) {
    case ErrorCode::invalid:
    case ErrorCode::not_found: return k_exit_usage;
    case ErrorCode::quota_exceeded: return k_exit_quota;
    case ErrorCode::io:
    case ErrorCode::conflict:
    case ErrorCode::unavailable:
    case ErrorCode::unauthenticated:
    case ErrorCode::forbidden:
    case ErrorCode::too_large: return k_exit_failure;
  }
  return k_exit_failure;
}

}  // namespace

int run(int argc, char** argv) {
  Context ctx;
  CLI::App app{"frugal: know what every ML job costs, and stop paying for waste", "frugal"};
  app.set_version_flag("--version", "frugal 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();  // global flags are accepted after the subcommand too
  std::string db, format;
  app.add_option("--db", db, "database file (default $FRUGAL_HOME/frugal.db)")->envname("");
  app.add_option("--format", format, "output: table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));

  add_run_command(app, ctx);
  add_sql_command(app, ctx);
  add_top_command(app, ctx);
  add_report_command(app, ctx);
  add_quota_command(app, ctx);
  add_catalog_command(app, ctx);
  add_bill_command(app, ctx);
  add_cache_command(app, ctx);
  add_data_command(app, ctx);
  add_serve_command(app, ctx);
  add_sync_command(app, ctx);
  add_advise_command(app, ctx);
  add_label_command(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? k_exit_ok : k_exit_usage;
  }
  if (!db.empty()) ctx.flags["db"] = db;
  if (!format.empty()) ctx.flags["format"] = format;
  if (auto loaded = ctx.load_config(); !loaded) return report_error(loaded.error());
  if (!ctx.action) return k_exit_usage;
  try {
    auto status = ctx.action();
    return status ? *status : report_error(status.error());
  } catch (const std::exception& e) {
    // Only bugs reach here: say what happened instead of aborting silently.
    fmt::print(stderr, "frugal: internal error: {}\n", e.what());
    return 70;  // EX_SOFTWARE
  }
}

}  // namespace frugal::cli
