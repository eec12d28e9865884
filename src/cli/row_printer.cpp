#include "cli/row_printer.h"

#include <algorithm>

#include "core/csv_reader.h"

namespace frugal::cli {

RowPrinter::RowPrinter(std::FILE* out, Format format, TableSample sample) : m_out(out), m_format(format), m_sample(sample) {}

void RowPrinter::columns(const std::vector<std::string>& names) {
  m_columns = names;
  if (m_format == Format::json) m_keys = json_keys(names);
  if (m_format != Format::csv) return;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) m_line += ',';
    m_line += csv_field(names[i]);
  }
  m_line += '\n';
  flush_line();
}

bool RowPrinter::row(const std::vector<Cell>& cells) {
  ++m_rows;
  switch (m_format) {
    case Format::csv:
      for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i > 0) m_line += ',';
        m_line += csv_field(cells[i].text);
      }
      m_line += '\n';
      break;
    case Format::json:
      m_line += m_rows == 1 ? "[\n  " : ",\n  ";
      append_json_row(m_line, m_keys, cells, 1);
      break;
    case Format::table:
      if (!m_sized) {
        m_held.push_back(cells);
        for (const Cell& c : cells) m_held_bytes += c.text.size();
        if (m_held.size() >= m_sample.rows || m_held_bytes >= m_sample.bytes) print_held();
        return std::ferror(m_out) == 0;
      }
      append_table_row(cells);
      break;
  }
  return flush_line();
}

bool RowPrinter::finish() {
  if (m_format == Format::json) m_line += m_rows == 0 ? "[]\n" : "\n]\n";
  if (m_format == Format::table) {
    if (!m_sized) print_held();
    if (m_rows == 0) m_line += "(no rows)\n";
  }
  bool written = flush_line();
  return std::fflush(m_out) == 0 && written;
}

// Sizes the columns from the held rows (and the names), then prints the header and those rows.
void RowPrinter::print_held() {
  m_widths.assign(m_columns.size(), 0);
  m_numeric.assign(m_columns.size(), true);
  for (std::size_t i = 0; i < m_columns.size(); ++i) m_widths[i] = display_width(m_columns[i]);
  for (const auto& row : m_held)
    for (std::size_t i = 0; i < row.size() && i < m_widths.size(); ++i) {
      m_widths[i] = std::max(m_widths[i], display_width(row[i].text));
      if (row[i].kind == Cell::Kind::text) m_numeric[i] = false;
    }
  m_sized = true;
  append_table_row(m_columns);
  flush_line();
  for (const auto& row : m_held) {
    append_table_row(row);
    flush_line();
  }
  m_held.clear();
  m_held.shrink_to_fit();
}

void RowPrinter::append_table_row(const std::vector<std::string>& texts) {
  for (std::size_t i = 0; i < texts.size() && i < m_widths.size(); ++i) append_table_cell(texts[i], i);
  m_line += '\n';
}

void RowPrinter::append_table_row(const std::vector<Cell>& cells) {
  for (std::size_t i = 0; i < cells.size() && i < m_widths.size(); ++i) append_table_cell(cells[i].text, i);
  m_line += '\n';
}

void RowPrinter::append_table_cell(const std::string& text, std::size_t column) {
  std::size_t width = display_width(text);
  std::size_t pad = m_widths[column] > width ? m_widths[column] - width : 0;  // wider than sized: whole
  bool last = column + 1 == m_widths.size();
  if (m_numeric[column]) {
    m_line.append(pad, ' ');
    m_line += text;
  } else {
    m_line += text;
    if (!last) m_line.append(pad, ' ');
  }
  if (!last) m_line += "  ";
}

bool RowPrinter::flush_line() {
  if (!m_line.empty()) std::fwrite(m_line.data(), 1, m_line.size(), m_out);
  m_line.clear();
  return std::ferror(m_out) == 0;
}

}  // namespace frugal::cli
