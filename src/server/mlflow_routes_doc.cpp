// What the routes of mlflow_routes.cpp and mlflow_search_routes.cpp take and answer (openapi.h).
// Names and shapes are MLflow's REST API 2.0; ids are strings, times milliseconds since 1970.
#include "server/openapi.h"

namespace frugal::server {
namespace {

const std::string k_base = "/api/2.0/mlflow";

// {run_id} (or MLflow's older run_uuid) and what else a run write carries.
std::string run_body(const std::string& required, const std::string& properties) {
  return R"({"type": "object", "description": "run_id (or run_uuid) names the run", )" +
         (required.empty() ? "" : R"("required": [)" + required + "], ") + R"("properties": {"run_id": {"type": "string", "example": "42"}, "run_uuid": {"type": "string", "description": "the same as run_id, as older clients send it"})" +
         (properties.empty() ? "" : ", " + properties) + "}}";
}

const char* const k_run_missing = "the run does not exist (an admin's token; others get 403 for a run of another team or none)";

ParamDoc run_id_query() {
  return {"run_id", "the run (or run_uuid, as older clients send it)", R"({"type": "string"})", R"("42")"};
}

const char* const k_run_out_of_scope = "the run is another team's, or none and the token not an admin's";

const char* const k_experiments_page = R"({"type": "object", "required": ["experiments"],
  "properties": {"experiments": {"type": "array", "items": {"$ref": "MlflowExperiment"}},
                 "next_page_token": {"type": "string", "description": "absent on the last page"}}})";

// experiments/search: the same fields in a POST's body or a GET's query.
OperationDoc search_experiments(const std::string& method) {
  const std::string filter = "conditions joined by AND over name, creation_time, last_update_time and tags.KEY";
  const std::string order = "name, experiment_id, creation_time or last_update_time; then ASC or DESC";
  OperationDoc doc{.route = method + " " + k_base + "/experiments/search",
                   .operation_id = method == "GET" ? "mlflowSearchExperimentsByQuery" : "mlflowSearchExperiments",
                   .answers = {{200, "the experiments the token sees (its team's and the shared), filtered, ordered and paged", k_experiments_page},
                               {400, "a filter, order_by, view_type, max_results or page_token this server does not take"}}};
  const std::string view_type = R"({"type": "string", "enum": ["ACTIVE_ONLY", "DELETED_ONLY", "ALL", "1", "2", "3"], "default": "ACTIVE_ONLY"})";
  const std::string max_results = R"({"type": "integer", "minimum": 1, "maximum": 50000, "default": 1000})";
  if (method == "GET") {
    doc.query = {{"filter", filter, R"({"type": "string"})", R"("name LIKE 'resnet%'")"},
                 {"order_by", order, R"({"type": "string"})", R"("name ASC")"},
                 {"max_results", "", max_results, "100"},
                 {"page_token", "the next_page_token of the page before"},
                 {"view_type", "", view_type}};
  } else {
    doc.body = R"({"type": "object", "properties": {"filter": {"type": "string", "description": ")" + filter +
               R"("}, "order_by": {"type": "array", "items": {"type": "string"}, "description": ")" + order +
               R"("}, "max_results": )" + max_results + R"(, "page_token": {"type": "string"}, "view_type": )" + view_type + "}}";
    doc.body_example = R"({"filter": "name LIKE 'resnet%'", "order_by": ["creation_time DESC"], "max_results": 100})";
  }
  return doc;
}

}  // namespace

