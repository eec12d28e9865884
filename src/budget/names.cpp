#include <array>
#include <fmt/format.h>

#include "budget/budget.h"

namespace frugal::budget {
namespace {

template <typename Enum, std::size_t N>
Result<Enum> parse_from(std::string_view name, const std::array<Enum, N>& all,
                        std::string_view (*to_name)(Enum), std::string_view what) {
  std::string known;
  for (Enum e : all) {
    if (to_name(e) == name) return e;
    known += (known.empty() ? "" : "|") + std::string(to_name(e));
  }
  return fail(ErrorCode::invalid, fmt::format("unknown {} '{}' (expected {})", what, name, known));
}

}  // namespace

std::string_view dimension_name(Dimension d) {
  switch (d) {
    case Dimension::team: return "team";
    case Dimension::user: return "user";
    case Dimension::project: return "project";
    case Dimension::model: return "model";
    case Dimension::dataset: return "dataset";
    case Dimension::experiment: return "experiment";
  }
  return "team";
}

std::string_view metric_name(Metric m) {
  switch (m) {
    case Metric::cost: return "cost";
    case Metric::gpu_hours: return "gpu_hours";
    case Metric::runs: return "runs";
    case Metric::failures: return "failures";
    case Metric::duration: return "duration";
    case Metric::idle_cost: return "idle_cost";
  }
  return "cost";
}

std::string_view scope_name(Scope s) {
  switch (s) {
    case Scope::team: return "team";
    case Scope::user: return "user";
    case Scope::project: return "project";
  }
  return "team";
}

std::string_view period_name(Period p) {
  switch (p) {
    case Period::daily: return "daily";
    case Period::weekly: return "weekly";
    case Period::monthly: return "monthly";
  }
  return "monthly";
}

Result<Dimension> parse_dimension(std::string_view name) {
  static constexpr std::array all = {Dimension::team, Dimension::user, Dimension::project,
                                     Dimension::model, Dimension::dataset, Dimension::experiment};
  return parse_from(name, all, dimension_name, "--by dimension");
}

Result<Metric> parse_metric(std::string_view name) {
  static constexpr std::array all = {Metric::cost, Metric::gpu_hours, Metric::runs, Metric::failures,
                                     Metric::duration, Metric::idle_cost};
  return parse_from(name, all, metric_name, "--metric");
}

Result<Scope> parse_scope(std::string_view name) {
  static constexpr std::array all = {Scope::team, Scope::user, Scope::project};
  return parse_from(name, all, scope_name, "quota scope");
}

Result<Period> parse_period(std::string_view name) {
  static constexpr std::array all = {Period::daily, Period::weekly, Period::monthly};
  return parse_from(name, all, period_name, "quota period");
}

}  // namespace frugal::budget
