#include <algorithm>
#include <fmt/format.h>
#include <map>

#include "billing/billing.h"
#include "billing/charge_dimensions.h"
#include "billing/charge_writer.h"

namespace frugal::billing {
namespace {

using std::chrono::days;
using std::chrono::floor;

std::string_view metric_column(CostMetric m) {
  switch (m) {
    case CostMetric::billed: return "billed_cost";
    case CostMetric::effective: return "effective_cost";
    case CostMetric::list: return "list_cost";
  }
  return "billed_cost";
}

// JSON path of a tag key, quoted so keys with dots or slashes (kubernetes.io/team) work.
// A tag's value in SQL, and the parameter that names the tag: SQLite's json_extract reads a JSON
// path ($."key"); PostgreSQL's jsonb ->> reads the key itself.
std::pair<std::string, store::Value> tag_lookup(const store::Store& store, std::string_view key) {
  if (store.dialect() == "postgresql") return {"(tags::jsonb ->> ?)", std::string(key)};
  std::string path = "$.\"";
  for (char c : key) {
    if (c == '"' || c == '\\') path.push_back('\\');
    path.push_back(c);
  }
  return {"json_extract(tags, ?)", path + "\""};
}

}  // namespace

Result<CostMetric> parse_cost_metric(std::string_view name) {
  if (name == "billed") return CostMetric::billed;
  if (name == "effective") return CostMetric::effective;
  if (name == "list") return CostMetric::list;
  return fail(ErrorCode::invalid, fmt::format("--metric '{}': expected billed, effective or list", name));
}

Result<std::vector<CostLine>> costs(store::Store& store, const CostQuery& query) {
  std::string_view column = metric_column(query.metric);
  std::string sql;
  std::vector<store::Value> params;
  if (query.by.starts_with("tag:")) {
    std::string key = query.by.substr(4);
    if (key.empty()) return fail(ErrorCode::invalid, "--by tag:KEY needs a key, e.g. --by tag:team");
    // Tags are free-form: no rollup can hold every key, so this reads the rows of the window.
    auto [tag, name] = tag_lookup(store, key);
    sql = fmt::format(
        "SELECT coalesce({1}, ''), billing_currency, count(*), sum({0}_nanos), sum({0}_attos), sum({0}_sub_attos) "
        "FROM charges WHERE charge_period_start >= ? AND charge_period_start < ? GROUP BY 1, 2",
        column, tag);
    params = {name, format_utc(query.since), format_utc(query.until)};
  } else {
    auto expression = dimension_expression(query.by);
    if (!expression)
      return fail(ErrorCode::invalid, fmt::format("--by '{}': expected service, region, provider, account, team, "
                                                  "project, user, model, dataset or tag:KEY", query.by));
    // Whole days from the rollups, the partial days at either end from the charges themselves.
    TimePoint first_day = TimePoint{floor<days>(query.since)};
    if (first_day < query.since) first_day += days(1);
    TimePoint end_day = TimePoint{floor<days>(query.until)};
    if (end_day <= first_day) first_day = end_day = query.until;
    sql = fmt::format(
        "SELECT key, currency, sum(rows), sum(nanos), sum(attos), sum(sub_attos) FROM ("
        "SELECT key, billing_currency AS currency, rows, {0}_nanos AS nanos, {0}_attos AS attos, "
        "{0}_sub_attos AS sub_attos FROM charge_rollups WHERE dimension = ? AND day >= ? AND day < ? "
        "UNION ALL "
        "SELECT {1}, billing_currency, 1, {0}_nanos, {0}_attos, {0}_sub_attos FROM charges "
        "WHERE (charge_period_start >= ? AND charge_period_start < ?) OR (charge_period_start >= ? AND charge_period_start < ?)"
        ") AS recent GROUP BY key, currency",
        column, *expression);
    params = {query.by, format_utc(first_day).substr(0, 10), format_utc(end_day).substr(0, 10),
              format_utc(query.since), format_utc(first_day), format_utc(end_day), format_utc(query.until)};
  }
  std::vector<CostLine> lines;
  std::map<std::string, Money> currency_totals;
  FRUGAL_CHECK(store.for_each_row(sql, params, [&](const store::Row& r) {
    CostLine line;
    line.key = store::as_text(r[0]);
    line.currency = store::as_text(r[1]);
    line.rows = store::as_int(r[2]);
    line.cost = Money::from_nanos(store::as_int(r[3]), store::as_int(r[4]), store::as_int(r[5]));
    if (line.rows == 0) return true;
    currency_totals[line.currency] += line.cost;
    lines.push_back(std::move(line));
    return true;
  }));
  for (auto& line : lines) {
    double total = currency_totals[line.currency].to_double();
    line.share = total != 0 ? line.cost.to_double() / total : 0;
  }
  std::sort(lines.begin(), lines.end(), [](const CostLine& a, const CostLine& b) {
    if (a.currency != b.currency) return a.currency < b.currency;
    if (a.cost != b.cost) return a.cost > b.cost;
    return a.key < b.key;
  });
  return lines;
}

Result<std::vector<ImportRecord>> list_imports(store::Store& store) {
  std::vector<ImportRecord> out;
  FRUGAL_CHECK(store.for_each_row(
      "SELECT i.id, i.file, i.format, i.imported_at, coalesce(i.billing_period_start, ''), "
      "coalesce(i.billing_period_end, ''), i.rows, i.skipped_rows, i.replaced_rows, "
      "i.live_rows, i.billed_cost_nanos, i.billed_cost_attos, i.billed_cost_sub_attos "
      "FROM imports i ORDER BY i.id",
      {}, [&](const store::Row& r) {
        ImportRecord rec;
        rec.id = store::as_int(r[0]);
        rec.file = store::as_text(r[1]);
        rec.format = store::as_text(r[2]);
        rec.imported_at = store::as_text(r[3]);
        rec.billing_period_start = store::as_text(r[4]);
        rec.billing_period_end = store::as_text(r[5]);
        rec.rows = store::as_int(r[6]);
        rec.skipped_rows = store::as_int(r[7]);
        rec.replaced_rows = store::as_int(r[8]);
        rec.live_rows = store::as_int(r[9]);
        rec.billed = Money::from_nanos(store::as_int(r[10]), store::as_int(r[11]), store::as_int(r[12]));
        out.push_back(std::move(rec));
        return true;
      }));
  return out;
}

}  // namespace frugal::billing

