#include "labeling/kcenter.h"

#include <algorithm>
#include <cmath>
#include <thread>

namespace frugal::labeling {
namespace {

// SplitMix64: a seed → a well-mixed 64-bit number (the first pick when nothing is labelled).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Below this many points to look at, one thread scans (starting threads costs more than it saves).
constexpr std::size_t k_parallel_points = 65'536;

unsigned scan_threads() { return std::clamp(std::thread::hardware_concurrency(), 1u, 8u); }

class Greedy {
 public:
  explicit Greedy(const KCenterInput& in)
      : m_in(in), m_n(in.points.size() / in.dim), m_dist2(m_n, 0) {}

  double weight(std::size_t i) const { return m_in.weights.empty() ? 1.0 : m_in.weights[i]; }
  const float* point(std::size_t i) const { return m_in.points.data() + i * m_in.dim; }

  // Makes `v` a center; points nearer to it than to their own center move to it.
  void add_center(const float* v) {
    auto c = static_cast<std::uint32_t>(m_centers.size());
    m_centers.push_back(v);
    m_members.emplace_back();
    m_radius2.push_back(0);
    m_best.push_back({-1, 0});
    auto& mine = m_members.back();
    if (c == 0) {
      mine.resize(m_n);
      for (std::size_t i = 0; i < m_n; ++i) {
        mine[i] = static_cast<std::uint32_t>(i);
        m_dist2[i] = squared_distance(point(i), v, m_in.dim);
      }
      refresh(c);
      return;
    }
    // The clusters v may take points from, and how many points that is.
    std::vector<std::pair<std::uint32_t, float>> scan;
    std::size_t work = 0;
    for (std::uint32_t j = 0; j < c; ++j) {
      if (m_members[j].empty()) continue;
      float dcc2 = squared_distance(v, m_centers[j], m_in.dim);
      if (dcc2 >= 4 * m_radius2[j]) continue;  // every point of j is at least as near to c_j
      scan.emplace_back(j, dcc2);
      work += m_members[j].size();
    }
    unsigned threads = work < k_parallel_points ? 1 : scan_threads();
    if (threads == 1) {
      scan_clusters(scan, 0, scan.size(), c, mine);
    } else {
      // Contiguous runs of clusters of about equal work, one per thread; the points that move
      // are appended in cluster order, as one thread would (the picks do not depend on threads).
      std::vector<std::size_t> bounds = {0};
      std::size_t done = 0, share = work / threads;
      for (std::size_t k = 0; k < scan.size() && bounds.size() < threads; ++k) {
        done += m_members[scan[k].first].size();
        if (done >= share * bounds.size()) bounds.push_back(k + 1);
      }
      bounds.push_back(scan.size());
      std::vector<std::vector<std::uint32_t>> moved(bounds.size() - 1);
      std::vector<std::thread> pool;
      for (std::size_t t = 1; t + 1 < bounds.size(); ++t)
        pool.emplace_back([&, t] { scan_clusters(scan, bounds[t], bounds[t + 1], c, moved[t]); });
      scan_clusters(scan, bounds[0], bounds[1], c, moved[0]);
      for (auto& thread : pool) thread.join();
      for (const auto& m : moved) mine.insert(mine.end(), m.begin(), m.end());
    }
    refresh(c);
  }

  // The point to pick next and its weight × distance: the largest over all clusters (-1: none left).
  std::pair<std::ptrdiff_t, double> next() const {
    std::ptrdiff_t best = -1;
    double score = 0;
    for (const auto& [i, s] : m_best)
      if (i >= 0 && (s > score || (s == score && best >= 0 && i < best))) {
        best = i;
        score = s;
      }
    return {score > 0 ? best : -1, score};
  }

 private:
  // Moves to the new center `c` the points of scan[from, to) that are nearer to it.
  void scan_clusters(const std::vector<std::pair<std::uint32_t, float>>& scan, std::size_t from, std::size_t to,
                     std::uint32_t c, std::vector<std::uint32_t>& moved) {
    const float* v = m_centers[c];
    for (std::size_t k = from; k < to; ++k) {
      auto [j, dcc2] = scan[k];
      auto& theirs = m_members[j];
      std::size_t kept = 0;
      std::size_t before = moved.size();
      for (std::uint32_t i : theirs) {
        // A point within d(v, c_j)/2 of c_j is no nearer to v.
        if (4 * m_dist2[i] > dcc2) {
          float d2 = squared_distance(point(i), v, m_in.dim);
          if (d2 < m_dist2[i]) {
            m_dist2[i] = d2;
            moved.push_back(i);
            continue;
          }
        }
        theirs[kept++] = i;
      }
      theirs.resize(kept);
      if (moved.size() != before) refresh(j);
    }
  }

  void refresh(std::uint32_t c) {
    float r2 = 0;
    std::pair<std::ptrdiff_t, double> best{-1, 0};
    for (std::uint32_t i : m_members[c]) {
      r2 = std::max(r2, m_dist2[i]);
      double s = weight(i) * std::sqrt(static_cast<double>(m_dist2[i]));
      if (s > best.second || (s == best.second && best.first >= 0 && i < best.first)) best = {i, s};
    }
    m_radius2[c] = r2;
    m_best[c] = best;
  }

  const KCenterInput& m_in;
  std::size_t m_n;
  std::vector<float> m_dist2;
  std::vector<const float*> m_centers;
  std::vector<std::vector<std::uint32_t>> m_members;
  std::vector<float> m_radius2;
  std::vector<std::pair<std::ptrdiff_t, double>> m_best;  // per cluster: (point, weight × distance)
};

}  // namespace

// Compiled three times, the widest the CPU runs chosen at load (k-center spends nearly all its
// time here: AVX2 took the 1,000-pick bench from 87 to 62 s).
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
float squared_distance(const float* a, const float* b, std::size_t dim) {
  float lane[16] = {};
  std::size_t i = 0;
  for (; i + 16 <= dim; i += 16)
    for (std::size_t j = 0; j < 16; ++j) {
      float d = a[i + j] - b[i + j];
      lane[j] += d * d;
    }
  float sum = 0;
  for (; i < dim; ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
  for (float l : lane) sum += l;
  return sum;
}

std::vector<std::size_t> k_center(const KCenterInput& in, std::size_t k, std::uint64_t seed,
                                  std::vector<double>* scores) {
  std::vector<std::size_t> picks;
  if (in.dim == 0 || in.points.empty() || k == 0) return picks;
  Greedy g(in);
  std::size_t n = in.points.size() / in.dim;
  for (std::size_t i = 0; i + in.dim <= in.labelled.size(); i += in.dim) g.add_center(in.labelled.data() + i);
  if (in.labelled.empty()) {
    std::size_t first = 0;
    if (in.weights.empty()) {
      first = static_cast<std::size_t>(mix(seed) % n);
    } else {
      for (std::size_t i = 1; i < n; ++i)
        if (in.weights[i] > in.weights[first]) first = i;
      if (in.weights[first] <= 0) return picks;
    }
    picks.push_back(first);
    if (scores) scores->push_back(INFINITY);
    g.add_center(g.point(first));
  }
  while (picks.size() < k) {
    auto [p, score] = g.next();
    if (p < 0) break;
    picks.push_back(static_cast<std::size_t>(p));
    if (scores) scores->push_back(score);
    g.add_center(g.point(static_cast<std::size_t>(p)));
  }
  return picks;
}

}  // namespace frugal::labeling
