// The schemas the routes' documentation shares (components/schemas of the OpenAPI document): the
// error every route answers, Frugal's run, MLflow's messages, and the rows the cost routes list.
// Each is written as the handlers build it: a field every answer carries is `required`, a column
// that may be NULL is `nullable`, money is an exact decimal string.
#include "server/openapi.h"

namespace frugal::server {
namespace {

// Frugal's run as GET /api/v1/runs lists it (run_routes.cpp, run_json).
const char* const k_run = R"({
  "type": "object",
  "description": "A run: one attempt of a tracked job, who it is charged to, and what it cost",
  "required": ["id", "name", "experiment", "user", "team", "project", "model", "dataset", "command", "host",
               "instance_type", "started_at", "ended_at", "duration_ms", "status", "exit_code", "cost_usd",
               "gpu_count", "attempt"],
  "properties": {
    "id": {"type": "integer", "format": "int64", "example": 42},
    "name": {"type": "string", "nullable": true, "example": "train-resnet"},
    "experiment": {"type": "string", "nullable": true},
    "user": {"type": "string", "example": "bo"},
    "team": {"type": "string", "nullable": true, "example": "vision"},
    "project": {"type": "string", "nullable": true},
    "model": {"type": "string", "nullable": true},
    "dataset": {"type": "string", "nullable": true},
    "command": {"type": "string", "description": "the command line, shell-quoted"},
    "host": {"type": "string", "nullable": true},
    "instance_type": {"type": "string", "nullable": true, "example": "p3.2xlarge"},
    "started_at": {"$ref": "Time"},
    "ended_at": {"type": "string", "format": "date-time", "nullable": true, "description": "null while it runs"},
    "duration_ms": {"type": "integer", "format": "int64", "nullable": true, "description": "null while it runs"},
    "status": {"$ref": "RunStatus"},
    "exit_code": {"type": "integer", "nullable": true},
    "cost_usd": {"$ref": "NullableUsd"},
    "gpu_count": {"type": "integer"},
    "attempt": {"type": "integer", "description": "1 for a first attempt; a retry counts on"}
  }
})";

// What GET /api/v1/runs/{id} adds to a run.
const char* const k_run_detail_extra = R"({
  "params": {"type": "object", "additionalProperties": {"type": "string"}, "example": {"lr": "0.01"}},
  "tags": {"type": "object", "additionalProperties": {"type": "string"}},
  "latest_metrics": {
    "type": "object", "description": "each metric's value at its last step, by key",
    "additionalProperties": {"type": "object", "required": ["value", "step"],
                             "properties": {"value": {"$ref": "MetricValue"}, "step": {"type": "integer", "format": "int64", "nullable": true}}}
  },
  "checkpoints": {"type": "array", "items": {"$ref": "Checkpoint"}},
  "stop_reason": {"type": "string", "nullable": true, "description": "why frugal stopped it; over_budget: which budget"},
  "metric_keys": {"type": "array", "items": {"type": "string"}},
  "sample_counts": {
    "type": "object", "description": "resource samples recorded: host ones (CPU, memory: GET .../samples) and GPU readings, one per GPU per sample: GET .../gpus",
    "required": ["host", "gpu"],
    "properties": {"host": {"type": "integer", "format": "int64"}, "gpu": {"type": "integer", "format": "int64"}}
  },
  "attempts": {
    "type": "array", "description": "the chain of retries this run belongs to, first to last",
    "items": {"type": "object", "required": ["id", "attempt", "status", "started_at", "duration_ms", "cost_usd"],
              "properties": {"id": {"type": "integer", "format": "int64"}, "attempt": {"type": "integer"},
                             "status": {"$ref": "RunStatus"}, "started_at": {"$ref": "Time"},
                             "duration_ms": {"type": "integer", "format": "int64", "nullable": true},
                             "cost_usd": {"$ref": "NullableUsd"}}}
  },
  "cost_accrual": {
    "type": "array", "description": "the cost at the run's start and at its end (or now): it accrues linearly between; empty when unpriced",
    "items": {"type": "object", "required": ["time", "cost_usd"],
              "properties": {"time": {"$ref": "Time"}, "cost_usd": {"$ref": "Usd"}}}
  }
})";

