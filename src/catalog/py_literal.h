#pragma once
// PyLiteral: a reader for the Python literals that catalog files embed in CSV cells (dicts, lists,
// tuples, quoted strings, numbers, True/False/None), as Python's repr() writes them. Private to
// src/catalog; enough for data, not a Python parser.
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace frugal::catalog {

struct PyValue {
  enum class Type { none, boolean, number, string, list, dict };
  Type type = Type::none;
  double number = 0;               // number; 1 or 0 for a boolean
  std::string text;                // string
  std::vector<PyValue> items;      // list or tuple elements, or dict values
  std::vector<std::string> keys;   // dict keys, parallel to items (non-string keys as written)

  // The dict entry named `key`, or nullptr (also when this is not a dict).
  const PyValue* get(std::string_view key) const;
};

// Parses the whole of `text` as one literal; trailing text is an error.
Result<PyValue> parse_py_literal(std::string_view text);

}  // namespace frugal::catalog
