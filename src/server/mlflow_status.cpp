#include "server/mlflow_status.h"

#include <array>
#include <fmt/format.h>
#include <utility>

namespace frugal::server {
namespace {

using tracking::RunStatus;

constexpr std::array<std::pair<RunStatus, std::string_view>, 8> k_statuses = {{
    {RunStatus::running, "RUNNING"},
    {RunStatus::finished, "FINISHED"},
    {RunStatus::failed, "FAILED"},
    {RunStatus::killed, "KILLED"},  // before stopped_early: KILLED from MLflow means killed
    {RunStatus::stopped_early, "KILLED"},
    {RunStatus::over_budget, "FAILED"},
    {RunStatus::preempted, "FAILED"},
    {RunStatus::lost, "FAILED"},
}};

}  // namespace

std::string_view mlflow_status(RunStatus ours) {
  for (const auto& [status, name] : k_statuses)
    if (status == ours) return name;
  return "FAILED";
}

std::string_view mlflow_status(std::string_view ours) {
  auto parsed = tracking::parse_status(ours);
  return parsed ? mlflow_status(*parsed) : "FAILED";
}

Result<RunStatus> status_from_mlflow(std::string_view mlflow) {
  if (mlflow == "SCHEDULED") return RunStatus::running;  // not started yet: it runs as far as cost goes
  // Each MLflow status maps back to the first of ours that reads as it.
  for (const auto& [status, name] : k_statuses)
    if (name == mlflow) return status;
  return fail(ErrorCode::invalid,
              fmt::format("field 'status': '{}' is not RUNNING, SCHEDULED, FINISHED, FAILED or KILLED", mlflow));
}

std::string mlflow_status_sql(std::string_view column) {
  std::string sql = fmt::format("(CASE {}", column);
  for (const auto& [status, name] : k_statuses) sql += fmt::format(" WHEN '{}' THEN '{}'", tracking::status_name(status), name);
  return sql + " ELSE 'FAILED' END)";
}

}  // namespace frugal::server
