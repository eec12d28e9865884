#include "billing/charge_writer.h"

#include <charconv>
#include <fmt/format.h>

#include "billing/bill_values.h"
#include "billing/charge_dimensions.h"

namespace frugal::billing {
namespace {

std::string insert_sql() {
  std::string columns = "import_id, source_line";
  std::string marks = "?, ?";
  for (const auto& s : field_specs()) {
    if (s.kind == FieldKind::money) {
      columns += fmt::format(", {0}_nanos, {0}_attos", s.column);
      marks += ", ?, ?";
    } else {
      columns += fmt::format(", {}", s.column);
      marks += ", ?";
    }
  }
  columns += ", x_team, x_project, x_user, x_model, x_dataset";
  marks += ", ?, ?, ?, ?, ?";
  return fmt::format("INSERT INTO charges ({}) VALUES ({})", columns, marks);
}

Error column_error(const FieldSpec& s, const Error& e) {
  return Error{ErrorCode::invalid, fmt::format("column {}: {}", s.focus_name, e.message)};
}

store::ValueView text_or_null(std::string_view v) {
  return v.empty() ? store::ValueView{} : store::ValueView{v};
}

// Sum of a and b where each is (nanos, attos): attos may pass 1e9 in sums; readers normalise.
void add(CostSums& into, const Money& billed, const Money& effective, const Money& list, std::int64_t rows) {
  into.rows += rows;
  into.billed += billed;
  into.effective += effective;
  into.list += list;
}

}  // namespace

Result<std::unique_ptr<ChargeWriter>> ChargeWriter::open(store::Store& store, std::int64_t import_id) {
  std::unique_ptr<ChargeWriter> w(new ChargeWriter(store, import_id));
  w->m_mapping = FRUGAL_TRY(TagMapping::load(store));
  w->m_insert = FRUGAL_TRY(store.prepare(insert_sql()));
  return w;
}

Result<void> ChargeWriter::replace_period(const std::string& provider, const std::string& account,
                                          const std::string& period) {
  std::vector<store::Value> key = {provider, account, period, m_import_id};
  constexpr std::string_view where =
      "provider_name = ? AND billing_account_id = ? AND billing_period_start = ? AND import_id != ?";
  // Take the replaced rows' share out of the rollups before they go.
  for (std::size_t d = 0; d < k_rollup_dimensions.size(); ++d) {
    std::string sql = fmt::format(
        "SELECT substr(charge_period_start, 1, 10), {}, billing_currency, count(*), sum(billed_cost_nanos), "
        "sum(billed_cost_attos), sum(effective_cost_nanos), sum(effective_cost_attos), sum(list_cost_nanos), "
        "sum(list_cost_attos) FROM charges WHERE {} GROUP BY 1, 2, 3",
        *dimension_expression(k_rollup_dimensions[d]), where);
    FRUGAL_CHECK(m_store.for_each_row(sql, key, [&](const store::Row& r) {
      std::string rollup_key = fmt::format("{}{}{}{}{}{}{}", k_rollup_dimensions[d], '\0', store::as_text(r[0]), '\0',
                                           store::as_text(r[1]), '\0', store::as_text(r[2]));
      CostSums& sums = m_rollups[rollup_key];
      add(sums, -Money::from_nanos(store::as_int(r[4]), store::as_int(r[5])),
          -Money::from_nanos(store::as_int(r[6]), store::as_int(r[7])),
          -Money::from_nanos(store::as_int(r[8]), store::as_int(r[9])), -store::as_int(r[3]));
      return true;
    }));
  }
  // Earlier imports lose these rows: keep their live counts true without an index on import_id.
  FRUGAL_CHECK(m_store.execute(
      fmt::format("UPDATE imports SET live_rows = live_rows - (SELECT count(*) FROM charges WHERE {} AND "
                  "charges.import_id = imports.id) WHERE id IN (SELECT DISTINCT import_id FROM charges WHERE {})",
                  where, where),
      std::vector<store::Value>{provider, account, period, m_import_id, provider, account, period, m_import_id}));
  m_replaced_rows += FRUGAL_TRY(m_store.execute(fmt::format("DELETE FROM charges WHERE {}", where), key));
  return {};
}

void ChargeWriter::add_rollups(std::string_view day, const std::array<std::string_view, 9>& keys,
                               std::string_view currency, const Money& billed, const Money& effective,
                               const Money& list, std::int64_t rows) {
  std::string key;
  for (std::size_t d = 0; d < keys.size(); ++d) {
    key.clear();
    key.append(k_rollup_dimensions[d]).push_back('\0');
    key.append(day).push_back('\0');
    key.append(keys[d]).push_back('\0');
    key.append(currency);
    add(m_rollups[key], billed, effective, list, rows);
  }
}

Result<void> ChargeWriter::write(const ChargeRow& row, std::size_t source_line) {
  std::array<store::ValueView, 2 + k_field_count + 4 + 5> params{};
  std::size_t p = 0;
  params[p++] = m_import_id;
  params[p++] = static_cast<std::int64_t>(source_line);
  std::array<Money, 4> money{};  // billed, effective, list, contracted
  std::size_t money_index = 0, scratch_index = 0;
  std::vector<std::pair<std::string, std::string>> tags;
  for (const auto& s : field_specs()) {
    std::string_view v = row[s.field];
    if (v.empty() && s.required)
      return fail(ErrorCode::invalid, fmt::format("column {}: required, but empty", s.focus_name));
    switch (s.kind) {
      case FieldKind::text:
        if (s.field == Field::charge_frequency) v = normalize_frequency(v);
        params[p++] = text_or_null(v);
        break;
      case FieldKind::money: {
        Money m;
        if (!v.empty()) {
          auto parsed = Money::parse(v);
          if (!parsed) return std::unexpected(column_error(s, parsed.error()));
          if (!parsed->fits_nanos())
            return fail(ErrorCode::invalid, fmt::format("column {}: '{}' is beyond ±9.2e9 per row", s.focus_name, v));
          m = *parsed;
        }
        money[money_index++] = m;
        if (v.empty() && s.field == Field::contracted_cost) {
          params[p++] = store::ValueView{};
          params[p++] = store::ValueView{};
        } else {
          params[p++] = m.nanos();
          params[p++] = m.sub_nano_attos();
        }
        break;
      }
      case FieldKind::unit_price:
        if (!v.empty()) {
          if (auto parsed = Money::parse(v); !parsed) return std::unexpected(column_error(s, parsed.error()));
        }
        params[p++] = text_or_null(v);
        break;
      case FieldKind::quantity: {
        if (v.empty()) {
          params[p++] = store::ValueView{};
          break;
        }
        double q = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), q);
        if (ec != std::errc() || ptr != v.data() + v.size())
          return fail(ErrorCode::invalid, fmt::format("column {}: '{}' is not a number", s.focus_name, v));
        params[p++] = q;
        break;
      }
      case FieldKind::time: {
        auto t = parse_bill_time(v);
        if (!t) return std::unexpected(column_error(s, t.error()));
        std::string& text = m_scratch[scratch_index++];
        text = format_utc(*t);
        params[p++] = std::string_view(text);
        break;
      }
      case FieldKind::tags:
        if (!v.empty()) {
          auto parsed = parse_tags(v);
          if (!parsed) return std::unexpected(column_error(s, parsed.error()));
          tags = std::move(*parsed);
        }
        params[p++] = text_or_null(v);
        break;
    }
  }
  std::array<std::string_view, 5> allocated = m_mapping.allocate(tags);
  for (auto a : allocated) params[p++] = text_or_null(a);

  // Times and the account come before the first money column, so their parameter is 2 + field.
  static_assert(Field::charge_period_start < Field::billed_cost && Field::billing_account_id < Field::billed_cost);
  std::string_view provider = row[Field::provider_name], account = row[Field::billing_account_id];
  std::string_view period = std::get<std::string_view>(params[2 + static_cast<std::size_t>(Field::billing_period_start)]);
  std::string_view period_end = std::get<std::string_view>(params[2 + static_cast<std::size_t>(Field::billing_period_end)]);
  std::string_view charge_start = std::get<std::string_view>(params[2 + static_cast<std::size_t>(Field::charge_period_start)]);
  std::string_view currency = row[Field::billing_currency];
  // A file restating a billing period replaces what earlier imports said about it.
  auto period_key = std::make_tuple(std::string(provider), std::string(account), std::string(period));
  if (!m_periods_seen.contains(period_key)) {
    FRUGAL_CHECK(replace_period(std::get<0>(period_key), std::get<1>(period_key), std::get<2>(period_key)));
    m_periods_seen[period_key] = true;
  }
  // The account column is NOT NULL: a bill without one is keyed by ''.
  if (account.empty()) params[2 + static_cast<std::size_t>(Field::billing_account_id)] = std::string_view("");
  FRUGAL_CHECK(m_insert->execute_views(params));
  ++m_rows;
  if (m_earliest_period.empty() || period < m_earliest_period) m_earliest_period = period;
  if (period_end > m_latest_period_end) m_latest_period_end = period_end;
  add(m_totals[{std::get<0>(period_key), std::get<1>(period_key), std::get<2>(period_key), std::string(currency)}],
      money[0], money[1], money[2], 1);
  std::string_view region = row[Field::region_id].empty() ? row[Field::region_name] : row[Field::region_id];
  std::string_view sub_account = row[Field::sub_account_id].empty() ? account : row[Field::sub_account_id];
  add_rollups(charge_start.substr(0, 10),
              {row[Field::service_name], region, provider, sub_account, allocated[0], allocated[1], allocated[2],
               allocated[3], allocated[4]},
              currency, money[0], money[1], money[2], 1);
  return {};
}

