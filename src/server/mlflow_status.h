#pragma once
// Private to src/server: how our run statuses read in MLflow's five (RUNNING, SCHEDULED, FINISHED,
// FAILED, KILLED), in one table that both the C++ answers and the SQL of runs/search read.
#include <string>
#include <string_view>

#include "core/error.h"
#include "tracking/tracking.h"

namespace frugal::server {

// The MLflow status of one of ours: an early or budget stop reads as KILLED or FAILED as MLflow's UI
// would show it.
std::string_view mlflow_status(tracking::RunStatus ours);
std::string_view mlflow_status(std::string_view ours);  // "unknown" text reads FAILED

// MLflow's status as a run's end. Errors: invalid, naming field 'status'.
Result<tracking::RunStatus> status_from_mlflow(std::string_view mlflow);

// A SQL CASE over `column` (our status text) giving the MLflow status, from the same table.
std::string mlflow_status_sql(std::string_view column);

}  // namespace frugal::server
