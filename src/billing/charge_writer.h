#pragma once
// ChargeWriter: validates and converts normalized charges and inserts them, inside the caller's
// transaction; keeps the exact totals per (provider, account, billing period, currency) and the
// per-day rollups; and replaces earlier rows of every billing period the file restates.
// Private to billing/.
#include <map>
#include <set>
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

// Rows converted and ready to bind, in a batch that owns their text: conversion can run on one
// thread while another inserts the previous batch.
struct PreparedValue {  // 16 bytes: batches hold millions of these
  enum class Kind : std::uint8_t { null, integer, real, text };
  Kind kind = Kind::null;
  union {
    std::int64_t integer;
    double real;
    struct {
      std::uint32_t offset, length;  // of text, in PreparedBatch::text
    } text;
  };
  PreparedValue() : integer(0) {}
  static PreparedValue null_value() { return PreparedValue{}; }
  static PreparedValue of_integer(std::int64_t i) {
    PreparedValue v;
    v.kind = Kind::integer;
    v.integer = i;
    return v;
  }
  static PreparedValue of_real(double d) {
    PreparedValue v;
    v.kind = Kind::real;
    v.real = d;
    return v;
  }
  static PreparedValue of_text(std::uint32_t offset, std::uint32_t length) {
    PreparedValue v;
    v.kind = Kind::text;
    v.text = {offset, length};
    return v;
  }
};

struct PreparedRow {
  std::size_t first_value;     // index into PreparedBatch::values; k_params_per_row of them
  std::uint32_t group_offset;  // "provider\0account\0billing period" in PreparedBatch::text
  std::uint32_t group_length;
};

struct PreparedBatch {
  std::string text;
  std::vector<PreparedValue> values;
  std::vector<PreparedRow> rows;
  void clear() {
    text.clear();
    values.clear();
    rows.clear();
  }
};

// import_id, source_line, the fields (the four money fields take three), and the five x_ columns.
inline constexpr std::size_t k_money_fields = 4;  // each takes three: X_nanos, X_attos, X_sub_attos
inline constexpr std::size_t k_params_per_row = 2 + k_field_count + k_money_fields * 2 + 5;

class ChargeWriter {
 public:
  // `keep`: earlier imports whose rows this one must not replace (the other files of the same
  // export version: together they state a period).
  // `cost_view`: "actual" or "amortized" for a file that is one of two views of the same spend
  // (Azure); it then replaces only earlier rows of its own view, and merge_views() joins the two.
  static Result<std::unique_ptr<ChargeWriter>> open(store::Store& store, std::int64_t import_id,
                                                    std::vector<std::int64_t> keep = {}, std::string cost_view = {});

  // Validates and converts `row` into `batch`, and counts it in the totals and rollups. Errors name
  // the column ("column BilledCost: ..."); a row that fails adds nothing. May run on another thread
  // than insert(), never at the same time as another prepare().
  Result<void> prepare(const ChargeRow& row, std::size_t source_line, PreparedBatch& batch);

  // Inserts a prepared batch, replacing earlier rows of each billing period it is the first to
  // restate. On the store's thread.
  Result<void> insert(const PreparedBatch& batch);

  // Joins the two views of each billing period this import states, when the other view is stored
  // too: usage (and unused commitments) from the amortized view, commitment purchases and refunds
  // from the actual view with EffectiveCost 0 (the amortized usage carries it), as Microsoft's FOCUS
  // export does. The same result in either order. Returns what it merged, for people ("" if
  // nothing). Call after the last insert(), before finish().
  Result<std::string> merge_views();

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
  ChargeWriter(store::Store& store, std::int64_t import_id, std::vector<std::int64_t> keep, std::string cost_view)
      : m_store(store), m_import_id(import_id), m_keep(std::move(keep)), m_cost_view(std::move(cost_view)) {}
  Result<void> replace_period(const std::string& provider, const std::string& account, const std::string& period);
  // Deletes the charges `where` selects (bound to `key`), taking them out of the rollups and of
  // their imports' live rows. Returns how many went.
  Result<std::int64_t> remove_rows(const std::string& where, const std::vector<store::Value>& key);
  // Sets the EffectiveCost of the charges `where` selects to 0, in the rollups too.
  Result<void> zero_effective(const std::string& where, const std::vector<store::Value>& key);
  void add_rollups(std::string_view day, const std::array<std::string_view, 9>& keys, std::string_view currency,
                   const Money& billed, const Money& effective, const Money& list, std::int64_t rows);

  store::Store& m_store;
  std::int64_t m_import_id;
  std::vector<std::int64_t> m_keep;
  std::string m_cost_view;
  TagMapping m_mapping;
  std::unique_ptr<store::Statement> m_insert;
  std::int64_t m_rows = 0;
  std::int64_t m_replaced_rows = 0;
  std::string m_earliest_period, m_latest_period_end;
  std::map<TotalsKey, CostSums> m_totals;
  std::unordered_map<std::string, CostSums> m_rollups;  // "dimension\0day\0key\0currency"
  std::unordered_map<std::string, CostSums> m_groups;   // "day\0currency\0key1\0...\0key9", per row
  std::string m_group_key;
  std::set<std::string, std::less<>> m_periods_seen;  // "provider\0account\0period"
  // The four times of the row, as ISO text to bind (m_scratch) and as the bill wrote them (m_time_text):
  // the next row converts only the times that differ.
  std::array<std::string, 4> m_scratch;
  std::array<std::string, 4> m_time_text;
  std::vector<std::pair<std::string, std::string>> m_tags;  // the row's tags
  std::pair<const TotalsKey, CostSums>* m_last_totals = nullptr;  // the previous row's totals
  std::string m_last_group;  // the previous inserted row's "provider\0account\0period"
};

// The nine rollup dimensions, in the order ChargeWriter fills them.
inline constexpr std::array<std::string_view, 9> k_rollup_dimensions = {
    "service", "region", "provider", "account", "team", "project", "user", "model", "dataset"};

}  // namespace frugal::billing
