// The one door for what runs carry: metrics, params, tags, samples (tracking.h states the rules).
#include <array>
#include <cmath>
#include <fmt/format.h>
#include <unordered_map>

#include "tracking/label_tags.h"
#include "tracking/tracking.h"

namespace frugal::tracking {
namespace {

constexpr std::size_t k_max_key_bytes = 250;  // MLflow's limit for metric, param and tag keys

// PostgreSQL's text cannot hold U+0000 (and SQLite's can): refused on every backend, alike.
bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

Result<void> check_key(std::string_view key, std::string_view what) {
  if (key.empty() || key.size() > k_max_key_bytes)
    return fail(ErrorCode::invalid, fmt::format("{} key '{}': 1 to {} bytes", what, key.substr(0, 40), k_max_key_bytes));
  if (has_nul(key))
    return fail(ErrorCode::invalid, fmt::format("{} key '{}': contains a NUL character (U+0000)", what, key.substr(0, key.find('\0'))));
  return {};
}

// A param's or tag's key, then its value.
Result<void> check_key_value(std::string_view key, std::string_view value, std::string_view what) {
  FRUGAL_CHECK(check_key(key, what));
  if (has_nul(value)) return fail(ErrorCode::invalid, fmt::format("{} '{}': its value contains a NUL character (U+0000)", what, key));
  return {};
}

// Formats each distinct time once: a batch of points usually shares a handful of milliseconds.
class TimeText {
 public:
  std::string_view of(TimePoint t) {
    if (t != m_time || m_text.empty()) {
      m_time = t;
      m_text = format_utc(t);
    }
    return m_text;
  }

