#pragma once
// Labeling plans: which items to send to human labelers within a budget, and which a model can
// label itself. Reads a model's predictions (and optionally embeddings and a human-labelled
// validation set), ranks the unlabelled items by a strategy, and writes the plan:
//   to_label.csv      rank,id,predicted,confidence,score — what to buy, best first, within budget
//   auto_labeled.csv  id,label,confidence — what the model labels at the validated threshold
//   report.json       what was bought, spent, auto-labelled, and how sure that is (written last)
// The predictions are read once, streaming: memory grows with the budget, the validation set and
// the classes, not with the items (except --strategy diverse, which keeps every candidate's id
// and vector). docs/cli.md documents the formats; docs/benchmarks.md the algorithms' speed.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/money.h"

namespace frugal::labeling {

enum class Strategy { hybrid, entropy, margin, least_confidence, rare, diverse };
Result<Strategy> parse_strategy(std::string_view name);  // errors list the names
std::string_view strategy_name(Strategy s);

struct PlanOptions {
  std::filesystem::path predictions;   // CSV (id + a column per class, or id + label_N/prob_N pairs) or JSON lines
  std::filesystem::path embeddings;    // optional: CSV (id, e0, e1, …) or JSON lines {"id", "embedding"}
  std::filesystem::path validation;    // optional: CSV (id, label) or JSON lines {"id", "label"}
  Money budget;                        // to spend on human labels
  Money cost_per_label;
  Strategy strategy = Strategy::hybrid;
  double auto_label_accuracy = 0.98;   // what the auto labels must be shown to reach
  std::uint64_t seed = 0;              // breaks ties and seeds k-center's first pick
  std::filesystem::path out;           // folder for the three files (created if missing)
};

struct AutoLabelThreshold {
  double confidence = 1;       // auto-label items whose top probability is at least this
  std::int64_t validation_items = 0, correct = 0;  // validation items at or above it
  double accuracy = 0, low = 0, high = 0;          // their accuracy and its 95% Wilson interval
};

struct PlanReport {
  std::string strategy;        // what ranked the items ("margin (hybrid spreads the batch with --embeddings; …)")
  std::int64_t items = 0;      // predictions read
  std::int64_t validation_items = 0;
  std::int64_t candidates = 0;  // items not yet labelled
  std::int64_t classes = 0;
  std::int64_t labels_affordable = 0;
  std::int64_t labels_bought = 0;  // rows of to_label.csv
  Money spent, cost_to_label_all, saved;
  std::int64_t auto_labeled = 0;   // rows of auto_labeled.csv
  std::optional<AutoLabelThreshold> threshold;
  std::string auto_label_note;     // why nothing was auto-labelled, when nothing was
  std::filesystem::path to_label_file, auto_labeled_file, report_file;
};

// Reads the inputs, plans, and writes the three files (each replaced whole, report.json last).
// Bad input fails with the file, line and field; nothing in `out` is replaced then.
Result<PlanReport> plan(const PlanOptions& options);

// The report as report.json holds it.
std::string report_json(const PlanReport& report);

}  // namespace frugal::labeling
