#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "budget/budget.h"
#include "cli/context.h"

namespace frugal::cli {
namespace {

struct TopFlags {
  std::string by = "team";
  std::string metric = "cost";
  std::string since = "30d";
  std::string until;
  std::size_t limit = 20;
};

std::vector<Cell> row_cells(std::size_t rank, const budget::LeaderboardRow& r, Format format) {
  return {rank ? int_cell(static_cast<std::int64_t>(rank)) : Cell::str(""),
          Cell::str(r.key),
          money_cell(r.cost, format),
          share_cell(r.share, format),
          hours_cell(r.gpu_hours, format),
          int_cell(r.runs),
          int_cell(r.failures),
          duration_cell(r.duration_ms, format),
          money_cell(r.idle_cost, format),
          money_cell(r.saved_by_cache, format)};
}

Result<int> execute(Context& ctx, const TopFlags& f) {
  budget::LeaderboardQuery q;
  auto by = budget::parse_dimension(f.by);
  if (!by) return std::unexpected(by.error());
  auto metric = budget::parse_metric(f.metric);
  if (!metric) return std::unexpected(metric.error());
  auto window = parse_window(f.since, f.until, ctx.clock.now());
  if (!window) return std::unexpected(window.error());
  q.by = *by;
  q.metric = *metric;
  std::tie(q.since, q.until) = *window;
  q.limit = f.limit;
  if (auto folded = fold_data_hits(ctx); !folded) return std::unexpected(folded.error());
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto board = budget::leaderboard(**store, q);
  if (!board) return std::unexpected(board.error());
  Format format = ctx.format();
  Table table;
  table.columns = {"rank", std::string(budget::dimension_name(q.by)), "cost_usd", "share", "gpu_hours",
                   "runs", "failures", duration_column(format), "idle_gpu_cost_usd", "saved_by_cache_usd"};
  for (std::size_t i = 0; i < board->rows.size(); ++i) table.rows.push_back(row_cells(i + 1, board->rows[i], format));
  if (format == Format::table) {
    if (!table.rows.empty()) table.rows.push_back(row_cells(0, board->total, format));
    fmt::print("top {} by {}, {} .. {} (share of {})\n", budget::dimension_name(q.by), budget::metric_name(q.metric),
               format_utc(q.since), format_utc(q.until), budget::metric_name(q.metric));
  }
  print_table(stdout, table, format);
  if (board->rows.empty()) explain_no_runs(**store, q.since, q.until);
  return k_exit_ok;
}

}  // namespace

void add_top_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<TopFlags>();
  auto* cmd = app.add_subcommand("top", "cost leaderboard by team, user, project, model, dataset or experiment");
  cmd->add_option("--by", flags->by, "team|user|project|model|dataset|experiment")->capture_default_str();
  cmd->add_option("--metric", flags->metric, "rank by cost|gpu_hours|runs|failures|duration|idle_cost")->capture_default_str();
  cmd->add_option("--since", flags->since, "start: a duration back (30d, 12h) or a date (2026-11-01)")->capture_default_str();
  cmd->add_option("--until", flags->until, "end (exclusive): a duration back or a date; default now");
  cmd->add_option("--limit", flags->limit, "rows to show")->capture_default_str();
  cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return execute(ctx, *flags); }; });
}

}  // namespace frugal::cli
