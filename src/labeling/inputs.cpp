#include "labeling/inputs.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/csv_reader.h"
#include "util/strings.h"

namespace frugal::labeling {
namespace {

constexpr std::size_t k_max_id_bytes = 1024;
constexpr std::size_t k_max_classes = 100'000;
constexpr std::size_t k_max_dim = 65'536;
constexpr double k_sum_tolerance = 0.01;

std::string where(const std::filesystem::path& file, std::size_t line) {
  return fmt::format("{}:{}: ", file.string(), line);
}

// Where a row is, formatted ("FILE:LINE: ") only when an error needs it: formatting it for every
// row of a 10,000,000-row file was an allocation per row for nothing.
struct At {
  const std::filesystem::path* file;
  std::size_t line;
  std::string text() const { return where(*file, line); }
};
std::string operator+(const At& at, std::string_view rest) { return at.text() + std::string(rest); }

}  // namespace
}  // namespace frugal::labeling

template <>
struct fmt::formatter<frugal::labeling::At> : fmt::formatter<std::string> {
  auto format(const frugal::labeling::At& at, format_context& ctx) const {
    return fmt::formatter<std::string>::format(at.text(), ctx);
  }
};

namespace frugal::labeling {
namespace {

std::optional<double> number(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

Result<double> probability(std::string_view text, const At& at, std::string_view column) {
  auto p = number(text);
  if (!p) return fail(ErrorCode::invalid, fmt::format("{}{}: '{}' is not a number", at, column, text));
  if (std::isnan(*p)) return fail(ErrorCode::invalid, fmt::format("{}{}: NaN is not a probability", at, column));
  if (*p < 0 || *p > 1 + 1e-9)
    return fail(ErrorCode::invalid, fmt::format("{}{}: {} is not a probability (0 to 1)", at, column, text));
  return *p;
}

Result<void> check_id(std::string_view id, const At& at) {
  if (id.empty()) return fail(ErrorCode::invalid, at + "id: empty");
  if (id.size() > k_max_id_bytes)
    return fail(ErrorCode::invalid, fmt::format("{}id: {} bytes, at most {}", at, id.size(), k_max_id_bytes));
  return {};
}

// Reduces one row's (class, probability) pairs to a Prediction. `full`: the row lists every class.
class RowReducer {
 public:
  void start() {
    m_best = m_second = -1;
    m_best_class = 0;
    m_sum = m_entropy = 0;
  }
  void add(std::uint32_t cls, double p) {
    m_sum += p;
    if (p > 0) m_entropy -= p * std::log(p);
    if (p > m_best) {
      m_second = m_best;
      m_best = p;
      m_best_class = cls;
    } else if (p > m_second) {
      m_second = p;
    }
  }
  Result<void> finish(Prediction& out, bool full, const At& at) {
    if (m_best < 0) return fail(ErrorCode::invalid, at + "no class probabilities");
    if (full ? std::fabs(m_sum - 1) > k_sum_tolerance : m_sum > 1 + k_sum_tolerance)
      return fail(ErrorCode::invalid, fmt::format("{}the probabilities sum to {:.4g}, not 1{}", at, m_sum,
                                                  full ? "" : " or less (top-k)"));
    double rest = 1 - m_sum;  // top-k: the classes not listed, as one outcome
    if (!full && rest > 1e-12) m_entropy -= rest * std::log(rest);
    out.predicted = m_best_class;
    out.confidence = m_best;
    out.runner_up = std::max(0.0, m_second);
    out.entropy = std::max(0.0, m_entropy);
    return {};
  }

 private:
  double m_best = -1, m_second = -1, m_sum = 0, m_entropy = 0;
  std::uint32_t m_best_class = 0;
};

// "label_3" → 3 (and the prefix "label"), for the top-k header.
std::optional<std::size_t> pair_index(std::string_view column, std::string_view prefix) {
  if (!column.starts_with(prefix) || column.size() <= prefix.size() + 1 || column[prefix.size()] != '_')
    return std::nullopt;
  std::size_t n = 0;
  auto digits = column.substr(prefix.size() + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return n;
}

Result<void> read_predictions_csv(const std::filesystem::path& file, Classes& classes,
                                  const std::function<Result<void>(const Prediction&)>& on_row) {
  auto reader = FRUGAL_TRY(CsvReader::open(file.string()));
  if (!FRUGAL_TRY(reader.next())) return fail(ErrorCode::invalid, file.string() + ": empty (expected a header)");
  std::vector<std::string> header(reader.fields().begin(), reader.fields().end());
  if (header.empty() || header[0] != "id")
    return fail(ErrorCode::invalid, where(file, 1) + "the first column must be 'id'");
  if (header.size() < 2) return fail(ErrorCode::invalid, where(file, 1) + "no class columns after 'id'");
  if (header.size() - 1 > k_max_classes)
    return fail(ErrorCode::invalid, fmt::format("{}{} classes, at most {}", where(file, 1), header.size() - 1, k_max_classes));
  // Top-k: label_1, prob_1, label_2, prob_2, …; else a column per class.
  bool top_k = pair_index(header[1], "label").has_value();
  std::vector<std::uint32_t> column_class;
  if (top_k) {
    if ((header.size() - 1) % 2 != 0)
      return fail(ErrorCode::invalid, where(file, 1) + "top-k columns come in pairs: label_N, prob_N");
    for (std::size_t i = 1; i < header.size(); i += 2) {
      std::size_t n = (i + 1) / 2;
      if (pair_index(header[i], "label") != n || pair_index(header[i + 1], "prob") != n)
        return fail(ErrorCode::invalid, fmt::format("{}columns {} and {}: expected label_{} and prob_{}", where(file, 1),
                                                    header[i], header[i + 1], n, n));
    }
  } else {
    std::unordered_set<std::string> seen;
    for (std::size_t i = 1; i < header.size(); ++i) {
      if (header[i].empty()) return fail(ErrorCode::invalid, fmt::format("{}column {}: no class name", where(file, 1), i + 1));
      if (!seen.insert(header[i]).second)
        return fail(ErrorCode::invalid, fmt::format("{}class '{}' has two columns", where(file, 1), header[i]));
      column_class.push_back(classes.id(header[i]));
    }
  }
  RowReducer reduce;
  Prediction p;
  while (FRUGAL_TRY(reader.next())) {
    const auto& f = reader.fields();
    At at{&file, reader.line()};
    if (f.size() != header.size())
      return fail(ErrorCode::invalid, fmt::format("{}{} fields, the header has {}", at, f.size(), header.size()));
    FRUGAL_CHECK(check_id(f[0], at));
    reduce.start();
    if (top_k) {
      for (std::size_t i = 1; i < f.size(); i += 2) {
        if (f[i].empty() && f[i + 1].empty()) continue;  // fewer than k candidates
        if (f[i].empty()) return fail(ErrorCode::invalid, fmt::format("{}{}: empty", at, header[i]));
        reduce.add(classes.id(f[i]), FRUGAL_TRY(probability(f[i + 1], at, header[i + 1])));
      }
    } else {
      for (std::size_t i = 1; i < f.size(); ++i)
        reduce.add(column_class[i - 1], FRUGAL_TRY(probability(f[i], at, header[i])));
    }
    if (classes.size() > k_max_classes)
      return fail(ErrorCode::invalid, fmt::format("{}more than {} classes", at, k_max_classes));
    FRUGAL_CHECK(reduce.finish(p, !top_k, at));
    p.id = f[0];
    p.line = reader.line();
    FRUGAL_CHECK(on_row(p));
  }
  return {};
}

// Calls on_line for each non-blank line of a JSON lines file, parsed.
Result<void> each_json_line(const std::filesystem::path& file,
                            const std::function<Result<void>(const nlohmann::json&, const At&, std::size_t)>& on_line) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::io, fmt::format("{}: cannot open", file.string()));
  std::string text;
  for (std::size_t line = 1; std::getline(in, text); ++line) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    At at{&file, line};
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return fail(ErrorCode::invalid, at + "not a JSON object");
    FRUGAL_CHECK(on_line(doc, at, line));
  }
  if (in.bad()) return fail(ErrorCode::io, fmt::format("{}: read error", file.string()));
  return {};
}

Result<std::string> id_field(const nlohmann::json& doc, const At& at) {
  auto it = doc.find("id");
  if (it == doc.end()) return fail(ErrorCode::invalid, at + "id: missing");
  std::string id = it->is_string() ? it->get<std::string>() : it->is_number_integer() ? it->dump() : "";
  if (id.empty() && !it->is_string()) return fail(ErrorCode::invalid, at + "id: expected a string or an integer");
  FRUGAL_CHECK(check_id(id, at));
  return id;
}

Result<void> read_predictions_json(const std::filesystem::path& file, Classes& classes,
                                   const std::function<Result<void>(const Prediction&)>& on_row) {
  RowReducer reduce;
  Prediction p;
  return each_json_line(file, [&](const nlohmann::json& doc, const At& at, std::size_t line) -> Result<void> {
    std::string id = FRUGAL_TRY(id_field(doc, at));
    // "probs": every class, summing to 1; "top": the top few, summing to 1 or less.
    auto probs = doc.find("probs");
    bool full = probs != doc.end();
    if (!full) probs = doc.find("top");
    if (probs == doc.end() || !probs->is_object() || probs->empty())
      return fail(ErrorCode::invalid, at + "probs (or top): expected an object of class → probability");
    std::string_view field = full ? "probs" : "top";
    reduce.start();
    for (const auto& [name, value] : probs->items()) {
      if (!value.is_number())
        return fail(ErrorCode::invalid, fmt::format("{}{}.{}: expected a number", at, field, name));
      double v = value.get<double>();
      if (!std::isfinite(v) || v < 0 || v > 1 + 1e-9)
        return fail(ErrorCode::invalid, fmt::format("{}{}.{}: {} is not a probability (0 to 1)", at, field, name, v));
      reduce.add(classes.id(name), v);
    }
    if (classes.size() > k_max_classes)
      return fail(ErrorCode::invalid, fmt::format("{}more than {} classes", at, k_max_classes));
    FRUGAL_CHECK(reduce.finish(p, full, at));
    p.id = id;
    p.line = line;
    return on_row(p);
  });
}

}  // namespace