std::vector<OperationDoc> mlflow_route_docs() {
  const std::string metric_fields = R"("key": {"type": "string"}, "value": {"$ref": "MetricValue"},
      "timestamp": {"type": "integer", "format": "int64", "minimum": 0, "description": "milliseconds since 1970; absent: now"},
      "step": {"type": "integer", "format": "int64", "default": 0})";
  return {
      {.route = "POST " + k_base + "/experiments/create",
       .operation_id = "mlflowCreateExperiment",
       .body = R"({"type": "object", "required": ["name"],
                   "properties": {"name": {"type": "string", "minLength": 1}, "artifact_location": {"type": "string"},
                                  "tags": {"type": "array", "items": {"$ref": "MlflowKeyValue"},
                                           "description": "frugal.team: the team whose it is (an admin's; others make their own team's); other tags are not kept"}}})",
       .body_example = R"({"name": "resnet-sweep", "tags": [{"key": "frugal.team", "value": "vision"}]})",
       .answers = {{200, "created", R"({"type": "object", "required": ["experiment_id"], "properties": {"experiment_id": {"type": "string"}}})"},
                   {409, "an experiment of that name exists where the token looks (its team's or the shared)"}}},
      {.route = "GET " + k_base + "/experiments/get-by-name",
       .operation_id = "mlflowGetExperimentByName",
       .query = {{"experiment_name", "", R"({"type": "string"})", R"("resnet-sweep")", Field::required}},
       .answers = {{200, "the experiment (runs of `frugal run --experiment NAME` make one too)",
                    R"({"type": "object", "required": ["experiment"], "properties": {"experiment": {"$ref": "MlflowExperiment"}}})"},
                   {400, "experiment_name missing"},
                   {404, "no experiment of that name that the token may see"}}},
      {.route = "GET " + k_base + "/experiments/get",
       .operation_id = "mlflowGetExperiment",
       .query = {{"experiment_id", "absent: the Default experiment, 0", R"({"type": "string"})", R"("0")"}},
       .answers = {{200, "the experiment", R"({"type": "object", "required": ["experiment"], "properties": {"experiment": {"$ref": "MlflowExperiment"}}})"},
                   {400, "experiment_id is not an id"},
                   {404, "no such experiment that the token may see"}}},
      {.route = "GET " + k_base + "/experiments/list",
       .operation_id = "mlflowListExperiments",
       .answers = {{200, "every experiment the token may see",
                    R"({"type": "object", "required": ["experiments"],
                        "properties": {"experiments": {"type": "array", "items": {"$ref": "MlflowExperiment"}}}})"}}},
      search_experiments("POST"),
      search_experiments("GET"),
      {.route = "POST " + k_base + "/runs/create",
       .operation_id = "mlflowCreateRun",
       .body = R"({"type": "object",
                   "properties": {"experiment_id": {"type": "string", "description": "absent: the Default experiment"},
                                  "user_id": {"type": "string"}, "run_name": {"type": "string"},
                                  "start_time": {"type": "integer", "format": "int64", "minimum": 0, "description": "milliseconds since 1970; absent: now"},
                                  "tags": {"type": "array", "items": {"$ref": "MlflowKeyValue"},
                                           "description": "mlflow.user and frugal.team, frugal.project, frugal.model, frugal.dataset label the run"}}})",
       .body_example = R"({"experiment_id": "0", "user_id": "bo", "run_name": "lr-0.01", "start_time": 1764151200000,
                          "tags": [{"key": "frugal.project", "value": "detector"}]})",
       .answers = {{200, "the run, started", R"({"type": "object", "required": ["run"], "properties": {"run": {"$ref": "MlflowRun"}}})"},
                   {404, "no such experiment that the token may see"}}},
      {.route = "POST " + k_base + "/runs/update",
       .operation_id = "mlflowUpdateRun",
       .body = run_body("", R"("status": {"$ref": "MlflowRunStatus"}, "run_name": {"type": "string"},
                                "end_time": {"type": "integer", "format": "int64", "minimum": 0, "description": "milliseconds since 1970; absent: now"})"),
       .body_example = R"({"run_id": "42", "status": "FINISHED", "end_time": 1764154800000})",
       .answers = {{200, "the run's info after the change",
                    R"({"type": "object", "required": ["run_info"], "properties": {"run_info": {"$ref": "MlflowRunInfo"}}})"},
                   {404, k_run_missing}}},
      {.route = "GET " + k_base + "/runs/get",
       .operation_id = "mlflowGetRun",
       .query = {run_id_query(), {"run_uuid", "the same as run_id (older clients)"}},
       .answers = {{200, "the run", R"({"type": "object", "required": ["run"], "properties": {"run": {"$ref": "MlflowRun"}}})"},
                   {400, "neither run_id nor run_uuid"},
                   {403, k_run_out_of_scope},
                   {404, k_run_missing}}},
      {.route = "POST " + k_base + "/runs/search",
       .operation_id = "mlflowSearchRuns",
       .body = R"({"type": "object",
                   "properties": {"experiment_ids": {"type": "array", "items": {"type": "string"}},
                                  "filter": {"type": "string", "description": "conditions joined by AND over metrics., params., tags. and attributes.status, run_name, user_id, run_id, start_time, end_time"},
                                  "order_by": {"type": "array", "items": {"type": "string"}, "description": "start_time, end_time, run_name, metrics.K or params.K; then ASC or DESC"},
                                  "max_results": {"type": "integer", "minimum": 1, "maximum": 50000, "default": 1000},
                                  "page_token": {"type": "string", "description": "the next_page_token of the page before"},
                                  "run_view_type": {"type": "string", "description": "accepted and not read: every run is active"}}})",
       .body_example = R"({"experiment_ids": ["0"], "filter": "metrics.loss < 0.5 AND params.lr = '0.01'", "order_by": ["metrics.loss ASC"], "max_results": 10})",
       .answers = {{200, "the runs (a non-admin token: its team's only)",
                    R"({"type": "object", "required": ["runs"],
                        "properties": {"runs": {"type": "array", "items": {"$ref": "MlflowRun"}},
                                       "next_page_token": {"type": "string", "description": "absent on the last page"}}})"}}},
      {.route = "POST " + k_base + "/runs/log-metric",
       .operation_id = "mlflowLogMetric",
       .body = run_body(R"("key", "value")", metric_fields),
       .body_example = R"({"run_id": "42", "key": "loss", "value": 0.25, "timestamp": 1764151260000, "step": 100})",
       .answers = {{200, "stored", R"({"$ref": "Empty"})"}, {404, k_run_missing}}},
      {.route = "POST " + k_base + "/runs/log-batch",
       .operation_id = "mlflowLogBatch",
       .body = run_body("", R"("metrics": {"type": "array", "maxItems": 1000, "items": {"type": "object", "required": ["key", "value"], "properties": {)" +
                                metric_fields + R"(}}},
                                "params": {"type": "array", "maxItems": 100, "items": {"$ref": "MlflowKeyValue"}},
                                "tags": {"type": "array", "maxItems": 100, "items": {"$ref": "MlflowKeyValue"}})"),
       .body_example = R"({"run_id": "42", "metrics": [{"key": "loss", "value": 0.25, "timestamp": 1764151260000, "step": 100}],
                          "params": [{"key": "lr", "value": "0.01"}], "tags": [{"key": "frugal.model", "value": "resnet50"}]})",
       .answers = {{200, "stored (at most 1000 entries together)", R"({"$ref": "Empty"})"},
                   {403, "a tag the token may not set (a label naming another team), named; the rest of the batch was written. "
                         "Or the token's role may not write, or the run is another team's"},
                   {404, k_run_missing}}},
      {.route = "POST " + k_base + "/runs/log-parameter",
       .operation_id = "mlflowLogParameter",
       .body = run_body(R"("key", "value")", R"("key": {"type": "string"}, "value": {"type": "string"})"),
       .body_example = R"({"run_id": "42", "key": "lr", "value": "0.01"})",
       .answers = {{200, "stored (a param logged again must keep its value)", R"({"$ref": "Empty"})"}, {404, k_run_missing}}},
      {.route = "POST " + k_base + "/runs/set-tag",
       .operation_id = "mlflowSetTag",
       .body = run_body(R"("key", "value")", R"("key": {"type": "string"}, "value": {"type": "string"})"),
       .body_example = R"({"run_id": "42", "key": "frugal.project", "value": "detector"})",
       .answers = {{200, "set", R"({"$ref": "Empty"})"}, {404, k_run_missing}}},
      {.route = "GET " + k_base + "/metrics/get-history",
       .operation_id = "mlflowGetMetricHistory",
       .query = {run_id_query(), {"run_uuid", "the same as run_id (older clients)"},
                 {"metric_key", "", R"({"type": "string"})", R"("loss")", Field::required},
                 {"max_results", "points a page", R"({"type": "integer", "minimum": 1, "maximum": 100000, "default": 100000})"},
                 {"page_token", "the next_page_token of the page before"}},
       .answers = {{200, "the metric's points by step, a page at a time",
                    R"({"type": "object", "required": ["metrics"],
                        "properties": {"metrics": {"type": "array", "items": {"$ref": "MlflowMetric"}},
                                       "next_page_token": {"type": "string", "description": "absent on the last page"}}})"},
                   {400, "run_id or metric_key missing; a bad max_results or page_token"},
                   {403, k_run_out_of_scope},
                   {404, k_run_missing}}},
  };
}

}  // namespace frugal::server
