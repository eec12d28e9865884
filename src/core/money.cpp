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
  bool long_digits = false;  // more digits than the fast path holds: parse_fine() takes it
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !seen_point) { seen_point = true; continue; }
    if (c == 'e' || c == 'E') break;
    if (c < '0' || c > '9') return bad("unexpected character");
    any_digit = true;
    if (long_digits || mantissa > k_digit_limit) {
      long_digits = true;
      continue;
    }
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
  if (long_digits || scale > k_atto_decimals) return parse_fine(text, shown);
  int up = k_atto_decimals - scale;
  if (mantissa != 0 && (up > 38 || mantissa > k_digit_limit / pow10(up))) return bad("out of range");
  __int128 attos = mantissa == 0 ? 0 : mantissa * pow10(up);
  return Money(negative ? -attos : attos);
}

// Amounts with more than 18 decimals (Azure writes up to 28): digit by digit, rounded half-even past
// the 28th decimal. Off the common path, so ordinary amounts keep the single loop above.
Result<Money> Money::parse_fine(std::string_view text, const std::string& shown) {
  auto bad = [&](std::string_view why) {
    return fail(ErrorCode::invalid, "'" + shown + "' is not an amount: " + std::string(why));
  };
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  std::string digits;  // significant digits, leading zeros dropped
  int decimals = 0;
  bool seen_point = false;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    if (text[i] == '.') { seen_point = true; continue; }
    if (seen_point) ++decimals;
    if (!digits.empty() || text[i] != '0') digits.push_back(text[i]);
  }
  int exponent = 0;
  if (i < text.size()) {
    ++i;
    bool exp_negative = i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    for (; i < text.size(); ++i) exponent = exponent * 10 + (text[i] - '0');  // checked by parse()
    if (exp_negative) exponent = -exponent;
  }
  int scale = decimals - exponent;
  bool round_up = false;
  if (scale > k_max_decimals) {
    std::size_t drop = static_cast<std::size_t>(scale - k_max_decimals);
    if (drop > digits.size()) digits.insert(0, drop - digits.size(), '0');
    std::string_view rest = std::string_view(digits).substr(digits.size() - drop);
    bool past_half = rest.find_first_not_of('0', 1) != std::string_view::npos;
    char last_kept = digits.size() > drop ? digits[digits.size() - drop - 1] : '0';
    round_up = rest[0] > '5' || (rest[0] == '5' && (past_half || (last_kept - '0') % 2 != 0));
    digits.resize(digits.size() - drop);
    scale = k_max_decimals;
  }
  // Now value = digits × 10^-scale with scale ≤ 28: write it as a count of 1e-28 units.
  if (scale < 0) digits.append(static_cast<std::size_t>(-scale), '0');
  else digits.append(static_cast<std::size_t>(k_max_decimals - scale), '0');
  if (scale < 0) digits.append(static_cast<std::size_t>(k_max_decimals), '0');
  std::size_t first = digits.find_first_not_of('0');
  digits.erase(0, first == std::string::npos ? digits.size() : first);
  // Integer digits past the range: the one thing no amount of rounding can keep.
  if (digits.size() > 19 + static_cast<std::size_t>(k_max_decimals)) return bad("out of range (too many integer digits)");
  std::size_t split = digits.size() > 10 ? digits.size() - 10 : 0;
  __int128 attos = 0;
  std::int64_t sub = 0;
  for (std::size_t k = 0; k < split; ++k) attos = attos * 10 + (digits[k] - '0');
  for (std::size_t k = split; k < digits.size(); ++k) sub = sub * 10 + (digits[k] - '0');
  if (round_up && ++sub == k_subs_per_atto) {
    sub = 0;
    ++attos;
  }
  if (attos > k_digit_limit) return bad("out of range (too many integer digits)");
  Money m(attos, sub);
  return negative ? -m : m;
}

Money Money::from_scaled(__int128 mantissa, int scale) {
  assert(scale >= 0 && scale <= k_max_decimals && "Money::from_scaled: scale out of 0..28");
  bool negative = mantissa < 0;
  __int128 magnitude = negative ? -mantissa : mantissa;
  Money m;
  if (scale <= k_atto_decimals) {
    m = Money(magnitude * pow10(k_atto_decimals - scale));
  } else {
    __int128 step = pow10(scale - k_atto_decimals);
    m = Money(magnitude / step, static_cast<std::int64_t>(magnitude % step * pow10(k_max_decimals - scale)));
  }
  return negative ? -m : m;
}

