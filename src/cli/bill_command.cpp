#include <CLI/CLI.hpp>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fmt/ranges.h>
#include <map>
#include <fmt/format.h>
#include <unistd.h>

#include "billing/billing.h"
#include "cli/context.h"
#include "cli/progress_line.h"
#include "util/display.h"
#include "util/strings.h"
#include "cli/s3_export_source.h"

namespace frugal::cli {

void add_bill_map_and_reconcile(CLI::App& bill, Context& ctx);

namespace {

struct BillFlags {
  std::vector<std::string> files;
  std::string format;
  std::string cost_view;     // Azure: actual | amortized
  std::string format_given;  // bill import's --format: an output format, or (as before) a bill format
  bool skip_bad_rows = false;
  // costs
  std::string by = "service", metric = "billed", since = "30d", until;
};

// What an import did: for people, a line per file and one per billing period it held, amounts as
// people read them; for programs (--format csv|json), a row per file and period, amounts exact.
class ImportReport {
 public:
  explicit ImportReport(Format format) : m_format(format) {
    m_table.columns = {"file", "status", "import", "format", "provider", "account", "period_start", "rows",
                       "replaced_rows", "skipped_rows", "currency", "billed", "effective", "list"};
  }
  bool for_people() const { return m_format == Format::table; }

  void imported(const std::string& file, const billing::ImportResult& r) {
    namespace display = util::display;
    for (const auto& line : r.skipped) fmt::print(stderr, "frugal: skipped {}\n", line);
    if (for_people()) {
      fmt::print("{}: format {}{}, {}{}{}, import {}\n", file, r.format,
                 r.cost_view.empty() ? "" : fmt::format(" ({} cost view)", r.cost_view), display::count(r.rows, "row"),
                 r.replaced_rows ? fmt::format(", replacing {} of the same periods", display::count(r.replaced_rows, "earlier row")) : "",
                 r.skipped.empty() ? "" : fmt::format(", {} skipped", display::count(static_cast<long long>(r.skipped.size()), "bad row")),
                 r.import_id);
      for (const auto& t : r.totals)
        fmt::print("  {} {} {}: {}, billed {} {}, effective {}, list {}\n", t.provider,
                   t.billing_account_id.empty() ? "-" : t.billing_account_id, t.billing_period_start.substr(0, 10),
                   display::count(t.rows, "row"), display::money(t.billed.to_string()), t.currency,
                   display::money(t.effective.to_string()), display::money(t.list.to_string()));
      for (const auto& line : util::split(r.merged, '\n'))
        if (!line.empty()) fmt::print("  {}\n", line);
      return;
    }
    for (const auto& line : util::split(r.merged, '\n'))
      if (!line.empty()) fmt::print(stderr, "frugal: {}: {}\n", file, line);
    auto skipped = static_cast<std::int64_t>(r.skipped.size());
    if (r.totals.empty()) row(file, "imported", r.import_id, r.format, {}, r.replaced_rows, skipped);
    for (const auto& t : r.totals) row(file, "imported", r.import_id, r.format, &t, r.replaced_rows, skipped);
  }

  // Nothing changed: the same bytes were imported before, as import `as`.
  void unchanged(const std::string& file, std::int64_t as, std::string_view why) {
    if (for_people()) {
      if (!why.empty()) fmt::print("{}: {} (import {}); nothing changed\n", file, why, as);
      return;
    }
    row(file, "unchanged", as, "", nullptr, 0, 0);
  }

  void finish() {
    if (!for_people()) print_table(stdout, m_table, m_format);
  }

 private:
  void row(const std::string& file, const char* status, std::int64_t import, const std::string& format,
           const billing::CurrencyTotals* t, std::int64_t replaced, std::int64_t skipped) {
    auto money = [&](const Money& m) { return Cell::num(m.to_string()); };
    m_table.rows.push_back({Cell::str(file), Cell::str(status), int_cell(import), Cell::str(format),
                            t ? Cell::str(t->provider) : Cell::null(), t ? Cell::str(t->billing_account_id) : Cell::null(),
                            t ? Cell::str(t->billing_period_start.substr(0, 10)) : Cell::null(),
                            t ? int_cell(t->rows) : Cell::null(), int_cell(replaced), int_cell(skipped),
                            t ? Cell::str(t->currency) : Cell::null(), t ? money(t->billed) : Cell::null(),
                            t ? money(t->effective) : Cell::null(), t ? money(t->list) : Cell::null()});
  }

