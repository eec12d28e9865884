#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string_view>
#include <exception>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <string>
#include <vector>

#include "cli/context.h"
#include "util/strings.h"

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

// The command whose flags were being read when parsing stopped: the deepest subcommand given.
CLI::App* deepest_command(CLI::App& app) {
  CLI::App* at = &app;
  for (;;) {
    auto given = at->get_subcommands();
    if (given.empty()) return at;
    at = given.back();
  }
}

std::string command_path(const CLI::App* command) {
  std::vector<std::string> names;
  for (const CLI::App* at = command; at; at = at->get_parent()) names.push_back(at->get_name());
  std::reverse(names.begin(), names.end());
  return fmt::format("{}", fmt::join(names, " "));
}

// What a person probably meant by the words CLI11 could not place: a close command or flag
// (util::closest_matches), or, for `frugal run`, the `--` that keeps the job's own flags its own.
// "" when there is nothing better to say than CLI11's message.
std::string hint_for(CLI::App& app, int argc, char** argv) {
  CLI::App* at = deepest_command(app);
  std::string where = "`" + command_path(at) + "` has ";
  std::vector<std::string> commands, flags;
  for (const CLI::App* sub : at->get_subcommands([](CLI::App*) { return true; })) commands.push_back(sub->get_name());
  for (CLI::App* a = at; a; a = a->get_parent())  // global flags are accepted after the subcommand too
    for (const CLI::Option* option : a->get_options())
      for (const auto& name : option->get_lnames()) flags.push_back("--" + name);
  bool has_separator = std::find(argv, argv + argc, std::string_view("--")) != argv + argc;
  // With fallthrough, words no subcommand took end up with the top-level app.
  for (const std::string& word : app.remaining(true)) {
    if (word.starts_with("--")) {
      std::string name = word.substr(0, word.find('='));
      auto close = util::closest_matches(name, flags, 3);
      if (at->get_name() == "run" && !has_separator && close.empty())
        return fmt::format("`frugal run` has no flag {}; if it is the job's, put `--` before the job's command so its flags "
                           "stay its own: frugal run [options] -- COMMAND ... {} ...",
                           name, name);
      if (!close.empty()) return fmt::format("{}no flag {}; did you mean {}?", where, name, fmt::join(close, ", "));
      return fmt::format("{}no flag {} (see {} --help)", where, name, command_path(at));
    }
    if (!commands.empty() && !word.starts_with("-")) {
      auto close = util::closest_matches(word, commands, 3);
      if (!close.empty()) return fmt::format("{}no command '{}'; did you mean {}?", where, word, fmt::join(close, ", "));
      return fmt::format("{}no command '{}' (commands: {})", where, word, fmt::join(commands, ", "));
    }
  }
  if (!commands.empty() && at->get_subcommands().empty())
    return fmt::format("`{}` needs a command: {} (see {} --help)", command_path(at), fmt::join(commands, ", "), command_path(at));
  return "";
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
  add_slurm_command(app, ctx);
  add_k8s_command(app, ctx);
  add_value_command(app, ctx);
  add_cache_command(app, ctx);
  add_data_command(app, ctx);
  add_serve_command(app, ctx);
  add_sync_command(app, ctx);
  add_advise_command(app, ctx);
  add_label_command(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      if (std::string hint = hint_for(app, argc, argv); !hint.empty()) {
        fmt::print(stderr, "frugal: {}\n", hint);
        return k_exit_usage;
      }
    }
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
