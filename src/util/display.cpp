#include "util/display.h"

#include <charconv>
#include <cmath>
#include <algorithm>
#include <cstdio>
#include <iterator>
#include <optional>

#include "util/strings.h"

namespace frugal::util::display {
namespace {

// A decimal number as text, without exponent: sign, integer digits, fraction digits. Rounding
// works on these digits, so an exact decimal (a bill's 28-digit amount) is never rounded twice.
struct Decimal {
  bool negative = false;
  std::string whole;     // at least one digit, no leading zeros but a lone "0"
  std::string fraction;  // may be empty
};

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// "-12.5", "7.15e-07", ".5", "3." → Decimal; none for anything else.
std::optional<Decimal> parse(std::string_view text) {
  Decimal d;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    d.negative = text[0] == '-';
    text.remove_prefix(1);
  }
  int exponent = 0;
  if (auto e = text.find_first_of("eE"); e != std::string_view::npos) {
    auto exp_text = text.substr(e + 1);
    if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
    auto [end, ec] = std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
    if (ec != std::errc() || end != exp_text.data() + exp_text.size() || std::abs(exponent) > 400) return std::nullopt;
    text = text.substr(0, e);
  }
  auto point = text.find('.');
  std::string_view whole = text.substr(0, point);
  std::string_view fraction = point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
  if ((whole.empty() && fraction.empty()) || !all_digits(whole) || !all_digits(fraction)) return std::nullopt;
  std::string digits = std::string(whole) + std::string(fraction);
  long long int_len = static_cast<long long>(whole.size()) + exponent;
  if (int_len <= 0) {
    d.whole = "0";
    d.fraction = std::string(static_cast<std::size_t>(-int_len), '0') + digits;
  } else if (static_cast<std::size_t>(int_len) >= digits.size()) {
    d.whole = digits + std::string(static_cast<std::size_t>(int_len) - digits.size(), '0');
  } else {
    d.whole = digits.substr(0, static_cast<std::size_t>(int_len));
    d.fraction = digits.substr(static_cast<std::size_t>(int_len));
  }
  auto first = d.whole.find_first_not_of('0');
  d.whole = first == std::string::npos ? "0" : d.whole.substr(first);
  return d;
}

// Adds one to a run of digits: "199" → "200", "99" → "100".
std::string increment(std::string digits) {
  for (auto i = digits.size(); i-- > 0;) {
    if (digits[i] != '9') {
      ++digits[i];
      return digits;
    }
    digits[i] = '0';
  }
  return "1" + digits;
}

// The magnitude rounded half to even to `decimals` fraction digits, e.g. "12.34" (no sign).
Decimal round_to(const Decimal& d, std::size_t decimals) {
  std::string kept = d.whole + d.fraction.substr(0, decimals);
  kept.append(decimals - std::min(decimals, d.fraction.size()), '0');
  std::string_view rest = decimals < d.fraction.size() ? std::string_view(d.fraction).substr(decimals) : std::string_view();
  bool odd = (kept.back() - '0') % 2 == 1;
  bool more_than_half = !rest.empty() && (rest[0] > '5' || (rest[0] == '5' && rest.find_first_not_of('0', 1) != std::string_view::npos));
  bool half = !rest.empty() && rest[0] == '5' && rest.find_first_not_of('0', 1) == std::string_view::npos;
  if (more_than_half || (half && odd)) kept = increment(std::move(kept));
  Decimal r;
  r.negative = d.negative;
  r.whole = kept.substr(0, kept.size() - decimals);
  r.fraction = kept.substr(kept.size() - decimals);
  auto first = r.whole.find_first_not_of('0');
  r.whole = first == std::string::npos ? "0" : r.whole.substr(first);
  return r;
}

bool is_zero(const Decimal& d) {
  return d.whole == "0" && d.fraction.find_first_not_of('0') == std::string::npos;
}

std::string text(const Decimal& d) {
  std::string out = d.negative && !is_zero(d) ? "-" : "";
  out += d.whole;
  if (!d.fraction.empty()) out += "." + d.fraction;
  return out;
}

// Cents from 1 up, two significant digits below.
std::string money_digits(const Decimal& d) {
  auto first = d.fraction.find_first_not_of('0');
  if (d.whole != "0" || first == std::string::npos) return text(round_to(d, 2));
  Decimal r = round_to(d, first + 2);
  if (r.whole != "0") return text(round_to(d, 2));  // 0.995 rounds to 1: cents from there
  // 0.0999 rounds to 0.100: two significant digits of the new magnitude are 0.10.
  if (auto now = r.fraction.find_first_not_of('0'); now < first) r.fraction.resize(now + 2);
  return text(r);
}

std::string shortest(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

}  // namespace

std::string money(std::string_view decimal) {
  auto d = parse(decimal);
  return d ? money_digits(*d) : std::string(decimal);
}

std::string quantity(double value) {
  if (!std::isfinite(value)) return std::string(non_finite_name(value));
  return money_digits(*parse(shortest(value)));
}

std::string percent(double ratio) {
  if (!std::isfinite(ratio)) return std::string(non_finite_name(ratio));
  Decimal d = *parse(shortest(ratio));
  // ×100 by moving the point, not by multiplying: 0.6625 is 66.25, where 0.6625 * 100 is not.
  d.fraction.resize(std::max<std::size_t>(d.fraction.size(), 2), '0');
  d.whole += d.fraction.substr(0, 2);
  d.whole.erase(0, std::min(d.whole.find_first_not_of('0'), d.whole.size() - 1));
  d.fraction.erase(0, 2);
  Decimal r = round_to(d, 1);
  if (is_zero(r) && !is_zero(d)) return d.negative ? "-<0.1%" : "<0.1%";
  return text(r) + "%";
}

std::string duration(double seconds) {
  if (!std::isfinite(seconds)) return std::string(non_finite_name(seconds));
  std::string sign = seconds < 0 ? "-" : "";
  seconds = std::fabs(seconds);
  if (seconds == 0) return "0s";
  if (seconds < 10) {
    Decimal r = round_to(*parse(shortest(seconds)), 1);
    if (r.whole.size() < 2) return sign + text(r) + "s";
  }
  auto s = static_cast<long long>(std::llround(seconds));
  char buf[64];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%llds", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%lldm %02llds", s / 60, s % 60);
  else if (s < 86400)
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", s / 3600, s % 3600 / 60);
  else
    std::snprintf(buf, sizeof buf, "%lldd %02lldh", s / 86400, s % 86400 / 3600);
  return sign + buf;
}

