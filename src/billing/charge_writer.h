#pragma once
// ChargeWriter: validates and converts normalized charges and inserts them, inside the caller's
// transaction; keeps the exact totals per (provider, account, billing period, currency) and the
// per-day rollups; and replaces earlier rows of every billing period the file restates.
// Private to billing/.
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>

#include "billing/allocation.h"
#include "billing/billing.h"
#include "billing/charge_fields.h"

namespace frugal::billing {

// Exact sums of the three costs.
struct CostSums {
  std::int64_t rows = 0;
  Money billed, effective, list;
};

class ChargeWriter {
 public:
  static Result<std::unique_ptr<ChargeWriter>> open(store::Store& store, std::int64_t import_id);

  // Validates `row` and inserts it. Errors name the column ("column BilledCost: ..."); nothing is
  // written for a row that fails.
  Result<void> write(const ChargeRow& row, std::size_t source_line);

  // Writes the rollups and totals; call once, last.
  Result<void> finish();

  std::int64_t rows() const { return m_rows; }
  std::int64_t replaced_rows() const { return m_replaced_rows; }
  const std::string& earliest_period() const { return m_earliest_period; }
  const std::string& latest_period_end() const { return m_latest_period_end; }
  // Key: provider, billing account, billing period start, currency.
  using TotalsKey = std::tuple<std::string, std::string, std::string, std::string>;
  const std::map<TotalsKey, CostSums>& totals() const { return m_totals; }

 private:
  ChargeWriter(store::Store& store, std::int64_t import_id) : m_store(store), m_import_id(import_id) {}
  Result<void> replace_period(const std::string& provider, const std::string& account, const std::string& period);
  void add_rollups(std::string_view day, const std::array<std::string_view, 9>& keys, std::string_view currency,
                   const Money& billed, const Money& effective, const Money& list, std::int64_t rows);

  store::Store& m_store;
  std::int64_t m_import_id;
  TagMapping m_mapping;
  std::unique_ptr<store::Statement> m_insert;
  std::int64_t m_rows = 0;
  std::int64_t m_replaced_rows = 0;
  std::string m_earliest_period, m_latest_period_end;
  std::map<TotalsKey, CostSums> m_totals;
  std::unordered_map<std::string, CostSums> m_rollups;  // "dimension\0day\0key\0currency"
  std::map<std::tuple<std::string, std::string, std::string>, bool> m_periods_seen;
  std::array<std::string, 8> m_scratch;  // converted text (times, tags) bound for one row
};

// The nine rollup dimensions, in the order ChargeWriter fills them.
inline constexpr std::array<std::string_view, 9> k_rollup_dimensions = {
    "service", "region", "provider", "account", "team", "project", "user", "model", "dataset"};

}  // namespace frugal::billing
