// Prometheus' range-query answers (/api/v1/query_range) read series by series. Read with nlohmann's
// SAX interface straight into one reused series, not through a JSON document: a day of 800 GPUs'
// readings is 40 MB of JSON, whose document took ten times its size in memory and three times as
// long, and a week of the pods' series, all kept, fragmented the heap to 500 MB.
#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "k8s/k8s.h"

namespace frugal::k8s {
namespace {

using nlohmann::json;

// Prometheus writes a sample's value as a string: a number, NaN, +Inf or -Inf.
std::optional<double> sample_value(std::string_view text) {
  if (text == "NaN") return std::nan("");
  if (text == "+Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  double out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

// Where in the answer an event is: {"status", "data": {"resultType", "result": [{"metric": {…},
// "values": [[t, "v"], …]}, …]}, "errorType", "error", "warnings": […]}.
class MatrixReader : public json::json_sax_t {
 public:
  explicit MatrixReader(const std::function<void(Series&)>& each) : m_each(each) {}

  bool null() override { return scalar("null"); }
  bool boolean(bool) override { return scalar("a boolean"); }
  bool number_integer(json::number_integer_t v) override { return number(static_cast<double>(v)); }
  bool number_unsigned(json::number_unsigned_t v) override { return number(static_cast<double>(v)); }
  bool number_float(json::number_float_t v, const std::string&) override { return number(v); }
  bool binary(json::binary_t&) override { return scalar("binary"); }

  bool string(std::string& v) override {
    std::size_t d = m_frames.size();
    if (in_values() || in_result_list()) return scalar("a string");
    if (d == 1) {
      if (key(0) == "status") m_status = v;
      else if (key(0) == "errorType") m_error_type = v;
      else if (key(0) == "error") m_error = v;
      return true;
    }
    if (d == 2 && in_data() && key(1) == "resultType") {
      m_result_type = v;
      return true;
    }
    if (in_metric()) {
      m_series.labels.emplace_back(m_frames.back().key, std::move(v));
      return true;
    }
    if (in_pair()) {
      if (m_frames.back().index != 1) return bad("expected [unix time, \"number\"]");
      auto value = sample_value(v);
      if (!value) return bad(fmt::format("\"{}\" is not a number", v.substr(0, 40)));
      m_series.points.push_back({m_time_ms, *value});
      ++m_frames.back().index;
      return true;
    }
    if (d == 2 && key(0) == "warnings") {
      if (!m_warnings.empty()) m_warnings += "; ";
      m_warnings += v.substr(0, 200);
    }
    return true;  // something this reader does not use
  }

  bool start_object(std::size_t) override {
    if (in_values() || in_pair()) return bad("expected [unix time, \"number\"]");
    if (in_result_list()) {
      m_series.labels.clear();
      m_series.points.clear();  // keeps its capacity: the next series reuses it
      m_series_has_metric = m_series_has_values = false;
    }
    if (in_series() && key(3) == "metric") m_series_has_metric = true;
    m_frames.push_back({false, {}, 0});
    return true;
  }
  bool end_object() override {
    m_frames.pop_back();
    if (in_result_list()) {
      if (!m_series_has_metric || !m_series_has_values) return bad("expected \"metric\" and \"values\"");
      std::sort(m_series.labels.begin(), m_series.labels.end());
      m_each(m_series);
      ++m_frames.back().index;
    }
    return true;
  }
  bool start_array(std::size_t) override {
    if (in_series() && key(3) == "values") m_series_has_values = true;
    if (m_frames.size() == 2 && in_data() && key(1) == "result") m_saw_result = true;
    if (in_pair()) return bad("expected [unix time, \"number\"]");
    m_frames.push_back({true, {}, 0});
    return true;
  }
  bool end_array() override {
    bool pair = in_pair();
    if (pair && m_frames.back().index != 2) return bad("expected [unix time, \"number\"]");
    m_frames.pop_back();
    if (pair) ++m_frames.back().index;
    return true;
  }
  bool key(std::string& k) override {
    m_frames.back().key = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    m_syntax = true;
    return false;
  }

  // After the parse: what the answer was, or why it is not one.
  Result<void> outcome(std::string_view source, std::size_t bytes) const {
    if (!m_problem.empty()) return fail(ErrorCode::invalid, fmt::format("{}: {}", source, m_problem));
    if (m_syntax) return fail(ErrorCode::invalid, fmt::format("{}: the answer is not JSON ({} bytes; cut short?)", source, bytes));
    if (m_status != "success")
      return fail(ErrorCode::invalid, fmt::format("{}: Prometheus answered {} ({}): {}", source,
                                                  m_status.empty() ? "no status" : m_status,
                                                  m_error_type.empty() ? "?" : m_error_type,
                                                  m_error.empty() ? "no message" : m_error));
    // A Prometheus behind Thanos or a remote-read store says so when part of the data did not
    // come: a partial answer would import as jobs that ran less than they did.
    if (!m_warnings.empty())
      return fail(ErrorCode::invalid, fmt::format("{}: Prometheus answered with warnings (a partial answer): {}", source, m_warnings));
    if (m_result_type != "matrix" || !m_saw_result)
      return fail(ErrorCode::invalid, fmt::format("{}: expected data.resultType \"matrix\" with a result list", source));
    return {};
  }

 private:
  struct Frame {
    bool array;
    std::string key;    // an object's current key
    std::size_t index;  // an array's current element
  };

  const std::string& key(std::size_t depth) const { return m_frames[depth].key; }
  bool in_data() const { return m_frames.size() >= 2 && key(0) == "data"; }
  // data.result: the list of series
  bool in_result_list() const { return m_frames.size() == 3 && in_data() && key(1) == "result" && m_frames[2].array; }
  // data.result[i]: a series object
  bool in_series() const { return m_frames.size() == 4 && in_data() && key(1) == "result" && m_frames[2].array && !m_frames[3].array; }
  bool in_metric() const { return m_frames.size() == 5 && in_data() && key(1) == "result" && key(3) == "metric" && !m_frames[4].array; }
  bool in_values() const { return m_frames.size() == 5 && in_data() && key(1) == "result" && key(3) == "values" && m_frames[4].array; }
  bool in_pair() const { return m_frames.size() == 6 && in_data() && key(1) == "result" && key(3) == "values" && m_frames[5].array; }

  bool number(double v) {
    if (!in_pair()) return scalar("a number");  // NOLINT(readability-suspicious-call-argument)
    // Evaluation times are unix seconds; one outside 1970 to the year 5138 is no time Prometheus gives.
    if (m_frames.back().index != 0 || !(v >= 0 && v < 1e11)) return bad("expected [unix time, \"number\"]");
    m_time_ms = std::llround(v * 1000);
    ++m_frames.back().index;
    return true;
  }
  bool scalar(std::string_view what) {
    if (in_metric()) return bad(fmt::format("label {} is {}, not a string", m_frames.back().key, what));
    if (in_pair() || in_values()) return bad("expected [unix time, \"number\"]");
    if (in_result_list()) return bad("expected a series object");
    return true;  // something this reader does not use
  }
  bool bad(const std::string& why) {
    std::size_t series = m_frames.size() > 2 ? m_frames[2].index : 0;
    std::size_t point = m_frames.size() > 4 ? m_frames[4].index : 0;
    m_problem = m_frames.size() > 4 && key(3) == "values" ? fmt::format("result[{}].values[{}]: {}", series, point, why)
                                                           : fmt::format("result[{}]: {}", series, why);
    return false;
  }

  const std::function<void(Series&)>& m_each;
  Series m_series;
  std::vector<Frame> m_frames;
  std::string m_status, m_error_type, m_error, m_result_type, m_warnings, m_problem;
  std::int64_t m_time_ms = 0;
  bool m_syntax = false, m_saw_result = false, m_series_has_metric = false, m_series_has_values = false;
};

}  // namespace

const std::string& Series::label(std::string_view name) const {
  static const std::string k_none;
  auto it = std::lower_bound(labels.begin(), labels.end(), name,
                             [](const auto& l, std::string_view n) { return l.first < n; });
  return it != labels.end() && it->first == name ? it->second : k_none;
}

Result<void> read_matrix(std::string_view body, std::string_view source, const std::function<void(Series&)>& each) {
  MatrixReader reader(each);
  json::sax_parse(body.begin(), body.end(), &reader, json::input_format_t::json, true);
  return reader.outcome(source, body.size());
}

Result<std::vector<Series>> parse_matrix(std::string_view body, std::string_view source) {
  std::vector<Series> out;
  FRUGAL_CHECK(read_matrix(body, source, [&](Series& s) { out.push_back(s); }));
  return out;
}

}  // namespace frugal::k8s
