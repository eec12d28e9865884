// Prometheus' range-query answers (/api/v1/query_range) read into series.
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
std::optional<double> sample_value(const json& v) {
  if (!v.is_string()) return std::nullopt;
  const auto& text = v.get_ref<const std::string&>();
  if (text == "NaN") return std::nan("");
  if (text == "+Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  double out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

}  // namespace

const std::string& Series::label(std::string_view name) const {
  static const std::string k_none;
  auto it = std::lower_bound(labels.begin(), labels.end(), name,
                             [](const auto& l, std::string_view n) { return l.first < n; });
  return it != labels.end() && it->first == name ? it->second : k_none;
}

Result<std::vector<Series>> parse_matrix(std::string_view body, std::string_view source) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded())
    return fail(ErrorCode::invalid, fmt::format("{}: the answer is not JSON ({} bytes; cut short?)", source, body.size()));
  if (!doc.is_object()) return fail(ErrorCode::invalid, fmt::format("{}: the answer is not a JSON object", source));
  std::string status = doc.value("status", "");
  if (status != "success") {
    std::string type = doc.contains("errorType") && doc["errorType"].is_string() ? doc["errorType"].get<std::string>() : "?";
    std::string error = doc.contains("error") && doc["error"].is_string() ? doc["error"].get<std::string>() : "no message";
    return fail(ErrorCode::invalid, fmt::format("{}: Prometheus answered {} ({}): {}", source,
                                                status.empty() ? "no status" : status, type, error));
  }
  // A Prometheus behind Thanos or a remote-read store says so when part of the data did not come:
  // a partial answer would import as jobs that ran less than they did.
  if (doc.contains("warnings") && doc["warnings"].is_array() && !doc["warnings"].empty())
    return fail(ErrorCode::invalid, fmt::format("{}: Prometheus answered with warnings (a partial answer): {}", source,
                                                doc["warnings"].dump().substr(0, 300)));
  const json* data = doc.contains("data") ? &doc["data"] : nullptr;
  if (!data || !data->is_object() || data->value("resultType", "") != "matrix" || !data->contains("result") ||
      !(*data)["result"].is_array())
    return fail(ErrorCode::invalid, fmt::format("{}: expected data.resultType \"matrix\" with a result list", source));
  std::vector<Series> out;
  const json& result = (*data)["result"];
  out.reserve(result.size());
  for (std::size_t i = 0; i < result.size(); ++i) {
    const json& s = result[i];
    if (!s.is_object() || !s.contains("metric") || !s["metric"].is_object() || !s.contains("values") ||
        !s["values"].is_array())
      return fail(ErrorCode::invalid, fmt::format("{}: result[{}]: expected \"metric\" and \"values\"", source, i));
    Series series;
    for (const auto& [name, value] : s["metric"].items()) {
      if (!value.is_string())
        return fail(ErrorCode::invalid, fmt::format("{}: result[{}].metric.{}: not a string", source, i, name));
      series.labels.emplace_back(name, value.get<std::string>());
    }
    std::sort(series.labels.begin(), series.labels.end());
    const json& values = s["values"];
    series.points.reserve(values.size());
    for (std::size_t j = 0; j < values.size(); ++j) {
      const json& p = values[j];
      std::optional<double> v;
      // Evaluation times are unix seconds; one outside 1970 to the year 5138 is no time Prometheus gives.
      if (p.is_array() && p.size() == 2 && p[0].is_number() && p[0].get<double>() >= 0 && p[0].get<double>() < 1e11)
        v = sample_value(p[1]);
      if (!v)
        return fail(ErrorCode::invalid,
                    fmt::format("{}: result[{}].values[{}]: expected [unix time, \"number\"], got {}", source, i, j,
                                p.dump().substr(0, 80)));
      series.points.push_back({std::llround(p[0].get<double>() * 1000), *v});
    }
    out.push_back(std::move(series));
  }
  return out;
}

}  // namespace frugal::k8s