std::string run_detail() {
  json run = json::parse(k_run);
  json extra = json::parse(k_run_detail_extra);
  run["description"] = "A run with its params, tags, latest metrics, checkpoints, sample counts, attempts and cost accrual";
  for (const auto& [name, schema] : extra.items()) {
    run["properties"][name] = schema;
    run["required"].push_back(name);
  }
  return run.dump();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> openapi_schemas() {
  return {
      {"Error", R"({
        "type": "object", "description": "Every error: MLflow's shape",
        "required": ["error_code", "message"],
        "properties": {
          "error_code": {"type": "string", "example": "INVALID_PARAMETER_VALUE",
                         "description": "INVALID_PARAMETER_VALUE (400), RESOURCE_DOES_NOT_EXIST (404), RESOURCE_ALREADY_EXISTS (409), UNAUTHENTICATED (401), PERMISSION_DENIED (403), REQUEST_LIMIT_EXCEEDED (413, 429), INTERNAL_ERROR (500, 503); from the transport: ENDPOINT_NOT_FOUND, METHOD_NOT_ALLOWED, BAD_REQUEST, REQUEST_TIMEOUT, TEMPORARILY_UNAVAILABLE"},
          "message": {"type": "string", "description": "what was wrong, naming the field with its path", "example": "field 'metrics[3].value': expected a number"}
        }})"},
      {"Usd", R"({"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "example": "12.50",
                  "description": "US dollars, exact, as a decimal string: never a float that is summed"})"},
      {"NullableUsd", R"({"type": "string", "nullable": true, "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "example": "12.50",
                          "description": "US dollars, exact, as a decimal string; null when unpriced"})"},
      {"BillsCover", R"({
        "type": "object", "nullable": true, "required": ["first_day", "last_day"],
        "description": "the days the imported bills cover, both inclusive: the first billing period's start and the last one's end, of the imports with live rows; null when none is imported",
        "properties": {"first_day": {"type": "string", "format": "date", "example": "2024-09-01"},
                       "last_day": {"type": "string", "format": "date", "example": "2024-10-31"}}})"},
      {"Time", R"({"type": "string", "format": "date-time", "example": "2026-11-26T10:00:00Z", "description": "UTC"})"},
      {"MetricValue", R"({
        "description": "a number, or NaN and the infinities as MLflow writes them",
        "oneOf": [{"type": "number"}, {"type": "string", "enum": ["NaN", "Infinity", "-Infinity"]}]})"},
      {"RunStatus", R"({"type": "string", "enum": ["running", "finished", "failed", "stopped_early", "over_budget", "preempted", "killed", "lost"]})"},
      {"Run", k_run},
      {"RunDetail", run_detail()},
      {"Checkpoint", R"({
        "type": "object", "description": "a complete checkpoint a run wrote, and where it was kept",
        "required": ["run_id", "path", "stored_at", "step", "bytes", "time"],
        "properties": {"run_id": {"type": "integer", "format": "int64"}, "path": {"type": "string"},
                       "stored_at": {"type": "string", "nullable": true}, "step": {"type": "integer", "format": "int64", "nullable": true},
                       "bytes": {"type": "integer", "format": "int64"}, "time": {"$ref": "Time"}}})"},
      {"MetricPoint", R"({
        "type": "object", "required": ["key", "step", "time", "value"],
        "properties": {"key": {"type": "string"}, "step": {"type": "integer", "format": "int64"}, "time": {"$ref": "Time"},
                       "value": {"$ref": "MetricValue"}}})"},
      {"Token", R"({
        "type": "object", "description": "a token as listed: never the token itself, only its first characters",
        "required": ["id", "name", "prefix", "team", "role", "created_at", "expires_at", "revoked_at"],
        "properties": {"id": {"type": "integer", "format": "int64"}, "name": {"type": "string"}, "prefix": {"type": "string", "example": "frugal_3f2a"},
                       "team": {"type": "string", "description": "\"\" for an admin token"}, "role": {"$ref": "Role"},
                       "created_at": {"type": "string"}, "expires_at": {"type": "string", "description": "UTC; \"\" when it never expires"},
                       "revoked_at": {"type": "string", "description": "UTC; \"\" while valid"}}})"},
      {"Role", R"({"type": "string", "enum": ["agent", "member", "admin"]})"},
      {"QuotaScope", R"({"type": "string", "enum": ["team", "user", "project"]})"},
      {"QuotaPeriod", R"({"type": "string", "enum": ["daily", "weekly", "monthly"]})"},
      {"Quota", R"({
        "type": "object", "description": "a quota and its use in the period holding now",
        "required": ["scope", "name", "period", "limit_usd", "limit_gpu_hours", "spent_usd", "gpu_hours", "exceeded", "period_start", "period_end"],
        "properties": {"scope": {"$ref": "QuotaScope"}, "name": {"type": "string"}, "period": {"$ref": "QuotaPeriod"},
                       "limit_usd": {"$ref": "NullableUsd"}, "limit_gpu_hours": {"type": "number", "nullable": true},
                       "spent_usd": {"$ref": "Usd"}, "gpu_hours": {"type": "number"}, "exceeded": {"type": "boolean"},
                       "period_start": {"$ref": "Time"}, "period_end": {"$ref": "Time"}}})"},
      {"Offer", R"({
        "type": "object", "description": "an instance type where it is offered, and its prices",
        "required": ["provider", "region", "instance_type", "vcpus", "memory_gib", "gpu_model", "gpu_count", "on_demand_usd_per_hour", "spot_usd_per_hour", "source"],
        "properties": {"provider": {"type": "string"}, "region": {"type": "string"}, "instance_type": {"type": "string"},
                       "vcpus": {"type": "number"}, "memory_gib": {"type": "number"}, "gpu_model": {"type": "string"},
                       "gpu_count": {"type": "number"}, "on_demand_usd_per_hour": {"$ref": "Usd"},
                       "spot_usd_per_hour": {"$ref": "NullableUsd"}, "source": {"type": "string"}}})"},
      {"Recommendation", R"({
        "type": "object", "description": "an open recommendation of `frugal advise`",
        "required": ["id", "rule", "team", "target", "finding", "evidence", "query", "monthly_saving_usd", "confidence", "action"],
        "properties": {"id": {"type": "string"}, "rule": {"type": "string"}, "team": {"type": "string"}, "target": {"type": "string"},
                       "finding": {"type": "string"},
                       "evidence": {"type": "array", "items": {"type": "object", "required": ["name", "value"],
                                                                "properties": {"name": {"type": "string"}, "value": {"type": "string"}}}},
                       "query": {"type": "string", "description": "SQL that shows the evidence"},
                       "monthly_saving_usd": {"$ref": "Usd"}, "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                       "action": {"type": "string"}}})"},
      {"LeaderboardRow", R"({
        "type": "object",
        "required": ["key", "cost_usd", "share", "gpu_hours", "runs", "failures", "hours", "idle_cost_usd", "saved_by_cache_usd"],
        "properties": {"key": {"type": "string", "description": "the team (user, ...); \"(none)\" for runs without one"},
                       "cost_usd": {"$ref": "Usd"}, "share": {"type": "number", "description": "of the total of the ranking metric, 0..1"},
                       "gpu_hours": {"type": "number"}, "runs": {"type": "integer", "format": "int64"},
                       "failures": {"type": "integer", "format": "int64"}, "hours": {"type": "number"},
                       "idle_cost_usd": {"$ref": "Usd"}, "saved_by_cache_usd": {"$ref": "Usd"}}})"},
      {"JobLine", R"({
        "type": "object",
        "required": ["run_id", "name", "user", "team", "project", "instance_type", "status", "started_at", "duration_ms", "cost_usd"],
        "properties": {"run_id": {"type": "integer", "format": "int64"}, "name": {"type": "string"}, "user": {"type": "string"},
                       "team": {"type": "string"}, "project": {"type": "string"}, "instance_type": {"type": "string"},
                       "status": {"type": "string"}, "started_at": {"type": "string"}, "duration_ms": {"type": "integer", "format": "int64"},
                       "cost_usd": {"$ref": "NullableUsd"}}})"},
      {"Empty", R"({"type": "object", "description": "nothing more to say", "properties": {}})"},
      {"MlflowKeyValue", R"({"type": "object", "required": ["key", "value"],
                             "properties": {"key": {"type": "string", "maxLength": 250}, "value": {"type": "string"}}})"},
      {"MlflowMetric", R"({
        "type": "object", "required": ["key", "value", "timestamp", "step"],
        "properties": {"key": {"type": "string"}, "value": {"$ref": "MetricValue"},
                       "timestamp": {"type": "integer", "format": "int64", "description": "milliseconds since 1970"},
                       "step": {"type": "integer", "format": "int64"}}})"},
      {"MlflowExperiment", R"({
        "type": "object", "required": ["experiment_id", "name", "artifact_location", "lifecycle_stage", "creation_time", "last_update_time", "tags"],
        "properties": {"experiment_id": {"type": "string", "example": "1"}, "name": {"type": "string"},
                       "artifact_location": {"type": "string"}, "lifecycle_stage": {"type": "string", "enum": ["active", "deleted"]},
                       "creation_time": {"type": "integer", "format": "int64", "description": "milliseconds since 1970"},
                       "last_update_time": {"type": "integer", "format": "int64", "description": "milliseconds since 1970: when it was made"},
                       "tags": {"type": "array", "items": {"$ref": "MlflowKeyValue"},
                                "description": "frugal.team: the team whose it is; none: shared"}}})"},
      {"MlflowRunStatus", R"({"type": "string", "enum": ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]})"},
      {"MlflowRunInfo", R"({
        "type": "object",
        "required": ["run_id", "run_uuid", "experiment_id", "run_name", "user_id", "status", "start_time", "artifact_uri", "lifecycle_stage"],
        "properties": {"run_id": {"type": "string", "example": "42", "description": "Frugal's run id"},
                       "run_uuid": {"type": "string", "description": "the same as run_id"},
                       "experiment_id": {"type": "string"}, "run_name": {"type": "string"}, "user_id": {"type": "string"},
                       "status": {"$ref": "MlflowRunStatus"},
                       "start_time": {"type": "integer", "format": "int64", "description": "milliseconds since 1970"},
                       "end_time": {"type": "integer", "format": "int64", "description": "milliseconds since 1970; absent while it runs"},
                       "artifact_uri": {"type": "string"}, "lifecycle_stage": {"type": "string"}}})"},
      {"MlflowRun", R"({
        "type": "object", "required": ["info", "data"],
        "properties": {"info": {"$ref": "MlflowRunInfo"},
                       "data": {"type": "object", "required": ["metrics", "params", "tags"],
                                "properties": {"metrics": {"type": "array", "items": {"$ref": "MlflowMetric"},
                                                           "description": "each metric's latest value"},
                                               "params": {"type": "array", "items": {"$ref": "MlflowKeyValue"}},
                                               "tags": {"type": "array", "items": {"$ref": "MlflowKeyValue"}}}}}})"},
  };
}

}  // namespace frugal::server
