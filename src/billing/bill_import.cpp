#include <fmt/format.h>

#include "billing/bill_format.h"
#include "billing/billing.h"
#include "billing/charge_writer.h"
#include "billing/file_hash.h"
#include "core/csv_reader.h"
#include "util/strings.h"

namespace frugal::billing {
namespace {

constexpr std::size_t k_progress_every = 65'536;

Result<std::unique_ptr<BillFormat>> choose_format(const HeaderIndex& header, const std::string& wanted,
                                                  const std::string& file) {
  auto formats = make_formats();
  for (auto& f : formats) {
    if (!wanted.empty() ? f->name() == wanted : f->matches(header)) return std::move(f);
  }
  std::string known = util::join(known_formats(), ", ");
  if (!wanted.empty()) return fail(ErrorCode::invalid, fmt::format("--format {}: unknown (known: {})", wanted, known));
  std::string seen;
  for (std::size_t i = 0; i < header.names().size() && i < 12; ++i) seen += (i ? ", " : "") + header.names()[i];
  if (header.names().size() > 12) seen += fmt::format(", ... ({} columns)", header.names().size());
  return fail(ErrorCode::invalid,
              fmt::format("{}:1: unknown bill format. Columns seen: {}. Known formats: {} (force one with --format)",
                          file, seen, known));
}

// Has an import of this exact content still got rows in the store?
Result<std::int64_t> live_import_with_hash(store::Store& store, const std::string& hash) {
  std::vector<store::Value> p = {hash};
  auto r = FRUGAL_TRY(store.query(
      "SELECT id FROM imports WHERE file_sha256 = ? AND live_rows > 0 ORDER BY id DESC LIMIT 1",
      p));
  return r.rows.empty() ? 0 : store::as_int(r.rows[0][0]);
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
  result.file = path;
  std::string hash = FRUGAL_TRY(sha256_file(path));
  CsvReader reader = FRUGAL_TRY(CsvReader::open(path));
  if (!FRUGAL_TRY(reader.next())) return fail(ErrorCode::invalid, fmt::format("{}: empty file (no header)", path));
  std::vector<std::string_view> header_fields = reader.fields();
  std::vector<std::string> header_copy(header_fields.begin(), header_fields.end());
  std::vector<std::string_view> header_views(header_copy.begin(), header_copy.end());
  HeaderIndex header(header_views);
  auto format = FRUGAL_TRY(choose_format(header, options.format, path));
  result.format = std::string(format->name());
  if (auto bound = format->bind(header); !bound) return std::unexpected(bound.error().wrap(path + ":1"));

  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    if (std::int64_t earlier = FRUGAL_TRY(live_import_with_hash(store, hash))) {
      result.already_imported_as = earlier;
      return {};
    }
    std::vector<store::Value> meta = {path, hash, result.format, format_utc(now)};
    auto inserted = FRUGAL_TRY(store.query(
        "INSERT INTO imports (file, file_sha256, format, imported_at, rows) VALUES (?, ?, ?, ?, 0) RETURNING id", meta));
    result.import_id = store::as_int(inserted.rows.at(0).at(0));
    auto writer = FRUGAL_TRY(ChargeWriter::open(store, result.import_id));
    ChargeRow row;
    std::size_t width = header_copy.size();
    for (;;) {
      auto more = reader.next();
      if (!more) return std::unexpected(more.error());
      if (!*more) break;
      const auto& fields = reader.fields();
      if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
      Result<void> written;
      if (fields.size() != width) {
        written = fail(ErrorCode::invalid, fmt::format("{} fields, the header has {}", fields.size(), width));
      } else {
        row.clear();
        written = format->map(fields, row);
        if (written) written = writer->write(row, reader.line());
      }
      if (!written) {
        std::string message = reader.where() + written.error().message;
        if (options.skip_bad_rows == SkipBadRows::no) return fail(ErrorCode::invalid, message);
        result.skipped.push_back(std::move(message));
        continue;
      }
      if (options.on_progress && writer->rows() % k_progress_every == 0) options.on_progress(reader.bytes_read(), static_cast<std::size_t>(writer->rows()));
    }
    FRUGAL_CHECK(writer->finish());
    result.rows = writer->rows();
    result.replaced_rows = writer->replaced_rows();
    Money billed_total;
    auto totals_insert = FRUGAL_TRY(store.prepare(
        "INSERT INTO import_totals (import_id, provider_name, billing_account_id, billing_period_start, billing_currency, "
        "rows, billed_cost_nanos, billed_cost_attos, effective_cost_nanos, effective_cost_attos, list_cost_nanos, "
        "list_cost_attos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    for (const auto& [key, sums] : writer->totals()) {
      const auto& [provider, account, period, currency] = key;
      std::vector<store::Value> p = {result.import_id, provider, account, period, currency, sums.rows,
                                     sums.billed.nanos(), sums.billed.sub_nano_attos(), sums.effective.nanos(),
                                     sums.effective.sub_nano_attos(), sums.list.nanos(), sums.list.sub_nano_attos()};
      FRUGAL_CHECK(totals_insert->execute(p));
      result.totals.push_back({provider, account, period, currency, sums.rows, sums.billed, sums.effective, sums.list});
      billed_total += sums.billed;
    }
    std::vector<store::Value> done = {result.rows, result.rows, static_cast<std::int64_t>(result.skipped.size()),
                                      writer->earliest_period(), writer->latest_period_end(), result.replaced_rows,
                                      billed_total.nanos(), billed_total.sub_nano_attos(), result.import_id};
    FRUGAL_CHECK(store.execute(
        "UPDATE imports SET rows = ?, live_rows = ?, skipped_rows = ?, billing_period_start = ?, billing_period_end = ?, "
        "replaced_rows = ?, billed_cost_nanos = ?, billed_cost_attos = ? WHERE id = ?",
        done));
    return {};
  }));
  return result;
}

}  // namespace frugal::billing
