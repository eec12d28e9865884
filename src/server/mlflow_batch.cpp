#include "server/mlflow_batch.h"

#include <charconv>
#include <cstdint>
#include <fmt/format.h>
#include <limits>

#include "util/strings.h"

namespace frugal::server {
namespace {

constexpr std::size_t k_max_key_bytes = 250;  // MLflow's; tracking refuses longer keys too
constexpr std::int64_t k_last_ms = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

TimePoint from_ms(std::int64_t ms) { return TimePoint{std::chrono::milliseconds(ms)}; }

bool plain_key(const std::string& key) { return !key.empty() && key.size() <= k_max_key_bytes; }

// What the plain reader is inside: the body's members, an array's elements, an element's fields.
enum class Member { none, run_id, run_uuid, metrics, params, tags, other };
enum class Part { none, key, value, timestamp, step, other };

// nlohmann's SAX events for a log-batch body (json::sax_parse). Every callback returns false to
// decline: the parse stops and the tree reader takes the body.
class PlainBatchReader {
 public:
  explicit PlainBatchReader(TimePoint now) : m_now(now) {}

  std::optional<MetricBatch> result() && {
    if (!m_done) return std::nullopt;
    m_batch.run_id = !m_run_id.empty() ? std::move(m_run_id) : std::move(m_run_uuid);
    if (m_batch.run_id.empty()) return std::nullopt;
    if (m_batch.metrics.size() + m_batch.params.size() + m_batch.tags.size() > k_batch_total) return std::nullopt;
    return std::move(m_batch);
  }

  bool start_object(std::size_t) {
    if (m_depth == 0) {
      m_depth = 1;
      return true;
    }
    if (m_depth != 2) return false;  // an object where a scalar or an array belongs
    std::size_t count = m_member == Member::metrics ? m_batch.metrics.size()
                        : m_member == Member::params ? m_batch.params.size()
                                                     : m_batch.tags.size();
    std::size_t limit = m_member == Member::metrics ? k_batch_metrics : m_member == Member::params ? k_batch_params : k_batch_tags;
    if (count == limit) return false;
    m_entry = Entry{};
    m_depth = 3;
    return true;
  }

  bool end_object() {
    if (m_depth == 1) {
      m_depth = 0;
      m_done = true;
      return true;
    }
    m_depth = 2;
    return finish_entry();
  }

  bool start_array(std::size_t) {
    if (m_depth != 1 || (m_member != Member::metrics && m_member != Member::params && m_member != Member::tags)) return false;
    m_depth = 2;
    return true;
  }

  bool end_array() {
    m_depth = 1;
    return true;
  }

  bool key(std::string& name) {
    if (m_depth == 1) {
      m_member = name == "run_id"     ? Member::run_id
                 : name == "run_uuid" ? Member::run_uuid
                 : name == "metrics"  ? Member::metrics
                 : name == "params"   ? Member::params
                 : name == "tags"     ? Member::tags
                                      : Member::other;
      return m_member == Member::other || first_time(m_members_seen, static_cast<unsigned>(m_member));
    }
    bool metric = m_member == Member::metrics;
    m_part = name == "key"                   ? Part::key
             : name == "value"               ? Part::value
             : metric && name == "timestamp" ? Part::timestamp
             : metric && name == "step"      ? Part::step
                                             : Part::other;
    return m_part == Part::other || first_time(m_entry.parts_seen, static_cast<unsigned>(m_part));
  }

  bool string(std::string& text) {
    if (text.find('\0') != std::string::npos) return false;  // the tree reader names the field
    if (m_depth == 1) {
      if (m_member == Member::run_id) m_run_id.assign(text);
      if (m_member == Member::run_uuid) m_run_uuid.assign(text);
      return m_member == Member::run_id || m_member == Member::run_uuid || m_member == Member::other;
    }
    if (m_depth != 3) return false;
    switch (m_part) {
      case Part::key: m_entry.key.assign(text); return true;
      case Part::value:
        if (m_member != Member::metrics) {
          m_entry.text.assign(text);
          return true;
        }
        m_entry.value = util::parse_non_finite(text);  // MLflow clients send NaN and the infinities as strings
        return m_entry.value.has_value();
      case Part::timestamp:
      case Part::step: return integer(integer_of_text(text));
      case Part::other: return true;
      case Part::none: return false;
    }
    return false;
  }