  Format m_format;
  Table m_table;
};

billing::ImportOptions import_options(const BillFlags& f) {
  billing::ImportOptions options;
  options.format = f.format;
  options.skip_bad_rows = f.skip_bad_rows ? billing::SkipBadRows::yes : billing::SkipBadRows::no;
  options.cost_view = f.cost_view;
  return options;
}

// A folder or an S3 prefix: the export's newest versions, only what is new or changed.
Result<bool> import_tree(Context& ctx, store::Store& store, const BillFlags& f, const std::string& where,
                         ImportReport& report) {
  std::unique_ptr<billing::ExportSource> source;
  if (where.starts_with("s3://")) source = FRUGAL_TRY(s3_export_source(where));
  else source = billing::folder_source(where);
  ProgressLine progress;
  billing::ExportImportOptions options;
  options.import = import_options(f);
  if (progress.on()) {
    options.import.on_progress = [&progress](std::size_t bytes, std::size_t rows) { progress.update(bytes, rows); };
    options.on_file = [&](const billing::ExportProgress& p) {
      progress.start(fmt::format("file {}/{}: ", p.file_number, p.files), p.bytes_before, p.bytes_total);
    };
  }
  auto walked = billing::import_export(store, *source, options, ctx.clock.now());
  progress.clear();
  if (!walked) return std::unexpected(walked.error());
  std::size_t imported = 0, unchanged = 0;
  for (const auto& file : walked->files) {
    if (file.outcome == billing::ExportFileResult::Outcome::unchanged) {
      ++unchanged;
      report.unchanged(file.file, file.unchanged_as, "");
      continue;
    }
    ++imported;
    report.imported(file.file, file.import);
  }
  if (report.for_people())
    fmt::print("{}: {} billing periods (their newest versions), {} files imported, {} unchanged{}\n", where,
             walked->versions.size(),
             imported, unchanged,
             walked->superseded.empty() ? "" : fmt::format(", {} files of older versions left out", walked->superseded.size()));
  for (const auto& line : walked->missing) fmt::print(stderr, "frugal: {}: not imported: {}\n", where, line);
  return walked->missing.empty();
}

Result<int> import(Context& ctx, const BillFlags& f) {
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  bool complete = true;
  ImportReport report(ctx.format());
  for (const auto& file : f.files) {
    std::error_code ec;
    if (file.starts_with("s3://") || std::filesystem::is_directory(file, ec)) {
      complete = FRUGAL_TRY(import_tree(ctx, **store, f, file, report)) && complete;
      continue;
    }
    billing::ImportOptions options = import_options(f);
    ProgressLine progress;
    progress.start("", 0, std::filesystem::file_size(file, ec));
    if (progress.on())
      options.on_progress = [&progress](std::size_t bytes, std::size_t rows) { progress.update(bytes, rows); };
    auto r = billing::import_bill(**store, file, options, ctx.clock.now());
    progress.clear();
    if (!r) return std::unexpected(r.error());
    if (r->already_imported_as) {
      report.unchanged(file, r->already_imported_as, "already imported");
      continue;
    }
    report.imported(file, *r);
  }
  report.finish();
  return complete ? k_exit_ok : k_exit_failure;
}

Result<int> imports(Context& ctx) {
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto list = billing::list_imports(**store);
  if (!list) return std::unexpected(list.error());
  Format format = ctx.format();
  Table t;
  t.columns = {"import", "file", "format", "imported_at", "period_start", "period_end", "rows", "live_rows",
               "skipped", "replaced", "billed"};
  for (const auto& i : *list)
    t.rows.push_back({int_cell(i.id), Cell::str(i.file), Cell::str(i.format), Cell::str(i.imported_at),
                      Cell::str(i.billing_period_start.substr(0, 10)), Cell::str(i.billing_period_end.substr(0, 10)),
                      int_cell(i.rows), int_cell(i.live_rows), int_cell(i.skipped_rows), int_cell(i.replaced_rows),
                      money_cell(i.billed, format)});
  print_table(stdout, t, format);
  return k_exit_ok;
}

Result<int> costs(Context& ctx, const BillFlags& f) {
  auto window = parse_window(f.since, f.until, ctx.clock.now());
  if (!window) return std::unexpected(window.error());
  auto metric = billing::parse_cost_metric(f.metric);
  if (!metric) return std::unexpected(metric.error());
  auto store = ctx.open_store(store::Access::read_only);
  if (!store) return std::unexpected(store.error());
  auto lines = billing::costs(**store, {f.by, *metric, window->first, window->second});
  if (!lines) return std::unexpected(lines.error());
  Format format = ctx.format();
  Table t;
  std::string key_column = f.by.starts_with("tag:") ? f.by.substr(4) : f.by;
  t.columns = {key_column, "currency", "cost", "share", "rows"};
  for (const auto& l : *lines)
    t.rows.push_back({Cell::str(l.key.empty() ? "(unallocated)" : l.key), Cell::str(l.currency),
                      money_cell(l.cost, format), share_cell(l.share, format), int_cell(l.rows)});
  if (format == Format::table)
    fmt::print("{} cost by {}, charges from {} .. {}\n", f.metric, f.by, format_utc(window->first), format_utc(window->second));
  print_table(stdout, t, format);
  if (lines->empty()) {
    explain_no_charges(**store, window->first, window->second);
  } else if (f.by == "team" || f.by == "project" || f.by == "user" || f.by == "model" || f.by == "dataset") {
    for (const auto& l : *lines)
      if (l.key.empty() && l.share > 0) explain_unallocated(**store, f.by, l.share);
  }
  return k_exit_ok;
}

}  // namespace

void add_bill_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<BillFlags>();
  auto* bill = app.add_subcommand("bill", "cloud bills: import FOCUS, AWS CUR, Azure, GCP and OCI exports");
  bill->require_subcommand(1);
  auto* import_cmd = bill->add_subcommand(
      "import", "import bill files (CSV, .csv.gz, .csv.zst, .csv.zip; the format is detected from the header), or walk an export "
                "folder or s3://bucket/prefix/ (AWS CUR 1.0, Data Exports, Azure exports) importing what is new or changed");
  import_cmd->add_option("files", flags->files, "bill files, export folders or s3:// prefixes")
      ->required()
      ->check([](const std::string& v) -> std::string {
        if (v.starts_with("s3://") || std::filesystem::exists(v)) return "";
        return "no such file or folder: " + v;
      });
  std::string bill_formats = fmt::format("{}", fmt::join(billing::known_formats(), ", "));
  import_cmd->add_option("--bill-format", flags->format, "the bill's format, when detection is not wanted: " + bill_formats);
  // --format is the output format here as everywhere (table, csv, json). A bill format name given
  // to it still forces the bill's format, as it did before --bill-format existed.
  import_cmd
      ->add_option("--format", flags->format_given,
                   "output: table, csv or json (a bill format name forces the bill's format, as --bill-format does)")
      ->check([bill_formats](const std::string& v) -> std::string {
        if (v == "table" || v == "csv" || v == "json") return "";
        for (const auto& known : billing::known_formats())
          if (v == known) return "";
        return fmt::format("'{}' is neither an output format (table, csv, json) nor a bill format ({})", v, bill_formats);
      });
  import_cmd->add_flag("--skip-bad-rows", flags->skip_bad_rows, "import the good rows and report each bad one");
  import_cmd
      ->add_option("--cost-view", flags->cost_view,
                   "Azure: which view of the month the file is, actual or amortized (default: amortized when "
                   "the file's name says so); the two views of a month merge, in either order")
      ->check(CLI::IsMember({"actual", "amortized"}));
  import_cmd->callback([&ctx, flags] {
    const std::string& v = flags->format_given;
    if (v == "table" || v == "csv" || v == "json") ctx.flags["format"] = v;
    else if (!v.empty()) flags->format = v;
    ctx.action = [&ctx, flags] { return import(ctx, *flags); };
  });
  auto* imports_cmd = bill->add_subcommand("imports", "what was imported: file, format, period, rows, totals");
  imports_cmd->callback([&ctx] { ctx.action = [&ctx] { return imports(ctx); }; });
  add_bill_map_and_reconcile(*bill, ctx);

