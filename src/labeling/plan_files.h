#pragma once
// The plan's folder: the spill of every candidate's top class while the predictions stream, and
// the three outputs, each written to a temporary file beside its name and renamed over it (a
// crash or kill -9 leaves the previous plan or the new one, never half a file); report.json is
// renamed last, so a report always describes the CSVs beside it. Private to labeling/.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/error.h"
#include "labeling/inputs.h"

namespace frugal::labeling {

struct ToLabelRow {
  std::string_view id, predicted;
  double confidence = 0, score = 0;
};

class PlanFiles {
 public:
  static Result<PlanFiles> create(const std::filesystem::path& out);
  PlanFiles(PlanFiles&& other) noexcept;
  PlanFiles& operator=(PlanFiles&&) = delete;
  ~PlanFiles();  // removes the spill and every temporary file not committed

  Result<void> spill(std::string_view id, std::uint32_t predicted, double confidence);
  // Items at or above `threshold`, except `skip` (bought from labelers); returns how many.
  Result<std::int64_t> write_auto_labeled(const Classes& classes, double threshold,
                                          const std::unordered_set<std::string>& skip);
  Result<void> write_to_label(std::size_t rows, const std::function<void(std::size_t, ToLabelRow&)>& row);
  // Renames the CSVs into place, then writes and renames report.json.
  Result<void> commit(const std::string& report_json);

  std::filesystem::path to_label_path() const { return m_out / "to_label.csv"; }
  std::filesystem::path auto_labeled_path() const { return m_out / "auto_labeled.csv"; }
  std::filesystem::path report_path() const { return m_out / "report.json"; }

 private:
  explicit PlanFiles(std::filesystem::path out);
  std::filesystem::path temp(std::string_view name) const;

  std::filesystem::path m_out;
  std::string m_suffix;        // ".<pid>.tmp": concurrent plans into one folder do not collide
  std::FILE* m_spill = nullptr;
  bool m_committed = false;
};

}  // namespace frugal::labeling
