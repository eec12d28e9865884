#pragma once
// Private to src/server: what the MLflow route files share.
#include "server/routes.h"

namespace frugal::server {

// A run as MLflow's Run message: info, and data with each metric's latest value, params, tags.
Result<json> mlflow_run_json(store::Store& store, std::int64_t id);

// POST /api/2.0/mlflow/runs/search (mlflow_search_routes.cpp).
Result<Reply> mlflow_search_runs(Call& call);

}  // namespace frugal::server
