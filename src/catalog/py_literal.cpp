#include "catalog/py_literal.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace frugal::catalog {
namespace {

// Nesting deeper than this is not catalog data; the cap keeps recursion bounded.
constexpr int k_max_depth = 32;

PyValue of_type(PyValue::Type type, double number = 0) {
  PyValue v;
  v.type = type;
  v.number = number;
  return v;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : m_text(text) {}

  Result<PyValue> document() {
    PyValue v = FRUGAL_TRY(value(0));
    skip_blanks();
    if (m_pos != m_text.size()) return error("unexpected text after the value");
    return v;
  }

 private:
  std::unexpected<Error> error(std::string_view what) const {
    return fail(ErrorCode::invalid, fmt::format("not a Python literal at character {}: {}", m_pos + 1, what));
  }

  void skip_blanks() {
    while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos]))) ++m_pos;
  }

  bool take(char c) {
    skip_blanks();
    if (m_pos < m_text.size() && m_text[m_pos] == c) {
      ++m_pos;
      return true;
    }
    return false;
  }

  Result<PyValue> value(int depth) {
    if (depth > k_max_depth) return error("nested too deeply");
    skip_blanks();
    if (m_pos == m_text.size()) return error("value expected, text ends");
    char c = m_text[m_pos];
    if (c == '{') return dict(depth);
    if (c == '[') return sequence(']', depth);
    if (c == '(') return sequence(')', depth);
    if (c == '\'' || c == '"') {
      PyValue v = of_type(PyValue::Type::string);
      v.text = FRUGAL_TRY(string());
      return v;
    }
    if (c == '-' || c == '+' || c == '.' || std::isdigit(static_cast<unsigned char>(c))) return number();
    return word();
  }

  Result<PyValue> dict(int depth) {
    ++m_pos;  // '{'
    PyValue v = of_type(PyValue::Type::dict);
    if (take('}')) return v;
    do {
      if (take('}')) return v;  // a trailing comma
      PyValue key = FRUGAL_TRY(value(depth + 1));
      if (!take(':')) return error("':' expected after a dict key");
      v.keys.push_back(key.type == PyValue::Type::string ? key.text : fmt::format("{}", key.number));
      v.items.push_back(FRUGAL_TRY(value(depth + 1)));
    } while (take(','));
    if (!take('}')) return error("',' or '}' expected");
    return v;
  }

  Result<PyValue> sequence(char close, int depth) {
    ++m_pos;  // '[' or '('
    PyValue v = of_type(PyValue::Type::list);
    if (take(close)) return v;
    do {
      if (take(close)) return v;
      v.items.push_back(FRUGAL_TRY(value(depth + 1)));
    } while (take(','));
    if (!take(close)) return error(fmt::format("',' or '{}' expected", close));
    return v;
  }

  Result<std::string> string() {
    char quote = m_text[m_pos++];
    std::string out;
    while (m_pos < m_text.size()) {
      char c = m_text[m_pos++];
      if (c == quote) return out;
      if (c == '\\') {
        if (m_pos == m_text.size()) break;
        char e = m_text[m_pos++];
        switch (e) {
          case 'n': out.push_back('\n'); break;
          case 't': out.push_back('\t'); break;
          case 'r': out.push_back('\r'); break;
          case '0': out.push_back('\0'); break;
          default: out.push_back(e); break;  // \\ \' \" and anything repr() would not write
        }
        continue;
      }
      out.push_back(c);
    }
    return error("unterminated string");
  }

  Result<PyValue> number() {
    std::size_t start = m_pos;
    if (m_text[m_pos] == '+' || m_text[m_pos] == '-') ++m_pos;
    while (m_pos < m_text.size() &&
           (std::isalnum(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '.' ||
            ((m_text[m_pos] == '-' || m_text[m_pos] == '+') &&
             (m_text[m_pos - 1] == 'e' || m_text[m_pos - 1] == 'E'))))
      ++m_pos;
    std::string_view digits = m_text.substr(start, m_pos - start);
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    PyValue v = of_type(PyValue::Type::number);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v.number);
    if (ec != std::errc() || end != digits.data() + digits.size()) {
      m_pos = start;
      return error(fmt::format("'{}' is not a number", m_text.substr(start, digits.size())));
    }
    return v;
  }

  Result<PyValue> word() {
    std::size_t start = m_pos;
    while (m_pos < m_text.size() && std::isalpha(static_cast<unsigned char>(m_text[m_pos]))) ++m_pos;
    std::string_view w = m_text.substr(start, m_pos - start);
    if (w == "None") return PyValue{};
    if (w == "True" || w == "False") return of_type(PyValue::Type::boolean, w == "True" ? 1.0 : 0.0);
    m_pos = start;
    return error("value expected");
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
};

}  // namespace

const PyValue* PyValue::get(std::string_view key) const {
  if (type != Type::dict) return nullptr;
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return &items[i];
  return nullptr;
}

Result<PyValue> parse_py_literal(std::string_view text) { return Parser(text).document(); }

}  // namespace frugal::catalog
