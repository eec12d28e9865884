#include "billing/column_map.h"

#include <fmt/format.h>

#include "billing/bill_values.h"

namespace frugal::billing {
namespace {

constexpr __int128 pow10(int n) {
  __int128 p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

// Below this a product of two mantissas cannot overflow 128 bits.
constexpr __int128 k_max_mantissa = pow10(19);
constexpr __int128 k_max_attos = pow10(38);

// `m` as mantissa × 10^-scale with the trailing zeros removed, so that the digit count is the
// value's own precision rather than Money's fixed 28 decimals.
std::pair<__int128, int> shortest(const Money& m) {
  __int128 v = m.attos();
  int scale = Money::k_atto_decimals;
  if (m.sub_attos() != 0 && v < k_max_mantissa && v > -k_max_mantissa) {
    v = v * Money::k_subs_per_atto + m.sub_attos();
    scale = Money::k_max_decimals;
  }
  while (scale > 0 && v != 0 && v % 10 == 0) {
    v /= 10;
    --scale;
  }
  return {v, scale};
}

__int128 magnitude(__int128 v) { return v < 0 ? -v : v; }

}  // namespace

Column Column::find(const HeaderIndex& header, std::initializer_list<std::string_view> names) {
  Column c;
  for (std::string_view n : names) {
    auto at = header.find(n);
    if (!at) at = header.find_icase(n);
    if (at) {
      c.m_index = at;
      c.m_name = header.names()[*at];
      return c;
    }
  }
  c.m_name = names.size() ? std::string(*names.begin()) : std::string();
  return c;
}

Result<Column> Column::require(const HeaderIndex& header, std::initializer_list<std::string_view> names) {
  Column c = find(header, names);
  if (c.present()) return c;
  std::string also;
  for (auto it = names.begin() + 1; it < names.end(); ++it)
    also += fmt::format("{}{}", also.empty() ? "" : " or ", *it);
  return fail(ErrorCode::invalid, fmt::format("column {}: missing from the header{}", c.m_name,
                                              also.empty() ? "" : fmt::format(" (nor is {} there)", also)));
}

Result<std::string_view> Column::required_in(const Fields& fields) const {
  std::string_view v = in(fields);
  if (v.empty()) return std::unexpected(error("empty, but every row needs it"));
  return v;
}

Result<std::optional<Money>> Column::amount_in(const Fields& fields) const {
  std::string_view v = in(fields);
  if (v.empty()) return std::optional<Money>{};
  auto m = Money::parse(v);
  if (!m) return std::unexpected(error(m.error().message));
  return std::optional<Money>{*m};
}

Result<std::string_view> Column::checked_amount_in(const Fields& fields) const {
  std::string_view v = in(fields);
  if (!v.empty()) {
    if (auto m = Money::parse(v); !m) return std::unexpected(error(m.error().message));
  }
  return v;
}

Result<TimePoint> Column::time_in(const Fields& fields) const {
  std::string_view v = FRUGAL_TRY(required_in(fields));
  auto t = parse_bill_time(v);
  if (!t) return std::unexpected(error(t.error().message));
  return *t;
}

Error Column::error(std::string_view what) const {
  return Error{ErrorCode::invalid, fmt::format("column {}: {}", m_name, what)};
}

Result<Money> multiply_exact(const Money& a, const Money& b) {
  auto [ma, sa] = shortest(a);
  auto [mb, sb] = shortest(b);
  if (magnitude(ma) >= k_max_mantissa || magnitude(mb) >= k_max_mantissa)
    return fail(ErrorCode::invalid, fmt::format("{} × {} has too many significant digits to multiply exactly",
                                                a.to_string(0), b.to_string(0)));
  __int128 product = ma * mb;
  int scale = sa + sb;
  if (scale > Money::k_max_decimals) {
    // Half-even, as Money rounds: a bill's extended cost is rounded the same way.
    __int128 step = pow10(scale - Money::k_max_decimals);
    __int128 q = product / step, r = product % step;
    __int128 twice = magnitude(r) * 2;
    if (twice > step || (twice == step && q % 2 != 0)) q += product < 0 ? -1 : 1;
    product = q;
    scale = Money::k_max_decimals;
  }
  if (scale <= Money::k_atto_decimals && magnitude(product) > k_max_attos / pow10(Money::k_atto_decimals - scale))
    return fail(ErrorCode::invalid, fmt::format("{} × {} is out of range", a.to_string(0), b.to_string(0)));
  return Money::from_scaled(product, scale);
}

}  // namespace frugal::billing
