#pragma once
// Billing: real cloud bills in, exactly. Every export format (FOCUS 1.0–1.2, AWS CUR 1.0 and 2.0,
// Azure cost details / EA, GCP standard export, OCI cost reports) becomes FOCUS-shaped rows in the
// `charges` table; totals stay exact to the last digit of the source (core/money.h).
//
// An import is one transaction: a malformed row fails it with "FILE:LINE: column X: ..." and the
// store is exactly as before (unless SkipBadRows::yes). A file's rows replace the rows of the same
// (provider, billing account, billing period) from earlier imports, so restated bills never double
// count, and the same file twice is recognised by its hash and changes nothing.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/money.h"
#include "core/time.h"
#include "store/store.h"

namespace frugal::billing {

enum class SkipBadRows { no, yes };

struct ImportOptions {
  std::string format;                     // "" = detect from the header; else focus, aws_cur, aws_cur2, azure, gcp, oci
  SkipBadRows skip_bad_rows = SkipBadRows::no;
  // Called now and then with (bytes read, rows stored), for a progress line.
  std::function<void(std::size_t, std::size_t)> on_progress;
};

struct CurrencyTotals {
  std::string provider;
  std::string billing_account_id;
  std::string billing_period_start;
  std::string currency;
  std::int64_t rows = 0;
  Money billed;
  Money effective;
  Money list;
};

struct ImportResult {
  std::int64_t import_id = 0;         // 0 when the file was already imported (nothing changed)
  std::int64_t already_imported_as = 0;
  std::string file;
  std::string format;
  std::int64_t rows = 0;
  std::int64_t replaced_rows = 0;     // rows of earlier imports of the same periods, now replaced
  std::vector<std::string> skipped;   // "FILE:LINE: column X: ..." for each row skipped
  std::vector<CurrencyTotals> totals; // per provider, account, billing period and currency
};

Result<ImportResult> import_bill(store::Store& store, const std::string& path, const ImportOptions& options,
                                 TimePoint now);

// The formats import_bill knows, for messages and --format.
std::vector<std::string> known_formats();

struct ImportRecord {
  std::int64_t id = 0;
  std::string file, format, imported_at, billing_period_start, billing_period_end;
  std::int64_t rows = 0, skipped_rows = 0, replaced_rows = 0, live_rows = 0;
  Money billed;  // total BilledCost of the import (all currencies)
};

Result<std::vector<ImportRecord>> list_imports(store::Store& store);

// ---- Costs ---------------------------------------------------------------------------------

enum class CostMetric { billed, effective, list };
Result<CostMetric> parse_cost_metric(std::string_view name);

struct CostQuery {
  std::string by = "service";  // service, region, provider, account, team, project, user, model, dataset, tag:KEY
  CostMetric metric = CostMetric::billed;
  TimePoint since;             // on ChargePeriodStart, [since, until)
  TimePoint until;
};

struct CostLine {
  std::string key;        // "" = unallocated / none
  std::string currency;
  std::int64_t rows = 0;
  Money cost;
  double share = 0;       // of the currency's total
};

// Cost per key, largest first, one line per (key, currency). Unallocated rows are one line of
// their own, never dropped.
Result<std::vector<CostLine>> costs(store::Store& store, const CostQuery& query);

// Cost per UTC day and key (whole days of the window; for a dashboard's chart over time).
struct DailyCost {
  std::string day;  // 2026-11-20
  std::string key;  // "" = unallocated / none
  std::string currency;
  Money cost;
};
Result<std::vector<DailyCost>> daily_costs(store::Store& store, const CostQuery& query);

}  // namespace frugal::billing

namespace frugal::billing {

// ---- Allocation and reconciliation -----------------------------------------------------------

// The tag keys that fill x_<dimension> ("team", "project", "user", "model", "dataset"), best first.
using TagMap = std::vector<std::pair<std::string, std::vector<std::string>>>;

Result<TagMap> tag_map(store::Store& store);

// Replaces the keys of the dimensions named in `changes` (others keep theirs), then re-allocates
// every stored charge and rebuilds the allocation rollups, in one transaction.
Result<std::int64_t> set_tag_map(store::Store& store, const TagMap& changes);

struct InstanceReconciliation {
  std::string resource_id;
  std::string currency;
  std::int64_t charges = 0;
  Money billed;     // every charge of the instance in the periods its runs touched
  Money allocated;  // split over runs by GPU-seconds
  Money idle;       // billed - allocated: capacity no run used
};

struct RunReconciliation {
  std::int64_t run_id = 0;
  std::string name;
  std::optional<Money> estimate;
  Money billed;
};

struct Reconciliation {
  std::vector<InstanceReconciliation> instances;
  std::vector<RunReconciliation> runs;
};

// Splits the charges of every instance that runs recorded (runs.instance_id = charges.resource_id)
// over those runs by GPU-seconds in each charge period; what no run used is the instance's idle
// cost. Sets runs.billed_cost_nanos. Idempotent: the previous reconciliation is replaced.
Result<Reconciliation> reconcile(store::Store& store, TimePoint now);

}  // namespace frugal::billing
