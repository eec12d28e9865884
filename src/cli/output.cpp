#include "cli/output.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/csv_reader.h"

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

nlohmann::ordered_json to_json(const Table& table) {
  auto rows = nlohmann::ordered_json::array();
  const auto names = unique_names(table.columns);
  for (const auto& row : table.rows) {
    nlohmann::ordered_json obj = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < names.size() && i < row.size(); ++i) {
      const Cell& c = row[i];
      if (c.kind == Cell::Kind::null) obj[names[i]] = nullptr;
      else if (c.kind == Cell::Kind::number) obj[names[i]] = nlohmann::ordered_json::parse(c.text);
      else obj[names[i]] = c.text;
    }
    rows.push_back(std::move(obj));
  }
  return rows;
}

// Display width of UTF-8 text: count code points, not bytes.
std::size_t width_of(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
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
    fmt::print(out, "{}\n", to_json(table).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
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
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  for (const auto& [name, table] : sections) doc[name] = to_json(table);
  fmt::print(out, "{}\n", doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

}  // namespace frugal::cli
