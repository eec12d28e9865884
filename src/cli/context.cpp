#include "cli/context.h"

#include <filesystem>
#include <fmt/format.h>

#include "util/display.h"

namespace frugal::cli {

Result<void> Context::load_config() {
  if (config) return {};
  auto loaded = Config::load(flags);
  if (!loaded) return std::unexpected(loaded.error());
  config = std::move(*loaded);
  return {};
}

Format Context::format() const {
  const std::string& f = config ? config->get("format") : std::string("table");
  if (f == "csv") return Format::csv;
  if (f == "json") return Format::json;
  return Format::table;
}

Result<std::unique_ptr<store::Store>> Context::open_store(store::Access access) {
  FRUGAL_CHECK(load_config());
  std::string db = config->database();
  // A database path someone gave (--db, FRUGAL_DB, a config file) must name one that exists, or
  // one to make in a folder that exists: a mistyped path is an error, never an empty store that
  // answers "(no rows)". Only the default, under $FRUGAL_HOME, is made with its folder on first use.
  if (!config->get("db").empty() && !db.starts_with("postgresql://") && !db.starts_with("postgres://")) {
    namespace fs = std::filesystem;
    std::string given = config->source("db") == "flag" ? "--db " + db : fmt::format("{} ({})", db, config->source("db"));
    std::error_code ec;
    fs::path parent = fs::path(db).parent_path();
    if (!parent.empty() && !fs::is_directory(parent, ec))
      return fail(ErrorCode::not_found, fmt::format("{}: no folder {}; a new database is made only in a folder that exists", given,
                                                    parent.string()));
    if (access == store::Access::read_only && !fs::exists(db, ec))
      return fail(ErrorCode::not_found,
                  fmt::format("{}: no database there yet; a command that records makes it (frugal run, bill import, catalog import)", given));
  }
  return store::open_store(db, access);
}

Result<Money> parse_usd(const std::string& text, std::string_view flag) {
  std::string_view t = text;
  if (t.starts_with('$')) t.remove_prefix(1);
  auto m = Money::parse(t);
  if (!m) return std::unexpected(m.error().wrap(flag));
  if (*m < Money()) return fail(ErrorCode::invalid, fmt::format("{}: '{}' must not be negative", flag, text));
  // Prices and limits are stored in nano-dollars: refuse what would be rounded or overflow.
  if (m->decimals() > 9)
    return fail(ErrorCode::invalid, fmt::format("{}: '{}' has more than 9 decimal places", flag, text));
  if (*m > Money::from_units(1'000'000'000))
    return fail(ErrorCode::invalid, fmt::format("{}: '{}' is beyond $1,000,000,000", flag, text));
  return m;
}

Result<std::pair<std::string, std::string>> parse_key_value(const std::string& text, std::string_view flag,
                                                            std::string_view example) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    return fail(ErrorCode::invalid, fmt::format("{}: '{}' is not KEY=VALUE (e.g. {} {})", flag, text, flag, example));
  return std::pair{text.substr(0, eq), text.substr(eq + 1)};
}

std::string money_text(const Money& m) { return util::display::money(m.to_string()); }

Cell money_cell(const Money& m, Format format) {
  return Cell::num(format == Format::table ? money_text(m) : m.to_string(2));
}

Cell share_cell(double share, Format format) {
  if (format == Format::table) return Cell::num(util::display::percent(share));
  return Cell::num(format_double(share));
}

Cell hours_cell(double hours, Format format) {
  return Cell::num(format == Format::table ? util::display::quantity(hours) : format_double(hours));
}

Cell duration_cell(std::int64_t ms, Format format) {
  double seconds = static_cast<double>(ms) / 1000.0;
  return format == Format::table ? Cell::num(util::display::duration(seconds)) : Cell::num(format_double(seconds / 3600.0));
}

Cell int_cell(std::int64_t v) { return Cell::num(std::to_string(v)); }

}  // namespace frugal::cli
