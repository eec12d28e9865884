#include <algorithm>
#include <charconv>
#include <cmath>
#include <fmt/format.h>

#include "stopping/stopping.h"
#include "util/strings.h"

namespace frugal::stopping {
namespace {

bool better(Mode mode, double candidate, double reference, double min_delta) {
  return mode == Mode::min ? candidate < reference - min_delta : candidate > reference + min_delta;
}

std::string_view mode_name(Mode m) { return m == Mode::min ? "min" : "max"; }

std::string_view compare_text(ThresholdRule::Compare c) {
  switch (c) {
    case ThresholdRule::Compare::less: return "<";
    case ThresholdRule::Compare::less_equal: return "<=";
    case ThresholdRule::Compare::greater: return ">";
    case ThresholdRule::Compare::greater_equal: return ">=";
  }
  return "<";
}

// The value below which `fraction` of the runs' values at `step` lie (linear interpolation).
std::optional<double> percentile_at(const std::vector<Curve>& curves, std::int64_t step, double fraction) {
  std::vector<double> values;
  for (const auto& c : curves) {
    auto it = c.find(step);
    if (it != c.end() && std::isfinite(it->second)) values.push_back(it->second);
  }
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  double at = fraction * static_cast<double>(values.size() - 1);
  auto low = static_cast<std::size_t>(std::floor(at));
  std::size_t high = std::min(low + 1, values.size() - 1);
  return values[low] + (values[high] - values[low]) * (at - static_cast<double>(low));
}

}  // namespace

Policy::Policy(std::vector<Rule> rules, std::optional<MedianPruner> pruner)
    : m_rules(std::move(rules)), m_pruner(std::move(pruner)) {}

bool Policy::watches(std::string_view metric) const {
  if (m_pruner && m_pruner->metric == metric) return true;
  for (const auto& r : m_rules) {
    const std::string& m = std::holds_alternative<PatienceRule>(r) ? std::get<PatienceRule>(r).metric
                                                                    : std::get<ThresholdRule>(r).metric;
    if (m == metric) return true;
  }
  return false;
}

std::optional<std::string> Policy::observe(std::string_view metric, std::int64_t step, double value) {
  if (!watches(metric)) return std::nullopt;
  if (!std::isfinite(value)) return fmt::format("{} is {} at step {} (diverged)", metric, value, step);
  for (std::size_t index = 0; index < m_rules.size(); ++index) {
    const auto& r = m_rules[index];
    if (const auto* p = std::get_if<PatienceRule>(&r)) {
      if (p->metric != metric) continue;
      Track& t = m_patience[index];  // each rule counts for itself
      if (!t.best || better(p->mode, value, *t.best, p->min_delta)) {
        t.best = value;
        t.since_improvement = 0;
      } else if (++t.since_improvement >= p->patience) {
        return fmt::format("{} {} patience={} min_delta={}: no improvement in {} evaluations (best {})", p->metric,
                           mode_name(p->mode), p->patience, p->min_delta, t.since_improvement, *t.best);
      }
    } else {
      const auto& th = std::get<ThresholdRule>(r);
      if (th.metric != metric || step < th.after_step) continue;
      bool fire = false;
      switch (th.compare) {
        case ThresholdRule::Compare::less: fire = value < th.value; break;
        case ThresholdRule::Compare::less_equal: fire = value <= th.value; break;
        case ThresholdRule::Compare::greater: fire = value > th.value; break;
        case ThresholdRule::Compare::greater_equal: fire = value >= th.value; break;
      }
      if (fire)
        return fmt::format("{} {} {} after step={}: {} at step {}", th.metric, compare_text(th.compare), th.value,
                           th.after_step, value, step);
    }
  }
  if (m_pruner && m_pruner->metric == metric) {
    if (!m_pruner_best || better(m_pruner->mode, value, *m_pruner_best, 0)) m_pruner_best = value;
    if (step >= m_pruner->warmup_steps && static_cast<int>(m_pruner->completed.size()) >= m_pruner->startup_runs) {
      // The worst `percentile` per cent: the low values when higher is better, the high ones otherwise.
      double p = m_pruner->percentile / 100.0;
      auto bar = percentile_at(m_pruner->completed, step, m_pruner->mode == Mode::max ? p : 1 - p);
      if (bar && better(m_pruner->mode, *bar, *m_pruner_best, 0))
        return fmt::format("{} pruning on {}: best {} is worse than {} of {} earlier runs at step {} ({})",
                           m_pruner->percentile == 50 ? "median" : fmt::format("{}th-percentile", m_pruner->percentile),
                           metric, *m_pruner_best, *bar, m_pruner->completed.size(), step,
                           m_pruner->percentile == 50 ? "their median" : "that percentile");
    }
  }
  return std::nullopt;
}

Result<Rule> parse_rule(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail(ErrorCode::invalid,
                fmt::format("--stop-when '{}': {} (expected e.g. 'val_loss min patience=5 min_delta=0.001' or "
                            "'val_acc < 0.2 after step=1000')",
                            text, why));
  };
  std::vector<std::string_view> words;
  for (auto w : util::split(util::trim(text), ' '))
    if (!w.empty()) words.push_back(w);
  if (words.size() < 2) return bad("too short");
  auto number = [](std::string_view s, double& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
  };
  if (words[1] == "min" || words[1] == "max") {
    PatienceRule r;
    r.metric = std::string(words[0]);
    r.mode = words[1] == "min" ? Mode::min : Mode::max;
    for (std::size_t i = 2; i < words.size(); ++i) {
      auto eq = words[i].find('=');
      if (eq == std::string_view::npos) return bad(fmt::format("'{}' is not key=value", words[i]));
      std::string_view key = words[i].substr(0, eq);
      double v = 0;
      if (!number(words[i].substr(eq + 1), v)) return bad(fmt::format("'{}' is not a number", words[i].substr(eq + 1)));
      if (key == "patience" && v >= 1 && v <= 1e6 && v == std::floor(v)) r.patience = static_cast<int>(v);
      else if (key == "min_delta" && v >= 0 && std::isfinite(v)) r.min_delta = v;
      else return bad(fmt::format("unknown or invalid '{}'", words[i]));
    }
    return Rule{r};
  }
  ThresholdRule r;
  r.metric = std::string(words[0]);
  if (words.size() < 3) return bad("a threshold needs a value");
  if (words[1] == "<") r.compare = ThresholdRule::Compare::less;
  else if (words[1] == "<=") r.compare = ThresholdRule::Compare::less_equal;
  else if (words[1] == ">") r.compare = ThresholdRule::Compare::greater;
  else if (words[1] == ">=") r.compare = ThresholdRule::Compare::greater_equal;
  else return bad(fmt::format("'{}' is neither min/max nor a comparison", words[1]));
  if (!number(words[2], r.value) || !std::isfinite(r.value)) return bad(fmt::format("'{}' is not a number", words[2]));
  if (words.size() == 5 && words[3] == "after" && words[4].starts_with("step=")) {
    double s = 0;
    if (!number(words[4].substr(5), s) || s < 0 || s > 9e18) return bad("after step= needs a step number");
    r.after_step = static_cast<std::int64_t>(s);
  } else if (words.size() != 3) {
    return bad("expected 'after step=N' at the end");
  }
  return Rule{r};
}

}  // namespace frugal::stopping
