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

void print_table(std::FILE* out, const Table& table, Format format);

// JSON of several named tables: {"name": [rows...], ...}; for commands with sections.
void print_sections_json(std::FILE* out, const std::vector<std::pair<std::string, Table>>& sections);

// Shortest text that reads back as the same double, without exponent noise for money-like values.
std::string format_double(double v);

}  // namespace frugal::cli
