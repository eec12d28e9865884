#pragma once
// Column: one provider column of a native export (CUR, Azure, GCP, OCI), bound once by name and read
// per row. Its errors name the provider's own column ("column lineItem/UnblendedCost: ..."), which
// is what a user can find in the file. Also the small exact-arithmetic helpers the adapters share.
// Private to billing/.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "billing/bill_format.h"
#include "core/money.h"
#include "core/time.h"

namespace frugal::billing {

using Fields = std::vector<std::string_view>;

class Column {
 public:
  Column() = default;

  // The first of `names` the header has, compared case-insensitively; absent when it has none.
  static Column find(const HeaderIndex& header, std::initializer_list<std::string_view> names);
  // The same, but absence is an error: "column NAMES[0]: missing from the header (...)".
  static Result<Column> require(const HeaderIndex& header, std::initializer_list<std::string_view> names);

  bool present() const { return m_index.has_value(); }
  const std::string& name() const { return m_name; }

  // The row's value; empty when the column is absent or the value is null (is_null_text).
  std::string_view in(const Fields& fields) const {
    if (!m_index) return {};
    std::string_view v = fields[*m_index];
    return is_null_text(v) ? std::string_view{} : v;
  }
  // The value, which must be there: empty → "column X: empty, but ... is required".
  Result<std::string_view> required_in(const Fields& fields) const;
  // The value as an exact amount; nullopt when empty.
  Result<std::optional<Money>> amount_in(const Fields& fields) const;
  // The value checked to be an exact amount (the writer parses it again), or empty.
  Result<std::string_view> checked_amount_in(const Fields& fields) const;
  // The value as a time, which must be there.
  Result<TimePoint> time_in(const Fields& fields) const;

  // "column NAME: what".
  Error error(std::string_view what) const;

 private:
  std::string m_name;
  std::optional<std::size_t> m_index;
};

// a × b exactly, rounded half-even to Money's 28 decimals only where the product has more.
// Fails when either factor has more than 18 significant digits (the product could overflow).
Result<Money> multiply_exact(const Money& a, const Money& b);

// Every digit of `m`, as ChargeRow money text.
inline std::string amount_text(const Money& m) { return m.to_string(0); }

}  // namespace frugal::billing
