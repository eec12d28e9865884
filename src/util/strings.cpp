#include "util/strings.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <numeric>

namespace frugal::util {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::expected<std::string, std::size_t> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+' && plus_is_space) {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else {
      bool two_digits = i + 2 < text.size();
      int high = two_digits ? hex_digit(text[i + 1]) : -1;
      int low = two_digits ? hex_digit(text[i + 2]) : -1;
      if (high < 0 || low < 0 || (high == 0 && low == 0)) return std::unexpected(i);
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = s.find(separator, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::string x = to_lower(a), y = to_lower(b);
  std::vector<std::size_t> row(y.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (std::size_t i = 1; i <= x.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= y.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (x[i - 1] == y[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[y.size()];
}

std::vector<std::string> closest_matches(std::string_view wanted,
                                         const std::vector<std::string>& candidates,
                                         std::size_t limit) {
  std::string w = to_lower(wanted);
  std::vector<std::pair<std::size_t, const std::string*>> scored;
  for (const auto& c : candidates) {
    std::string lc = to_lower(c);
    std::size_t d = edit_distance(w, lc);
    // A shared stem ("p4d" of "p4d.24xlarge") counts as close whatever the length difference.
    std::size_t stem = std::min<std::size_t>(w.find('.') == std::string::npos ? w.size() : w.find('.'), 4);
    bool shares_stem = stem >= 2 && lc.compare(0, stem, w, 0, stem) == 0;
    std::size_t budget = std::max<std::size_t>(2, w.size() / 3);
    if (d <= budget || shares_stem) scored.emplace_back(shares_stem ? d : d + 100, &c);
  }
  std::sort(scored.begin(), scored.end(), [](const auto& l, const auto& r) {
    return l.first != r.first ? l.first < r.first : *l.second < *r.second;
  });
  std::vector<std::string> out;
  for (const auto& [score, name] : scored) {
    if (out.size() == limit) break;
    if (std::find(out.begin(), out.end(), *name) == out.end()) out.push_back(*name);
  }
  return out;
}

std::string_view non_finite_name(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return {};
}

std::optional<double> parse_non_finite(std::string_view text) {
  if (text == "NaN" || text == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity" || text == "inf") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity" || text == "-inf") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

std::string quote_non_finite_json(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      out.push_back(c);
      continue;
    }
    if (c == '"') {
      in_string = true;
      out.push_back(c);
      continue;
    }
    bool quoted = false;
    for (std::string_view token : {"-Infinity", "Infinity", "NaN"}) {
      if (text.substr(i).starts_with(token)) {
        out += '"';
        out += token;
        out += '"';
        i += token.size() - 1;
        quoted = true;
        break;
      }
    }
    if (!quoted) out.push_back(c);
  }
  return out;
}

std::string shell_word(std::string_view word) {
  bool plain = !word.empty();
  for (char c : word) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("._-/:=@+%").find(c) != std::string_view::npos;
    plain = plain && safe;
  }
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string with_article(std::string_view noun) {
  // By the first letter, save the words whose sound says otherwise ("a user", "an hour").
  static constexpr std::string_view k_vowel_letter_consonant_sound[] = {"user", "unit", "usage", "one"};
  static constexpr std::string_view k_consonant_letter_vowel_sound[] = {"hour", "honest"};
  std::string lower;
  for (char c : noun) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  auto starts = [&](const auto& words) {
    return std::any_of(std::begin(words), std::end(words), [&](std::string_view w) { return std::string_view(lower).starts_with(w); });
  };
  bool vowel = !lower.empty() && std::string_view("aeiou").find(lower.front()) != std::string_view::npos;
  if (vowel && starts(k_vowel_letter_consonant_sound)) vowel = false;
  if (!vowel && starts(k_consonant_letter_vowel_sound)) vowel = true;
  return std::string(vowel ? "an " : "a ") + std::string(noun);
}

}  // namespace frugal::util