std::uint32_t Classes::id(std::string_view name) {
  auto it = m_ids.find(name);
  if (it != m_ids.end()) return it->second;
  auto id = static_cast<std::uint32_t>(m_names.size());
  m_names.emplace_back(name);
  m_ids.emplace(m_names.back(), id);
  return id;
}

bool is_json_lines(const std::filesystem::path& file) {
  auto ext = file.extension().string();
  return ext == ".jsonl" || ext == ".ndjson" || ext == ".json";
}

Result<void> read_predictions(const std::filesystem::path& file, Classes& classes,
                              const std::function<Result<void>(const Prediction&)>& on_row) {
  return is_json_lines(file) ? read_predictions_json(file, classes, on_row)
                             : read_predictions_csv(file, classes, on_row);
}

void IdDuplicates::add(std::string_view id, std::size_t) { m_hashes.push_back(util::fnv1a(id)); }

Result<void> IdDuplicates::check(const std::filesystem::path& predictions) {
  std::sort(m_hashes.begin(), m_hashes.end());
  std::unordered_set<std::uint64_t> twice;
  for (std::size_t i = 1; i < m_hashes.size(); ++i)
    if (m_hashes[i] == m_hashes[i - 1]) twice.insert(m_hashes[i]);
  m_hashes = {};
  if (twice.empty()) return {};
  // Rare: read again for the lines. Equal hashes of different ids are not an error.
  std::unordered_map<std::string, std::size_t> first_line;
  Classes classes;
  return read_predictions(predictions, classes, [&](const Prediction& p) -> Result<void> {
    if (!twice.contains(util::fnv1a(p.id))) return {};
    auto [it, added] = first_line.emplace(std::string(p.id), p.line);
    if (!added)
      return fail(ErrorCode::invalid, fmt::format("{}:{}: id '{}' is listed twice (first on line {})",
                                                  predictions.string(), p.line, p.id, it->second));
    return {};
  });
}

