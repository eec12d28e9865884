// frugal label plan: one streaming pass over the predictions ranks the unlabelled items (a
// bounded heap: memory grows with the budget, not the file) and spills each item's top class to a
// temporary file; the validation items' predictions fix the auto-label threshold; then the
// embedding strategies run k-center over the heap's pool, and the spill becomes auto_labeled.csv.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <queue>
#include <unistd.h>
#include <unordered_set>

#include <fmt/format.h>

#include "labeling/auto_label.h"
#include "labeling/inputs.h"
#include "labeling/kcenter.h"
#include "labeling/labeling.h"
#include "labeling/plan_files.h"
#include "util/strings.h"

namespace frugal::labeling {
namespace {

// Hybrid ranks a pool this many times the budget by uncertainty, then spreads the batch over it.
constexpr std::size_t k_hybrid_pool_factor = 10;

struct Candidate {
  std::string id;
  std::uint32_t predicted = 0;
  double confidence = 0;
  double score = 0;
  std::uint64_t tiebreak = 0;  // seeded: equal scores fall in the same order on every run
};

// Higher score first; ties by the seeded hash, then the id.
bool ranks_before(const Candidate& a, const Candidate& b) {
  if (a.score != b.score) return a.score > b.score;
  if (a.tiebreak != b.tiebreak) return a.tiebreak < b.tiebreak;
  return a.id < b.id;
}

// The best `cap` candidates seen so far.
class TopCandidates {
 public:
  explicit TopCandidates(std::size_t cap) : m_cap(cap) {}
  bool wants(double score, std::uint64_t tiebreak) const {
    if (m_cap == 0) return false;
    if (m_heap.size() < m_cap) return true;
    const Candidate& worst = m_heap.front();
    return score > worst.score || (score == worst.score && tiebreak < worst.tiebreak);
  }
  void add(Candidate c) {
    if (m_cap == 0) return;
    if (m_heap.size() == m_cap) {
      std::pop_heap(m_heap.begin(), m_heap.end(), ranks_before);
      m_heap.pop_back();
    }
    m_heap.push_back(std::move(c));
    std::push_heap(m_heap.begin(), m_heap.end(), ranks_before);  // the worst on top
  }
  std::vector<Candidate> ranked() && {
    std::sort(m_heap.begin(), m_heap.end(), ranks_before);
    return std::move(m_heap);
  }

