#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "server/lenient_json.h"
#include "server/openapi.h"
#include "server/routes.h"
#include "util/strings.h"

namespace frugal::server {

namespace {

// Deeper JSON than any client of ours sends is refused before parsing: parsing would take it, but
// dumping it (an arcee tag, an id echoed back) recurses once per level and overflows the stack.
constexpr int k_max_depth = 32;

bool too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > k_max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

namespace {

// Bare NaN, Infinity and -Infinity: refused (JSON has none), or read as the strings MLflow writes.
enum class NonFinite { refuse, as_strings };

Result<json> parse_object(const std::string& body, NonFinite non_finite) {
  if (body.empty()) return json::object();
  if (too_deep(body)) return fail(ErrorCode::invalid, fmt::format("JSON nested deeper than {} levels", k_max_depth));
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() && non_finite == NonFinite::as_strings)
    parsed = json::parse(util::quote_non_finite_json(body), nullptr, false);
  if (parsed.is_discarded()) {
    // Parse again for the position of the error (rare: only bad requests pay for it).
    try {
      json again = json::parse(body);
    } catch (const json::parse_error& e) {
      return fail(ErrorCode::invalid, fmt::format("malformed JSON at byte {}", e.byte));
    } catch (const json::exception& e) {  // a number beyond a double (1e999) is out_of_range, not parse_error
      return fail(ErrorCode::invalid, fmt::format("malformed JSON: {}", e.what()));
    }
    return fail(ErrorCode::invalid, "malformed JSON");
  }
  if (!parsed.is_object()) return fail(ErrorCode::invalid, "the body must be a JSON object");
  return parsed;
}

}  // namespace

Result<json> parse_body(const Call& call) { return parse_object(call.body, NonFinite::refuse); }

Result<json> parse_body_lenient(const Call& call) { return parse_object(call.body, NonFinite::as_strings); }

namespace {

std::string where(const std::string& path, const std::string& name) { return path.empty() ? name : path + "." + name; }

}  // namespace

Result<void> check_text(std::string_view text, std::string_view field) {
  if (text.find('\0') == std::string_view::npos) return {};
  return fail(ErrorCode::invalid, fmt::format("field '{}': contains a NUL character (U+0000), which stored text may not hold", field));
}

Result<std::string> string_field(const json& object, const std::string& name, const std::string& path, Field presence) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (presence == Field::required) return fail(ErrorCode::invalid, fmt::format("field '{}' is required", where(path, name)));
    return std::string();
  }
  if (!it->is_string()) return fail(ErrorCode::invalid, fmt::format("field '{}': expected a string", where(path, name)));
  FRUGAL_CHECK(check_text(it->get_ref<const std::string&>(), where(path, name)));
  return it->get<std::string>();
}

Result<std::optional<double>> number_field(const json& object, const std::string& name, const std::string& path, Field presence) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (presence == Field::required) return fail(ErrorCode::invalid, fmt::format("field '{}' is required", where(path, name)));
    return std::optional<double>{};
  }
  if (it->is_number()) return std::optional<double>{it->get<double>()};
  // MLflow clients send NaN and infinities as strings.
  if (it->is_string())
    if (auto v = util::parse_non_finite(it->get_ref<const std::string&>())) return v;
  return fail(ErrorCode::invalid, fmt::format("field '{}': expected a number", where(path, name)));
}

Result<std::optional<std::int64_t>> integer_field(const json& object, const std::string& name, const std::string& path,
                                                  Field presence) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (presence == Field::required) return fail(ErrorCode::invalid, fmt::format("field '{}' is required", where(path, name)));
    return std::optional<std::int64_t>{};
  }
  // JSON holds 2^63 and beyond as unsigned; cast to int64 it would wrap to a negative.
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return fail(ErrorCode::invalid, fmt::format("field '{}': {} is beyond a 64-bit integer", where(path, name),
                                                it->get<std::uint64_t>()));
  if (it->is_number_integer()) return std::optional<std::int64_t>{it->get<std::int64_t>()};
  if (it->is_string()) {  // MLflow's proto3 JSON writes int64 as strings
    std::string s = it->get<std::string>();
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size()) return std::optional<std::int64_t>{v};
  }
  return fail(ErrorCode::invalid, fmt::format("field '{}': expected an integer", where(path, name)));
}

bool may_touch_team(const Principal& who, const std::string& team) { return who.role == Role::admin || who.team == team; }

Result<std::int64_t> parse_id(const std::string& text, std::string_view what) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v <= 0)
    return fail(ErrorCode::invalid, fmt::format("{} '{}': expected a positive integer id", what, text));
  return v;
}

Result<std::int64_t> run_in_scope(const Call& call, const std::string& id_text) {
  auto id = parse_id(id_text, "run");
  if (!id) return fail(ErrorCode::not_found, fmt::format("run '{}' does not exist", id_text));
  std::optional<std::string> team = call.run_teams ? call.run_teams->get(*id) : std::nullopt;
  if (!team) {
    store::Value p[] = {*id};
    auto rows = FRUGAL_TRY(call.store.query("SELECT coalesce(team, '') FROM runs WHERE id = ?", p));
    if (!rows.rows.empty()) {
      team = store::as_text(rows.rows[0][0]);
      if (call.run_teams) call.run_teams->put(*id, *team);
    }
  }
  if (!team && call.who.role == Role::admin) return fail(ErrorCode::not_found, fmt::format("run '{}' does not exist", id_text));
  if (!team || !may_touch_team(call.who, *team)) return fail(ErrorCode::forbidden, "this token may not see that run");
  return *id;
}

std::string query_or(const Call& call, const char* name, const char* fallback) {
  auto it = call.query.find(name);
  return it == call.query.end() ? std::string(fallback) : it->second;
}

json metric_value_json(double value) {
  if (auto name = util::non_finite_name(value); !name.empty()) return name;
  return value;
}

tracking::Writer writer_of(const Principal& who) {
  return who.role == Role::admin ? tracking::Writer::any() : tracking::Writer::of_team(who.team);
}

tracking::Reader reader_of(const Principal& who) {
  return who.role == Role::admin ? tracking::Reader::any() : tracking::Reader::of_team(who.team);
}

json value_json(const store::Value& v) {
  if (store::is_null(v)) return nullptr;
  if (std::holds_alternative<std::int64_t>(v)) return std::get<std::int64_t>(v);
  if (std::holds_alternative<double>(v)) return std::get<double>(v);
  return store::as_text(v);
}

json openapi_document(const std::vector<Route>& routes) { return openapi_spec(routes); }

}  // namespace frugal::server
