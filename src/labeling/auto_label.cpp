#include "labeling/auto_label.h"

#include <algorithm>
#include <cmath>

namespace frugal::labeling {
namespace {
constexpr double k_z = 1.959963984540054;  // the normal quantile of 97.5%: a two-sided 95% interval
}

Interval wilson_interval(std::int64_t correct, std::int64_t n) {
  if (n <= 0) return {0, 1};
  double p = static_cast<double>(correct) / static_cast<double>(n), nn = static_cast<double>(n), z2 = k_z * k_z;
  double centre = p + z2 / (2 * nn);
  double spread = k_z * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  double scale = 1 + z2 / nn;
  return {std::max(0.0, (centre - spread) / scale), std::min(1.0, (centre + spread) / scale)};
}

std::optional<AutoLabelThreshold> choose_threshold(std::vector<ValidationPoint> points, double target) {
  // Most confident first; a threshold takes every item of its confidence, so ties go together.
  std::sort(points.begin(), points.end(),
            [](const ValidationPoint& a, const ValidationPoint& b) { return a.confidence > b.confidence; });
  std::optional<AutoLabelThreshold> chosen;
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    correct += points[i].correct;
    if (i + 1 < points.size() && points[i + 1].confidence == points[i].confidence) continue;
    auto n = static_cast<std::int64_t>(i + 1);
    Interval ci = wilson_interval(correct, n);
    // The lowest such threshold: later (lower) ones replace earlier ones.
    if (ci.low >= target)
      chosen = AutoLabelThreshold{points[i].confidence, n, correct,
                                  static_cast<double>(correct) / static_cast<double>(n), ci.low, ci.high};
  }
  return chosen;
}

std::int64_t items_needed(double target) {
  std::int64_t n = 1;
  while (n < 10'000'000 && wilson_interval(n, n).low < target) n = n < 64 ? n + 1 : n + n / 64;
  // Back down to the smallest that passes (the loop may overshoot by a 64th).
  while (n > 1 && wilson_interval(n - 1, n - 1).low >= target) --n;
  return n;
}

}  // namespace frugal::labeling