Result<ValidationLabels> read_validation(const std::filesystem::path& file) {
  ValidationLabels labels;
  auto add = [&](std::string id, std::string label, const At& at) -> Result<void> {
    FRUGAL_CHECK(check_id(id, at));
    if (label.empty()) return fail(ErrorCode::invalid, at + "label: empty");
    if (!labels.emplace(std::move(id), std::move(label)).second)
      return fail(ErrorCode::invalid, at + "id: listed twice");
    return {};
  };
  if (is_json_lines(file)) {
    FRUGAL_CHECK(each_json_line(file, [&](const nlohmann::json& doc, const At& at, std::size_t) -> Result<void> {
      std::string id = FRUGAL_TRY(id_field(doc, at));
      auto label = doc.find("label");
      if (label == doc.end() || !(label->is_string() || label->is_number_integer()))
        return fail(ErrorCode::invalid, at + "label: expected a string or an integer");
      return add(std::move(id), label->is_string() ? label->get<std::string>() : label->dump(), at);
    }));
    return labels;
  }
  auto reader = FRUGAL_TRY(CsvReader::open(file.string()));
  if (!FRUGAL_TRY(reader.next()) || reader.fields().size() != 2 || reader.fields()[0] != "id" ||
      reader.fields()[1] != "label")
    return fail(ErrorCode::invalid, where(file, 1) + "expected the header id,label");
  while (FRUGAL_TRY(reader.next())) {
    At at{&file, reader.line()};
    if (reader.fields().size() != 2)
      return fail(ErrorCode::invalid, fmt::format("{}{} fields, the header has 2", at, reader.fields().size()));
    FRUGAL_CHECK(add(std::string(reader.fields()[0]), std::string(reader.fields()[1]), at));
  }
  return labels;
}

