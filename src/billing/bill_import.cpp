#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "billing/batch_queue.h"
#include "billing/bill_format.h"
#include "billing/billing.h"
#include "billing/charge_writer.h"
#include "billing/file_hash.h"
#include "core/csv_reader.h"
#include "util/strings.h"

namespace frugal::billing {
namespace {

// Small batches keep memory flat (a few MB in flight) while still amortising the hand-over.
constexpr std::size_t k_batch_rows = 1'024;
constexpr std::size_t k_batches_in_flight = 3;

Result<std::unique_ptr<BillFormat>> choose_format(const HeaderIndex& header, const std::string& wanted,
                                                  const std::string& file) {
  auto formats = make_formats();
  for (auto& f : formats) {
    if (!wanted.empty() ? f->name() == wanted : f->matches(header)) return std::move(f);
  }
  std::string known = util::join(known_formats(), ", ");
  if (!wanted.empty()) return fail(ErrorCode::invalid, fmt::format("--bill-format {}: unknown (known: {})", wanted, known));
  std::string seen;
  for (std::size_t i = 0; i < header.names().size() && i < 12; ++i) seen += (i ? ", " : "") + header.names()[i];
  if (header.names().size() > 12) seen += fmt::format(", ... ({} columns)", header.names().size());
  return fail(ErrorCode::invalid,
              fmt::format("{}:1: unknown bill format. Columns seen: {}. Known formats: {} (force one with --bill-format)",
                          file, seen, known));
}

// The imports that still have rows, by content hash: a file whose hash is among them was imported
// before. Read before the import starts, since the import itself may replace those rows.
Result<std::map<std::string, std::int64_t>> live_imports_by_hash(store::Store& store) {
  std::map<std::string, std::int64_t> out;
  FRUGAL_CHECK(store.for_each_row("SELECT file_sha256, max(id) FROM imports WHERE live_rows > 0 GROUP BY 1", {},
                                  [&](const store::Row& r) {
                                    out[store::as_text(r[0])] = store::as_int(r[1]);
                                    return true;
                                  }));
  return out;
}

}  // namespace

std::vector<std::string> known_formats() {
  std::vector<std::string> names;
  for (const auto& f : make_formats()) names.emplace_back(f->name());
  return names;
}

Result<ImportResult> import_bill(store::Store& store, const std::string& path, const ImportOptions& options,
                                 TimePoint now) {
  ImportResult result;
  result.file = options.source.empty() ? path : options.source;
  CsvReader reader = FRUGAL_TRY(CsvReader::open(path));
  Sha256 hash;
  reader.observe_bytes([&hash](std::string_view bytes) { hash.update(bytes); });
  if (!FRUGAL_TRY(reader.next())) return fail(ErrorCode::invalid, fmt::format("{}: empty file (no header)", path));
  std::vector<std::string_view> header_fields = reader.fields();
  std::vector<std::string> header_copy(header_fields.begin(), header_fields.end());
  std::vector<std::string_view> header_views(header_copy.begin(), header_copy.end());
  HeaderIndex header(header_views);
  auto format = FRUGAL_TRY(choose_format(header, options.format, path));
  result.format = std::string(format->name());
  if (format->has_cost_views()) {
    if (!options.cost_view.empty() && options.cost_view != "actual" && options.cost_view != "amortized")
      return fail(ErrorCode::invalid, fmt::format("--cost-view {}: unknown (known: actual, amortized)", options.cost_view));
    // The name it was exported under: an export walk's key, or a local file's own name (not the
    // folders above it, which are the user's).
    std::string named = util::to_lower(
        options.source.empty() ? std::filesystem::path(path).filename().string() : options.source);
    result.cost_view = !options.cost_view.empty()                             ? options.cost_view
                       : named.find("amortized") != std::string::npos ? "amortized"
                                                                      : "actual";
    format->set_cost_view(result.cost_view);
  }
  if (auto bound = format->bind(header); !bound) return std::unexpected(bound.error().wrap(path + ":1"));

  auto imports_before = FRUGAL_TRY(live_imports_by_hash(store));
  auto imported = store.transaction([&]() -> Result<void> {
    std::vector<store::Value> meta = {result.file, std::string(), result.format, format_utc(now), options.source_etag,
                                      result.cost_view.empty() ? store::Value() : store::Value(result.cost_view)};
    auto inserted = FRUGAL_TRY(store.query(
        "INSERT INTO imports (file, file_sha256, format, imported_at, rows, source_etag, cost_view) "
        "VALUES (?, ?, ?, ?, 0, ?, ?) RETURNING id",
        meta));
    result.import_id = store::as_int(inserted.rows.at(0).at(0));
    auto writer = FRUGAL_TRY(ChargeWriter::open(store, result.import_id, options.keep_imports, result.cost_view));
    // Two threads: this one owns the store and inserts; the parser reads, maps and converts the next
    // rows meanwhile (both halves cost about the same, so an import takes about half as long).
    BatchQueue queue(k_batches_in_flight);
    std::optional<Error> parse_error;
    std::atomic<std::size_t> bytes_read{0};
    std::thread parser([&] {
      ChargeRow row;
      const std::size_t width = header_copy.size();
      auto batch = queue.take_empty();
      for (;;) {
        if (queue.cancelled()) break;
        auto more = reader.next();
        if (!more) {
          parse_error = more.error();
          break;
        }
        if (!*more) break;
        const auto& fields = reader.fields();
        if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
        Result<void> converted;
        if (fields.size() != width) {
          converted = fail(ErrorCode::invalid, fmt::format("{} fields, the header has {}", fields.size(), width));
        } else {
          row.clear();
          converted = format->map(fields, row);
          if (converted) converted = writer->prepare(row, reader.line(), *batch);
        }
        if (!converted) {
          std::string message = reader.where() + converted.error().message;
          if (options.skip_bad_rows == SkipBadRows::no) {
            parse_error = Error{ErrorCode::invalid, message};
            break;
          }
          result.skipped.push_back(std::move(message));
          continue;
        }
        if (batch->rows.size() == k_batch_rows) {
          bytes_read = reader.stored_bytes_read();
          queue.push(std::move(batch));
          batch = queue.take_empty();
        }
      }
      if (!batch->rows.empty()) queue.push(std::move(batch));
      bytes_read = reader.stored_bytes_read();
      queue.close();
    });
    Result<void> stored;
    while (auto batch = queue.pop()) {
      if (stored) stored = writer->insert(*batch);
      if (!stored) queue.cancel();  // keep draining so the parser can finish
      else if (options.on_progress) options.on_progress(bytes_read, static_cast<std::size_t>(writer->rows()));
      queue.recycle(std::move(batch));
    }
    parser.join();
    if (parse_error) return std::unexpected(*parse_error);
    if (!stored) return std::unexpected(stored.error());
    if (std::string row = format->other_view_row(); !row.empty())
      return fail(ErrorCode::invalid,
                  fmt::format("{}: taken as the actual-cost view, but it holds amortized-cost rows ({}): import it with "
                              "--cost-view amortized (or name the file …amortized…)",
                              path, row));
    // The content hash is known once the whole file went through the parser: the same bytes
    // imported before (and still live) means this import changes nothing, so it is rolled back.
    std::string digest = hash.hex();
    if (auto earlier = imports_before.find(digest); earlier != imports_before.end()) {
      result.already_imported_as = earlier->second;
      return fail(ErrorCode::conflict, "already imported");
    }
    std::vector<store::Value> hashed = {digest, result.import_id};
    FRUGAL_CHECK(store.execute("UPDATE imports SET file_sha256 = ? WHERE id = ?", hashed));
    result.merged = FRUGAL_TRY(writer->merge_views());
    FRUGAL_CHECK(writer->finish());
    result.rows = writer->rows();
    result.replaced_rows = writer->replaced_rows();
    Money billed_total;
    auto totals_insert = FRUGAL_TRY(store.prepare(
        "INSERT INTO import_totals (import_id, provider_name, billing_account_id, billing_period_start, billing_currency, "
        "rows, billed_cost_nanos, billed_cost_attos, effective_cost_nanos, effective_cost_attos, list_cost_nanos, "
        "list_cost_attos, billed_cost_sub_attos, effective_cost_sub_attos, list_cost_sub_attos) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    for (const auto& [key, sums] : writer->totals()) {
      const auto& [provider, account, period, currency] = key;
      std::vector<store::Value> p = {result.import_id, provider, account, period, currency, sums.rows,
                                     sums.billed.nanos(), sums.billed.sub_nano_attos(), sums.effective.nanos(),
                                     sums.effective.sub_nano_attos(), sums.list.nanos(), sums.list.sub_nano_attos(),
                                     sums.billed.sub_attos(), sums.effective.sub_attos(), sums.list.sub_attos()};
      FRUGAL_CHECK(totals_insert->execute(p));
      result.totals.push_back({provider, account, period, currency, sums.rows, sums.billed, sums.effective, sums.list});
      billed_total += sums.billed;
    }
    std::vector<store::Value> done = {result.rows, result.rows, static_cast<std::int64_t>(result.skipped.size()),
                                      writer->earliest_period(), writer->latest_period_end(), result.replaced_rows,
                                      billed_total.nanos(), billed_total.sub_nano_attos(), billed_total.sub_attos(),
                                      result.import_id};
    FRUGAL_CHECK(store.execute(
        "UPDATE imports SET rows = ?, live_rows = live_rows + ?, skipped_rows = ?, billing_period_start = ?, billing_period_end = ?, "
        "replaced_rows = ?, billed_cost_nanos = ?, billed_cost_attos = ?, billed_cost_sub_attos = ? WHERE id = ?",
        done));
    return {};
  });
  if (!imported) {
    if (result.already_imported_as) {
      result.import_id = 0;
      result.rows = 0;
      result.replaced_rows = 0;
      result.totals.clear();
      result.skipped.clear();
      return result;
    }
    return std::unexpected(imported.error());
  }
  return result;
}

}  // namespace frugal::billing
