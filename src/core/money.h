#pragma once
// Money: an exact amount in one currency's major unit (USD unless a row says otherwise).
//
// Held as a signed 128-bit count of 1e-18 units ("attos"), so every amount that real bills carry
// (OCI reports have 18 decimal places, FOCUS samples 11) is kept to its last digit, and sums of
// billions of rows cannot overflow (range ±1.7e20). Stored in SQL as two integers (see
// docs/schema.md): `X_nanos` = floor(amount × 1e9), exact to nine decimals and summable with the
// engine's own sum(), plus `X_attos` = the remainder below a nano (0 ≤ attos < 1e9) where a source
// has more than nine decimals. Thread-compatible value type.
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace frugal {

class Money {
 public:
  static constexpr int k_max_decimals = 18;
  static constexpr std::int64_t k_attos_per_nano = 1'000'000'000;

  constexpr Money() = default;
  static constexpr Money from_attos(__int128 attos) { return Money(attos); }
  static constexpr Money from_nanos(std::int64_t nanos, std::int64_t attos = 0) {
    return Money(static_cast<__int128>(nanos) * k_attos_per_nano + attos);
  }
  static constexpr Money from_units(std::int64_t units) {
    return from_nanos(units * 1'000'000'000);
  }

  // Parses a plain decimal ("12", "-0.00000000001", "1.5e-3", "+3.") exactly. More than 18
  // decimal places, digits beyond the range, or any other character → ErrorCode::invalid.
  static Result<Money> parse(std::string_view text);

  constexpr __int128 attos() const { return m_attos; }
  // floor(amount × 1e9): the column most SQL sums use.
  constexpr std::int64_t nanos() const {
    __int128 q = m_attos / k_attos_per_nano;
    if (m_attos % k_attos_per_nano < 0) --q;
    return static_cast<std::int64_t>(q);
  }
  // The part below a nano, 0 ≤ r < 1e9, so that nanos()·1e9 + sub_nano_attos() == attos().
  constexpr std::int64_t sub_nano_attos() const {
    return static_cast<std::int64_t>(m_attos - static_cast<__int128>(nanos()) * k_attos_per_nano);
  }
  // True when nanos() fits an int64 (|amount| < 9.2e9): what a single `_nanos` column can hold.
  constexpr bool fits_nanos() const {
    constexpr __int128 k_limit = static_cast<__int128>(INT64_MAX) * k_attos_per_nano;
    return m_attos < k_limit && m_attos > -k_limit;
  }
  // Rounded half-even to the nano: for computed amounts (a run's cost), where floor would bias.
  // REQUIRES: fits_nanos().
  std::int64_t nanos_rounded() const;
  // Digits after the point that the amount needs (0..18): 1.50 → 1, 0.000000001 → 9.
  int decimals() const;
  // Lossy, for display and ratios only: never sum these.
  double to_double() const { return static_cast<double>(m_attos) / 1e18; }

  // Every digit, trailing zeros trimmed but at least `min_decimals` shown ("18.0066386184").
  std::string to_string(int min_decimals = 2) const;
  // Rounded half-even to `decimals` places ("18.01").
  std::string to_fixed(int decimals) const;

  // amount × numerator / denominator, rounded half-even to the atto. REQUIRES: denominator > 0
  // and |amount × numerator| < 1.7e38 attos (an hourly price × milliseconds of a year fits).
  Money scaled(std::int64_t numerator, std::int64_t denominator) const;

  constexpr Money operator+(Money o) const { return Money(m_attos + o.m_attos); }
  constexpr Money operator-(Money o) const { return Money(m_attos - o.m_attos); }
  constexpr Money operator-() const { return Money(-m_attos); }
  constexpr Money& operator+=(Money o) { m_attos += o.m_attos; return *this; }
  constexpr Money& operator-=(Money o) { m_attos -= o.m_attos; return *this; }
  constexpr auto operator<=>(const Money&) const = default;

 private:
  constexpr explicit Money(__int128 attos) : m_attos(attos) {}
  __int128 m_attos = 0;
};

}  // namespace frugal
