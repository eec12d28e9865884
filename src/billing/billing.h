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
#include <memory>
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
  // Called now and then with (bytes of the file as stored read, rows stored), for a progress line.
  std::function<void(std::size_t, std::size_t)> on_progress;
  // What imports.file records: "" = the path. An S3 walk imports a download and records its URL.
  std::string source;
  // The S3 object's ETag (imports.source_etag), so that a later walk knows it unchanged.
  std::string source_etag;
  // Earlier imports whose rows this one keeps though they state the same periods: the other
  // files of the same export version (a period's rows are split over several files).
  std::vector<std::int64_t> keep_imports;
  // Azure's two views of a month's spend: "actual" (billed: purchases when bought, covered usage at
  // 0) or "amortized" (purchases spread over the usage they covered). "" = "amortized" when the
  // file's name says so (Azure names exports "…AmortizedCost…"), else "actual"; a file taken as
  // actual that holds amortized rows is refused. Stored views of one period merge (merge_views in
  // charge_writer.h): the result does not depend on their order. Other formats ignore it.
  std::string cost_view;
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
  std::string cost_view;              // "actual" or "amortized" for an Azure export, else ""
  std::string merged;                 // what joining it with the other view did, for people; "" if nothing
};

Result<ImportResult> import_bill(store::Store& store, const std::string& path, const ImportOptions& options,
                                 TimePoint now);

// The formats import_bill knows, for messages and --format.
std::vector<std::string> known_formats();

// ---- Export trees: a folder or an S3 prefix (frugal bill import DIR | s3://bucket/prefix/) ------
//
// import_export walks what a cloud delivers (AWS CUR 1.0, AWS Data Exports for CUR 2.0 and FOCUS,
// Azure cost exports: the layouts in export_layout.h), takes the newest version of each billing
// period, and imports each of its files with import_bill, one transaction per file, only when new
// or changed: a local file is known by the SHA-256 of its bytes as stored (compressed, when it
// is), an S3 object by its ETag. The files of one version keep each other's rows and together
// replace the period's rows of earlier versions. Idempotent; a walk killed half-way left only
// whole files behind, and running it again imports the rest.

struct ExportObject {
  std::string key;          // relative to the root, '/'-separated
  std::uint64_t bytes = 0;  // as stored
  std::string modified;     // UTC, when known ("" otherwise): orders versions no manifest orders
};

// What recognises an object as stored: one of the two.
struct ExportFingerprint {
  std::string sha256;  // a local file's bytes
  std::string etag;    // an S3 object's ETag
  std::uint64_t bytes = 0;  // its size as stored, when the listing did not say (0: as listed)
};

// Where the tree lies. Not thread-safe.
class ExportSource {
 public:
  virtual ~ExportSource() = default;
  virtual Result<std::vector<ExportObject>> list() = 0;            // every object under the root
  virtual Result<std::string> read_text(const std::string& key) = 0;  // a manifest, whole
  virtual std::string name_of(const std::string& key) const = 0;      // what imports.file records
  virtual Result<ExportFingerprint> fingerprint(const ExportObject& object) = 0;
  // A local file with the object's bytes for import_bill (the file itself, or a download), and
  // that file handed back once imported.
  virtual Result<std::string> fetch(const ExportObject& object) = 0;
  virtual void release(const std::string& local_path) { (void)local_path; }
};

// A local folder; file names are recorded as DIR/KEY.
std::unique_ptr<ExportSource> folder_source(const std::string& dir);

struct ExportFileResult {
  enum class Outcome { imported, unchanged };
  std::string file;  // as recorded
  Outcome outcome = Outcome::imported;
  ImportResult import;  // when imported
  std::int64_t unchanged_as = 0;  // when unchanged: the import that holds it
};

struct ExportImportResult {
  std::vector<std::string> versions;    // each (export, period) version taken, described
  std::vector<ExportFileResult> files;  // in the order walked
  std::vector<std::string> superseded;  // data files not imported: older versions, no current manifest
  std::vector<std::string> missing;     // files a current manifest lists that are not there (not imported)
};

// Where a walk is, before each file it imports (not for unchanged ones).
struct ExportProgress {
  std::size_t file_number = 0, files = 0;  // 1-based, of those to import
  std::uint64_t bytes_before = 0, bytes_total = 0;  // as stored, of those to import
  std::string file;
  std::uint64_t bytes = 0;
};

struct ExportImportOptions {
  ImportOptions import;  // format, skip_bad_rows, and on_progress within each file
  std::function<void(const ExportProgress&)> on_file;
};

Result<ExportImportResult> import_export(store::Store& store, ExportSource& source, const ExportImportOptions& options,
                                         TimePoint now);

struct ImportRecord {
  std::int64_t id = 0;
  std::string file, format, imported_at, billing_period_start, billing_period_end;
  std::int64_t rows = 0, skipped_rows = 0, replaced_rows = 0, live_rows = 0;
  Money billed;  // total BilledCost of the import (all currencies)
};

Result<std::vector<ImportRecord>> list_imports(store::Store& store);

// The days the imported bills cover (imports with rows still live), for an empty window's
// explanation: the first day, the last day, and the day after it (an exclusive --until). None
// when no bill is imported.
struct BillSpan {
  std::string first_day, last_day, end_day;  // "YYYY-MM-DD"
};
Result<std::optional<BillSpan>> bill_span(store::Store& store);

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