 private:
  TimePoint m_time{};
  std::string m_text;
};

store::ValueView optional_view(const std::optional<std::int64_t>& v) { return v ? store::ValueView{*v} : store::ValueView{}; }
// Not a measurement: NaN or an infinity is stored as not measured.
store::ValueView measured_view(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? store::ValueView{*v} : store::ValueView{};
}

}  // namespace

Result<void> check_metric_key(std::string_view key) { return check_key(key, "metric"); }

Result<void> log_metrics(store::Store& store, std::int64_t run_id, std::span<const MetricPoint> points) {
  if (points.empty()) return {};
  for (std::size_t i = 0; i < points.size(); ++i)
    if (auto checked = check_metric_key(points[i].key); !checked)
      return std::unexpected(checked.error().wrap(fmt::format("metrics[{}]", i)));
  auto write = [&]() -> Result<void> {
    std::unordered_map<std::string_view, std::int64_t> next_step;  // keys sent without a step
    for (const auto& p : points) {
      if (p.step || next_step.contains(p.key)) continue;
      store::Value key[] = {run_id, p.key};
      auto last = FRUGAL_TRY(store.query("SELECT coalesce(max(step) + 1, 0) FROM metrics WHERE run_id = ? AND key = ?", key));
      next_step[p.key] = store::as_int(last.rows.at(0).at(0));
    }
    auto insert = FRUGAL_TRY(store.prepare("INSERT INTO metrics (run_id, key, step, time, value) VALUES (?, ?, ?, ?, ?)"));
    TimeText time;
    for (const auto& p : points) {
      std::int64_t step = p.step ? *p.step : next_step[p.key]++;
      // SQLite cannot hold NaN: NULL stands for it on both backends.
      std::array<store::ValueView, 5> row = {run_id, std::string_view(p.key), step, time.of(p.time),
                                             std::isnan(p.value) ? store::ValueView{} : store::ValueView{p.value}};
      FRUGAL_CHECK(insert->execute_views(row));
    }
    return {};
  };
  // One point with its step is one INSERT, atomic by itself: MLflow's log-metric, at thousands a
  // second, is spared a savepoint's two statements.
  if (points.size() == 1 && points[0].step) return write();
  return store.transaction(write);
}

Result<void> log_params(store::Store& store, std::int64_t run_id, const KeyValues& params) {
  if (params.empty()) return {};
  for (const auto& [key, value] : params) FRUGAL_CHECK(check_key_value(key, value, "param"));
  return store.transaction([&]() -> Result<void> {
    auto insert = FRUGAL_TRY(store.prepare("INSERT INTO params (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO NOTHING"));
    for (const auto& [key, value] : params) {
      std::array<store::ValueView, 3> row = {run_id, std::string_view(key), std::string_view(value)};
      if (FRUGAL_TRY(insert->execute_views(row)) == 1) continue;
      store::Value p[] = {run_id, key};
      auto old = FRUGAL_TRY(store.query("SELECT value FROM params WHERE run_id = ? AND key = ?", p));
      std::string before = old.rows.empty() ? std::string() : store::as_text(old.rows[0][0]);
      if (before != value)
        return fail(ErrorCode::invalid, fmt::format("param '{}' was already logged as '{}'; params cannot change (now '{}')", key,
                                                    before, value));
    }
    return {};
  });
}

Result<void> store_tags(store::Store& store, std::int64_t run_id, const KeyValues& tags) {
  if (tags.empty()) return {};
  for (const auto& [key, value] : tags) FRUGAL_CHECK(check_key_value(key, value, "tag"));
  auto upsert = FRUGAL_TRY(store.prepare(
      "INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value"));
  for (const auto& [key, value] : tags) {
    std::array<store::ValueView, 3> row = {run_id, std::string_view(key), std::string_view(value)};
    FRUGAL_CHECK(upsert->execute_views(row));
  }
  return {};
}

Result<void> set_tags(store::Store& store, std::int64_t run_id, const KeyValues& tags, const Writer& writer) {
  if (tags.empty()) return {};
  for (const auto& [key, value] : tags) {
    FRUGAL_CHECK(check_key_value(key, value, "tag"));
    if (auto label = label_tag(key); label && label->column == "team")
      FRUGAL_CHECK(check_team(writer, value, fmt::format("tag '{}'", key)));
  }
  return store.transaction([&]() -> Result<void> {
    FRUGAL_CHECK(store_tags(store, run_id, tags));
    for (const auto& [key, value] : tags) {
      auto label = label_tag(key);
      if (!label) continue;
      bool required = label->column == "username" || label->column == "name";  // NOT NULL columns
      if (required && value.empty()) continue;
      store::Value set[] = {required ? store::Value{value} : store::text_or_null(value), run_id};
      FRUGAL_CHECK(store.execute(fmt::format("UPDATE runs SET {} = ? WHERE id = ?", label->column), set));
    }
    return {};
  });
}

Result<void> append_numbered_tag(store::Store& store, std::int64_t run_id, std::string_view prefix, const std::string& value) {
  return store.transaction([&]() -> Result<void> {
    store::Value p[] = {run_id, fmt::format("{}.%", prefix)};
    auto n = FRUGAL_TRY(store.query("SELECT count(*) FROM tags WHERE run_id = ? AND key LIKE ?", p));
    store::Value row[] = {run_id, fmt::format("{}.{}", prefix, store::as_int(n.rows.at(0)[0]) + 1), value};
    FRUGAL_CHECK(store.execute("INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)", row));
    return {};
  });
}

std::vector<SampleRow> sample_rows(const Sample& sample) {
  std::vector<SampleRow> rows;
  rows.reserve(1 + sample.gpus.size());
  SampleRow host;
  host.time = sample.time;
  host.cpu_pct = sample.cpu_pct;
  host.rss_bytes = static_cast<std::int64_t>(sample.rss_bytes);
  rows.push_back(host);
  for (const auto& g : sample.gpus) {
    SampleRow gpu;
    gpu.time = sample.time;
    gpu.gpu_index = g.index;
    gpu.gpu_util_pct = g.util_pct;
    gpu.gpu_mem_bytes = static_cast<std::int64_t>(g.mem_bytes);
    gpu.power_w = g.power_w;
    rows.push_back(gpu);
  }
  return rows;
}

Result<SamplesWritten> record_samples(store::Store& store, std::int64_t run_id, std::span<const SampleRow> rows,
                                      LateSample late) {
  SamplesWritten written;
  if (rows.empty()) return written;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    auto negative = [](const auto& v) { return v && *v < 0; };
    const char* field = negative(r.gpu_index) ? "gpu_index" : negative(r.gpu_util_pct) ? "gpu_util_pct"
                        : negative(r.gpu_mem_bytes) ? "gpu_mem_bytes" : negative(r.power_w) ? "power_w"
                        : negative(r.cpu_pct) ? "cpu_pct" : negative(r.rss_bytes) ? "rss_bytes" : nullptr;
    if (field) return fail(ErrorCode::invalid, fmt::format("samples[{}].{}: a measurement is never negative", i, field));
  }
  FRUGAL_CHECK(store.transaction([&]() -> Result<void> {
    store::Value id[] = {run_id};
    auto run = FRUGAL_TRY(store.query("SELECT ended_at FROM runs WHERE id = ?", id));
    if (run.rows.empty()) return fail(ErrorCode::not_found, fmt::format("run {} does not exist", run_id));
    std::optional<TimePoint> ended;
    if (!store::is_null(run.rows[0][0])) ended = FRUGAL_TRY(parse_utc(store::as_text(run.rows[0][0])));
    auto insert = FRUGAL_TRY(store.prepare(
        "INSERT INTO samples (run_id, time, gpu_index, gpu_util_pct, gpu_mem_bytes, power_w, cpu_pct, rss_bytes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    TimeText time;
    for (const auto& r : rows) {
      // Arrived late, and not taken while the run ran. A caller that refuses late samples stamps
      // them on arrival (arcee): one stamped in the very millisecond of the end came after it too.
      bool after_end = ended && (r.time > *ended || (late == LateSample::refuse && r.time == *ended));
      if (after_end) {
        if (late == LateSample::refuse)
          return fail(ErrorCode::conflict, fmt::format("run {} ended at {}: a sample taken after its end ({}) is not stored",
                                                       run_id, format_utc(*ended), format_utc(r.time)));
        ++written.after_end;
        continue;
      }
      std::array<store::ValueView, 8> row = {run_id,
                                             time.of(r.time),
                                             optional_view(r.gpu_index),
                                             measured_view(r.gpu_util_pct),
                                             optional_view(r.gpu_mem_bytes),
                                             measured_view(r.power_w),
                                             measured_view(r.cpu_pct),
                                             optional_view(r.rss_bytes)};
      FRUGAL_CHECK(insert->execute_views(row));
      ++written.stored;
    }
    return {};
  }));
  return written;
}

Result<void> clear_billed_costs(store::Store& store) {
  FRUGAL_CHECK(store.execute("UPDATE runs SET billed_cost_nanos = NULL WHERE billed_cost_nanos IS NOT NULL"));
  return {};
}

Result<void> record_billed_cost(store::Store& store, std::int64_t run_id, const Money& billed) {
  store::Value p[] = {billed.nanos_rounded(), run_id};
  FRUGAL_CHECK(store.execute("UPDATE runs SET billed_cost_nanos = ? WHERE id = ?", p));
  return {};
}

}  // namespace frugal::tracking
