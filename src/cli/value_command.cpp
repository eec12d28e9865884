// `frugal value`: what each dollar bought — an experiment's runs, their quality against their cost,
// the Pareto frontier; or per project or model, the metric's improvement per $1,000.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/context.h"
#include "cli/row_printer.h"
#include "util/display.h"
#include "value/value.h"

namespace frugal::cli {
namespace {

struct ValueFlags {
  std::string experiment, metric, since, until, at = "best", by, team;
  double within_pct = 1.0;
};

Cell opt_int(const std::optional<std::int64_t>& v) { return v ? int_cell(*v) : Cell::null(); }
Cell opt_double(const std::optional<double>& v) { return v ? Cell::num(format_double(*v)) : Cell::null(); }

Result<value::Query> query_of(Context& ctx, const ValueFlags& f) {
  value::Query q;
  auto metric = value::parse_metric(f.metric);
  if (!metric) return std::unexpected(metric.error());
  q.metric = metric->first;
  q.direction = metric->second;
  q.experiment = f.experiment;
  if (f.at == "last") q.at = value::At::last;
  else if (f.at != "best") return fail(ErrorCode::invalid, fmt::format("--at {}: best or last", f.at));
  if (!(f.within_pct >= 0 && f.within_pct < 100))
    return fail(ErrorCode::invalid, fmt::format("--within {}: a percentage from 0 to below 100", f.within_pct));
  q.within = f.within_pct / 100;
  if (!f.since.empty() || !f.until.empty()) {
    auto window = parse_window(f.since.empty() ? "1970-01-01" : f.since, f.until, ctx.clock.now());
    if (!window) return std::unexpected(window.error());
    q.since = window->first;
    q.until = window->second;
  }
  if (!f.team.empty()) q.team = f.team;
  return q;
}

const std::vector<std::string> k_run_columns = {"run_id", "name", "user", "project", "model", "status", "cost_usd", "value",
                                                 "step", "cost_to_within_usd", "on_frontier", "dominated_by"};

std::vector<Cell> run_cells(const value::RunValue& r, Format format) {
  return {int_cell(r.run_id), Cell::str(r.name), Cell::str(r.user), Cell::str(r.project), Cell::str(r.model),
          Cell::str(r.status), r.cost ? money_cell(*r.cost, format) : Cell::null(), opt_double(r.value),
          r.value ? int_cell(r.step) : Cell::null(),
          r.cost_to_within ? money_cell(*r.cost_to_within, format) : Cell::null(),
          r.value && r.cost ? Cell::num(r.on_frontier ? "1" : "0") : Cell::null(), opt_int(r.dominated_by)};
}

Table runs_table(const std::vector<value::RunValue>& runs, Format format) {
  Table t;
  t.columns = k_run_columns;
  t.rows.reserve(runs.size());
  for (const auto& r : runs) t.rows.push_back(run_cells(r, format));
  return t;
}

Table summary_table(const value::Report& report, const value::Query& q, Format format) {
  const value::Summary& s = report.summary;
  Table t;
  t.columns = {"runs", "placed", "best_run", "cheapest_within_run", "within_pct", "total_cost_usd", "dominated_cost_usd",
               "early_stop_saving_usd", "direction"};
  t.rows.push_back({int_cell(static_cast<std::int64_t>(s.runs)), int_cell(static_cast<std::int64_t>(s.placed)),
                    opt_int(s.best_run), opt_int(s.cheapest_within_run), Cell::num(format_double(q.within * 100)),
                    money_cell(s.total_cost, format), money_cell(s.dominated_cost, format),
                    money_cell(s.early_stop_saving, format),
                    Cell::str(report.direction == value::Direction::max ? "max" : "min")});
  return t;
}

Result<int> experiment(Context& ctx, const value::Query& q) {
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto report = value::experiment_value(**store, q);
  if (!report) return std::unexpected(report.error());
  Format format = ctx.format();
  if (format == Format::json) {
    print_sections_json(stdout, {{"summary", summary_table(*report, q, format)},
                                 {"runs", runs_table(report->runs, format)},
                                 {"apart", runs_table(report->apart, format)}});
    return k_exit_ok;
  }
  if (format == Format::csv) {  // every run, for programs: those apart last, without a value or on_frontier
    RowPrinter printer(stdout, format);  // row by row: no table of 100,000 rows built first
    printer.columns(k_run_columns);
    for (const auto* runs : {&report->runs, &report->apart})
      for (const auto& r : *runs)
        if (!printer.row(run_cells(r, format))) return fail(ErrorCode::io, "value: cannot write the output (a closed pipe, a full disk)");
    if (!printer.finish()) return fail(ErrorCode::io, "value: cannot write the output (a closed pipe, a full disk)");
    return k_exit_ok;
  }
  print_table(stdout, runs_table(report->runs, format), format);
  const value::Summary& s = report->summary;
  auto name_of = [&](std::optional<std::int64_t> id) -> std::string {
    if (!id) return "none";
    for (const auto& r : report->runs)
      if (r.run_id == *id)
        return fmt::format("run {} {}: {} {} for {}", r.run_id, r.name, q.metric, format_double(*r.value), money_text(*r.cost));
    return fmt::format("run {}", *id);
  };
  fmt::print("\nbest: {}\ncheapest within {}% of the best: {}\n", name_of(s.best_run), format_double(q.within * 100),
             name_of(s.cheapest_within_run));
  fmt::print("spent: {} on {} runs; {} on runs the frontier dominates; stopping each run once within {}% of its own "
             "best would have saved {}\n",
             money_text(s.total_cost), s.runs, money_text(s.dominated_cost), format_double(q.within * 100),
             money_text(s.early_stop_saving));
  if (!report->apart.empty()) {
    fmt::print("\nruns apart (no {} reported, or no price):\n", q.metric);
    print_table(stdout, runs_table(report->apart, format), format);
  }
  if (s.runs == 0)
    explain_empty(fmt::format("no run of experiment '{}'{}", q.experiment, q.since ? " in the window" : ""),
                  "frugal run --experiment NAME -- COMMAND (or an MLflow client with the experiment)");
  return k_exit_ok;
}

Result<int> grouped(Context& ctx, const ValueFlags& f, const value::Query& q) {
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto groups = value::value_by(**store, q, f.by);
  if (!groups) return std::unexpected(groups.error());
  Format format = ctx.format();
  Table t;
  t.columns = {f.by, "runs", "cost_usd", "first_run", "first_value", "best_run", "best_value", "improvement",
               "improvement_per_1000_usd"};
  for (const auto& g : *groups)
    t.rows.push_back({Cell::str(g.key), int_cell(static_cast<std::int64_t>(g.runs)), money_cell(g.cost, format),
                      opt_int(g.first_run), opt_double(g.first_value), opt_int(g.best_run), opt_double(g.best_value),
                      opt_double(g.improvement), opt_double(g.per_1000_usd)});
  print_table(stdout, t, format);
  if (groups->empty()) explain_empty("no run reported the metric in the window", "frugal value --since 90d ...");
  return k_exit_ok;
}

Result<int> run_value(Context& ctx, const ValueFlags& f) {
  auto q = query_of(ctx, f);
  if (!q) return std::unexpected(q.error());
  if (!f.by.empty() && f.by != "project" && f.by != "model")
    return fail(ErrorCode::invalid, fmt::format("--by {}: project or model", f.by));
  if (!f.by.empty()) return grouped(ctx, f, *q);
  if (f.experiment.empty())
    return fail(ErrorCode::invalid, "value: name the experiment (--experiment NAME), or rank --by project or model");
  return experiment(ctx, *q);
}

}  // namespace

void add_value_command(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<ValueFlags>();
  auto* cmd = app.add_subcommand("value", "what each dollar bought: runs' quality against cost, the Pareto frontier");
  cmd->add_option("--experiment", f->experiment, "the experiment whose runs to compare");
  cmd->add_option("--metric", f->metric, "the target metric and which way is better: val_acc:max, val_loss:min "
                                         "(a run's own --stop-when rule on it says the way for that run)")
      ->required();
  cmd->add_option("--at", f->at, "a run's value: its best, or its last")->capture_default_str();
  cmd->add_option("--within", f->within_pct, "percent of a run's own best at which it could have stopped")
      ->capture_default_str();
  cmd->add_option("--since", f->since, "runs started since (30d, 2026-11-01)");
  cmd->add_option("--until", f->until, "and before (default: now)");
  cmd->add_option("--by", f->by, "rank projects or models by the metric's improvement per $1,000: project or model");
  cmd->add_option("--team", f->team, "only this team's runs");
  cmd->callback([&ctx, f] { ctx.action = [&ctx, f] { return run_value(ctx, *f); }; });
}

}  // namespace frugal::cli