namespace frugal::billing {

Result<std::vector<DailyCost>> daily_costs(store::Store& store, const CostQuery& query) {
  std::string_view column = metric_column(query.metric);
  std::string sql;
  std::vector<store::Value> params;
  if (query.by.starts_with("tag:")) {
    std::string key = query.by.substr(4);
    if (key.empty()) return fail(ErrorCode::invalid, "by tag:KEY needs a key, e.g. tag:team");
    auto [tag, name] = tag_lookup(store, key);
    sql = fmt::format(
        "SELECT substr(charge_period_start, 1, 10), coalesce({1}, ''), billing_currency, sum({0}_nanos), "
        "sum({0}_attos), sum({0}_sub_attos) FROM charges WHERE charge_period_start >= ? AND charge_period_start < ? GROUP BY 1, 2, 3 ORDER BY 1, 2",
        column, tag);
    params = {name, format_utc(query.since), format_utc(query.until)};
  } else {
    if (!dimension_expression(query.by))
      return fail(ErrorCode::invalid, fmt::format("by '{}': expected service, region, provider, account, team, project, "
                                                  "user, model, dataset or tag:KEY", query.by));
    // Whole days, from the rollups: a day is the unit of the chart.
    sql = fmt::format("SELECT day, key, billing_currency, sum({0}_nanos), sum({0}_attos), sum({0}_sub_attos) "
                      "FROM charge_rollups "
                      "WHERE dimension = ? AND day >= ? AND day < ? GROUP BY 1, 2, 3 ORDER BY 1, 2",
                      column);
    params = {query.by, format_utc(query.since).substr(0, 10), format_utc(query.until).substr(0, 10)};
  }
  std::vector<DailyCost> out;
  FRUGAL_CHECK(store.for_each_row(sql, params, [&](const store::Row& r) {
    out.push_back({store::as_text(r[0]), store::as_text(r[1]), store::as_text(r[2]),
                   Money::from_nanos(store::as_int(r[3]), store::as_int(r[4]), store::as_int(r[5]))});
    return true;
  }));
  return out;
}

Result<std::optional<BillSpan>> bill_span(store::Store& store) {
  std::string first, end;
  for (const auto& i : FRUGAL_TRY(list_imports(store))) {
    if (i.live_rows == 0 || i.billing_period_start.empty() || i.billing_period_end.empty()) continue;
    if (first.empty() || i.billing_period_start < first) first = i.billing_period_start;
    if (end.empty() || i.billing_period_end > end) end = i.billing_period_end;
  }
  if (first.empty()) return std::nullopt;
  auto end_time = parse_utc(end);
  if (!end_time) return std::unexpected(end_time.error().wrap("imports.billing_period_end"));
  // Periods end exclusively: the last day is the one holding the millisecond before the end.
  return BillSpan{first.substr(0, 10), format_utc(*end_time - std::chrono::milliseconds(1)).substr(0, 10),
                  end.substr(0, 10)};
}

}  // namespace frugal::billing
