#pragma once
// An independent exact decimal adder for tests: sums decimal strings digit by digit (no Money, no
// floats), so import totals are checked against arithmetic that shares no code with the importer.
#include <algorithm>
#include <string>
#include <string_view>

namespace frugal::billing::testing {

class DecimalSum {
 public:
  // REQUIRES: plain decimals ("-0.0000008", "12", "3.50"); no exponents.
  void add(std::string_view v) {
    bool negative = !v.empty() && v[0] == '-';
    if (negative || (!v.empty() && v[0] == '+')) v.remove_prefix(1);
    auto dot = v.find('.');
    std::string whole(v.substr(0, dot));
    std::string frac(dot == std::string_view::npos ? "" : v.substr(dot + 1));
    frac.resize(k_scale, '0');
    std::string digits = (whole.empty() ? "0" : whole) + frac;
    (negative ? m_negative : m_positive) = add_digits(negative ? m_negative : m_positive, digits);
  }

  // The sum with trailing fraction zeros trimmed (at least two decimals), like Money::to_string().
  std::string str() const {
    bool negative = less(m_positive, m_negative);
    std::string magnitude = negative ? sub_digits(m_negative, m_positive) : sub_digits(m_positive, m_negative);
    magnitude.insert(0, std::max<std::size_t>(0, k_scale + 1 > magnitude.size() ? k_scale + 1 - magnitude.size() : 0), '0');
    std::string whole = magnitude.substr(0, magnitude.size() - k_scale);
    std::string frac = magnitude.substr(magnitude.size() - k_scale);
    whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size() - 1));
    while (frac.size() > 2 && frac.back() == '0') frac.pop_back();
    bool zero = whole == "0" && frac.find_first_not_of('0') == std::string::npos;
    return (negative && !zero ? "-" : "") + whole + "." + frac;
  }

 private:
  static constexpr std::size_t k_scale = 28;  // Money's finest decimal
  static std::string strip(std::string s) {
    s.erase(0, std::min(s.find_first_not_of('0'), s.size() - 1));
    return s;
  }
  static bool less(const std::string& a0, const std::string& b0) {
    std::string a = strip(a0), b = strip(b0);
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  }
  static std::string add_digits(const std::string& a, const std::string& b) {
    std::string out;
    int carry = 0;
    for (std::size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
      int d = carry;
      if (i < a.size()) d += a[a.size() - 1 - i] - '0';
      if (i < b.size()) d += b[b.size() - 1 - i] - '0';
      out.push_back(static_cast<char>('0' + d % 10));
      carry = d / 10;
    }
    std::reverse(out.begin(), out.end());
    return out.empty() ? "0" : out;
  }
  static std::string sub_digits(const std::string& a, const std::string& b) {  // a >= b
    std::string out;
    int borrow = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      int d = (a[a.size() - 1 - i] - '0') - borrow - (i < b.size() ? b[b.size() - 1 - i] - '0' : 0);
      borrow = d < 0;
      out.push_back(static_cast<char>('0' + (d + 10) % 10));
    }
    std::reverse(out.begin(), out.end());
    return strip(out.empty() ? "0" : out);
  }
  std::string m_positive = "0", m_negative = "0";
};

}  // namespace frugal::billing::testing
