#pragma once
// Writes runs straight into the runs table, so budget tests control every figure.
#include <string>

#include "store/store.h"

namespace frugal::budget::testing {

struct RunRow {
  std::string team = "vision";
  std::string user = "ada";
  std::string project = "detector";
  std::string started_at = "2026-11-10T10:00:00.000Z";
  std::int64_t duration_ms = 3'600'000;
  std::int64_t cost_nanos = 1'000'000'000;
  int gpus = 1;
  std::string status = "finished";
  std::string name = "train";
};

inline void insert(store::Store& store, const RunRow& r) {
  std::vector<store::Value> p = {r.name, r.user, r.team.empty() ? store::Value{} : store::Value{r.team}, r.project,
                                 r.started_at, r.duration_ms, r.status, r.cost_nanos, std::int64_t{r.gpus}};
  auto ok = store.execute(
      "INSERT INTO runs (name, username, team, project, command, started_at, duration_ms, status, cost_nanos, gpu_count) "
      "VALUES (?, ?, ?, ?, 'python train.py', ?, ?, ?, ?, ?)",
      p);
  if (!ok) throw std::runtime_error(ok.error().message);
}

}  // namespace frugal::budget::testing
