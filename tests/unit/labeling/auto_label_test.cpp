#include "labeling/auto_label.h"

#include <gtest/gtest.h>

namespace frugal::labeling {
namespace {

TEST(AutoLabel, WilsonIntervalMatchesThePublishedFormula) {
  // 8 of 10: the textbook 95% Wilson interval is [0.4902, 0.9433].
  Interval ci = wilson_interval(8, 10);
  EXPECT_NEAR(ci.low, 0.4902, 5e-5);
  EXPECT_NEAR(ci.high, 0.9433, 5e-5);
  EXPECT_NEAR(wilson_interval(0, 0).high, 1, 0);
}

TEST(AutoLabel, NinetyEightPercentNeeds189CorrectItems) {
  EXPECT_EQ(items_needed(0.98), 189);  // n / (n + 1.96²) ≥ 0.98
  EXPECT_LT(wilson_interval(188, 188).low, 0.98);
  EXPECT_GE(wilson_interval(189, 189).low, 0.98);
}

TEST(AutoLabel, TheThresholdIsTheLowestConfidenceWhoseItemsShowTheTarget) {
  std::vector<ValidationPoint> points;
  for (int i = 0; i < 400; ++i) points.push_back({0.99, true});  // confident and right
  for (int i = 0; i < 100; ++i) points.push_back({0.95, i % 50 != 0});  // 2 wrong of 100
  for (int i = 0; i < 100; ++i) points.push_back({0.60, i % 2 == 0});   // a coin toss
  auto t = choose_threshold(points, 0.98);
  ASSERT_TRUE(t);
  // Above 0.95: 498 of 500 right, lower bound 0.9855 ≥ 0.98; above 0.60 it falls to 548/600.
  EXPECT_DOUBLE_EQ(t->confidence, 0.95);
  EXPECT_EQ(t->validation_items, 500);
  EXPECT_EQ(t->correct, 498);
  EXPECT_NEAR(t->accuracy, 0.996, 1e-12);
  EXPECT_LT(t->low, t->accuracy);
  EXPECT_GT(t->high, t->accuracy);
}

TEST(AutoLabel, TooFewValidationItemsLicenseNothing) {
  std::vector<ValidationPoint> points(150, {0.999, true});  // all right, but 150 < 189
  EXPECT_FALSE(choose_threshold(points, 0.98));
  points.resize(189, {0.999, true});
  EXPECT_TRUE(choose_threshold(points, 0.98));
}

}  // namespace
}  // namespace frugal::labeling
