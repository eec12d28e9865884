#pragma once
// RowPrinter: rows printed as they come, for results of any size (`frugal sql`), in the bytes
// print_table writes for the same rows (print_table is a RowPrinter that sizes its columns from
// every row).
// - CSV and JSON go out a row at a time; JSON as the opening bracket, each row, the closing bracket,
//   so the document is whole once finish() has run (and visibly cut, never closed, if it has not).
// - The aligned table holds back its first rows (a TableSample: 1,000 rows, or fewer once they hold
//   16 MiB of text) to size its columns and choose their alignment, prints them, then prints each
//   later row in those columns as it comes. A later cell wider than its column is printed whole,
//   pushing the rest of its line to the right, never cut; a later text cell in a column of numbers
//   stays right-aligned.
// Memory: the sample for the table format, one row otherwise. Writes go through `out`'s buffer.
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "cli/output.h"

namespace frugal::cli {

// How many rows the table format sizes its columns from: the first `rows`, or fewer once those
// hold `bytes` of text.
struct TableSample {
  std::size_t rows = 1000;
  std::size_t bytes = 16 << 20;
};
inline constexpr TableSample k_every_row{std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max()};

class RowPrinter {
 public:
  RowPrinter(std::FILE* out, Format format, TableSample sample = {});

  // REQUIRES: once, before the first row.
  void columns(const std::vector<std::string>& names);
  // Returns false once writing to `out` has failed (a full disk, a closed pipe): stop then.
  bool row(const std::vector<Cell>& cells);
  // Ends the output: the table's held rows or "(no rows)", JSON's closing bracket. Returns false if
  // writing failed. REQUIRES: once, after the last row.
  bool finish();

 private:
  void print_held();
  void append_table_row(const std::vector<std::string>& texts);
  void append_table_row(const std::vector<Cell>& cells);
  void append_table_cell(const std::string& text, std::size_t column);
  bool flush_line();

  std::FILE* m_out;
  Format m_format;
  TableSample m_sample;
  std::vector<std::string> m_columns;
  std::vector<std::string> m_keys;           // JSON's unique keys
  std::vector<std::vector<Cell>> m_held;     // the table's first rows, until its columns are sized
  std::size_t m_held_bytes = 0;
  bool m_sized = false;
  std::vector<std::size_t> m_widths;
  std::vector<bool> m_numeric;
  std::size_t m_rows = 0;
  std::string m_line;  // the text being built, written whole
};

}  // namespace frugal::cli
