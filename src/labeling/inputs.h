#pragma once
// The three inputs of a labeling plan, read in CSV or JSON lines (by extension: .jsonl, .ndjson
// and .json are JSON lines). Private to labeling/. Every error names the file and line, and the
// column or field where there is one.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/error.h"

namespace frugal::labeling {

// Looks strings up by string_view without making a std::string (a lookup per row of millions).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using ValidationLabels = std::unordered_map<std::string, std::string, StringHash, std::equal_to<>>;

// Class names, numbered as first seen (the header's order for a column per class).
class Classes {
 public:
  std::uint32_t id(std::string_view name);
  const std::string& name(std::uint32_t id) const { return m_names[id]; }
  std::size_t size() const { return m_names.size(); }

 private:
  std::vector<std::string> m_names;
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> m_ids;
};

// One prediction, reduced to what ranking needs.
struct Prediction {
  std::string_view id;       // valid during the callback only
  std::uint32_t predicted = 0;
  double confidence = 0;     // the top probability
  double runner_up = 0;      // the second one (0 with a single class)
  double entropy = 0;        // nats; in top-k rows the missing mass counts as one more outcome
  std::size_t line = 0;
};

// Streams the predictions file. Probabilities must be finite and within [0, 1]; a row with a
// column per class must sum to 1 (±0.01), a top-k row to at most 1.01.
Result<void> read_predictions(const std::filesystem::path& file, Classes& classes,
                              const std::function<Result<void>(const Prediction&)>& on_row);

// id → label of the human-labelled items. Duplicated ids and empty labels are errors.
Result<ValidationLabels> read_validation(const std::filesystem::path& file);

// The vectors of `wanted` ids (others are skipped), row-major in `vectors`, `dim` floats each;
// `row_of` maps an id to its row. All rows must have the same dimension.
struct Embeddings {
  std::size_t dim = 0;
  std::vector<float> vectors;
  std::unordered_map<std::string, std::size_t> row_of;
};
Result<Embeddings> read_embeddings(const std::filesystem::path& file, const std::unordered_set<std::string>& wanted);

bool is_json_lines(const std::filesystem::path& file);

// Finds an id the predictions list twice, in 8 bytes an item: a hash of each id while streaming;
// only when two hashes meet is the file read again, to name the id and its lines.
class IdDuplicates {
 public:
  void add(std::string_view id, std::size_t line);
  Result<void> check(const std::filesystem::path& predictions);

 private:
  std::vector<std::uint64_t> m_hashes;
};

}  // namespace frugal::labeling
