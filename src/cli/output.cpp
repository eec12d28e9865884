#include "cli/output.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/row_printer.h"
#include "util/strings.h"

namespace frugal::cli {
namespace {

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

// The rows as a JSON array laid out as nlohmann's dump(2) lays it out, starting at `level`. Reals
// that JSON cannot write (NaN, ±Infinity) are MLflow's strings.
void append_rows(std::string& out, const Table& table, std::size_t level) {
  if (table.rows.empty()) {
    out += "[]";
    return;
  }
  const auto keys = json_keys(table.columns);
  const std::string row_pad(2 * (level + 1), ' ');
  out += "[\n";
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    out += row_pad;
    append_json_row(out, keys, table.rows[r], level + 1);
    out += r + 1 < table.rows.size() ? ",\n" : "\n";
  }
  out += std::string(2 * level, ' ') + "]";
}

}  // namespace

std::vector<std::string> json_keys(const std::vector<std::string>& columns) {
  std::vector<std::string> names;
  for (const auto& c : columns) {
    std::string name = c;
    for (int n = 2; std::find(names.begin(), names.end(), name) != names.end(); ++n) name = c + "_" + std::to_string(n);
    names.push_back(name);
  }
  return names;
}

void append_json_row(std::string& out, const std::vector<std::string>& keys, const std::vector<Cell>& row,
                     std::size_t level) {
  std::size_t n = std::min(keys.size(), row.size());
  if (n == 0) {
    out += "{}";
    return;
  }
  const std::string cell_pad(2 * (level + 1), ' ');
  out += "{\n";
  for (std::size_t i = 0; i < n; ++i) {
    const Cell& c = row[i];
    out += cell_pad;
    append_string(out, keys[i]);
    out += ": ";
    if (c.kind == Cell::Kind::null) out += "null";
    else if (c.kind == Cell::Kind::number && is_json_number(c.text)) out += c.text;
    else append_string(out, c.text);
    out += i + 1 < n ? ",\n" : "\n";
  }
  out += std::string(2 * level, ' ') + "}";
}

std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

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
  RowPrinter printer(out, format, k_every_row);
  printer.columns(table.columns);
  for (const auto& row : table.rows) printer.row(row);
  printer.finish();
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
