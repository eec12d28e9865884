#include <CLI/CLI.hpp>
#include <algorithm>
#include <fmt/format.h>

#include "budget/budget.h"
#include "cli/context.h"
#include "util/display.h"

namespace frugal::cli {
namespace {

struct ReportFlags {
  std::string since = "30d";
  std::string until;
  std::size_t limit = 10;
};

Table jobs_table(const std::vector<budget::JobLine>& jobs, Format format) {
  Table t;
  t.columns = {"run", "name", "user", "team", "project", "instance_type", "status", "started_at", duration_column(format), "cost_usd"};
  for (const auto& j : jobs)
    t.rows.push_back({int_cell(j.run_id), Cell::str(j.name), Cell::str(j.user), Cell::str(j.team),
                      Cell::str(j.project), Cell::str(j.instance_type), Cell::str(j.status), Cell::str(j.started_at),
                      duration_cell(j.duration_ms, format),
                      j.cost ? money_cell(*j.cost, format) : Cell::null()});
  return t;
}

Table failures_table(const std::vector<budget::FailureLine>& lines, Format format) {
  Table t;
  t.columns = {"team", "project", "runs", "failures", "failure_rate", "failed_cost_usd", "cost_usd"};
  for (const auto& l : lines)
    t.rows.push_back({Cell::str(l.team), Cell::str(l.project), int_cell(l.runs), int_cell(l.failures),
                      share_cell(l.failure_rate, format), money_cell(l.failed_cost, format),
                      money_cell(l.total_cost, format)});
  return t;
}

Result<int> execute(Context& ctx, const ReportFlags& f) {
  auto window = parse_window(f.since, f.until, ctx.clock.now());
  if (!window) return std::unexpected(window.error());
  auto [since, until] = *window;
  if (auto folded = fold_data_hits(ctx); !folded) return std::unexpected(folded.error());
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto r = budget::report(**store, {since, until, f.limit});
  if (!r) return std::unexpected(r.error());
  if (r->runs == 0) explain_no_runs(**store, since, until);
  Format format = ctx.format();
  std::vector<std::pair<std::string, Table>> sections = {
      {"costliest_jobs", jobs_table(r->costliest, format)},
      {"longest_jobs", jobs_table(r->longest, format)},
      {"failures", failures_table(r->failures, format)},
  };
  if (format == Format::json) {
    Table totals;
    totals.columns = {"since", "until", "runs", "failed_runs", "cost_usd", "failed_cost_usd", "reconciled_runs",
                      "reconciled_estimate_usd", "reconciled_billed_usd", "cache_hits", "cache_saved_hours",
                      "cache_saved_usd", "data_hits", "data_hit_bytes", "egress_avoided_usd"};
    totals.rows.push_back({Cell::str(format_utc(since)), Cell::str(format_utc(until)), int_cell(r->runs),
                           int_cell(r->failed_runs), money_cell(r->total_cost, format), money_cell(r->failed_cost, format),
                           int_cell(r->reconciled_runs), money_cell(r->reconciled_estimate, format),
                           money_cell(r->reconciled_billed, format), int_cell(r->cache_hits),
                           hours_cell(static_cast<double>(r->cache_saved_ms) / 3.6e6, format), money_cell(r->cache_saved, format),
                           int_cell(r->data_hits), int_cell(r->data_hit_bytes), money_cell(r->egress_avoided, format)});
    sections.insert(sections.begin(), {"totals", totals});
    print_sections_json(stdout, sections);
    return k_exit_ok;
  }
  if (format == Format::table) {
    double rate = r->runs ? static_cast<double>(r->failed_runs) / static_cast<double>(r->runs) : 0;
    fmt::print("report {} .. {}: {}, ${} spent; {} failed ({}), ${} spent on failed runs\n", format_utc(since),
               format_utc(until), util::display::count(r->runs, "run"), money_text(r->total_cost), r->failed_runs,
               util::display::percent(rate), money_text(r->failed_cost));
    if (r->reconciled_runs)
      fmt::print("billed: {} reconciled with the bill: estimated ${}, billed ${}, gap ${}\n",
                 util::display::count(r->reconciled_runs, "run"),
                 money_text(r->reconciled_estimate), money_text(r->reconciled_billed),
                 money_text(r->reconciled_billed - r->reconciled_estimate));
    if (r->cache_hits)
      fmt::print("saved by cache: {}, {} of compute not rerun, ${}\n", util::display::count(r->cache_hits, "hit"),
                 util::display::duration(static_cast<double>(r->cache_saved_ms) / 1000.0), money_text(r->cache_saved));
    if (r->data_hits)
      fmt::print("saved by data cache: {}, {} not downloaded, ${} of egress avoided\n",
                 util::display::count(r->data_hits, "hit"),
                 util::display::bytes(static_cast<std::uint64_t>(std::max<std::int64_t>(r->data_hit_bytes, 0))),
                 money_text(r->egress_avoided));
  }
  const char* titles[] = {"costliest jobs", "longest jobs", "failures by team and project"};
  for (std::size_t i = 0; i < sections.size(); ++i) {
    // CSV: one block per section, a comment line naming it, blocks split by a blank line.
    if (i > 0 || format == Format::table) fmt::print("\n");
    if (format == Format::csv) fmt::print("# {}\n", titles[i]);
    else fmt::print("== {} ==\n", titles[i]);
    print_table(stdout, sections[i].second, format);
  }
  return k_exit_ok;
}

}  // namespace

void add_report_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<ReportFlags>();
  auto* cmd = app.add_subcommand("report", "costliest jobs, longest jobs, failure rate and its cost");
  cmd->add_option("--since", flags->since, "start: a duration back (30d) or a date")->capture_default_str();
  cmd->add_option("--until", flags->until, "end (exclusive); default now");
  cmd->add_option("--limit", flags->limit, "rows per section")->capture_default_str();
  cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return execute(ctx, *flags); }; });
}

}  // namespace frugal::cli
