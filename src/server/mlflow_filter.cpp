#include "server/mlflow_filter.h"

#include <cctype>
#include <cstdlib>
#include <fmt/format.h>

#include "util/strings.h"

namespace frugal::server {
namespace {

Result<FilterKind> kind_of(const std::string& prefix) {
  if (prefix == "metric" || prefix == "metrics") return FilterKind::metrics;
  if (prefix == "param" || prefix == "params" || prefix == "parameter" || prefix == "parameters") return FilterKind::params;
  if (prefix == "tag" || prefix == "tags") return FilterKind::tags;
  if (prefix == "attribute" || prefix == "attributes" || prefix == "attr" || prefix == "run") return FilterKind::attributes;
  return fail(ErrorCode::invalid, fmt::format("filter: unknown prefix '{}'", prefix));
}

}  // namespace

std::string_view skip_space(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

Result<std::string> take_name(std::string_view& s) {
  s = skip_space(s);
  if (!s.empty() && (s.front() == '`' || s.front() == '"')) {
    char q = s.front();
    auto end = s.find(q, 1);
    if (end == std::string_view::npos) return fail(ErrorCode::invalid, "filter: an unclosed quoted name");
    std::string name(s.substr(1, end - 1));
    s.remove_prefix(end + 1);
    return name;
  }
  std::size_t n = 0;
  while (n < s.size() && (std::isalnum(static_cast<unsigned char>(s[n])) || s[n] == '_' || s[n] == '.' || s[n] == '-' || s[n] == '/'))
    ++n;
  if (n == 0) return fail(ErrorCode::invalid, fmt::format("filter: expected a name at '{}'", s.substr(0, 20)));
  std::string name(s.substr(0, n));
  s.remove_prefix(n);
  return name;
}

Result<std::vector<FilterClause>> parse_filter(std::string_view s) {
  std::vector<FilterClause> out;
  s = skip_space(s);
  while (!s.empty()) {
    FilterClause c;
    std::string ident = FRUGAL_TRY(take_name(s));
    auto dot = ident.find('.');
    if (dot == std::string::npos) {  // a bare name is an attribute, as MLflow reads it: name = 'x'
      c.key = ident;
    } else {
      c.kind = FRUGAL_TRY(kind_of(ident.substr(0, dot)));
      c.key = ident.substr(dot + 1);
      if (c.key.empty()) {  // tags.`name with spaces`
        c.key = FRUGAL_TRY(take_name(s));
      }
    }
    s = skip_space(s);
    for (std::string_view op : {"!=", ">=", "<=", "=", ">", "<"})
      if (s.starts_with(op)) {
        c.op = op;
        s.remove_prefix(op.size());
        break;
      }
    if (c.op.empty()) {
      for (std::string_view op : {"ILIKE", "LIKE"})
        if (s.size() >= op.size() && util::iequals(s.substr(0, op.size()), op)) {
          c.op = op;
          s.remove_prefix(op.size());
          break;
        }
    }
    if (c.op.empty()) return fail(ErrorCode::invalid, fmt::format("filter: expected a comparison after '{}'", ident));
    s = skip_space(s);
    if (!s.empty() && (s.front() == '\'' || s.front() == '"')) {
      char q = s.front();
      auto end = s.find(q, 1);
      if (end == std::string_view::npos) return fail(ErrorCode::invalid, "filter: an unclosed string");
      c.text = std::string(s.substr(1, end - 1));
      s.remove_prefix(end + 1);
    } else {
      std::size_t n = 0;
      while (n < s.size() && !std::isspace(static_cast<unsigned char>(s[n]))) ++n;
      std::string token(s.substr(0, n));
      char* end = nullptr;
      double v = std::strtod(token.c_str(), &end);
      if (token.empty() || end != token.c_str() + token.size())
        return fail(ErrorCode::invalid, fmt::format("filter: '{}' is neither a number nor a quoted string", token));
      c.number = v;
      c.text = token;
      s.remove_prefix(n);
    }
    if (c.kind == FilterKind::metrics && !c.number) return fail(ErrorCode::invalid, fmt::format("filter: metrics.{} compares with a number", c.key));
    out.push_back(std::move(c));
    s = skip_space(s);
    if (s.empty()) break;
    if (s.size() < 4 || !util::iequals(s.substr(0, 3), "and") || !std::isspace(static_cast<unsigned char>(s[3])))
      return fail(ErrorCode::invalid, fmt::format("filter: expected AND at '{}' (MLflow filters join with AND only)", s.substr(0, 20)));
    s = skip_space(s.substr(3));
  }
  return out;
}

}  // namespace frugal::server
