#pragma once
// The auto-label threshold: SageMaker Ground Truth's method (the lowest model confidence whose
// validation items at or above it meet the accuracy target), made strict about sample size:
// "meet" means the 95% Wilson lower bound of their accuracy reaches the target, so a handful of
// lucky validation items never licenses auto-labelling. Private to labeling/.
#include <cstdint>
#include <optional>
#include <vector>

#include "labeling/labeling.h"

namespace frugal::labeling {

struct ValidationPoint {
  double confidence = 0;  // the model's top probability for the item
  bool correct = false;   // its top class is the human label
};

struct Interval {
  double low = 0, high = 0;
};
Interval wilson_interval(std::int64_t correct, std::int64_t n);  // 95%

// nullopt when no threshold shows the target.
std::optional<AutoLabelThreshold> choose_threshold(std::vector<ValidationPoint> points, double target);

// The fewest validation items, all correct, whose Wilson lower bound reaches `target` (189 for 98%).
std::int64_t items_needed(double target);

}  // namespace frugal::labeling
