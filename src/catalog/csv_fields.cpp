#include "catalog/csv_fields.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "util/strings.h"

namespace frugal::catalog {

std::unexpected<Error> column_error(const CsvReader& reader, std::string_view column, std::string_view what) {
  return fail(ErrorCode::invalid, fmt::format("{}column {}: {}", reader.where(), column, what));
}

CsvHeader::CsvHeader(const std::vector<std::string_view>& fields) {
  m_names.reserve(fields.size());
  for (auto f : fields) m_names.emplace_back(util::trim(f));
}

std::optional<std::size_t> CsvHeader::find(std::string_view name) const {
  for (std::size_t i = 0; i < m_names.size(); ++i)
    if (m_names[i] == name) return i;
  return std::nullopt;
}

Result<std::size_t> CsvHeader::require(std::string_view name, const CsvReader& reader) const {
  if (auto i = find(name)) return *i;
  return column_error(reader, name, "missing from the header");
}

Result<void> check_width(const CsvHeader& header, const CsvReader& reader, std::string_view spill_column) {
  std::size_t got = reader.fields().size();
  if (got == header.size()) return {};
  if (got > header.size() && !spill_column.empty() && header.last() == spill_column) return {};
  return fail(ErrorCode::invalid, fmt::format("{}row has {} columns, the header has {}", reader.where(), got,
                                              header.size()));
}

Result<double> parse_number(std::string_view text, std::string_view column, const CsvReader& reader) {
  std::string_view t = util::trim(text);
  if (t.empty()) return column_error(reader, column, "empty, expected a number");
  double value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(value))
    return column_error(reader, column, fmt::format("'{}' is not a number", text));
  return value;
}

Result<std::optional<double>> parse_optional_number(std::string_view text, std::string_view column,
                                                    const CsvReader& reader) {
  if (util::trim(text).empty()) return std::optional<double>{};
  return std::optional<double>{FRUGAL_TRY(parse_number(text, column, reader))};
}

Result<Money> parse_price(std::string_view text, std::string_view column, const CsvReader& reader) {
  std::string_view t = util::trim(text);
  if (t.empty()) return column_error(reader, column, "empty, expected a price");
  auto money = Money::parse(t);
  if (!money) return column_error(reader, column, money.error().message);
  if (*money < Money()) return column_error(reader, column, fmt::format("negative price '{}'", text));
  // Prices are stored as nano-dollars per hour: more would overflow, finer would be rounded away.
  if (*money > Money::from_units(1'000'000) || money->decimals() > 9)
    return column_error(reader, column, fmt::format("price '{}' is beyond $1,000,000/h or finer than a nano-dollar", text));
  return *money;
}

}  // namespace frugal::catalog
