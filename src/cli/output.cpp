#include "cli/output.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/csv_reader.h"
#include "util/strings.h"

namespace frugal::cli {
namespace {

// JSON object keys must be unique: a second "a" becomes "a_2" (SQL allows SELECT 1 AS a, 2 AS a).
std::vector<std::string> unique_names(const std::vector<std::string>& columns) {
  std::vector<std::string> names;
  for (const auto& c : columns) {
    std::string name = c;
    for (int n = 2; std::find(names.begin(), names.end(), name) != names.end(); ++n) name = c + "_" + std::to_string(n);
    names.push_back(name);
  }
  return names;
}

bool is_json_number(std::string_view t) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > start;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') ++i;
  else if (!digits()) return false;
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

void append_string(std::string& out, const std::string& s) {
  out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The rows as a JSON array laid out as nlohmann's dump(2) lays it out, starting at `level` (its
// indent, in twos), with each number's own digits: a money column of 18 significant digits stays
// exact, where a parsed double would round it. Reals that JSON cannot write (NaN, ±Infinity) are
// MLflow's strings.
void append_rows(std::string& out, const Table& table, std::size_t level) {
  if (table.rows.empty()) {
    out += "[]";
    return;
  }
  const auto names = unique_names(table.columns);
  const std::string row_pad(2 * (level + 1), ' '), cell_pad(2 * (level + 2), ' ');
  out += "[\n";
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    std::size_t n = std::min(names.size(), row.size());
    out += row_pad;
    if (n == 0) out += "{}";
    else {
      out += "{\n";
      for (std::size_t i = 0; i < n; ++i) {
        const Cell& c = row[i];
        out += cell_pad;
        append_string(out, names[i]);
        out += ": ";
        if (c.kind == Cell::Kind::null) out += "null";
        else if (c.kind == Cell::Kind::number && is_json_number(c.text)) out += c.text;
        else append_string(out, c.text);
        out += i + 1 < n ? ",\n" : "\n";
      }
      out += row_pad + "}";
    }
    out += r + 1 < table.rows.size() ? ",\n" : "\n";
  }
  out += std::string(2 * level, ' ') + "]";
}

// Display width of UTF-8 text: count code points, not bytes.
std::size_t width_of(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

std::string format_double(double v) {
  if (auto name = util::non_finite_name(v); !name.empty()) return std::string(name);
  if (v != 0 && (std::fabs(v) >= 1e15 || std::fabs(v) < 1e-9)) return fmt::format("{}", v);
  // Nine decimals, trailing zeros dropped: sums of REAL money columns read as money.
  std::string s = fmt::format("{:.9f}", v);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

void print_table(std::FILE* out, const Table& table, Format format) {
  if (format == Format::json) {
    std::string text;
    append_rows(text, table, 0);
    fmt::print(out, "{}\n", text);
    return;
  }
  if (format == Format::csv) {
    for (std::size_t i = 0; i < table.columns.size(); ++i)
      fmt::print(out, "{}{}", i ? "," : "", csv_field(table.columns[i]));
    fmt::print(out, "\n");
    for (const auto& row : table.rows) {
      for (std::size_t i = 0; i < row.size(); ++i) fmt::print(out, "{}{}", i ? "," : "", csv_field(row[i].text));
      fmt::print(out, "\n");
    }
    return;
  }
  std::vector<std::size_t> widths(table.columns.size());
  std::vector<bool> numeric(table.columns.size(), true);
  for (std::size_t i = 0; i < table.columns.size(); ++i) widths[i] = width_of(table.columns[i]);
  for (const auto& row : table.rows)
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], width_of(row[i].text));
      if (row[i].kind == Cell::Kind::text) numeric[i] = false;
    }
  auto print_cell = [&](const std::string& text, std::size_t i) {
    std::size_t pad = widths[i] - width_of(text);
    bool last = i + 1 == widths.size();
    if (numeric[i]) fmt::print(out, "{}{}", std::string(pad, ' '), text);
    else fmt::print(out, "{}{}", text, last ? "" : std::string(pad, ' '));
    if (!last) fmt::print(out, "  ");
  };
  for (std::size_t i = 0; i < table.columns.size(); ++i) print_cell(table.columns[i], i);
  fmt::print(out, "\n");
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) print_cell(row[i].text, i);
    fmt::print(out, "\n");
  }
  if (table.rows.empty()) fmt::print(out, "(no rows)\n");
}

void print_sections_json(std::FILE* out, const std::vector<std::pair<std::string, Table>>& sections) {
  if (sections.empty()) {
    fmt::print(out, "{{}}\n");
    return;
  }
  std::string text = "{\n";
  for (std::size_t i = 0; i < sections.size(); ++i) {
    text += "  ";
    append_string(text, sections[i].first);
    text += ": ";
    append_rows(text, sections[i].second, 1);
    text += i + 1 < sections.size() ? ",\n" : "\n";
  }
  fmt::print(out, "{}}}\n", text);
}

}  // namespace frugal::cli
