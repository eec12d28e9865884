#pragma once
// Helpers for the native bill format tests: an import into a fresh store, SQL reads, the raw CSV
// as maps, and ExactDecimal, an adder written apart from Money so that the totals the importer
// reports are checked against arithmetic that shares no code with it.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "billing/billing.h"
#include "core/csv_reader.h"
#include "store/store.h"
#include "test_database.h"

namespace frugal::billing::testing {

using frugal::testing::TestDir;

// value × 10^24 in one integer: wider than Money's 18 decimals, so a digit Money dropped would show.
class ExactDecimal {
 public:
  static constexpr int k_scale = 24;

  // "12", "-0.5", "1.81E-8", "" (zero).
  static ExactDecimal parse(std::string_view s) {
    auto [mantissa, scale] = split(s);
    ExactDecimal d;
    d.m_units = rescale(mantissa, scale, s);
    return d;
  }
  // a × b, exact (the test data's products fit 24 decimals).
  static ExactDecimal product(std::string_view a, std::string_view b) {
    auto [ma, sa] = split(a);
    auto [mb, sb] = split(b);
    ExactDecimal d;
    d.m_units = rescale(ma * mb, sa + sb, std::string(a) + " × " + std::string(b));
    return d;
  }

  ExactDecimal& operator+=(const ExactDecimal& o) {
    m_units += o.m_units;
    return *this;
  }
  bool negative() const { return m_units < 0; }

  // As Money::to_string() prints: trailing zeros trimmed, at least two decimals.
  std::string to_string() const {
    __int128 a = m_units < 0 ? -m_units : m_units;
    __int128 one = pow10(k_scale);
    std::string whole = digits(a / one), frac = digits(a % one);
    frac.insert(0, static_cast<std::size_t>(k_scale) - frac.size(), '0');
    while (frac.size() > 2 && frac.back() == '0') frac.pop_back();
    return (m_units < 0 ? "-" : "") + whole + "." + frac;
  }

 private:
  static __int128 pow10(int n) {
    __int128 p = 1;
    while (n-- > 0) p *= 10;
    return p;
  }
  static std::string digits(__int128 v) {
    std::string s;
    do {
      s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
      v /= 10;
    } while (v > 0);
    return s;
  }
  // value = mantissa × 10^-scale
  static std::pair<__int128, int> split(std::string_view s) {
    __int128 mantissa = 0;
    int scale = 0, exponent = 0;
    bool negative = false, point = false;
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
    for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
      if (s[i] == '.') {
        point = true;
        continue;
      }
      EXPECT_TRUE(s[i] >= '0' && s[i] <= '9') << "not a decimal: " << s;
      mantissa = mantissa * 10 + (s[i] - '0');
      if (point) ++scale;
    }
    if (i < s.size()) exponent = std::stoi(std::string(s.substr(i + 1)));
    return {negative ? -mantissa : mantissa, scale - exponent};
  }
  static __int128 rescale(__int128 mantissa, int scale, std::string_view what) {
    if (scale > k_scale) {
      __int128 drop = pow10(scale - k_scale);
      EXPECT_EQ(mantissa % drop, 0) << what << " has more than " << k_scale << " decimals";
      return mantissa / drop;
    }
    return mantissa * pow10(k_scale - scale);
  }

  __int128 m_units = 0;
};

using CsvRow = std::map<std::string, std::string>;

// Every record of a CSV file, by header name.
inline std::vector<CsvRow> read_csv(const std::string& path) {
  std::vector<CsvRow> rows;
  auto reader = CsvReader::open(path);
  EXPECT_TRUE(reader) << path;
  if (!reader) return rows;
  EXPECT_TRUE(*reader->next());
  std::vector<std::string> header(reader->fields().begin(), reader->fields().end());
  while (*reader->next()) {
    CsvRow row;
    for (std::size_t i = 0; i < header.size() && i < reader->fields().size(); ++i)
      row[header[i]] = std::string(reader->fields()[i]);
    rows.push_back(std::move(row));
  }
  return rows;
}

inline std::string fixture(const std::string& name) {
  return std::string(FRUGAL_SOURCE_DIR) + "/tests/fixtures/billing/" + name;
}

inline std::string write_file(const TestDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir.file(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// `text` with the first `from` replaced by `to`; fails the test when `from` is not there.
inline std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

inline TimePoint import_time() { return *parse_utc("2024-10-05T12:00:00Z"); }

// A fresh store in `dir` with `path` imported into it.
struct Imported {
  std::unique_ptr<store::Store> store;
  Result<ImportResult> result;
};

inline Imported import_into_fresh_store(const TestDir& dir, const std::string& path,
                                        const std::string& format = "") {
  auto store = store::open_store(::frugal::testing::database(dir));
  EXPECT_TRUE(store) << (store ? "" : store.error().message);
  ImportOptions options;
  options.format = format;
  auto result = import_bill(**store, path, options, import_time());
  return {std::move(*store), std::move(result)};
}

// The rows of a query, each cell as text ("" for NULL).
inline std::vector<std::vector<std::string>> query(store::Store& store, const std::string& sql) {
  std::vector<std::vector<std::string>> out;
  auto r = store.query(sql);
  EXPECT_TRUE(r) << sql << ": " << (r ? "" : r.error().message);
  if (!r) return out;
  for (const auto& row : r->rows) {
    std::vector<std::string> cells;
    for (const auto& v : row) cells.push_back(store::as_text(v));
    out.push_back(std::move(cells));
  }
  return out;
}

inline std::string one(store::Store& store, const std::string& sql) {
  auto rows = query(store, sql);
  EXPECT_EQ(rows.size(), 1u) << sql;
  return rows.empty() || rows[0].empty() ? "<no row>" : rows[0][0];
}

// A money column of one charge as exact text: `column` is e.g. "billed_cost".
inline std::string money(store::Store& store, const std::string& column, const std::string& where) {
  auto rows = query(store, "SELECT " + column + "_nanos, " + column + "_attos, " + column +
                               "_sub_attos FROM charges WHERE " + where);
  EXPECT_EQ(rows.size(), 1u) << where;
  if (rows.size() != 1) return "<no row>";
  return Money::from_nanos(std::stoll(rows[0][0]), std::stoll(rows[0][1]), std::stoll(rows[0][2])).to_string();
}

}  // namespace frugal::billing::testing
