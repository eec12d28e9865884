#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "stopping/stopping.h"

namespace frugal::stopping {
namespace {

Policy policy_of(const char* rule) {
  auto r = parse_rule(rule);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return Policy({*r});
}

TEST(Patience, StopsAfterPatienceEvaluationsWithoutImprovementBeyondMinDelta) {
  Policy p = policy_of("val_loss min patience=2 min_delta=0.01");
  EXPECT_FALSE(p.observe("val_loss", 1, 1.0));
  EXPECT_FALSE(p.observe("val_loss", 2, 0.5));
  EXPECT_FALSE(p.observe("val_loss", 3, 0.495));  // better, but by less than min_delta: counts
  auto stop = p.observe("val_loss", 4, 0.6);
  ASSERT_TRUE(stop);
  EXPECT_NE(stop->find("no improvement in 2 evaluations"), std::string::npos) << *stop;
}

TEST(Patience, AnImprovementResetsTheCount) {
  Policy p = policy_of("acc max patience=2");
  EXPECT_FALSE(p.observe("acc", 1, 0.5));
  EXPECT_FALSE(p.observe("acc", 2, 0.4));
  EXPECT_FALSE(p.observe("acc", 3, 0.6));
  EXPECT_FALSE(p.observe("acc", 4, 0.6));
  EXPECT_TRUE(p.observe("acc", 5, 0.59));
}

TEST(Patience, EachRuleCountsForItself) {
  auto a = parse_rule("l min patience=4");
  auto b = parse_rule("l min patience=100");
  Policy p({*a, *b});
  EXPECT_FALSE(p.observe("l", 1, 1.0));
  for (int step = 2; step <= 4; ++step) EXPECT_FALSE(p.observe("l", step, 2.0)) << step;
  EXPECT_TRUE(p.observe("l", 5, 2.0));  // the fourth evaluation without improvement
}

TEST(Threshold, FiresOnlyFromItsStepOn) {
  Policy p = policy_of("val_acc < 0.2 after step=1000");
  EXPECT_FALSE(p.observe("val_acc", 500, 0.1));
  EXPECT_FALSE(p.observe("val_acc", 1000, 0.25));
  EXPECT_TRUE(p.observe("val_acc", 1500, 0.15));
}

TEST(Divergence, NanOrInfinityOfAWatchedMetricStopsAtOnce) {
  Policy p = policy_of("loss min patience=100");
  EXPECT_TRUE(p.observe("loss", 3, std::numeric_limits<double>::quiet_NaN()));
  Policy q = policy_of("loss min patience=100");
  EXPECT_TRUE(q.observe("loss", 3, std::numeric_limits<double>::infinity()));
  // Metrics no rule watches never stop a run.
  EXPECT_FALSE(q.observe("lr", 3, std::numeric_limits<double>::quiet_NaN()));
}

TEST(MedianPruning, StopsARunWorseThanTheMedianOfCompletedRunsAtTheSameStep) {
  std::vector<Curve> done = {{{1, 0.5}, {2, 0.6}}, {{1, 0.6}, {2, 0.7}}, {{1, 0.7}, {2, 0.8}}};
  Policy p({}, MedianPruner{"acc", Mode::max, 3, 0, done});
  EXPECT_FALSE(p.observe("acc", 1, 0.65));  // median 0.6
  auto stop = p.observe("acc", 2, 0.66);     // best 0.66 < median 0.7
  ASSERT_TRUE(stop);
  EXPECT_NE(stop->find("median"), std::string::npos);
}

TEST(MedianPruning, WaitsForStartupRunsAndWarmupSteps) {
  std::vector<Curve> two = {{{1, 0.9}}, {{1, 0.9}}};
  Policy few({}, MedianPruner{"acc", Mode::max, 5, 0, two});
  EXPECT_FALSE(few.observe("acc", 1, 0.1));
  std::vector<Curve> five(5, Curve{{1, 0.9}, {10, 0.9}});
  Policy warm({}, MedianPruner{"acc", Mode::max, 5, 10, five});
  EXPECT_FALSE(warm.observe("acc", 1, 0.1));
  EXPECT_TRUE(warm.observe("acc", 10, 0.1));
}

TEST(PercentilePruning, TenthPercentileStopsOnlyTheWorstRuns) {
  std::vector<Curve> done;
  for (int i = 0; i < 11; ++i) done.push_back({{1, 0.1 * i}});  // 0.0 .. 1.0; 10th percentile 0.1
  Policy p({}, MedianPruner{"acc", Mode::max, 5, 0, done, 10});
  EXPECT_FALSE(p.observe("acc", 1, 0.15));
  Policy q({}, MedianPruner{"acc", Mode::max, 5, 0, done, 10});
  EXPECT_TRUE(q.observe("acc", 1, 0.05));
  // For a loss (lower is better) the worst tenth is the highest values.
  std::vector<Curve> losses;
  for (int i = 0; i < 11; ++i) losses.push_back({{1, 0.1 * i}});
  Policy l({}, MedianPruner{"loss", Mode::min, 5, 0, losses, 10});
  EXPECT_TRUE(l.observe("loss", 1, 0.95));
}

TEST(ParseRule, ErrorsShowBothForms) {
  for (const char* bad : {"loss", "loss up", "loss min patience=0", "loss < abc", "acc < 0.2 after 10", "loss min foo=1"}) {
    auto r = parse_rule(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("val_loss min patience=5"), std::string::npos);
  }
}

}  // namespace
}  // namespace frugal::stopping
