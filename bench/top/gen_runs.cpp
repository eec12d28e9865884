// gen_runs: fills a Frugal database with N synthetic runs spread over the last D days, for the
// leaderboard benchmark. Deterministic (fixed seed), written through the Store in one transaction.
//   gen_runs DB [N=1000000] [DAYS=30]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <random>

#include "core/clock.h"
#include "store/store.h"

using namespace frugal;

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: gen_runs DB [N] [DAYS]\n");
    return 2;
  }
  std::string path = argv[1];
  long n = argc > 2 ? std::atol(argv[2]) : 1'000'000;
  long days = argc > 3 ? std::atol(argv[3]) : 30;
  auto store = store::open_store(path);
  if (!store) {
    fmt::print(stderr, "gen_runs: {}\n", store.error().message);
    return 1;
  }
  std::mt19937_64 rng(42);
  TimePoint now = SystemClock().now();
  const std::int64_t span_ms = days * 86'400'000LL;
  // Skewed like real teams: a few teams and users run most of the jobs.
  auto skewed = [&](int n_values) {
    std::geometric_distribution<int> g(0.08);
    return g(rng) % n_values;
  };
  const char* statuses[] = {"finished", "finished", "finished", "finished", "finished", "finished",
                            "failed", "killed", "stopped_early", "preempted"};
  const char* instances[] = {"p4d.24xlarge", "p3.2xlarge", "g5.xlarge", "g5.12xlarge", "a2-highgpu-1g"};
  const std::int64_t prices[] = {32'772'600'000, 3'060'000'000, 1'006'000'000, 5'672'000'000, 3'673'000'000};
  const int gpus[] = {8, 1, 1, 4, 1};
  auto t0 = std::chrono::steady_clock::now();
  // A big page cache keeps the hot rollup pages in memory instead of spilling them to the WAL.
  (void)(*store)->execute("PRAGMA cache_size = -262144");
  constexpr long k_batch = 100'000;
  Result<void> r;
  for (long batch_start = 0; batch_start < n && r; batch_start += k_batch) r = (*store)->transaction([&]() -> Result<void> {
    auto insert = FRUGAL_TRY((*store)->prepare(
        "INSERT INTO runs (name, experiment, username, team, project, model, dataset, command, provider, "
        "region, instance_type, pricing, hourly_price_nanos, price_source, gpu_count, instance_gpu_count, "
        "started_at, ended_at, duration_ms, status, exit_code, cost_nanos) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, 'python train.py', 'aws', 'us-east-1', ?, 'on_demand', ?, 'builtin', ?, ?, ?, ?, ?, ?, ?, ?)"));
    std::vector<store::Value> v(20);
    for (long i = batch_start; i < std::min(n, batch_start + k_batch); ++i) {
      int inst = static_cast<int>(rng() % 5);
      std::int64_t duration = 60'000 + static_cast<std::int64_t>(rng() % (8 * 3'600'000ULL));
      // Runs arrive in time order, as a live system writes them.
      TimePoint started = now - std::chrono::milliseconds(span_ms - span_ms * i / n);
      int team = skewed(50);
      const char* status = statuses[rng() % 10];
      std::int64_t cost = static_cast<std::int64_t>(static_cast<__int128>(prices[inst]) * duration / 3'600'000);
      v = {fmt::format("run{}", i), fmt::format("exp{}", rng() % 300), fmt::format("user{}", skewed(500)),
           fmt::format("team{}", team), fmt::format("project{}", team * 4 + static_cast<int>(rng() % 4)),
           fmt::format("model{}", rng() % 40), fmt::format("dataset{}", rng() % 60), std::string(instances[inst]),
           prices[inst], std::int64_t{gpus[inst]}, std::int64_t{gpus[inst]}, format_utc(started),
           format_utc(started + std::chrono::milliseconds(duration)), duration, std::string(status),
           std::int64_t{std::string_view(status) == "finished" ? 0 : 1}, cost};
      FRUGAL_CHECK(insert->execute(v));
    }
    return {};
  });
  if (!r) {
    fmt::print(stderr, "gen_runs: {}\n", r.error().message);
    return 1;
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("gen_runs: {} runs over {} days into {} in {:.1f} s\n", n, days, path, s);
  return 0;
}