std::string bytes(std::uint64_t n) {
  static constexpr const char* k_units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  if (n < 1000) return std::to_string(n) + " B";
  // On the digits, like money: 1,150,000 B is exactly 1.15 MB, which rounds (half to even) to 1.2.
  std::string digits = std::to_string(n);
  std::size_t unit = (digits.size() - 1) / 3;
  for (;;) {
    std::size_t shift = unit * 3;
    Decimal d = shift < digits.size()
                    ? Decimal{false, digits.substr(0, digits.size() - shift), digits.substr(digits.size() - shift)}
                    : Decimal{false, "0", std::string(shift - digits.size(), '0') + digits};
    bool under_ten = d.whole.size() == 1;
    Decimal r = round_to(d, under_ten ? 1 : 0);
    if (under_ten && r.whole.size() == 2) r = round_to(d, 0);  // 9.96 rounds to 10: no decimal then
    if (r.whole.size() <= 3 || unit + 1 == std::size(k_units)) return text(r) + " " + k_units[unit];
    ++unit;  // 999.6 kB reads 1.0 MB, not 1000 kB
  }
}

std::string group_thousands(std::string_view digits) {
  std::string sign = !digits.empty() && digits[0] == '-' ? "-" : "";
  digits.remove_prefix(sign.size());
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return sign + out;
}

std::string count(long long n, std::string_view noun, std::string_view plural) {
  std::string out = group_thousands(std::to_string(n)) + " ";
  if (n == 1) return out + std::string(noun);
  return out + (plural.empty() ? std::string(noun) + "s" : std::string(plural));
}

}  // namespace frugal::util::display