Result<void> ChargeWriter::finish() {
  auto upsert = FRUGAL_TRY(m_store.prepare(
      "INSERT INTO charge_rollups (dimension, day, key, billing_currency, rows, billed_cost_nanos, billed_cost_attos, "
      "effective_cost_nanos, effective_cost_attos, list_cost_nanos, list_cost_attos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (dimension, day, key, billing_currency) DO UPDATE SET rows = rows + excluded.rows, "
      "billed_cost_nanos = billed_cost_nanos + excluded.billed_cost_nanos, "
      "billed_cost_attos = billed_cost_attos + excluded.billed_cost_attos, "
      "effective_cost_nanos = effective_cost_nanos + excluded.effective_cost_nanos, "
      "effective_cost_attos = effective_cost_attos + excluded.effective_cost_attos, "
      "list_cost_nanos = list_cost_nanos + excluded.list_cost_nanos, "
      "list_cost_attos = list_cost_attos + excluded.list_cost_attos"));
  for (const auto& [key, sums] : m_rollups) {
    std::array<std::string_view, 4> parts{};
    std::size_t start = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      std::size_t end = i < 3 ? key.find('\0', start) : key.size();
      parts[i] = std::string_view(key).substr(start, end - start);
      start = end + 1;
    }
    std::array<store::ValueView, 11> p = {parts[0], parts[1], parts[2], parts[3], sums.rows,
                                          sums.billed.nanos(), sums.billed.sub_nano_attos(),
                                          sums.effective.nanos(), sums.effective.sub_nano_attos(),
                                          sums.list.nanos(), sums.list.sub_nano_attos()};
    FRUGAL_CHECK(upsert->execute_views(p));
  }
  // Rollups emptied by a replacement would only clutter reads.
  FRUGAL_CHECK(m_store.execute("DELETE FROM charge_rollups WHERE rows = 0"));
  return {};
}

}  // namespace frugal::billing
