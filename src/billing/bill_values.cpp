#include "billing/bill_values.h"

#include <charconv>
#include <optional>
#include <fmt/format.h>

namespace frugal::billing {
namespace {

bool read_number(std::string_view s, std::size_t& i, int& out, std::size_t max_digits) {
  std::size_t start = i;
  out = 0;
  while (i < s.size() && i - start < max_digits && s[i] >= '0' && s[i] <= '9') out = out * 10 + (s[i++] - '0');
  return i > start;
}

// Steps past `c` at i; false if another character (or none) is there.
bool read_char(std::string_view s, std::size_t& i, char c) {
  if (i >= s.size() || s[i] != c) return false;
  ++i;
  return true;
}

// "M/D/YYYY[ H:MM[:SS]]" → ISO text that parse_utc reads.
std::optional<std::string> us_date_to_iso(std::string_view s) {
  std::size_t i = 0;
  int month = 0, day = 0, year = 0;
  if (!read_number(s, i, month, 2) || !read_char(s, i, '/')) return std::nullopt;
  if (!read_number(s, i, day, 2) || !read_char(s, i, '/')) return std::nullopt;
  std::size_t year_start = i;
  if (!read_number(s, i, year, 4)) return std::nullopt;
  if (i - year_start == 2) year += 2000;
  else if (i - year_start != 4) return std::nullopt;
  std::string iso = fmt::format("{:04}-{:02}-{:02}", year, month, day);
  if (i < s.size()) {
    if (s[i] != ' ' && s[i] != 'T') return std::nullopt;
    ++i;
    int h = 0, m = 0, sec = 0;
    if (!read_number(s, i, h, 2) || !read_char(s, i, ':') || !read_number(s, i, m, 2)) return std::nullopt;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!read_number(s, i, sec, 2)) return std::nullopt;
    }
    if (i != s.size()) return std::nullopt;
    iso += fmt::format("T{:02}:{:02}:{:02}Z", h, m, sec);
  }
  return iso;
}

}  // namespace

Result<TimePoint> parse_bill_time(std::string_view text) {
  if (text.find('/') != std::string_view::npos) {
    if (auto iso = us_date_to_iso(text)) {
      if (auto t = parse_utc(*iso)) return *t;
    }
    return fail(ErrorCode::invalid, fmt::format("'{}' is not a date (expected e.g. 2024-09-01T00:00:00Z or 09/01/2024)", text));
  }
  auto t = parse_utc(text);
  if (!t) return fail(ErrorCode::invalid, fmt::format("'{}' is not a date (expected e.g. 2024-09-01T00:00:00Z or 09/01/2024)", text));
  return t;
}

std::string_view normalize_frequency(std::string_view v) {
  if (v == "Usage-based" || v == "UsageBased" || v == "usage-based") return "Usage-Based";
  if (v == "OneTime" || v == "One-time") return "One-Time";
  return v;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_tags(std::string_view s) {
  std::vector<std::pair<std::string, std::string>> out;
  FRUGAL_CHECK(parse_tags_into(s, out));
  return out;
}

Result<void> parse_tags_into(std::string_view s, std::vector<std::pair<std::string, std::string>>& out) {
  std::size_t i = 0, count = 0;
  auto bad = [&](std::string_view why) {
    out.resize(count);
    return fail(ErrorCode::invalid, fmt::format("not a JSON object of tags ({} at offset {})", why, i));
  };
  auto skip_ws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  };
  auto read_string = [&](std::string& into) -> bool {
    if (i >= s.size() || s[i] != '"') return false;
    ++i;
    for (;;) {
      // The plain run up to the next quote or backslash, in one append.
      std::size_t stop = s.find_first_of("\"\\", i);
      if (stop == std::string_view::npos) return false;
      into.append(s.substr(i, stop - i));
      i = stop + 1;
      if (s[stop] == '"') return true;
      if (i >= s.size()) return false;
      char e = s[i++];
      switch (e) {
        case 'n': into.push_back('\n'); break;
        case 't': into.push_back('\t'); break;
        case 'r': into.push_back('\r'); break;
        case 'b': into.push_back('\b'); break;
        case 'f': into.push_back('\f'); break;
        case 'u': {  // kept as the escape: tags are labels, not text to render
          if (i + 4 > s.size()) return false;
          into += "\\u";
          into.append(s.substr(i, 4));
          i += 4;
          break;
        }
        default: into.push_back(e);
      }
    }
  };
  skip_ws();
  if (i >= s.size() || s[i] != '{') return bad("no opening brace");
  ++i;
  skip_ws();
  if (i < s.size() && s[i] == '}') {
    ++i;
  } else {
    for (;;) {
      skip_ws();
      if (count == out.size()) out.emplace_back();
      auto& [key, value] = out[count];
      key.clear();
      value.clear();
      if (!read_string(key)) return bad("expected a quoted key");
      skip_ws();
      if (i >= s.size() || s[i] != ':') return bad("expected ':'");
      ++i;
      skip_ws();
      if (i < s.size() && s[i] == '"') {
        if (!read_string(value)) return bad("unterminated string");
      } else {
        std::size_t start = i;
        while (i < s.size() && s[i] != ',' && s[i] != '}') ++i;
        value.assign(s.substr(start, i - start));
        while (!value.empty() && value.back() == ' ') value.pop_back();
        if (value.empty() || value.front() == '{' || value.front() == '[') return bad("expected a scalar value");
      }
      ++count;
      skip_ws();
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      if (i < s.size() && s[i] == '}') {
        ++i;
        break;
      }
      return bad("expected ',' or '}'");
    }
  }
  out.resize(count);
  skip_ws();
  if (i != s.size()) return bad("text after the object");
  return {};
}

std::string tags_json(const std::vector<std::pair<std::string, std::string>>& tags) {
  std::string out = "{";
  auto quote = [&](const std::string& v) {
    out.push_back('"');
    for (char c : v) {
      if (c == '"' || c == '\\') out.push_back('\\');
      if (c == '\n') { out += "\\n"; continue; }
      out.push_back(c);
    }
    out.push_back('"');
  };
  for (std::size_t k = 0; k < tags.size(); ++k) {
    if (k) out += ",";
    quote(tags[k].first);
    out += ":";
    quote(tags[k].second);
  }
  return out + "}";
}

}  // namespace frugal::billing
