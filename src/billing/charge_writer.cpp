#include "billing/charge_writer.h"

#include <cassert>
#include <charconv>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "billing/bill_values.h"
#include "billing/charge_dimensions.h"

namespace frugal::billing {
namespace {

std::string insert_sql() {
  std::string columns = "import_id, source_line";
  std::string marks = "?, ?";
  for (const auto& s : field_specs()) {
    if (s.kind == FieldKind::money) {
      columns += fmt::format(", {0}_nanos, {0}_attos, {0}_sub_attos", s.column);
      marks += ", ?, ?, ?";
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

// Sum of a and b where each is (nanos, attos): attos may pass 1e9 in sums; readers normalise.
void add(CostSums& into, const Money& billed, const Money& effective, const Money& list, std::int64_t rows) {
  into.rows += rows;
  into.billed += billed;
  into.effective += effective;
  into.list += list;
}

}  // namespace

Result<std::unique_ptr<ChargeWriter>> ChargeWriter::open(store::Store& store, std::int64_t import_id,
                                                        std::vector<std::int64_t> keep, std::string cost_view) {
  std::unique_ptr<ChargeWriter> w(new ChargeWriter(store, import_id, std::move(keep), std::move(cost_view)));
  w->m_mapping = FRUGAL_TRY(TagMapping::load(store));
  w->m_insert = FRUGAL_TRY(store.prepare(insert_sql()));
  return w;
}

Result<void> ChargeWriter::replace_period(const std::string& provider, const std::string& account,
                                          const std::string& period) {
  // Earlier imports that carried this period (import_totals) narrow the rows through charges_import.
  std::vector<store::Value> key = {provider, account, period, provider, account, period, m_import_id};
  std::string where =
      "import_id IN (SELECT import_id FROM import_totals WHERE provider_name = ? AND billing_account_id = ? AND "
      "billing_period_start = ?) AND provider_name = ? AND billing_account_id = ? AND billing_period_start = ? "
      "AND import_id != ?";
  if (!m_keep.empty()) where += fmt::format(" AND import_id NOT IN ({})", fmt::join(m_keep, ", "));
  // One view of a two-view spend restates only its own view: merge_views() joins the other.
  if (!m_cost_view.empty()) {
    where += " AND import_id NOT IN (SELECT id FROM imports WHERE cost_view IS NOT NULL AND cost_view <> ?)";
    key.push_back(m_cost_view);
  }
  m_replaced_rows += FRUGAL_TRY(remove_rows(where, key));
  return {};
}

Result<std::int64_t> ChargeWriter::remove_rows(const std::string& where, const std::vector<store::Value>& key) {
  // Take the rows' share out of the rollups before they go.
  for (std::size_t d = 0; d < k_rollup_dimensions.size(); ++d) {
    std::string sql = fmt::format(
        "SELECT substr(charge_period_start, 1, 10), {}, billing_currency, count(*), sum(billed_cost_nanos), "
        "sum(billed_cost_attos), sum(effective_cost_nanos), sum(effective_cost_attos), sum(list_cost_nanos), "
        "sum(list_cost_attos), sum(billed_cost_sub_attos), sum(effective_cost_sub_attos), sum(list_cost_sub_attos) "
        "FROM charges WHERE {} GROUP BY 1, 2, 3",
        *dimension_expression(k_rollup_dimensions[d]), where);
    FRUGAL_CHECK(m_store.for_each_row(sql, key, [&](const store::Row& r) {
      std::string rollup_key = fmt::format("{}{}{}{}{}{}{}", k_rollup_dimensions[d], '\0', store::as_text(r[0]), '\0',
                                           store::as_text(r[1]), '\0', store::as_text(r[2]));
      CostSums& sums = m_rollups[rollup_key];
      add(sums, -Money::from_nanos(store::as_int(r[4]), store::as_int(r[5]), store::as_int(r[10])),
          -Money::from_nanos(store::as_int(r[6]), store::as_int(r[7]), store::as_int(r[11])),
          -Money::from_nanos(store::as_int(r[8]), store::as_int(r[9]), store::as_int(r[12])), -store::as_int(r[3]));
      return true;
    }));
  }
  // Their imports lose these rows: keep their live counts true without an index on import_id.
  FRUGAL_CHECK(m_store.execute(
      fmt::format("UPDATE imports SET live_rows = live_rows - (SELECT count(*) FROM charges WHERE {} AND "
                  "charges.import_id = imports.id) WHERE id IN (SELECT DISTINCT import_id FROM charges WHERE {})",
                  where, where),
      [&] {
        std::vector<store::Value> twice = key;
        twice.insert(twice.end(), key.begin(), key.end());
        return twice;
      }()));
  return m_store.execute(fmt::format("DELETE FROM charges WHERE {}", where), key);
}

Result<void> ChargeWriter::zero_effective(const std::string& where, const std::vector<store::Value>& key) {
  for (std::size_t d = 0; d < k_rollup_dimensions.size(); ++d) {
    std::string sql = fmt::format(
        "SELECT substr(charge_period_start, 1, 10), {}, billing_currency, sum(effective_cost_nanos), "
        "sum(effective_cost_attos), sum(effective_cost_sub_attos) FROM charges WHERE {} GROUP BY 1, 2, 3",
        *dimension_expression(k_rollup_dimensions[d]), where);
    FRUGAL_CHECK(m_store.for_each_row(sql, key, [&](const store::Row& r) {
      std::string rollup_key = fmt::format("{}{}{}{}{}{}{}", k_rollup_dimensions[d], '\0', store::as_text(r[0]), '\0',
                                           store::as_text(r[1]), '\0', store::as_text(r[2]));
      add(m_rollups[rollup_key], Money(),
          -Money::from_nanos(store::as_int(r[3]), store::as_int(r[4]), store::as_int(r[5])), Money(), 0);
      return true;
    }));
  }
  FRUGAL_CHECK(m_store.execute(
      fmt::format("UPDATE charges SET effective_cost_nanos = 0, effective_cost_attos = 0, effective_cost_sub_attos = 0 "
                  "WHERE {}",
                  where),
      key));
  return {};
}

Result<std::string> ChargeWriter::merge_views() {
  if (m_cost_view.empty()) return std::string();
  const std::string other = m_cost_view == "actual" ? "amortized" : "actual";
  // A commitment's purchase or refund: the actual view bills it, the amortized view spreads it
  // over the usage it covered.
  const std::string commitment_purchase =
      "(coalesce(charge_category, '') IN ('Purchase', 'Credit') AND coalesce(pricing_category, '') = 'Committed')";
  std::string said;
  for (const auto& group : m_periods_seen) {
    std::size_t a = group.find('\0'), b = group.find('\0', a + 1);
    std::string provider = group.substr(0, a), account = group.substr(a + 1, b - a - 1), period = group.substr(b + 1);
    auto of_view = [&](const std::string& view) {
      return std::pair{std::string("provider_name = ? AND billing_account_id = ? AND billing_period_start = ? AND "
                                   "import_id IN (SELECT id FROM imports WHERE cost_view = ?)"),
                       std::vector<store::Value>{provider, account, period, view}};
    };
    auto [other_rows, other_key] = of_view(other);
    auto stored = FRUGAL_TRY(m_store.query(fmt::format("SELECT count(*) FROM charges WHERE {}", other_rows), other_key));
    if (store::as_int(stored.rows.at(0).at(0)) == 0) continue;
    auto [actual, actual_key] = of_view("actual");
    auto [amortized, amortized_key] = of_view("amortized");
    std::int64_t actual_usage =
        FRUGAL_TRY(remove_rows(fmt::format("{} AND NOT {}", actual, commitment_purchase), actual_key));
    std::int64_t amortized_purchases =
        FRUGAL_TRY(remove_rows(fmt::format("{} AND {}", amortized, commitment_purchase), amortized_key));
    FRUGAL_CHECK(zero_effective(fmt::format("{} AND {}", actual, commitment_purchase), actual_key));
    said += fmt::format("{}{} {} {}: merged with the {} view already stored: usage from the amortized view ({} "
                        "rows of the actual view left out), commitment purchases from the actual view ({} of the "
                        "amortized view left out)",
                        said.empty() ? "" : "\n", provider, account, period.substr(0, 10), other, actual_usage,
                        amortized_purchases);
  }
  return said;
}

void ChargeWriter::add_rollups(std::string_view day, const std::array<std::string_view, 9>& keys,
                               std::string_view currency, const Money& billed, const Money& effective,
                               const Money& list, std::int64_t rows) {
  // One lookup per row: rows sharing every key are summed together here, and spread over the nine
  // dimensions once, in finish().
  std::string& key = m_group_key;
  key.clear();
  key.append(day).push_back('\0');
  key.append(currency);
  for (auto k : keys) key.append("\0", 1).append(k);
  add(m_groups[key], billed, effective, list, rows);
}

Result<void> ChargeWriter::prepare(const ChargeRow& row, std::size_t source_line, PreparedBatch& batch) {
  const std::size_t first = batch.values.size();
  // One resize a row and plain stores after it: a push_back a value (about 60 a row, each a call)
  // was 7% of an import's CPU.
  batch.values.resize(first + k_params_per_row);
  PreparedValue* out = batch.values.data() + first;
  std::size_t n = 0;
  auto text = [&](std::string_view v) {
    if (v.empty()) {
      out[n++] = PreparedValue::null_value();
      return;
    }
    out[n++] = PreparedValue::of_text(static_cast<std::uint32_t>(batch.text.size()), static_cast<std::uint32_t>(v.size()));
    batch.text.append(v);
  };
  auto integer = [&](std::int64_t i) { out[n++] = PreparedValue::of_integer(i); };
  auto null = [&] { out[n++] = PreparedValue::null_value(); };
  // Undo what this row added if it turns out bad, so a skipped row leaves no trace in the batch.
  auto rollback = [&, text_size = batch.text.size()] {
    batch.values.resize(first);
    batch.text.resize(text_size);
  };
  integer(m_import_id);
  integer(static_cast<std::int64_t>(source_line));
  std::array<Money, 4> money{};  // billed, effective, list, contracted
  std::size_t money_index = 0, time_index = 0;
  // Reused from row to row (parse_tags_into reuses its strings): tags cost no allocation a row.
  std::vector<std::pair<std::string, std::string>>& tags = m_tags;
  for (const auto& s : field_specs()) {
    std::string_view v = row[s.field];
    Error error;
    bool bad = false;
    if (v.empty() && s.required) {
      error = Error{ErrorCode::invalid, fmt::format("column {}: required, but empty", s.focus_name)};
      bad = true;
    }
    if (!bad) switch (s.kind) {
      case FieldKind::text:
        // The account column is NOT NULL: a bill without one is keyed by ''.
        if (s.field == Field::billing_account_id && v.empty()) {
          out[n++] = PreparedValue::of_text(static_cast<std::uint32_t>(batch.text.size()), 0);
          break;
        }
        text(s.field == Field::charge_frequency ? normalize_frequency(v) : v);
        break;
      case FieldKind::money: {
        Money m;
        if (!v.empty()) {
          auto parsed = Money::parse(v);
          if (!parsed) {
            error = column_error(s, parsed.error());
            bad = true;
            break;
          }
          if (!parsed->fits_nanos()) {
            error = Error{ErrorCode::invalid, fmt::format("column {}: '{}' is beyond ±9.2e9 per row", s.focus_name, v)};
            bad = true;
            break;
          }
          m = *parsed;
        }
        money[money_index++] = m;
        if (v.empty() && s.field == Field::contracted_cost) {
          null();
          null();
          null();
        } else {
          integer(m.nanos());
          integer(m.sub_nano_attos());
          integer(m.sub_attos());
        }
        break;
      }
      case FieldKind::unit_price:
        if (!v.empty()) {
          if (auto parsed = Money::parse(v); !parsed) {
            error = column_error(s, parsed.error());
            bad = true;
            break;
          }
        }
        text(v);
        break;
      case FieldKind::quantity: {
        if (v.empty()) {
          null();
          break;
        }
        double q = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), q);
        if (ec != std::errc() || ptr != v.data() + v.size()) {
          error = Error{ErrorCode::invalid, fmt::format("column {}: '{}' is not a number", s.focus_name, v)};
          bad = true;
          break;
        }
        out[n++] = PreparedValue::of_real(q);
        break;
      }
      case FieldKind::time: {
        // The rows of a bill repeat their periods (the billing period on every row, the hour on
        // many in a row): a time is converted only when it differs from the previous row's.
        assert(time_index < m_scratch.size());  // field_specs() has four times
        std::string& iso = m_scratch[time_index];
        std::string& raw = m_time_text[time_index++];
        if (iso.empty() || v != raw) {
          auto t = parse_bill_time(v);
          if (!t) {
            error = column_error(s, t.error());
            bad = true;
            break;
          }
          iso = format_utc(*t);
          raw.assign(v);
        }
        text(iso);
        break;
      }
      case FieldKind::tags:
        if (v.empty()) {
          tags.clear();
        } else {
          if (auto parsed = parse_tags_into(v, tags); !parsed) {
            error = column_error(s, parsed.error());
            bad = true;
            break;
          }
        }
        text(v);
        break;
    }
    if (bad) {
      rollback();
      return std::unexpected(error);
    }
  }
  std::array<std::string_view, 5> allocated = m_mapping.allocate(tags);
  for (auto a : allocated) text(a);
  assert(n == k_params_per_row);

  // The times in m_scratch, in field order: billing period start and end, charge period start and end.
  static_assert(Field::billing_period_start < Field::billing_period_end &&
                Field::billing_period_end < Field::charge_period_start);
  const std::string& period = m_scratch[0];
  const std::string& period_end = m_scratch[1];
  const std::string& charge_start = m_scratch[2];
  std::string_view provider = row[Field::provider_name], account = row[Field::billing_account_id];
  std::string_view currency = row[Field::billing_currency];
  PreparedRow prepared{first, static_cast<std::uint32_t>(batch.text.size()), 0};
  batch.text.append(provider).push_back('\0');
  batch.text.append(account).push_back('\0');
  batch.text.append(period);
  prepared.group_length = static_cast<std::uint32_t>(batch.text.size() - prepared.group_offset);
  batch.rows.push_back(prepared);

  if (m_earliest_period.empty() || period < m_earliest_period) m_earliest_period = period;
  if (period_end > m_latest_period_end) m_latest_period_end = period_end;
  // Rows of one (provider, account, period, currency) mostly come together: look the totals up
  // only when the key changes.
  auto same_totals = [&](const TotalsKey& k) {
    return std::get<0>(k) == provider && std::get<1>(k) == account && std::get<2>(k) == period &&
           std::get<3>(k) == currency;
  };
  if (!m_last_totals || !same_totals(m_last_totals->first))
    m_last_totals = &*m_totals.try_emplace({std::string(provider), std::string(account), period, std::string(currency)})
                          .first;
  add(m_last_totals->second, money[0], money[1], money[2], 1);
  std::string_view region = row[Field::region_id].empty() ? row[Field::region_name] : row[Field::region_id];
  std::string_view sub_account = row[Field::sub_account_id].empty() ? account : row[Field::sub_account_id];
  add_rollups(std::string_view(charge_start).substr(0, 10),
              {row[Field::service_name], region, provider, sub_account, allocated[0], allocated[1], allocated[2],
               allocated[3], allocated[4]},
              currency, money[0], money[1], money[2], 1);
  return {};
}

Result<void> ChargeWriter::insert(const PreparedBatch& batch) {
  std::array<store::ValueView, k_params_per_row> params{};
  for (const auto& row : batch.rows) {
    std::string_view group(batch.text.data() + row.group_offset, row.group_length);
    // A file restating a billing period replaces what earlier imports said about it. Rows of one
    // period mostly come together: the set is asked only when the period changes.
    if (group != m_last_group) {
      if (!m_periods_seen.contains(group)) {
        std::size_t a = group.find('\0'), b = group.find('\0', a + 1);
        FRUGAL_CHECK(replace_period(std::string(group.substr(0, a)), std::string(group.substr(a + 1, b - a - 1)),
                                    std::string(group.substr(b + 1))));
        m_periods_seen.emplace(group);
      }
      m_last_group.assign(group);
    }
    for (std::size_t i = 0; i < k_params_per_row; ++i) {
      const PreparedValue& v = batch.values[row.first_value + i];
      switch (v.kind) {
        case PreparedValue::Kind::null: params[i] = store::ValueView{}; break;
        case PreparedValue::Kind::integer: params[i] = v.integer; break;
        case PreparedValue::Kind::real: params[i] = v.real; break;
        case PreparedValue::Kind::text:
          params[i] = std::string_view(batch.text.data() + v.text.offset, v.text.length);
          break;
      }
    }
    FRUGAL_CHECK(m_insert->execute_views(params));
    ++m_rows;
  }
  return {};
}

Result<void> ChargeWriter::finish() {
  for (const auto& [group, sums] : m_groups) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
      std::size_t end = group.find('\0', start);
      parts.push_back(std::string_view(group).substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    // parts: day, currency, then the nine keys in k_rollup_dimensions order.
    for (std::size_t d = 0; d < k_rollup_dimensions.size(); ++d) {
      std::string key = fmt::format("{}{}{}{}{}{}{}", k_rollup_dimensions[d], '\0', parts[0], '\0', parts[2 + d], '\0', parts[1]);
      add(m_rollups[key], sums.billed, sums.effective, sums.list, sums.rows);
    }
  }
  m_groups.clear();
  // Many rows a statement: one round trip per 256 rollups, not per rollup (on a server database an
  // import touches thousands of them: 0.3 s of a 200,000-row import was these round trips).
  constexpr std::size_t k_rows_per_statement = 256;
  auto upsert_sql = [](std::size_t rows) {
    std::string values;
    for (std::size_t i = 0; i < rows; ++i)
      values += i ? ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    return fmt::format(
        "INSERT INTO charge_rollups (dimension, day, key, billing_currency, rows, billed_cost_nanos, billed_cost_attos, "
        "effective_cost_nanos, effective_cost_attos, list_cost_nanos, list_cost_attos, billed_cost_sub_attos, "
        "effective_cost_sub_attos, list_cost_sub_attos) VALUES {} "
        "ON CONFLICT (dimension, day, key, billing_currency) DO UPDATE SET rows = charge_rollups.rows + excluded.rows, "
        "billed_cost_nanos = charge_rollups.billed_cost_nanos + excluded.billed_cost_nanos, "
        "billed_cost_attos = charge_rollups.billed_cost_attos + excluded.billed_cost_attos, "
        "effective_cost_nanos = charge_rollups.effective_cost_nanos + excluded.effective_cost_nanos, "
        "effective_cost_attos = charge_rollups.effective_cost_attos + excluded.effective_cost_attos, "
        "list_cost_nanos = charge_rollups.list_cost_nanos + excluded.list_cost_nanos, "
        "list_cost_attos = charge_rollups.list_cost_attos + excluded.list_cost_attos, "
        "billed_cost_sub_attos = charge_rollups.billed_cost_sub_attos + excluded.billed_cost_sub_attos, "
        "effective_cost_sub_attos = charge_rollups.effective_cost_sub_attos + excluded.effective_cost_sub_attos, "
        "list_cost_sub_attos = charge_rollups.list_cost_sub_attos + excluded.list_cost_sub_attos",
        values);
  };
  const std::string full_batch = upsert_sql(k_rows_per_statement);
  std::vector<store::Value> batch;
  constexpr std::size_t k_values_per_rollup = 14;
  batch.reserve(k_rows_per_statement * k_values_per_rollup);
  for (const auto& [key, sums] : m_rollups) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      std::size_t end = i < 3 ? key.find('\0', start) : key.size();
      batch.emplace_back(key.substr(start, end - start));
      start = end + 1;
    }
    for (std::int64_t v : {sums.rows, sums.billed.nanos(), sums.billed.sub_nano_attos(), sums.effective.nanos(),
                           sums.effective.sub_nano_attos(), sums.list.nanos(), sums.list.sub_nano_attos(),
                           sums.billed.sub_attos(), sums.effective.sub_attos(), sums.list.sub_attos()})
      batch.emplace_back(v);
    if (batch.size() == k_rows_per_statement * k_values_per_rollup) {
      FRUGAL_CHECK(m_store.execute(full_batch, batch));
      batch.clear();
    }
  }
  if (!batch.empty()) FRUGAL_CHECK(m_store.execute(upsert_sql(batch.size() / k_values_per_rollup), batch));
  // Rollups emptied by a replacement would only clutter reads.
  FRUGAL_CHECK(m_store.execute("DELETE FROM charge_rollups WHERE rows = 0"));
  return {};
}

}  // namespace frugal::billing
