#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/context.h"
#include "cli/row_printer.h"

namespace frugal::cli {
namespace {

// The memory one query may take (Store::set_query_memory_limit): far more than any query over the
// schema needs (SQLite sorts and groups on disk past a few MiB), far less than a runaway expression.
constexpr std::int64_t k_memory_limit_bytes = 256 << 20;

struct SqlFlags {
  std::string query;
  bool schema = false;
  bool explain = false;
  std::string timeout = "60s";
};

Cell value_cell(const store::Value& v) {
  if (auto i = std::get_if<std::int64_t>(&v)) return Cell::num(std::to_string(*i));
  if (auto d = std::get_if<double>(&v)) {
    std::string s = format_double(*d);
    return s == "NaN" || s.ends_with("Infinity") ? Cell::str(s) : Cell::num(s);
  }
  if (auto s = std::get_if<std::string>(&v)) return Cell::str(*s);
  return Cell::null();
}

Result<int> execute(Context& ctx, const SqlFlags& f) {
  if (f.schema) {
    fmt::print("{}", store::schema_markdown());
    return k_exit_ok;
  }
  if (f.query.empty()) return fail(ErrorCode::invalid, "sql: give a query, e.g. frugal sql \"SELECT * FROM runs LIMIT 5\", or --schema");
  std::chrono::milliseconds limit{0};
  if (f.timeout != "0") {
    auto parsed = parse_duration(f.timeout);
    if (!parsed || parsed->count() <= 0)
      return fail(ErrorCode::invalid, fmt::format("--timeout '{}': expected a duration such as 60s or 5m, or 0 "
                                                           "for none", f.timeout));
    limit = *parsed;
  }
  // A read-only connection (SQLite: an authorizer; PostgreSQL: READ ONLY transactions as the
  // reader role): user SQL can read everything and change nothing.
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  (*store)->set_query_time_limit(static_cast<int>(std::min<std::int64_t>(limit.count(), 86'400'000)));
  (*store)->set_query_memory_limit(k_memory_limit_bytes);
  if (f.explain) {
    auto plan = (*store)->explain(f.query);
    if (!plan) return std::unexpected(plan.error());
    for (const auto& line : *plan) fmt::print("{}\n", line);
    return k_exit_ok;
  }
  // Rows are printed as they come (row_printer.h): a result of any size takes a row's memory (the
  // table format: its first 1,000 rows), SQLite's heap within the memory limit besides.
  RowPrinter printer(stdout, ctx.format());
  std::vector<Cell> cells;
  bool written = true;
  auto streamed = (*store)->stream(
      f.query, {}, [&](const std::vector<std::string>& columns) { printer.columns(columns); },
      [&](const store::Row& row) {
        cells.clear();
        for (const auto& v : row) cells.push_back(value_cell(v));
        written = printer.row(cells);
        return written;
      });
  // On an error part-way the rows printed stay printed, and a JSON document stays unclosed: the
  // exit status and the message say the output is not whole.
  if (!streamed) return std::unexpected(streamed.error());
  if (!written || !printer.finish()) return fail(ErrorCode::io, "sql: cannot write the output (a closed pipe, a full disk)");
  return k_exit_ok;
}

}  // namespace

void add_sql_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<SqlFlags>();
  auto* cmd = app.add_subcommand("sql", "run a read-only SQL query over the documented schema");
  cmd->add_option("query", flags->query, "the SELECT to run");
  cmd->add_flag("--schema", flags->schema, "print the documented schema (docs/schema.md)");
  cmd->add_flag("--explain", flags->explain, "print the query plan instead of the rows");
  cmd->add_option("--timeout", flags->timeout, "stop a query that runs longer than this (0: never)")
      ->default_str("60s");
  cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return execute(ctx, *flags); }; });
}

}  // namespace frugal::cli