Result<Embeddings> read_embeddings(const std::filesystem::path& file, const std::unordered_set<std::string>& wanted) {
  Embeddings e;
  auto keep = [&](std::string_view id, std::size_t dim, const At& at) -> Result<float*> {
    if (dim == 0) return fail(ErrorCode::invalid, at + "an empty vector");
    if (dim > k_max_dim) return fail(ErrorCode::invalid, fmt::format("{}{} dimensions, at most {}", at, dim, k_max_dim));
    if (e.dim == 0) e.dim = dim;
    if (dim != e.dim)
      return fail(ErrorCode::invalid, fmt::format("{}{} dimensions, earlier rows have {}", at, dim, e.dim));
    std::string key(id);
    if (!wanted.contains(key)) return nullptr;
    if (!e.row_of.emplace(std::move(key), e.row_of.size()).second)
      return fail(ErrorCode::invalid, at + "id: listed twice");
    e.vectors.resize(e.vectors.size() + dim);
    return e.vectors.data() + e.vectors.size() - dim;
  };
  auto check = [](double v, const At& at, std::size_t i) -> Result<float> {
    if (!std::isfinite(v)) return fail(ErrorCode::invalid, fmt::format("{}component {}: not a finite number", at, i));
    if (std::fabs(v) > std::numeric_limits<float>::max())  // it would be kept as an infinite float
      return fail(ErrorCode::invalid, fmt::format("{}component {}: {} is beyond a float's range", at, i, v));
    return static_cast<float>(v);
  };
  if (is_json_lines(file)) {
    FRUGAL_CHECK(each_json_line(file, [&](const nlohmann::json& doc, const At& at, std::size_t) -> Result<void> {
      std::string id = FRUGAL_TRY(id_field(doc, at));
      auto v = doc.find("embedding");
      if (v == doc.end() || !v->is_array()) return fail(ErrorCode::invalid, at + "embedding: expected an array of numbers");
      float* out = FRUGAL_TRY(keep(id, v->size(), at));
      for (std::size_t i = 0; i < v->size(); ++i) {
        if (!(*v)[i].is_number()) return fail(ErrorCode::invalid, fmt::format("{}embedding[{}]: not a number", at, i));
        float x = FRUGAL_TRY(check((*v)[i].get<double>(), at, i));
        if (out) out[i] = x;
      }
      return {};
    }));
    return e;
  }
  auto reader = FRUGAL_TRY(CsvReader::open(file.string()));
  if (!FRUGAL_TRY(reader.next()) || reader.fields().empty() || reader.fields()[0] != "id")
    return fail(ErrorCode::invalid, where(file, 1) + "the first column must be 'id'");
  std::size_t columns = reader.fields().size();
  while (FRUGAL_TRY(reader.next())) {
    const auto& f = reader.fields();
    At at{&file, reader.line()};
    if (f.size() != columns) return fail(ErrorCode::invalid, fmt::format("{}{} fields, the header has {}", at, f.size(), columns));
    FRUGAL_CHECK(check_id(f[0], at));
    float* out = FRUGAL_TRY(keep(f[0], f.size() - 1, at));
    if (!out) continue;  // not asked for: its numbers are not even parsed
    for (std::size_t i = 1; i < f.size(); ++i) {
      auto v = number(f[i]);
      if (!v) return fail(ErrorCode::invalid, fmt::format("{}e{}: '{}' is not a number", at, i - 1, f[i]));
      out[i - 1] = FRUGAL_TRY(check(*v, at, i - 1));
    }
  }
  return e;
}

}  // namespace frugal::labeling
