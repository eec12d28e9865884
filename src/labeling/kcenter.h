#pragma once
// Greedy k-center (Gonzalez, 1985), optionally weighted: picks, one at a time, the point whose
// weight × distance to the nearest chosen center (or already-labelled item) is largest, so a
// batch covers the data instead of piling onto one dense region. Private to labeling/.
//
// Speed: each point keeps its nearest center and distance, each center its cluster's radius.
// A new center v can only take points from a cluster j when d(v, c_j) < 2·radius_j, and within
// it only points farther than d(v, c_j)/2 from c_j (triangle inequality), so after the first
// picks most of the data is never looked at again. Exact: the same picks as the plain
// O(n·k·dim) loop (tests/unit/labeling compare them).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace frugal::labeling {

struct KCenterInput {
  std::span<const float> points;   // n × dim, row-major
  std::size_t dim = 0;
  std::span<const float> weights;  // n, each ≥ 0; empty: all 1
  std::span<const float> labelled; // m × dim: centers before the first pick; may be empty
};

// Up to k point indices, in pick order. Without labelled items, the first pick is the heaviest
// point (weighted) or a point drawn with `seed` (unweighted). Stops early when every remaining
// point has weight 0 or sits on a center. `scores`, when given, receives each pick's weight ×
// distance at the time it was picked (infinite for a first pick with nothing labelled).
std::vector<std::size_t> k_center(const KCenterInput& input, std::size_t k, std::uint64_t seed,
                                  std::vector<double>* scores = nullptr);

// Squared Euclidean distance, summed in eight lanes (the compiler vectorises it).
float squared_distance(const float* a, const float* b, std::size_t dim);

}  // namespace frugal::labeling
