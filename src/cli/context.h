#pragma once
// Context: what every command handler shares — the flags that feed the Config, the resolved
// Config, the output format, the clock, and the error → exit status rule. Private to cli/.
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cli/output.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/money.h"
#include "store/store.h"

namespace CLI {
class App;
}

namespace frugal::cli {

// Exit statuses of frugal's own commands (`frugal run` passes its child's through).
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_failure = 1;  // io, conflict, unavailable
inline constexpr int k_exit_usage = 2;    // bad flag, bad input, unknown name
inline constexpr int k_exit_quota = 77;   // EX_NOPERM: a quota forbids it

struct Context {
  std::map<std::string, std::string> flags;  // Config keys given on the command line
  std::optional<Config> config;
  SystemClock clock;
  // Set by the chosen subcommand: its exit status, or the error cli.cpp prints and maps to one.
  std::function<Result<int>()> action;

  Result<void> load_config();
  Format format() const;
  Result<std::unique_ptr<store::Store>> open_store(store::Access access);
};

// Moves the data cache's journaled hits into data_events, when there are any (a stat otherwise),
// so what reads the store counts them. Defined in data_command.cpp.
Result<void> fold_data_hits(Context& ctx);

// Reads "--flag 12.50" style money; the error names the flag.
Result<Money> parse_usd(const std::string& text, std::string_view flag);
// Splits "key=value"; the error names the flag and shows `example`, a valid value of it.
Result<std::pair<std::string, std::string>> parse_key_value(const std::string& text, std::string_view flag,
                                                            std::string_view example);


// Money for people (util/display.h): to the cent from $1, two significant digits below.
std::string money_text(const Money& m);

// Cells for common kinds of values.
Cell money_cell(const Money& m, Format format);  // money_text in tables, exact otherwise
Cell share_cell(double share, Format format);    // "41.2%" in tables, 0.412 otherwise
Cell hours_cell(double hours, Format format);    // "0.0042" or "12.35" in tables, exact otherwise
// A run's length: "5h 13m" in tables (the column reads "duration"), hours as a number otherwise.
Cell duration_cell(std::int64_t ms, Format format);
inline const char* duration_column(Format format) { return format == Format::table ? "duration" : "hours"; }
Cell int_cell(std::int64_t v);

// Empty answers (empty_answer.cpp): why the answer is empty, then the command that fills it, on
// stderr. The explain_* ones look at what is stored to say which.
void explain_empty(std::string_view why, std::string_view fill);
void explain_no_runs(store::Store& store, TimePoint since, TimePoint until);
void explain_no_charges(store::Store& store, TimePoint since, TimePoint until);
// `share` of the cost by `dimension` (team, project, ...) is allocated to nobody.
void explain_unallocated(store::Store& store, std::string_view dimension, double share);

// Subcommands; each adds itself to `app` and sets ctx.action when chosen.
void add_run_command(CLI::App& app, Context& ctx);
void add_sql_command(CLI::App& app, Context& ctx);
void add_top_command(CLI::App& app, Context& ctx);
void add_report_command(CLI::App& app, Context& ctx);
void add_quota_command(CLI::App& app, Context& ctx);
void add_catalog_command(CLI::App& app, Context& ctx);
void add_bill_command(CLI::App& app, Context& ctx);
void add_slurm_command(CLI::App& app, Context& ctx);
void add_k8s_command(CLI::App& app, Context& ctx);
void add_value_command(CLI::App& app, Context& ctx);
void add_cache_command(CLI::App& app, Context& ctx);
void add_data_command(CLI::App& app, Context& ctx);
void add_serve_command(CLI::App& app, Context& ctx);
void add_sync_command(CLI::App& app, Context& ctx);
void add_advise_command(CLI::App& app, Context& ctx);
void add_label_command(CLI::App& app, Context& ctx);

}  // namespace frugal::cli
