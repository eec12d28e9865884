#include "labeling/kcenter.h"

#include <cmath>
#include <random>
#include <set>

#include <gtest/gtest.h>

namespace frugal::labeling {
namespace {

// The textbook loop: every point against every center, every pick.
std::vector<std::size_t> plain_greedy(const KCenterInput& in, std::size_t k, std::size_t first) {
  std::size_t n = in.points.size() / in.dim;
  std::vector<double> nearest(n, INFINITY);
  auto update = [&](const float* c) {
    for (std::size_t i = 0; i < n; ++i)
      nearest[i] = std::min<double>(nearest[i], squared_distance(in.points.data() + i * in.dim, c, in.dim));
  };
  for (std::size_t i = 0; i < in.labelled.size(); i += in.dim) update(in.labelled.data() + i);
  std::vector<std::size_t> picks;
  if (in.labelled.empty()) {
    picks.push_back(first);
    update(in.points.data() + first * in.dim);
  }
  while (picks.size() < k) {
    std::size_t best = 0;
    double score = -1;
    for (std::size_t i = 0; i < n; ++i) {
      double w = in.weights.empty() ? 1 : in.weights[i];
      double s = w * std::sqrt(nearest[i]);
      if (s > score) best = i, score = s;
    }
    if (score <= 0) break;
    picks.push_back(best);
    update(in.points.data() + best * in.dim);
  }
  return picks;
}

std::vector<float> random_points(std::size_t n, std::size_t dim, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> noise(0, 1);
  std::vector<float> v(n * dim);
  for (std::size_t i = 0; i < n; ++i) {
    float centre = static_cast<float>(i % 7) * 4;  // clustered, as embeddings are
    for (std::size_t d = 0; d < dim; ++d) v[i * dim + d] = noise(gen) + (d % 3 == 0 ? centre : 0);
  }
  return v;
}

TEST(KCenter, PicksWhatThePlainLoopPicks) {
  auto points = random_points(2000, 16, 1);
  KCenterInput in{points, 16, {}, {}};
  auto fast = k_center(in, 60, 42);
  ASSERT_EQ(fast.size(), 60u);
  EXPECT_EQ(fast, plain_greedy(in, 60, fast.front()));
}

TEST(KCenter, WeightedWithLabelledCentersPicksWhatThePlainLoopPicks) {
  auto points = random_points(1500, 10, 2);
  auto labelled = random_points(30, 10, 3);
  std::vector<float> weights(1500);
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<float>((i * 37) % 101) / 100.0f;
  KCenterInput in{points, 10, weights, labelled};
  auto fast = k_center(in, 50, 0);
  ASSERT_EQ(fast.size(), 50u);
  EXPECT_EQ(fast, plain_greedy(in, 50, 0));
}

TEST(KCenter, OnePickPerClusterBeforeASecondFromAny) {
  // Three tight, far-apart clusters of 100 points each.
  std::vector<float> points;
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 100; ++i) points.insert(points.end(), {c * 100.0f + (i % 10) * 0.01f, (i / 10) * 0.01f});
  auto picks = k_center({points, 2, {}, {}}, 3, 7);
  ASSERT_EQ(picks.size(), 3u);
  std::set<std::size_t> clusters;
  for (auto p : picks) clusters.insert(p / 100);
  EXPECT_EQ(clusters.size(), 3u);
}

TEST(KCenter, LabelledItemsSteerTheBatchAway) {
  std::vector<float> points = {0, 0, 0.1f, 0, 10, 0, 10.1f, 0};
  std::vector<float> labelled = {0, 0.05f};
  auto picks = k_center({points, 2, {}, labelled}, 1, 0);
  ASSERT_EQ(picks.size(), 1u);
  EXPECT_GE(picks[0], 2u);  // the far pair, not the one beside the labelled item
}

TEST(KCenter, TheSeedChoosesTheFirstPickAndNothingElseVaries) {
  auto points = random_points(500, 8, 4);
  KCenterInput in{points, 8, {}, {}};
  EXPECT_EQ(k_center(in, 20, 5), k_center(in, 20, 5));
  EXPECT_NE(k_center(in, 20, 5).front(), k_center(in, 20, 6).front());
}

TEST(KCenter, StopsWhenEveryPointIsACenterOrWeightless) {
  std::vector<float> points = {0, 1, 2};
  EXPECT_EQ(k_center({points, 1, {}, {}}, 10, 0).size(), 3u);
  std::vector<float> weights = {0, 1, 0};
  EXPECT_EQ(k_center({points, 1, weights, {}}, 10, 0), std::vector<std::size_t>{1});
}

}  // namespace
}  // namespace frugal::labeling
