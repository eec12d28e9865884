// Kubernetes through Prometheus: a query_range answer read (parse_matrix), then given as the answer
// to every query of an import (read_cluster), recorded as runs, read and imported again, rolled
// back. The second import of the same window must add nothing, and no pod may end before it starts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "k8s/k8s.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace frugal;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto series = k8s::parse_matrix(body, "prometheus");
  if (!series) return 0;
  for (const auto& s : *series)
    for (std::size_t i = 1; i < s.labels.size(); ++i)
      if (s.labels[i - 1].first > s.labels[i].first) fuzz::broken("labels not sorted by name");
  k8s::QueryRange answer = [&](const std::string&, std::int64_t, std::int64_t, std::int64_t) -> Result<std::string> {
    return std::string(body);
  };
  // Whatever times the answer holds, a window of two hours at a minute from 2025-12-01.
  TimePoint since = TimePoint(std::chrono::milliseconds(1764547200000));
  auto& store = fuzz::scratch_store();
  auto cluster = k8s::read_cluster(answer, {since, since + std::chrono::hours(2), 60}, k8s::folded_until(store, "fuzz"));
  if (!cluster) return 0;
  for (const auto& pod : cluster->pods)
    if (pod.ended && *pod.ended < pod.started) fuzz::broken("a pod ends before it starts");
  fuzz::rolled_back(store, [&] {
    auto first = k8s::import_cluster(store, *cluster, {.cluster = "fuzz", .labels = {}});
    if (!first) return;
    // Read again as the next import would: the readings folded in are left out.
    auto reread = k8s::read_cluster(answer, {since, since + std::chrono::hours(2), 60}, k8s::folded_until(store, "fuzz"));
    if (!reread) fuzz::broken("the same answer read after an import failed");
    auto again = k8s::import_cluster(store, *reread, {.cluster = "fuzz", .labels = {}});
    if (!again) fuzz::broken("a second import of what the first took failed");
    else if (again->added != 0) fuzz::broken("a second import added runs");
  });
  return 0;
}
