// gen_value: one experiment ("sweep") of N runs with P val_acc points each, for the scale bar of
// `frugal value` (issue 24: 100,000 runs × 100 points under 1 s). Written through tracking's own
// functions (insert_recorded_runs, log_metrics) in one transaction. Deterministic (fixed seed).
//   gen_value DB [N=100000] [P=100]
//
// The runs are a random search as it looks on a bill: each on one of five instance types at its
// on-demand price, for 10 minutes to 12 hours, so their costs span four orders of magnitude. Each
// reports a saturating learning curve, ceiling × (1 − e^(−t/τ)) plus noise, at P evenly spaced
// times; the ceiling grows a little with the compute spent (more time, better GPUs), so longer runs
// tend to be better but not always, and the cost/quality frontier is a real staircase. One run in
// fifty diverges: its accuracy falls to chance and its last points are NaN.
#include <fmt/format.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "store/store.h"
#include "tracking/tracking.h"

using namespace frugal;

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: gen_value DB [N=100000] [P=100]\n");
    return 2;
  }
  std::string path = argv[1];
  long n = argc > 2 ? std::atol(argv[2]) : 100'000;
  int per_run = argc > 3 ? std::atoi(argv[3]) : 100;
  auto opened = store::open_store(path);
  if (!opened) {
    fmt::print(stderr, "gen_value: {}\n", opened.error().message);
    return 1;
  }
  store::Store& store = **opened;
  struct Instance {
    const char* type;
    const char* hourly;
    int gpus;
    double speed;  // relative work per hour
  };
  const Instance instances[] = {{"g5.xlarge", "1.006", 1, 1.0},
                                {"g5.12xlarge", "5.672", 4, 3.6},
                                {"p3.2xlarge", "3.06", 1, 0.9},
                                {"p4d.24xlarge", "32.7726", 8, 20.0},
                                {"p5.48xlarge", "98.32", 8, 45.0}};
  std::mt19937_64 rng(24);
  std::normal_distribution<double> normal(0, 1);
  std::uniform_real_distribution<double> uniform(0, 1);
  const TimePoint t0 = *parse_utc("2026-06-01T00:00:00Z");
  auto clock0 = std::chrono::steady_clock::now();
  (void)store.execute("PRAGMA cache_size = -262144");
  constexpr long k_batch = 10'000;
  std::size_t points_written = 0;
  Result<void> done = store.transaction([&]() -> Result<void> {
    std::vector<tracking::RecordedRun> batch;
    std::vector<std::vector<tracking::MetricPoint>> curves;
    for (long first = 0; first < n; first += k_batch) {
      batch.clear();
      curves.clear();
      for (long i = first; i < std::min(n, first + k_batch); ++i) {
        const Instance& inst = instances[rng() % 5];
        // 10 minutes to 12 hours, log-uniform.
        double hours = std::exp(std::log(1.0 / 6) + uniform(rng) * (std::log(12.0) - std::log(1.0 / 6)));
        auto duration = std::chrono::milliseconds(static_cast<std::int64_t>(hours * 3'600'000));
        // Runs of the search start a minute apart, several at a time.
        TimePoint started = t0 + std::chrono::minutes(i);
        double work = hours * inst.speed;  // GPU-hours of an A10G, roughly
        double hp = normal(rng);           // how good its hyperparameters are
        double ceiling =
            std::clamp(0.62 + 0.05 * hp + 0.035 * std::log10(work + 0.1) + 0.01 * normal(rng), 0.10, 0.985);
        double tau = 0.15 + 0.25 * uniform(rng);  // share of the run to reach 63% of its ceiling
        bool diverges = rng() % 50 == 0;
        int diverge_at = static_cast<int>(per_run * (0.2 + 0.6 * uniform(rng)));
        std::vector<tracking::MetricPoint> points;
        points.reserve(per_run);
        for (int k = 0; k < per_run; ++k) {
          double share = static_cast<double>(k + 1) / per_run;
          double acc = ceiling * (1 - std::exp(-share / tau)) + 0.004 * normal(rng);
          if (diverges && k >= diverge_at) acc = k >= diverge_at + 3 ? NAN : 0.001 + 0.001 * uniform(rng);
          auto at = std::chrono::milliseconds(duration.count() * (k + 1) / per_run);
          points.push_back({"val_acc", std::int64_t{k} * 100, started + at,
                            std::isnan(acc) ? acc : std::clamp(acc, 0.0, 1.0)});
        }
        tracking::RecordedRun r;
        r.start.name = fmt::format("trial-{}", i);
        r.start.command = {"python", "train.py"};
        r.start.labels = {.user = fmt::format("user{}", i % 7),
                          .team = "research",
                          .project = "search",
                          .model = fmt::format("model{}", i % 3),
                          .dataset = "",
                          .experiment = "sweep"};
        r.start.provider = "aws";
        r.start.region = "us-east-1";
        r.start.instance_type = inst.type;
        r.start.hourly_price = *Money::parse(inst.hourly);
        r.start.price_source = "builtin";
        r.start.gpu_count = inst.gpus;
        r.start.instance_gpu_count = inst.gpus;
        r.start.started = started;
        tracking::RunEnd end;
        end.ended = started + duration;
        end.status = diverges ? tracking::RunStatus::failed : tracking::RunStatus::finished;
        end.exit_code = diverges ? 1 : 0;
        r.end = end;
        batch.push_back(std::move(r));
        curves.push_back(std::move(points));
      }
      auto ids = FRUGAL_TRY(tracking::insert_recorded_runs(store, batch));
      for (std::size_t k = 0; k < ids.size(); ++k) {
        FRUGAL_CHECK(tracking::log_metrics(store, ids[k], curves[k]));
        points_written += curves[k].size();
      }
    }
    return {};
  });
  if (!done) {
    fmt::print(stderr, "gen_value: {}\n", done.error().message);
    return 1;
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - clock0).count();
  fmt::print("gen_value: {} runs, {} val_acc points into {} in {:.1f} s\n", n, points_written, path, s);
  return 0;
}
