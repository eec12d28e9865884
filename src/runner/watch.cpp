#include "runner/watch.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "budget/budget.h"
#include "core/run_cost.h"
#include "util/display.h"

namespace frugal::runner {

std::optional<StopRequest> Watch::tick(pid_t group, TimePoint now) {
  GroupUsage usage = group_usage(group);
  auto steady = std::chrono::steady_clock::now();
  double seconds = std::chrono::duration<double>(steady - m_last_time).count();
  // Processes that exited take their CPU time with them: a drop is not negative use.
  double ticks = usage.cpu_ticks >= m_last_usage.cpu_ticks ? static_cast<double>(usage.cpu_ticks - m_last_usage.cpu_ticks) : 0;
  double cpu_pct = seconds > 0 ? 100.0 * ticks / static_cast<double>(ticks_per_second()) / seconds : 0;
  m_last_usage = usage;
  m_last_time = steady;

  std::int64_t elapsed_ms = std::max<std::int64_t>(0, (now - m_run.started).count());
  Money cost = m_run.hourly_price ? run_cost(*m_run.hourly_price, elapsed_ms, m_run.gpu_count, m_run.instance_gpu_count)
                                  : Money();
  double gpu_hours = static_cast<double>(elapsed_ms) * m_run.gpu_count / 3'600'000.0;
  tracking::Sample sample{now, cpu_pct, usage.rss_bytes, {}};
  if (m_gpus) {
    auto readings = m_gpus->sample(usage.pids);
    // The GPUs it holds: those where its processes have a context; before it made one, the first
    // --gpus of them (it holds them all the same).
    bool any_context = std::any_of(readings.begin(), readings.end(), [](const GpuReading& r) { return r.job_processes > 0; });
    for (const auto& r : readings) {
      sample.gpus.push_back({r.index, r.util_pct, r.mem_used_bytes, r.power_w});
      bool held = any_context ? r.job_processes > 0 : r.index < m_run.gpu_count;
      if (!held) continue;
      ++m_gpu_readings;
      m_gpu_util_sum += r.util_pct;
      m_gpu_util_peak = std::max(m_gpu_util_peak, r.util_pct);
      ++m_gpu_util_histogram[static_cast<std::size_t>(std::clamp(std::lround(r.util_pct), 0L, 100L))];
      m_gpu_mem_peak = std::max(m_gpu_mem_peak, r.mem_used_bytes);
      if (r.util_pct < k_idle_gpu_util_pct) m_idle_gpu_seconds += seconds;
    }
  }
  ++m_ticks;
  m_cpu_sum += cpu_pct;
  m_samples.push_back(std::move(sample));
  m_cost = cost;
  if (auto stop = check_budgets(m_prior.cost + cost, m_prior.gpu_hours + gpu_hours)) return stop;
  if (steady - m_last_store < m_request.store_every) return std::nullopt;
  m_last_store = steady;
  flush();
  if (m_request.quota_policy == QuotaPolicy::enforce) {
    auto blocking = budget::blocking_quotas(m_store, m_run.labels.user, m_run.labels.team, m_run.labels.project, now,
                                            {.usd = {}, .gpu_hours = {}, .new_run = false});
    if (blocking && !blocking->empty())
      return StopRequest{tracking::RunStatus::over_budget, "quota: " + blocking->front().reason};
  }
  return std::nullopt;
}

tracking::UsageSummary Watch::summary() const {
  tracking::UsageSummary s;
  if (m_gpu_readings > 0) {
    s.gpu_util_mean = m_gpu_util_sum / static_cast<double>(m_gpu_readings);
    s.gpu_util_peak = m_gpu_util_peak;
    s.gpu_util_p95 = util_p95(m_gpu_util_histogram, m_gpu_readings);
    s.gpu_mem_peak_bytes = m_gpu_mem_peak;
    s.idle_gpu_seconds = m_idle_gpu_seconds;
    if (m_run.hourly_price) {
      // An idle GPU costs its share of the instance: hourly / GPUs of the instance, per hour.
      int share = std::max(1, m_run.instance_gpu_count);
      s.idle_cost = m_run.hourly_price->scaled(static_cast<std::int64_t>(m_idle_gpu_seconds * 1000), 3'600'000LL * share);
    }
    // Input-pipeline bound: the GPUs wait while the CPU side runs flat out.
    double cpu_mean = m_ticks ? m_cpu_sum / static_cast<double>(m_ticks) : 0;
    s.cpu_bound = m_ticks >= 3 && *s.gpu_util_mean < 30 && cpu_mean >= 90;
  }
  return s;
}

void Watch::flush() {
  if (m_samples.empty()) return;
  auto recorded = tracking::record_progress(m_store, m_outcome.run_id, m_samples, m_cost);
  m_samples.clear();
  if (!recorded && !m_warned_store) {
    m_warned_store = true;  // the job goes on; its end is still recorded
    fmt::print(stderr, "frugal: warning: could not record progress of run {}: {}\n", m_outcome.run_id,
               recorded.error().message);
  }
}

std::optional<StopRequest> Watch::check_budgets(const Money& cost, double gpu_hours) {
  if (m_request.max_usd) {
    const Money& max = *m_request.max_usd;
    if (cost >= max)
      return StopRequest{tracking::RunStatus::over_budget,
                         fmt::format("max-usd ${} reached (${} spent)", util::display::money(max.to_string()),
                                     util::display::money(cost.to_string()))};
    if (!m_warned_usd && cost.scaled(5, 1) >= max.scaled(4, 1)) {  // 80%, exactly
      m_warned_usd = true;
      fmt::print(stderr, "frugal: warning: run {} has spent 80% of --max-usd (${} of ${})\n", m_outcome.run_id,
                 util::display::money(cost.to_string()), util::display::money(max.to_string()));
    }
  }
  if (m_request.max_gpu_hours) {
    double max = *m_request.max_gpu_hours;
    if (gpu_hours >= max)
      return StopRequest{tracking::RunStatus::over_budget,
                         fmt::format("max-gpu-hours {} reached ({} used)", max, util::display::quantity(gpu_hours))};
    if (!m_warned_gpu && gpu_hours >= 0.8 * max) {
      m_warned_gpu = true;
      fmt::print(stderr, "frugal: warning: run {} has used 80% of --max-gpu-hours ({} of {})\n", m_outcome.run_id,
                 util::display::quantity(gpu_hours), max);
    }
  }
  return std::nullopt;
}

}  // namespace frugal::runner
