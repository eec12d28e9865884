#include <fmt/format.h>
#include <algorithm>
#include <map>

#include "billing/billing.h"
#include "tracking/tracking.h"

namespace frugal::billing {
namespace {

struct RunOnInstance {
  std::int64_t id;
  std::string name;
  TimePoint started, ended;
  int gpus;           // GPUs held (at least 1: a CPU run holds the instance's one "slot")
  int instance_gpus;  // capacity per second (at least 1)
  std::optional<Money> estimate;
};

double overlap_seconds(TimePoint a0, TimePoint a1, TimePoint b0, TimePoint b1) {
  auto start = std::max(a0, b0), end = std::min(a1, b1);
  return end > start ? static_cast<double>((end - start).count()) / 1000.0 : 0.0;
}

}  // namespace

Result<Reconciliation> reconcile(store::Store& store, TimePoint now) {
  Reconciliation out;
  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    FRUGAL_CHECK(store.execute("DELETE FROM charge_allocations"));
    FRUGAL_CHECK(tracking::clear_billed_costs(store));
    // The runs that recorded an instance id, by instance.
    std::map<std::string, std::vector<RunOnInstance>> runs_by_instance;
    FRUGAL_CHECK(store.for_each_row(
        "SELECT id, name, instance_id, started_at, ended_at, gpu_count, instance_gpu_count, cost_nanos FROM "
        "runs "
        "WHERE instance_id IS NOT NULL ORDER BY id",
        {}, [&](const store::Row& r) {
          auto started = parse_utc(store::as_text(r[3]));
          auto ended = store::is_null(r[4]) ? Result<TimePoint>(now) : parse_utc(store::as_text(r[4]));
          if (!started || !ended) return true;
          RunOnInstance run{store::as_int(r[0]),
                            store::as_text(r[1]),
                            *started,
                            *ended,
                            std::max<int>(1, static_cast<int>(store::as_int(r[5]))),
                            std::max<int>(1, static_cast<int>(store::as_int(r[6]))),
                            std::nullopt};
          if (!store::is_null(r[7])) run.estimate = Money::from_nanos(store::as_int(r[7]));
          runs_by_instance[store::as_text(r[2])].push_back(std::move(run));
          return true;
        }));
    auto insert =
        FRUGAL_TRY(store.prepare("INSERT INTO charge_allocations (charge_id, run_id, gpu_seconds, "
                                 "cost_nanos, cost_attos, cost_sub_attos, billing_currency) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)"));
    std::map<std::int64_t, Money> billed_per_run;
    std::optional<Error> failure;
    // One pass over the charges of every instance a run recorded (no index on resource_id: it would
    // slow every import; reconciling reads the bill once).
    std::map<std::string, std::map<std::string, InstanceReconciliation>> per_instance;
    FRUGAL_CHECK(store.for_each_row(
        "SELECT id, charge_period_start, charge_period_end, billed_cost_nanos, billed_cost_attos, "
        "billing_currency, resource_id, billed_cost_sub_attos FROM charges WHERE resource_id IN (SELECT instance_id FROM runs WHERE instance_id IS "
        "NOT NULL) "
        "ORDER BY resource_id, charge_period_start",
        {}, [&](const store::Row& r) {
          const std::string instance = store::as_text(r[6]);
          const auto& runs = runs_by_instance[instance];
          auto& per_currency = per_instance[instance];
          auto start = parse_utc(store::as_text(r[1]));
          auto end = parse_utc(store::as_text(r[2]));
          if (!start || !end || *end <= *start) return true;
          Money billed = Money::from_nanos(store::as_int(r[3]), store::as_int(r[4]), store::as_int(r[7]));
          std::string currency = store::as_text(r[5]);
          double period_s = static_cast<double>((*end - *start).count()) / 1000.0;
          // Capacity of the period in GPU-seconds; each run's share is its GPU-seconds of it.
          int capacity_gpus = 1;
          for (const auto& run : runs) capacity_gpus = std::max(capacity_gpus, run.instance_gpus);
          std::int64_t capacity = static_cast<std::int64_t>(period_s * 1000.0) * capacity_gpus;
          auto& inst = per_currency[currency];
          inst.resource_id = instance;
          inst.currency = currency;
          ++inst.charges;
          inst.billed += billed;
          Money allocated;
          for (const auto& run : runs) {
            double used_s = overlap_seconds(run.started, run.ended, *start, *end);
            if (used_s <= 0) continue;
            std::int64_t used =
                static_cast<std::int64_t>(used_s * 1000.0) * std::min(run.gpus, capacity_gpus);
            used = std::min(used, capacity);
            Money share = billed.scaled(used, std::max<std::int64_t>(1, capacity));
            allocated += share;
            billed_per_run[run.id] += share;
            std::vector<store::Value> p = {
                store::as_int(r[0]),    run.id,           used_s * std::min(run.gpus, capacity_gpus), share.nanos(),
                share.sub_nano_attos(), share.sub_attos(), currency};
            if (auto ok = insert->execute(p); !ok) {
              failure = ok.error();
              return false;
            }
          }
          // Idle takes the rest, so the parts add up to the charge exactly.
          Money idle = billed - allocated;
          inst.allocated += allocated;
          inst.idle += idle;
          std::vector<store::Value> p = {store::as_int(r[0]), store::Value{},        0.0,           idle.nanos(),
                                         idle.sub_nano_attos(), idle.sub_attos(), currency};
          if (auto ok = insert->execute(p); !ok) {
            failure = ok.error();
            return false;
          }
          return true;
        }));
    if (failure) return std::unexpected(*failure);
    for (auto& [instance, runs] : runs_by_instance) {
      auto& per_currency = per_instance[instance];
      for (auto& [currency, inst] : per_currency) out.instances.push_back(std::move(inst));
      for (const auto& run : runs) {
        auto it = billed_per_run.find(run.id);
        if (it == billed_per_run.end()) continue;
        FRUGAL_CHECK(tracking::record_billed_cost(store, run.id, it->second));
        out.runs.push_back({run.id, run.name, run.estimate, it->second});
      }
    }
    return {};
  }));
  return out;
}

}  // namespace frugal::billing
