#include "runner/metrics_sink.h"

#include <array>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <re2/re2.h>

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
  if (now != m_last_now || m_last_time.empty()) {  // one text per millisecond, not per point
    m_last_now = now;
    m_last_time = format_utc(now);
  }
  m_pending.push_back({std::string(key), step, m_last_time, value});
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
      if (text == "nan" || text == "NaN") value = std::nan("");
      else if (text == "inf" || text == "Infinity") value = INFINITY;
      else continue;
    }
    ++m_matched;
    record(p.name, ++p.count, value, now);
  }
}

namespace {

// Python's json.dumps writes bare NaN / Infinity / -Infinity, which JSON has not: quote them so the
// line parses and the divergence is seen.
std::string quote_non_finite(std::string_view line) {
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '"' && (i == 0 || line[i - 1] != '\\')) in_string = !in_string;
    if (!in_string) {
      for (std::string_view token : {"-Infinity", "Infinity", "NaN"}) {
        if (line.substr(i).starts_with(token)) {
          out += '"';
          out += token;
          out += '"';
          i += token.size() - 1;
          c = 0;
          break;
        }
      }
      if (c == 0) continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

void MetricsSink::on_json_line(std::string_view line, TimePoint now) {
  auto doc = nlohmann::json::parse(line, nullptr, false);
  if (doc.is_discarded()) doc = nlohmann::json::parse(quote_non_finite(line), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return;  // not ours to judge: the job's own channel
  std::int64_t step = m_last_step + 1;
  if (auto s = doc.find("step"); s != doc.end() && s->is_number()) step = s->get<std::int64_t>();
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() == "step") continue;
    if (it->is_number()) record(it.key(), step, it->get<double>(), now);
    else if (it->is_string() && (*it == "NaN" || *it == "nan")) record(it.key(), step, std::nan(""), now);
    else if (it->is_string() && *it == "Infinity") record(it.key(), step, INFINITY, now);
    else if (it->is_string() && *it == "-Infinity") record(it.key(), step, -INFINITY, now);
  }
}

Result<void> MetricsSink::flush(store::Store& store, std::int64_t run_id) {
  if (m_pending.empty()) return {};
  auto insert = FRUGAL_TRY(store.prepare("INSERT INTO metrics (run_id, key, step, time, value) VALUES (?, ?, ?, ?, ?)"));
  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    for (const auto& p : m_pending) {
      // SQLite has no NaN: a diverged value is stored as NULL.
      std::array<store::ValueView, 5> row = {run_id, std::string_view(p.key), p.step, std::string_view(p.time),
                                             std::isnan(p.value) ? store::ValueView{} : store::ValueView{p.value}};
      FRUGAL_CHECK(insert->execute_views(row));
    }
    return {};
  }));
  m_pending.clear();
  return {};
}

}  // namespace frugal::runner
