// Rule "rightsize": runs of a project whose peak GPU memory (with headroom) and p95 GPU
// utilisation fit a cheaper instance of the same provider and region, possibly with fewer GPUs.
// The runner keeps each run's p95 (no pass over the samples here); runs recorded before it did,
// or sent without one, are sized by their peak, which is never lower: the safe side.
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "advise/rules.h"
#include "catalog/catalog.h"

namespace frugal::advise {
namespace {

constexpr double k_gib = 1024.0 * 1024 * 1024;
// A GPU busier than this at its peak is not one to share work onto fewer GPUs.
constexpr double k_busy_pct = 80.0;

struct Group : Placed {
  std::int64_t runs = 0;
  double peak_mem_bytes = 0;
  double util = 0;              // the busiest run's p95 (or peak) GPU utilisation, %
  bool util_is_peak = false;    // some run had only its peak
  int gpus = 0;
  Money cost;
  std::int64_t duration_ms = 0;
};

}  // namespace

Result<void> rightsize(const Context& c, std::vector<Recommendation>& out) {
  const WindowRuns& w = *FRUGAL_TRY(c.runs());
  std::map<PlaceKey, Group> by_key;
  for (const WindowRun& r : w.runs) {
    if (r.gpu_count <= 0 || r.instance_type == k_no_label || !r.has(WindowRun::gpu_mem_peak) ||
        !r.has(WindowRun::cost) || !r.has(WindowRun::duration))
      continue;
    Group& g = by_key[place_key(r)];
    ++g.runs;
    g.peak_mem_bytes = std::max(g.peak_mem_bytes, r.gpu_mem_peak_bytes);
    // A run that kept neither is taken as fully busy: no advice to move it onto fewer GPUs.
    bool p95 = r.has(WindowRun::gpu_util_p95_field);
    double util = p95 ? r.gpu_util_p95 : r.has(WindowRun::gpu_util_peak_field) ? r.gpu_util_peak : 100.0;
    g.util_is_peak = g.util_is_peak || !p95;
    g.util = std::max(g.util, util);
    g.gpus = std::max(g.gpus, static_cast<int>(r.gpu_count));
    g.cost += Money::from_nanos(r.cost_nanos);
    g.duration_ms += r.duration_ms;
  }
  std::vector<Group> groups;
  for (auto& [key, g] : by_key) {
    w.name(g, key);
    groups.push_back(std::move(g));
  }
  OfferCache catalog_offers(c.store);
  for (const auto& g : groups) {
    double needed_gib = g.peak_mem_bytes * (1 + c.options.memory_headroom) / k_gib;
    // Work that kept its GPUs under 80% busy fits on proportionally fewer of them.
    int needed_gpus = std::clamp(static_cast<int>(std::ceil(g.gpus * g.util / k_busy_pct)), 1, g.gpus);
    const auto& offers = *FRUGAL_TRY(catalog_offers.in(g.provider, g.region));
    const catalog::Offer* current = nullptr;
    for (const auto& o : offers)
      if (o.instance_type == g.instance_type) current = &o;
    const catalog::Offer* best = nullptr;
    Money best_cost = g.cost;
    for (const auto& o : offers) {
      if (o.gpu_count < needed_gpus || o.gpu_count <= 0 || o.instance_type == g.instance_type) continue;
      if (o.gpu_memory_gib / o.gpu_count < needed_gib) continue;
      // Metered as frugal meters a run: the share of the instance's GPUs it holds.
      Money cost = o.on_demand.scaled(g.duration_ms * needed_gpus,
                                      3'600'000 * static_cast<std::int64_t>(std::llround(o.gpu_count)));
      if (cost < best_cost) {
        best_cost = cost;
        best = &o;
      }
    }
    if (!best) continue;
    Money saving = g.cost - best_cost;
    if (saving.scaled(20, 1) < g.cost) continue;  // under 5%: not worth a migration
    std::string target = fmt::format("project {} on {}{}", g.project.empty() ? "(none)" : g.project, g.instance_type,
                                     g.region.empty() ? "" : " (" + g.region + ")");
    Recommendation rec;
    rec.rule = "rightsize";
    rec.id = recommendation_id(rec.rule, g.team + "|" + target);
    rec.team = g.team;
    rec.target = target;
    std::string util_kind = g.util_is_peak ? "peak" : "p95";
    rec.finding = fmt::format("{} runs peaked at {:.1f} GiB of GPU memory, with {:.0f}% GPU utilisation ({}) on {} "
                              "GPU(s); {} with {} GPU(s) of {:.0f} GiB holds that with {} headroom for {} less",
                              g.runs, g.peak_mem_bytes / k_gib, g.util, util_kind, g.gpus, best->instance_type, needed_gpus,
                              best->gpu_memory_gib / best->gpu_count, percent(c.options.memory_headroom),
                              usd(c.monthly(saving)) + " a month");
    rec.evidence = {{"runs", std::to_string(g.runs)},
                    {"peak GPU memory", fmt::format("{:.1f} GiB per GPU", g.peak_mem_bytes / k_gib)},
                    {"needed with headroom", fmt::format("{:.1f} GiB per GPU", needed_gib)},
                    {util_kind + " GPU utilisation",
                     fmt::format("{:.0f}% of {} GPU(s){}", g.util, g.gpus,
                                 g.util_is_peak ? " (a run without a p95: its peak)" : ", the busiest run's")},
                    {"now", fmt::format("{}{}: {} in the window", g.instance_type,
                                        current ? fmt::format(" ({:.0f} GiB per GPU)", current->gpu_memory_gib / current->gpu_count) : "",
                                        usd(g.cost))},
                    {"instead", fmt::format("{} ({} × {}, {:.0f} GiB per GPU, {}/h): {} for the same hours",
                                            best->instance_type, best->gpu_count, best->gpu_model,
                                            best->gpu_memory_gib / best->gpu_count, usd(best->on_demand), usd(best_cost))}};
    rec.query = fmt::format(
        "SELECT id, instance_type, gpu_count, gpu_mem_peak_bytes / 1073741824.0 AS peak_gib, gpu_util_p95, gpu_util_peak, "
        "cost_usd "
        "FROM runs WHERE project = {} AND instance_type = {} AND started_at >= '{}' AND started_at < '{}' "
        "ORDER BY gpu_mem_peak_bytes DESC",
        sql_literal(g.project), sql_literal(g.instance_type), c.since, c.until);
    rec.monthly_saving = c.monthly(saving);
    rec.confidence = (g.runs >= 5 ? 0.8 : 0.5) - (needed_gpus < g.gpus ? 0.2 : 0.0);
    rec.action = fmt::format("run {} on {}{} (--instance-type {}{})", g.project.empty() ? "these jobs" : g.project,
                             best->instance_type, needed_gpus < g.gpus ? fmt::format(" with {} GPU(s)", needed_gpus) : "",
                             best->instance_type, g.region.empty() ? "" : " --region " + g.region);
    out.push_back(std::move(rec));
  }
  return {};
}

}  // namespace frugal::advise
