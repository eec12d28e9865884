#pragma once
// Money: an exact amount in one currency's major unit (USD unless a row says otherwise).
//
// Held as a signed 128-bit count of 1e-18 units ("attos") plus the part below an atto in 1e-28 units
// (0 ≤ sub < 1e10), so every amount that real bills carry (Azure's .NET decimals have up to 28
// decimal places, OCI 18, FOCUS samples 11) is kept to its last digit, and sums of billions of rows
// cannot overflow (range ±1.7e20). Digits past the 28th decimal (no 96- or 128-bit decimal type a
// bill comes from writes them as other than zeros) are rounded half-even. Stored in SQL as three
// integers (see docs/schema.md): `X_nanos` = floor(amount × 1e9), exact to nine decimals and
// summable with the engine's own sum(), `X_attos` = the remainder below a nano (0 ≤ attos < 1e9)
// and `X_sub_attos` = the remainder below an atto (0 ≤ sub < 1e10). Thread-compatible value type.
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace frugal {

class Money {
 public:
  static constexpr int k_max_decimals = 28;
  static constexpr int k_atto_decimals = 18;
  static constexpr std::int64_t k_attos_per_nano = 1'000'000'000;
  static constexpr std::int64_t k_subs_per_atto = 10'000'000'000;  // 1e-28 units in an atto

  constexpr Money() = default;
  static constexpr Money from_attos(__int128 attos) { return Money(attos); }
  // `sub_attos` (1e-28 units) may be any non-negative sum of such columns: it is carried into attos.
  static constexpr Money from_nanos(std::int64_t nanos, std::int64_t attos = 0, std::int64_t sub_attos = 0) {
    return Money(static_cast<__int128>(nanos) * k_attos_per_nano + attos + sub_attos / k_subs_per_atto,
                 sub_attos % k_subs_per_atto);
  }
  // mantissa × 10^-scale. REQUIRES: 0 ≤ scale ≤ k_max_decimals and the value within range.
  static Money from_scaled(__int128 mantissa, int scale);
  static constexpr Money from_units(std::int64_t units) {
    return from_nanos(units * 1'000'000'000);
  }

  // Parses a plain decimal ("12", "-0.00000000001", "1.5e-3", "+3.") exactly to 28 decimal places,
  // rounding half-even past them. Digits beyond the range (too many integer digits) or any other
  // character → ErrorCode::invalid.
  static Result<Money> parse(std::string_view text);

  // floor(amount × 1e18).
  constexpr __int128 attos() const { return m_attos; }
  // The part below an atto, 1e-28 units, 0 ≤ v < 1e10: attos() + sub_attos()·1e-10 is the amount in attos.
  constexpr std::int64_t sub_attos() const { return m_sub; }
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
  // Digits after the point that the amount needs (0..28): 1.50 → 1, 0.000000001 → 9.
  int decimals() const;
  // Lossy, for display and ratios only: never sum these.
  double to_double() const { return static_cast<double>(m_attos) / 1e18 + static_cast<double>(m_sub) / 1e28; }

  // Every digit, trailing zeros trimmed but at least `min_decimals` shown ("18.0066386184").
  std::string to_string(int min_decimals = 2) const;
  // Rounded half-even to `decimals` places ("18.01").
  std::string to_fixed(int decimals) const;

  // amount × numerator / denominator, rounded half-even to the atto (any part below an atto is
  // rounded into it first). REQUIRES: denominator > 0 and |amount × numerator| < 1.7e38 attos (an
  // hourly price × milliseconds of a year fits).
  Money scaled(std::int64_t numerator, std::int64_t denominator) const;

  constexpr Money operator+(Money o) const { return Money(m_attos, m_sub) += o; }
  constexpr Money operator-(Money o) const { return Money(m_attos, m_sub) += -o; }
  constexpr Money operator-() const {
    return m_sub == 0 ? Money(-m_attos, 0) : Money(-m_attos - 1, k_subs_per_atto - m_sub);
  }
  constexpr Money& operator+=(Money o) {
    m_attos += o.m_attos;
    m_sub += o.m_sub;
    if (m_sub >= k_subs_per_atto) {  // both parts are normalised, so one carry suffices
      m_sub -= k_subs_per_atto;
      ++m_attos;
    }
    return *this;
  }
  constexpr Money& operator-=(Money o) { return *this += -o; }
  // Members in order (attos, then the part below): with 0 ≤ sub < 1e10 this is numeric order.
  constexpr auto operator<=>(const Money&) const = default;

 private:
  static Result<Money> parse_fine(std::string_view text, const std::string& shown);
  constexpr explicit Money(__int128 attos, std::int64_t sub = 0) : m_attos(attos), m_sub(sub) {}
  __int128 m_attos = 0;
  std::int64_t m_sub = 0;  // 1e-28 units below the atto, 0 ≤ m_sub < 1e10
};

}  // namespace frugal