 private:
  std::size_t m_cap;
  std::vector<Candidate> m_heap;
};

std::uint64_t seeded_hash(std::string_view id, std::uint64_t seed) {
  std::uint64_t h = util::fnv1a(id, util::k_fnv_offset ^ (seed * 0x9e3779b97f4a7c15ull));
  return h ^ (h >> 29);
}

// How much labelling an item is worth by uncertainty alone (higher: label it first).
double uncertainty(Strategy s, const Prediction& p) {
  switch (s) {
    case Strategy::least_confidence: return 1 - p.confidence;
    // Hybrid's pool and weights too: on the bench's digits, margin needed fewer labels than
    // entropy (docs/benchmarks.md), as the active-learning literature also finds.
    case Strategy::margin:
    case Strategy::hybrid: return 1 - (p.confidence - p.runner_up);
    case Strategy::diverse: return 1;
    default: return p.entropy;  // entropy, rare (boosted below)
  }
}

// Greedy k-center over the pool's embeddings, the labelled items counting as centers already (the
// batch goes where labels are missing); `weighted`: each distance times the item's uncertainty.
// Each pick is scored by its (weighted) distance when it was picked, which only falls with rank.
Result<std::vector<Candidate>> spread_batch(const PlanOptions& o, bool weighted, const std::vector<Candidate>& pool,
                                            const ValidationLabels& truth,
                                            std::size_t budget_labels) {
  std::unordered_set<std::string> wanted;
  for (const auto& c : pool) wanted.insert(c.id);
  for (const auto& [id, label] : truth) wanted.insert(id);
  Embeddings e = FRUGAL_TRY(read_embeddings(o.embeddings, wanted));
  auto append = [&](std::vector<float>& to, std::size_t row) {
    to.insert(to.end(), e.vectors.begin() + static_cast<std::ptrdiff_t>(row * e.dim),
              e.vectors.begin() + static_cast<std::ptrdiff_t>((row + 1) * e.dim));
  };
  std::vector<float> points, weights, labelled;
  points.reserve(pool.size() * e.dim);
  for (const auto& c : pool) {
    auto row = e.row_of.find(c.id);
    if (row == e.row_of.end())
      return fail(ErrorCode::invalid, fmt::format("{}: no vector for id '{}' (in {})", o.embeddings.string(), c.id,
                                                  o.predictions.string()));
    append(points, row->second);
    if (weighted) weights.push_back(static_cast<float>(c.score));
  }
  for (const auto& [id, label] : truth)
    if (auto row = e.row_of.find(id); row != e.row_of.end()) append(labelled, row->second);
  std::vector<double> gains;
  auto picks = k_center({points, e.dim, weights, labelled}, budget_labels, o.seed, &gains);
  std::vector<Candidate> chosen;
  for (std::size_t k = 0; k < picks.size(); ++k) {
    chosen.push_back(pool[picks[k]]);
    chosen.back().score = gains[k];
  }
  return chosen;
}

}  // namespace

Result<Strategy> parse_strategy(std::string_view name) {
  for (Strategy s : {Strategy::hybrid, Strategy::entropy, Strategy::margin, Strategy::least_confidence, Strategy::rare,
                     Strategy::diverse})
    if (strategy_name(s) == name) return s;
  return fail(ErrorCode::invalid, fmt::format("--strategy {}: expected hybrid, entropy, margin, least-confidence, "
                                              "rare or diverse",
                                              name));
}

std::string_view strategy_name(Strategy s) {
  switch (s) {
    case Strategy::hybrid: return "hybrid";
    case Strategy::entropy: return "entropy";
    case Strategy::margin: return "margin";
    case Strategy::least_confidence: return "least-confidence";
    case Strategy::rare: return "rare";
    case Strategy::diverse: return "diverse";
  }
  return "?";
}

Result<PlanReport> plan(const PlanOptions& o) {
  if (o.cost_per_label <= Money{}) return fail(ErrorCode::invalid, "--cost-per-label: must be more than 0");
  if (o.budget < Money{}) return fail(ErrorCode::invalid, "--budget-usd: must not be negative");
  if (!(o.auto_label_accuracy > 0 && o.auto_label_accuracy < 1))
    return fail(ErrorCode::invalid, fmt::format("--auto-label-accuracy {}: expected a fraction between 0 and 1, such "
                                                "as 0.98", o.auto_label_accuracy));
  if (o.strategy == Strategy::diverse && o.embeddings.empty())
    return fail(ErrorCode::invalid, "--strategy diverse: needs --embeddings");
  for (const auto& [flag, file] : {std::pair{"--predictions", o.predictions}, std::pair{"--embeddings", o.embeddings},
                                   std::pair{"--validation", o.validation}})
    if (!file.empty() && !std::filesystem::is_regular_file(file))
      return fail(ErrorCode::not_found, fmt::format("{} {}: no such file", flag, file.string()));

  PlanReport report;
  Strategy ranking = o.strategy;
  report.strategy = std::string(strategy_name(o.strategy));
  if (o.strategy == Strategy::hybrid && o.embeddings.empty()) {
    ranking = Strategy::margin;
    report.strategy = "margin (hybrid spreads the batch with --embeddings; none given)";
  }
  bool spread = ranking == Strategy::hybrid || ranking == Strategy::diverse;

  ValidationLabels truth;
  if (!o.validation.empty()) truth = FRUGAL_TRY(read_validation(o.validation));
  report.validation_items = static_cast<std::int64_t>(truth.size());

  auto affordable = o.budget.attos() / o.cost_per_label.attos();
  // Checked before any file is touched: a plan that buys nothing replaces nothing.
  if (affordable == 0)
    return fail(ErrorCode::invalid, fmt::format("--budget-usd {}: buys no label at ${} a label; give at least ${}",
                                                o.budget.to_string(2), o.cost_per_label.to_string(2),
                                                o.cost_per_label.to_string(2)));
  report.labels_affordable = static_cast<std::int64_t>(std::min<__int128>(affordable, INT64_MAX));
  auto budget_labels = static_cast<std::size_t>(report.labels_affordable);
  // Diverse keeps every candidate (k-center needs them all); the others a bounded pool.
  std::size_t cap = budget_labels;
  if (ranking == Strategy::hybrid)
    cap = budget_labels > SIZE_MAX / k_hybrid_pool_factor ? SIZE_MAX : budget_labels * k_hybrid_pool_factor;
  if (ranking == Strategy::diverse) cap = SIZE_MAX;

  // Rare: classes the labelled set has few of are boosted, √((most + 1) / (count + 1)).
  std::unordered_map<std::string, std::int64_t> labelled_count;
  std::int64_t most = 0;
  for (const auto& [id, label] : truth) most = std::max(most, ++labelled_count[label]);

  PlanFiles files = FRUGAL_TRY(PlanFiles::create(o.out));
  Classes classes;
  TopCandidates top(cap);
  std::vector<ValidationPoint> validated;
  std::unordered_set<std::string> validation_seen;
  IdDuplicates duplicates;
  std::vector<double> boost;  // per class, for rare
  FRUGAL_CHECK(read_predictions(o.predictions, classes, [&](const Prediction& p) -> Result<void> {
    ++report.items;
    duplicates.add(p.id, p.line);
    if (!truth.empty()) {
      if (auto it = truth.find(p.id); it != truth.end()) {
        validated.push_back({p.confidence, classes.name(p.predicted) == it->second});
        validation_seen.insert(it->first);
        return {};
      }
    }
    ++report.candidates;
    FRUGAL_CHECK(files.spill(p.id, p.predicted, p.confidence));
    double score = uncertainty(ranking, p);
    if (ranking == Strategy::rare) {
      while (boost.size() < classes.size()) {
        auto it = labelled_count.find(classes.name(static_cast<std::uint32_t>(boost.size())));
        std::int64_t n = it == labelled_count.end() ? 0 : it->second;
        boost.push_back(std::sqrt(static_cast<double>(most + 1) / static_cast<double>(n + 1)));
      }
      score *= boost[p.predicted];
    }
    std::uint64_t tiebreak = seeded_hash(p.id, o.seed);
    if (top.wants(score, tiebreak)) top.add({std::string(p.id), p.predicted, p.confidence, score, tiebreak});
    return {};
  }));
  FRUGAL_CHECK(duplicates.check(o.predictions));
  report.classes = static_cast<std::int64_t>(classes.size());
  for (const auto& [id, label] : truth)
    if (!validation_seen.contains(id))
      return fail(ErrorCode::invalid, fmt::format("{}: id '{}' has no prediction in {} (each validation item must be "
                                                  "predicted, to measure the model on it)",
                                                  o.validation.string(), id, o.predictions.string()));

  std::vector<Candidate> pool = std::move(top).ranked();
  std::vector<Candidate> chosen;
  if (spread && !pool.empty() && budget_labels > 0) {
    chosen = FRUGAL_TRY(spread_batch(o, ranking == Strategy::hybrid, pool, truth, budget_labels));
  } else {
    pool.resize(std::min(pool.size(), budget_labels));
    chosen = std::move(pool);
  }

  report.labels_bought = static_cast<std::int64_t>(chosen.size());
  report.spent = Money::from_attos(o.cost_per_label.attos() * report.labels_bought);
  report.cost_to_label_all = Money::from_attos(o.cost_per_label.attos() * report.candidates);
  report.saved = report.cost_to_label_all - report.spent;

  if (truth.empty()) {
    report.auto_label_note = "nothing auto-labelled: the threshold is chosen on a human-labelled --validation set";
  } else if (auto t = choose_threshold(validated, o.auto_label_accuracy)) {
    report.threshold = *t;
  } else {
    report.auto_label_note = fmt::format(
        "nothing auto-labelled: no confidence threshold shows {:.4g}% accuracy at 95% confidence on the {} validation "
        "items (it takes at least {} correct ones above the threshold)",
        o.auto_label_accuracy * 100, truth.size(), items_needed(o.auto_label_accuracy));
  }
  std::unordered_set<std::string> bought;
  for (const auto& c : chosen) bought.insert(c.id);
  report.auto_labeled = FRUGAL_TRY(files.write_auto_labeled(
      classes, report.threshold ? report.threshold->confidence : 2.0, bought));
  FRUGAL_CHECK(files.write_to_label(chosen.size(), [&](std::size_t i, ToLabelRow& row) {
    row = {chosen[i].id, classes.name(chosen[i].predicted), chosen[i].confidence, chosen[i].score};
  }));
  report.to_label_file = files.to_label_path();
  report.auto_labeled_file = files.auto_labeled_path();
  report.report_file = files.report_path();
  FRUGAL_CHECK(files.commit(report_json(report)));
  return report;
}

}  // namespace frugal::labeling