std::string Money::to_string(int min_decimals) const {
  Money abs = m_attos < 0 ? -*this : *this;
  std::string whole = digits_of(abs.m_attos / k_attos_per_unit);
  std::string frac = digits_of(abs.m_attos % k_attos_per_unit);
  frac.insert(0, static_cast<std::size_t>(k_atto_decimals) - frac.size(), '0');
  std::string below = digits_of(abs.m_sub);
  frac += std::string(static_cast<std::size_t>(k_max_decimals - k_atto_decimals) - below.size(), '0') + below;
  std::size_t keep = frac.find_last_not_of('0');
  keep = keep == std::string::npos ? 0 : keep + 1;
  keep = std::max<std::size_t>(keep, static_cast<std::size_t>(std::clamp(min_decimals, 0, k_max_decimals)));
  frac.resize(keep);
  std::string out = m_attos < 0 ? "-" : "";
  out += whole;
  if (!frac.empty()) out += "." + frac;
  return out;
}

std::string Money::to_fixed(int decimals) const {
  decimals = std::clamp(decimals, 0, k_max_decimals);
  Money rounded = *this;
  if (decimals < k_max_decimals && m_sub != 0) {
    // Below the atto first: half-even on the 1e-28 part, which only matters at an exact half above.
    __int128 step = pow10(k_max_decimals - decimals);
    if (decimals == k_atto_decimals) {
      bool up = m_sub * 2 > k_subs_per_atto || (m_sub * 2 == k_subs_per_atto && m_attos % 2 != 0);
      rounded = Money(m_attos + (up ? 1 : 0));
    } else if (decimals > k_atto_decimals) {
      __int128 q = divide_half_even(m_sub, step);
      rounded = Money(m_attos) + from_scaled(q, decimals);
    } else {
      // A non-zero part below the atto breaks any tie above it upwards (the value sits past the half).
      __int128 atto_step = pow10(k_atto_decimals - decimals);
      __int128 q = m_attos / atto_step, r = m_attos % atto_step;
      if (r < 0) { --q; r += atto_step; }
      if (r * 2 >= atto_step) ++q;  // r + sub > half, or exactly half only when sub == 0 (not here)
      rounded = Money(q * atto_step);
    }
  } else if (decimals < k_atto_decimals) {
    __int128 step = pow10(k_atto_decimals - decimals);
    rounded = Money(divide_half_even(m_attos, step) * step);
  }
  std::string s = rounded.to_string(decimals);
  if (s.starts_with("-") && s.find_first_not_of("0.", 1) == std::string::npos) s.erase(0, 1);
  return s;
}

std::int64_t Money::nanos_rounded() const {
  assert(fits_nanos() && "Money::nanos_rounded: amount beyond an int64 of nanos");
  if (m_sub == 0) return static_cast<std::int64_t>(divide_half_even(m_attos, k_attos_per_nano));
  // A part below the atto puts the amount strictly past a half-nano tie.
  __int128 r = m_attos - static_cast<__int128>(nanos()) * k_attos_per_nano;
  return nanos() + (r * 2 >= k_attos_per_nano ? 1 : 0);
}

int Money::decimals() const {
  if (m_sub != 0) {
    std::int64_t below = m_sub;
    int d = k_max_decimals;
    while (below % 10 == 0) {
      below /= 10;
      --d;
    }
    return d;
  }
  __int128 frac = (m_attos < 0 ? -m_attos : m_attos) % k_attos_per_unit;
  if (frac == 0) return 0;
  int d = k_atto_decimals;
  while (frac % 10 == 0) {
    frac /= 10;
    --d;
  }
  return d;
}

Money Money::scaled(std::int64_t numerator, std::int64_t denominator) const {
  assert(denominator > 0 && "Money::scaled needs a positive denominator");
  __int128 attos = m_attos + (m_sub * 2 > k_subs_per_atto || (m_sub * 2 == k_subs_per_atto && m_attos % 2 != 0) ? 1 : 0);
  return Money(divide_half_even(attos * numerator, denominator));
}

}  // namespace frugal
