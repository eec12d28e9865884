// A pod's GPU use, summed reading by reading (pod_usage.h).
#include "k8s/pod_usage.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "util/strings.h"

namespace frugal::k8s {

Result<PodUsage> PodUsage::from_stored(std::int64_t readings, double util_sum, std::optional<double> peak,
                                       const std::string& histogram, std::optional<std::int64_t> mem_peak_bytes,
                                       double idle_seconds, const std::string& until) {
  PodUsage u;
  u.m_readings = readings;
  u.m_util_sum = util_sum;
  u.m_peak = peak;
  u.m_mem_peak = mem_peak_bytes;
  u.m_idle_seconds = idle_seconds;
  if (!until.empty()) u.m_until_ms = FRUGAL_TRY(parse_utc(until)).time_since_epoch().count();
  for (std::string_view pair : util::split(histogram, ',')) {
    if (pair.empty()) continue;
    auto colon = pair.find(':');
    std::size_t pct = 0;
    std::int64_t count = 0;
    std::string_view pct_text = pair.substr(0, colon);
    std::string_view count_text = colon == std::string_view::npos ? std::string_view() : pair.substr(colon + 1);
    bool ok = colon != std::string_view::npos &&
              std::from_chars(pct_text.data(), pct_text.data() + pct_text.size(), pct).ec == std::errc() &&
              std::from_chars(count_text.data(), count_text.data() + count_text.size(), count).ec == std::errc() &&
              pct <= 100;
    if (!ok) return fail(ErrorCode::invalid, fmt::format("k8s_pods.gpu_util_histogram: '{}' is not pct:count", pair));
    u.m_histogram[pct] = count;
  }
  return u;
}

std::vector<int> PodUsage::fold(const std::vector<GpuUse>& use, std::int64_t step_s) {
  std::vector<int> idle_flags;
  for (const GpuUse& g : use) {
    idle_flags.push_back(g.seen > 0 && g.seen_idle == g.seen ? 1 : 0);
    if (g.seen > 0 || g.mem_peak_bytes > 0) m_mem_peak = std::max(m_mem_peak.value_or(0), g.mem_peak_bytes);
    if (g.readings == 0) continue;
    m_readings += g.readings;
    m_util_sum += g.util_sum;
    if (g.util_peak) m_peak = std::max(m_peak.value_or(*g.util_peak), *g.util_peak);
    for (std::size_t pct = 0; pct < m_histogram.size(); ++pct) m_histogram[pct] += g.histogram[pct];
    m_idle_seconds += static_cast<double>(g.idle_readings * step_s);
    m_until_ms = std::max(m_until_ms.value_or(g.last_ms), g.last_ms);
  }
  return idle_flags;
}

void PodUsage::add(const PodUsage& other) {
  m_readings += other.m_readings;
  m_util_sum += other.m_util_sum;
  if (other.m_peak) m_peak = std::max(m_peak.value_or(*other.m_peak), *other.m_peak);
  for (std::size_t i = 0; i < m_histogram.size(); ++i) m_histogram[i] += other.m_histogram[i];
  if (other.m_mem_peak) m_mem_peak = std::max(m_mem_peak.value_or(0), *other.m_mem_peak);
  m_idle_seconds += other.m_idle_seconds;
  if (other.m_until_ms) m_until_ms = std::max(m_until_ms.value_or(*other.m_until_ms), *other.m_until_ms);
}

tracking::UsageSummary PodUsage::summary(std::optional<Money> idle_cost) const {
  tracking::UsageSummary s;
  if (m_readings == 0) return s;
  s.gpu_util_mean = m_util_sum / static_cast<double>(m_readings);
  s.gpu_util_peak = m_peak;
  s.gpu_util_p95 = util_p95(m_histogram, m_readings);
  if (m_mem_peak) s.gpu_mem_peak_bytes = static_cast<std::uint64_t>(*m_mem_peak);
  s.idle_gpu_seconds = m_idle_seconds;
  s.idle_cost = idle_cost;
  return s;
}

std::string PodUsage::histogram_text() const {
  std::string out;
  for (std::size_t pct = 0; pct < m_histogram.size(); ++pct)
    if (m_histogram[pct] > 0) out += fmt::format("{}{}:{}", out.empty() ? "" : ",", pct, m_histogram[pct]);
  return out;
}

std::string PodUsage::until_text() const {
  return m_until_ms ? format_utc(TimePoint(std::chrono::milliseconds(*m_until_ms))) : std::string();
}

}  // namespace frugal::k8s
