#pragma once
// Helpers the catalog importers share: columns found by header name, and cell parsers whose errors
// read "FILE:LINE: column X: what is wrong". Private to src/catalog.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv_reader.h"
#include "core/error.h"
#include "core/money.h"

namespace frugal::catalog {

// The failure of one cell of the reader's current record.
std::unexpected<Error> column_error(const CsvReader& reader, std::string_view column, std::string_view what);

// Column positions by name, from the header record.
class CsvHeader {
 public:
  explicit CsvHeader(const std::vector<std::string_view>& fields);

  std::optional<std::size_t> find(std::string_view name) const;
  // The position of a column the format cannot do without. REQUIRES: `reader` is on the header.
  Result<std::size_t> require(std::string_view name, const CsvReader& reader) const;
  std::size_t size() const { return m_names.size(); }
  const std::string& last() const { return m_names.back(); }  // REQUIRES: size() > 0

 private:
  std::vector<std::string> m_names;
};

// Fails unless the current record has one field per header column. More fields are accepted when
// the header's last column is `spill_column`, which the source writes as an unquoted list (Azure's
// Generation "V1,V2") and the importer does not read.
Result<void> check_width(const CsvHeader& header, const CsvReader& reader, std::string_view spill_column = {});

// A plain decimal number ("12", "85.0"), surrounding blanks allowed.
Result<double> parse_number(std::string_view text, std::string_view column, const CsvReader& reader);
// The same, but an empty cell is "not given".
Result<std::optional<double>> parse_optional_number(std::string_view text, std::string_view column,
                                                    const CsvReader& reader);
// A non-negative price in dollars ("0.94803").
Result<Money> parse_price(std::string_view text, std::string_view column, const CsvReader& reader);

// The cell at `column`, or "" when the file has no such column.
inline std::string_view cell(const std::vector<std::string_view>& fields, std::optional<std::size_t> column) {
  return column && *column < fields.size() ? fields[*column] : std::string_view{};
}

}  // namespace frugal::catalog
