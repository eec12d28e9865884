#include "runner/metrics_sink.h"

#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <optional>
#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "util/strings.h"

namespace frugal::runner {

Result<std::unique_ptr<MetricsSink>> MetricsSink::create(
    const std::vector<std::pair<std::string, std::string>>& patterns, std::unique_ptr<stopping::Policy> policy) {
  std::unique_ptr<MetricsSink> sink(new MetricsSink());
  for (const auto& [name, pattern] : patterns) {
    // RE2: linear time whatever the pattern, and fast enough for a million lines a second.
    auto regex = std::make_unique<re2::RE2>(pattern, re2::RE2::Quiet);
    if (!regex->ok())
      return fail(ErrorCode::invalid, fmt::format("--metric {}: '{}' is not a regular expression: {}", name, pattern,
                                                  regex->error()));
    if (regex->NumberOfCapturingGroups() != 1)
      return fail(ErrorCode::invalid, fmt::format("--metric {}: '{}' needs exactly one (capture group) around the "
                                                  "number, e.g. 'val_loss: ([0-9.eE+-]+)'", name, pattern));
    sink->m_patterns.push_back({name, std::move(regex), 0});
  }
  sink->m_policy = std::move(policy);
  return sink;
}

MetricsSink::~MetricsSink() = default;

void MetricsSink::record(std::string_view key, std::int64_t step, double value, TimePoint now) {
  if (!tracking::check_metric_key(key)) return;  // the job's own channel: a key no store takes is not ours
  m_pending.push_back({std::string(key), step, now, value});
  // A chatty job must not pile points up in memory until the next tick.
  if (m_pending.size() >= k_flush_points && m_store) (void)flush(*m_store, m_run_id);
  if (m_first_step == 0 || step < m_first_step) m_first_step = step;
  m_last_step = std::max(m_last_step, step);
  if (m_policy && !m_stop) {
    if (auto stop = m_policy->observe(key, step, value)) m_stop = *stop;
  }
}

void MetricsSink::on_output_line(std::string_view line, TimePoint now) {
  for (auto& p : m_patterns) {
    re2::StringPiece captured;
    if (!re2::RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *p.regex, &captured)) continue;
    double value = 0;
    std::string_view text(captured.data(), captured.size());
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      // nan/inf as Python prints them are values too: divergence must be seen.
      auto named = util::parse_non_finite(text);
      if (!named) continue;
      value = *named;
    }
    ++m_matched;
    record(p.name, ++p.count, value, now);
  }
}


namespace {

// A step as an int64: an integer, or a float holding a whole number within the range (JSON has
// one number type, and json.dumps writes 1e3 for a float step of 1000).
std::optional<std::int64_t> whole_step(const nlohmann::json& v) {
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    return u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ? std::optional<std::int64_t>(static_cast<std::int64_t>(u))
                                                                                     : std::nullopt;
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  double d = v.get<double>();
  // 2^63 is exactly representable; every double below it in magnitude fits an int64.
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != std::trunc(d)) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

}  // namespace

void MetricsSink::on_json_line(std::string_view line, TimePoint now) {
  auto doc = nlohmann::json::parse(line, nullptr, false);
  if (doc.is_discarded()) doc = nlohmann::json::parse(util::quote_non_finite_json(line), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return;  // not ours to judge: the job's own channel
  // A line without a step is one past the last (saturating: a job may claim step 2^63-1 itself).
  std::int64_t step = m_last_step < std::numeric_limits<std::int64_t>::max() ? m_last_step + 1 : m_last_step;
  if (auto s = doc.find("step"); s != doc.end() && s->is_number()) {
    auto given = whole_step(*s);
    if (!given) return;  // 1.5, 1e19, -1e30: no step a store could hold; the line is the job's own
    step = *given;
  }
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() == "step") continue;
    if (it->is_number()) record(it.key(), step, it->get<double>(), now);
    else if (auto named = it->is_string() ? util::parse_non_finite(it->get_ref<const std::string&>()) : std::nullopt)
      record(it.key(), step, *named, now);
  }
}

Result<void> MetricsSink::flush(store::Store& store, std::int64_t run_id) {
  if (m_pending.empty()) return {};
  FRUGAL_CHECK(tracking::log_metrics(store, run_id, m_pending));
  m_pending.clear();
  return {};
}

}  // namespace frugal::runner
