#pragma once
// Output: every command that prints rows builds a Table and prints it in the chosen format —
// aligned text for people, RFC 4180 CSV and JSON (an array of objects) for programs.
#include <cstdio>
#include <string>
#include <vector>

namespace frugal::cli {

enum class Format { table, csv, json };

struct Cell {
  enum class Kind { text, number, null };
  std::string text;
  Kind kind = Kind::text;

  static Cell str(std::string s) { return {std::move(s), Kind::text}; }
  // `digits` must be a valid JSON number ("12", "-0.5", "1e-9").
  static Cell num(std::string digits) { return {std::move(digits), Kind::number}; }
  static Cell null() { return {"", Kind::null}; }
};

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

// Prints the whole table at once (a RowPrinter sizing the table's columns from every row).
void print_table(std::FILE* out, const Table& table, Format format);

// JSON of several named tables: {"name": [rows...], ...}; for commands with sections.
void print_sections_json(std::FILE* out, const std::vector<std::pair<std::string, Table>>& sections);

// Shortest text that reads back as the same double, without exponent noise for money-like values.
std::string format_double(double v);

// ---- The pieces print_table and RowPrinter (row_printer.h) share ------------------------------

// JSON object keys for `columns`, unique: a second "a" becomes "a_2" (SQL allows SELECT 1 AS a, 2 AS a).
std::vector<std::string> json_keys(const std::vector<std::string>& columns);
// One row as a JSON object, laid out as nlohmann's dump(2) lays it out at `level` (its indent, in
// twos), each number with its own digits: a money column of 18 significant digits stays exact.
void append_json_row(std::string& out, const std::vector<std::string>& keys, const std::vector<Cell>& row,
                     std::size_t level);
// Display width of UTF-8 text: code points, not bytes.
std::size_t display_width(const std::string& text);

}  // namespace frugal::cli