  bool number_integer(std::int64_t v) { return number(static_cast<double>(v), v); }
  bool number_unsigned(std::uint64_t v) {
    bool fits = v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    return number(static_cast<double>(v), fits ? std::optional<std::int64_t>(static_cast<std::int64_t>(v)) : std::nullopt);
  }
  bool number_float(double v, const std::string&) { return number(v, std::nullopt); }
  bool boolean(bool) { return scalar_skipped(); }
  bool null() { return scalar_skipped(); }
  bool binary(nlohmann::json::binary_t&) { return false; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  struct Entry {
    unsigned parts_seen = 0;
    std::string key, text;
    std::optional<double> value;
    std::optional<std::int64_t> ms, step;
  };

  static bool first_time(unsigned& seen, unsigned bit) {
    if (seen & (1u << bit)) return false;  // a repeated member: the tree keeps the last; leave it to the tree
    seen |= 1u << bit;
    return true;
  }

  static std::optional<std::int64_t> integer_of_text(const std::string& s) {  // proto3 JSON's int64 as a string
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
  }

  // A number: the metric's value, or an integer field (whole and within an int64 only).
  bool number(double as_double, std::optional<std::int64_t> as_integer) {
    if (m_depth != 3 || m_member != Member::metrics) return scalar_skipped();
    switch (m_part) {
      case Part::value: m_entry.value = as_double; return true;
      case Part::timestamp:
      case Part::step: return integer(as_integer);
      case Part::other: return true;
      default: return false;
    }
  }

  bool integer(std::optional<std::int64_t> v) {
    if (!v) return false;
    if (m_part == Part::timestamp) {
      if (*v < 0 || *v > k_last_ms) return false;
      m_entry.ms = v;
    } else {
      m_entry.step = v;
    }
    return true;
  }

  // A scalar the reader does not take: fine in a member or field it skips, else declined.
  bool scalar_skipped() {
    if (m_depth == 1) return m_member == Member::other;
    return m_depth == 3 && m_part == Part::other;
  }

  bool finish_entry() {
    if (!plain_key(m_entry.key)) return false;
    if (m_member != Member::metrics) {
      auto& list = m_member == Member::params ? m_batch.params : m_batch.tags;
      list.emplace_back(std::move(m_entry.key), std::move(m_entry.text));
      return true;
    }
    if (!m_entry.value) return false;
    tracking::MetricPoint& p = m_batch.metrics.emplace_back();
    p.key = std::move(m_entry.key);
    p.value = *m_entry.value;
    p.time = m_entry.ms ? from_ms(*m_entry.ms) : m_now;
    p.step = m_entry.step.value_or(0);  // MLflow's proto default
    return true;
  }

  TimePoint m_now;
  MetricBatch m_batch;
  std::string m_run_id, m_run_uuid;
  Entry m_entry;
  int m_depth = 0;
  Member m_member = Member::none;
  Part m_part = Part::none;
  unsigned m_members_seen = 0;
  bool m_done = false;
};

}  // namespace

Result<std::optional<TimePoint>> ms_field(const json& object, const std::string& name, const std::string& path) {
  auto ms = FRUGAL_TRY(integer_field(object, name, path, Field::optional));
  if (!ms) return std::optional<TimePoint>{};
  if (*ms < 0 || *ms > k_last_ms)
    return fail(ErrorCode::invalid, fmt::format("field '{}{}{}': milliseconds since 1970, before the year 10000", path,
                                                path.empty() ? "" : ".", name));
  return std::optional<TimePoint>{from_ms(*ms)};
}

Result<tracking::KeyValues> key_values(const json& body, const char* name, std::size_t limit) {
  tracking::KeyValues out;
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) return fail(ErrorCode::invalid, fmt::format("field '{}': expected an array", name));
  if (it->size() > limit)
    return fail(ErrorCode::invalid, fmt::format("field '{}': {} entries; at most {} a request", name, it->size(), limit));
  for (std::size_t i = 0; i < it->size(); ++i) {
    std::string path = fmt::format("{}[{}]", name, i);
    if (!(*it)[i].is_object()) return fail(ErrorCode::invalid, fmt::format("field '{}': expected an object", path));
    std::string key = FRUGAL_TRY(string_field((*it)[i], "key", path, Field::required));
    std::string value = FRUGAL_TRY(string_field((*it)[i], "value", path, Field::optional));
    if (!plain_key(key)) return fail(ErrorCode::invalid, fmt::format("field '{}.key': 1 to {} characters", path, k_max_key_bytes));
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

Result<tracking::MetricPoint> metric_point(const json& m, const std::string& path, TimePoint now) {
  tracking::MetricPoint p;
  p.key = FRUGAL_TRY(string_field(m, "key", path, Field::required));
  p.value = *FRUGAL_TRY(number_field(m, "value", path, Field::required));
  p.time = FRUGAL_TRY(ms_field(m, "timestamp", path)).value_or(now);
  p.step = FRUGAL_TRY(integer_field(m, "step", path, Field::optional)).value_or(0);  // MLflow's proto default
  return p;
}

Result<MetricBatch> read_batch_tree(const json& body, TimePoint now) {
  MetricBatch batch;
  batch.run_id = FRUGAL_TRY(string_field(body, "run_id", "", Field::optional));
  if (batch.run_id.empty()) batch.run_id = FRUGAL_TRY(string_field(body, "run_uuid", "", Field::optional));
  if (auto it = body.find("metrics"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return fail(ErrorCode::invalid, "field 'metrics': expected an array");
    if (it->size() > k_batch_metrics)
      return fail(ErrorCode::invalid, fmt::format("field 'metrics': {} entries; at most {} a request", it->size(), k_batch_metrics));
    batch.metrics.reserve(it->size());
    for (std::size_t i = 0; i < it->size(); ++i) {
      std::string path = fmt::format("metrics[{}]", i);
      if (!(*it)[i].is_object()) return fail(ErrorCode::invalid, fmt::format("field '{}': expected an object", path));
      batch.metrics.push_back(FRUGAL_TRY(metric_point((*it)[i], path, now)));
    }
  }
  batch.params = FRUGAL_TRY(key_values(body, "params", k_batch_params));
  batch.tags = FRUGAL_TRY(key_values(body, "tags", k_batch_tags));
  if (std::size_t n = batch.metrics.size() + batch.params.size() + batch.tags.size(); n > k_batch_total)
    return fail(ErrorCode::invalid, fmt::format("{} metrics, params and tags together; at most {} a request", n, k_batch_total));
  return batch;
}

std::optional<MetricBatch> read_batch_plain(std::string_view body, TimePoint now) {
  PlainBatchReader reader(now);
  if (!json::sax_parse(body.begin(), body.end(), &reader)) return std::nullopt;
  return std::move(reader).result();
}

}  // namespace frugal::server
