#include "core/money.h"

#include <algorithm>
#include <cassert>

namespace frugal {
namespace {

constexpr __int128 k_attos_per_unit = 1'000'000'000'000'000'000;
// Leaves room for one more decimal digit and an addition without overflow.
constexpr __int128 k_digit_limit = (static_cast<__int128>(1) << 120);

__int128 pow10(int n) {
  __int128 p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

// Half-even division, the rounding banks and bills use.
__int128 divide_half_even(__int128 num, __int128 den) {
  __int128 q = num / den;
  __int128 r = num % den;
  if (r == 0) return q;
  __int128 twice = (r < 0 ? -r : r) * 2;
  bool negative = (num < 0) != (den < 0);
  if (twice > den || (twice == den && (q % 2 != 0))) q += negative ? -1 : 1;
  return q;
}

std::string digits_of(__int128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

}  // namespace

Result<Money> Money::parse(std::string_view text) {
  const std::string shown(text);
  auto bad = [&](std::string_view why) {
    return fail(ErrorCode::invalid, "'" + shown + "' is not an amount: " + std::string(why));
  };
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  __int128 mantissa = 0;
  int decimals = 0;
  bool any_digit = false;
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !seen_point) { seen_point = true; continue; }
    if (c == 'e' || c == 'E') break;
    if (c < '0' || c > '9') return bad("unexpected character");
    any_digit = true;
    if (mantissa > k_digit_limit) return bad("too many digits");
    mantissa = mantissa * 10 + (c - '0');
    if (seen_point) ++decimals;
  }
  if (!any_digit) return bad("no digits");
  int exponent = 0;
  if (i < text.size()) {  // an exponent: bills print tiny amounts as 1.5E-7
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) exp_negative = text[i++] == '-';
    if (i == text.size()) return bad("empty exponent");
    for (; i < text.size(); ++i) {
      char c = text[i];
      if (c < '0' || c > '9' || exponent > 1000) return bad("bad exponent");
      exponent = exponent * 10 + (c - '0');
    }
    if (exp_negative) exponent = -exponent;
  }
  int scale = decimals - exponent;  // value = mantissa × 10^-scale
  if (scale > k_max_decimals) {
    // Trailing zeros past the 18th decimal lose nothing; any other digit would be rounded away.
    while (scale > k_max_decimals && mantissa % 10 == 0 && mantissa != 0) { mantissa /= 10; --scale; }
    if (mantissa == 0) scale = k_max_decimals;
    if (scale > k_max_decimals) return bad("more than 18 decimal places");
  }
  int up = k_max_decimals - scale;
  if (mantissa != 0 && (up > 38 || mantissa > k_digit_limit / pow10(up))) return bad("out of range");
  __int128 attos = mantissa == 0 ? 0 : mantissa * pow10(up);
  return Money(negative ? -attos : attos);
}

std::string Money::to_string(int min_decimals) const {
  __int128 abs = m_attos < 0 ? -m_attos : m_attos;
  std::string whole = digits_of(abs / k_attos_per_unit);
  std::string frac = digits_of(abs % k_attos_per_unit);
  frac.insert(0, static_cast<std::size_t>(k_max_decimals) - frac.size(), '0');
  std::size_t keep = frac.find_last_not_of('0');
  keep = keep == std::string::npos ? 0 : keep + 1;
  keep = std::max<std::size_t>(keep, static_cast<std::size_t>(std::clamp(min_decimals, 0, 18)));
  frac.resize(keep);
  std::string out = m_attos < 0 ? "-" : "";
  out += whole;
  if (!frac.empty()) out += "." + frac;
  return out;
}

std::string Money::to_fixed(int decimals) const {
  decimals = std::clamp(decimals, 0, k_max_decimals);
  __int128 step = pow10(k_max_decimals - decimals);
  Money rounded(divide_half_even(m_attos, step) * step);
  std::string s = rounded.to_string(decimals);
  if (s.starts_with("-") && s.find_first_not_of("0.", 1) == std::string::npos) s.erase(0, 1);
  return s;
}

std::int64_t Money::nanos_rounded() const {
  assert(fits_nanos() && "Money::nanos_rounded: amount beyond an int64 of nanos");
  return static_cast<std::int64_t>(divide_half_even(m_attos, k_attos_per_nano));
}

int Money::decimals() const {
  __int128 frac = (m_attos < 0 ? -m_attos : m_attos) % k_attos_per_unit;
  if (frac == 0) return 0;
  int d = k_max_decimals;
  while (frac % 10 == 0) {
    frac /= 10;
    --d;
  }
  return d;
}

Money Money::scaled(std::int64_t numerator, std::int64_t denominator) const {
  assert(denominator > 0 && "Money::scaled needs a positive denominator");
  return Money(divide_half_even(m_attos * numerator, denominator));
}

}  // namespace frugal
