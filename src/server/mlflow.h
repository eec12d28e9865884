#pragma once
// Private to src/server: what the MLflow route files share.
#include "server/routes.h"

namespace frugal::server {

// A run as MLflow's Run message: info, and data with each metric's latest value, params, tags.
Result<json> mlflow_run_json(store::Store& store, std::int64_t id);

// An experiment as MLflow's Experiment message (its one tag: frugal.team, for a team's).
json mlflow_experiment_json(const tracking::Experiment& e);

// MLflow's times: milliseconds since 1970; a stored UTC text that does not parse is 0.
std::int64_t mlflow_ms_of_text(const std::string& utc);

// A request's fields from the JSON body (POST) or the query (GET), as MLflow clients send them.
Result<json> mlflow_fields(const Call& call);

// The offset a page_token names ("": 0). Tokens are offsets as text, the same for every search.
// Errors: invalid for a token this server would not give.
Result<std::int64_t> mlflow_page_offset(const json& fields);

// POST /api/2.0/mlflow/runs/search and experiments/search (mlflow_search_routes.cpp).
Result<Reply> mlflow_search_runs(Call& call);
Result<Reply> mlflow_search_experiments(Call& call);

}  // namespace frugal::server