  auto* costs_cmd = app.add_subcommand("costs", "billed cost by service, region, provider, account, team, ... or tag:KEY");
  costs_cmd->add_option("--by", flags->by, "service|region|provider|account|team|project|user|model|dataset|tag:KEY")->capture_default_str();
  costs_cmd->add_option("--metric", flags->metric, "billed|effective|list")->capture_default_str();
  costs_cmd->add_option("--since", flags->since, "charges from: a duration back (30d) or a date (2024-09-01)")->capture_default_str();
  costs_cmd->add_option("--until", flags->until, "charges until (exclusive); default now");
  costs_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return costs(ctx, *flags); }; });
}

}  // namespace frugal::cli

namespace frugal::cli {
namespace {

struct MapFlags {
  std::map<std::string, std::string> keys;  // dimension → comma-separated tag keys
};

Result<int> map_tags(Context& ctx, const MapFlags& f) {
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  if (!f.keys.empty()) {
    billing::TagMap changes;
    for (const auto& [dimension, list] : f.keys) {
      std::vector<std::string> keys;
      std::size_t start = 0;
      for (;;) {
        auto comma = list.find(',', start);
        keys.push_back(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      changes.push_back({dimension, keys});
    }
    auto changed = billing::set_tag_map(**store, changes);
    if (!changed) return std::unexpected(changed.error());
    fmt::print("re-allocated {} charge rows\n", *changed);
  }
  auto map = billing::tag_map(**store);
  if (!map) return std::unexpected(map.error());
  Table t;
  t.columns = {"dimension", "tag_keys"};
  for (const auto& [dimension, keys] : *map) t.rows.push_back({Cell::str(dimension), Cell::str(fmt::format("{}", fmt::join(keys, ",")))});
  print_table(stdout, t, ctx.format());
  return k_exit_ok;
}

Result<int> reconcile(Context& ctx) {
  auto store = ctx.open_store(store::Access::read_write);
  if (!store) return std::unexpected(store.error());
  auto r = billing::reconcile(**store, ctx.clock.now());
  if (!r) return std::unexpected(r.error());
  Format format = ctx.format();
  Table instances;
  instances.columns = {"instance", "currency", "charges", "billed", "allocated", "idle"};
  for (const auto& i : r->instances)
    instances.rows.push_back({Cell::str(i.resource_id), Cell::str(i.currency), int_cell(i.charges), money_cell(i.billed, format),
                              money_cell(i.allocated, format), money_cell(i.idle, format)});
  Table runs;
  runs.columns = {"run", "name", "estimate_usd", "billed", "gap"};
  for (const auto& run : r->runs)
    runs.rows.push_back({int_cell(run.run_id), Cell::str(run.name),
                         run.estimate ? money_cell(*run.estimate, format) : Cell::null(), money_cell(run.billed, format),
                         run.estimate ? money_cell(run.billed - *run.estimate, format) : Cell::null()});
  if (format == Format::json) {
    print_sections_json(stdout, {{"instances", instances}, {"runs", runs}});
    return k_exit_ok;
  }
  if (format == Format::table) fmt::print("== instances: billed, split over runs by GPU-seconds, idle ==\n");
  print_table(stdout, instances, format);
  fmt::print("{}", format == Format::table ? "\n== runs: estimate against billed ==\n" : "\n");
  print_table(stdout, runs, format);
  if (r->runs.empty())
    explain_empty(r->instances.empty() ? "no charge is for an instance a run names" : "no run names one of these instances",
                  "record runs with `frugal run --instance-id ID -- COMMAND` (the id the bill's ResourceId holds, "
                  "e.g. i-0abc…), import the bill, then reconcile again");
  return k_exit_ok;
}

}  // namespace

void add_bill_map_and_reconcile(CLI::App& bill, Context& ctx) {
  auto flags = std::make_shared<MapFlags>();
  auto* map_cmd = bill.add_subcommand("map", "which tag keys allocate charges to teams, projects, users, models, datasets");
  for (const char* dimension : {"team", "project", "user", "model", "dataset"}) {
    std::string flag = fmt::format("--{}-tag", dimension);
    map_cmd->add_option_function<std::string>(
        flag, [flags, d = std::string(dimension)](const std::string& v) { flags->keys[d] = v; },
        fmt::format("tag keys for the {}, best first, comma-separated (e.g. {},{}{})", dimension, dimension,
                    static_cast<char>(std::toupper(static_cast<unsigned char>(dimension[0]))), dimension + 1));
  }
  map_cmd->callback([&ctx, flags] { ctx.action = [&ctx, flags] { return map_tags(ctx, *flags); }; });
  auto* reconcile_cmd = bill.add_subcommand("reconcile", "split instance charges over the runs on them; show idle cost");
  reconcile_cmd->callback([&ctx] { ctx.action = [&ctx] { return reconcile(ctx); }; });
}

}  // namespace frugal::cli
