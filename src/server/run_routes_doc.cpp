// What the routes of run_routes.cpp take and answer (openapi.h).
#include "server/openapi.h"

namespace frugal::server {

ParamDoc run_id_param() {
  return {"id", "the run's id", R"({"type": "integer", "format": "int64", "minimum": 1})", "42"};
}

ParamDoc idempotency_key_header() {
  return {"Idempotency-Key",
          "a key of the client's choosing (at most 200 characters): the same request sent again with it is applied once, "
          "and answered as it was then",
          R"({"type": "string", "maxLength": 200})", R"("5f0c2a1e-batch-17")"};
}

std::vector<OperationDoc> run_route_docs() {
  const std::string not_found_run = "the run does not exist (an admin's token; others get 403 for a run of another team or none)";
  return {
      {.route = "POST /api/v1/runs",
       .operation_id = "createRun",
       .headers = {idempotency_key_header()},
       .body = R"({
         "type": "object", "description": "every field optional; an agent's run is its token's team's",
         "properties": {
           "name": {"type": "string"}, "command": {"type": "array", "items": {"type": "string"}},
           "user": {"type": "string"}, "team": {"type": "string"}, "project": {"type": "string"}, "model": {"type": "string"},
           "dataset": {"type": "string"}, "experiment": {"type": "string"}, "host": {"type": "string"},
           "provider": {"type": "string"}, "region": {"type": "string"},
           "instance_type": {"type": "string", "description": "priced from the catalog unless hourly_usd is given"},
           "instance_id": {"type": "string"},
           "hourly_usd": {"type": "string", "description": "the whole instance's price per hour, \"0\" to \"10000\"", "example": "3.06"},
           "gpu_count": {"type": "integer", "minimum": 0, "maximum": 65536},
           "instance_gpu_count": {"type": "integer", "minimum": 0, "maximum": 65536},
           "started_at": {"$ref": "Time"},
           "params": {"type": "object", "additionalProperties": {"type": "string"}},
           "tags": {"type": "object", "additionalProperties": {"type": "string"}}}})",
       .body_example = R"({"name": "train-resnet", "command": ["python", "train.py"], "project": "detector", "model": "resnet50",
                          "hourly_usd": "3.06", "gpu_count": 1, "params": {"lr": "0.01"}, "tags": {"stage": "sweep"}})",
       .answers = {{201, "the run started", R"({"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "format": "int64"}}})"},
                   {200, "sent again with an Idempotency-Key seen before: the run it started then",
                    R"({"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "format": "int64"}}})"},
                   {404, "instance_type: the catalog does not price it (give hourly_usd)"}}},
      {.route = "GET /api/v1/runs",
       .operation_id = "searchRuns",
       .query = {{"team", "an admin's filter (others see their own team's runs only)"},
                 {"user", ""},
                 {"project", ""},
                 {"model", ""},
                 {"dataset", ""},
                 {"experiment", ""},
                 {"status", "", R"({"$ref": "RunStatus"})"},
                 {"instance_type", ""},
                 {"since", "started at or after: a duration back from now (30d) or an instant (2026-11-01)", R"({"type": "string"})", R"("30d")"},
                 {"until", "started before: a duration back from now or an instant", R"({"type": "string"})"},
                 {"limit", "runs a page, newest first", R"({"type": "integer", "minimum": 1, "maximum": 1000, "default": 100})", "10"},
                 {"page_token", "the next_page_token of the page before", R"({"type": "string"})"}},
       .answers = {{200, "runs, newest first",
                    R"({"type": "object", "required": ["runs"],
                        "properties": {"runs": {"type": "array", "items": {"$ref": "Run"}},
                                       "next_page_token": {"type": "string", "description": "absent on the last page"}}})"},
                   {400, "a bad since, until, limit or page_token"}}},
      {.route = "GET /api/v1/runs/{id}",
       .operation_id = "getRun",
       .path = {run_id_param()},
       .answers = {{200, "the run", R"({"$ref": "RunDetail"})"}, {404, not_found_run}}},
      {.route = "PATCH /api/v1/runs/{id}",
       .operation_id = "finishRun",
       .headers = {idempotency_key_header()},
       .path = {run_id_param()},
       .body = R"({
         "type": "object", "required": ["status"],
         "properties": {
           "status": {"type": "string", "enum": ["finished", "failed", "stopped_early", "over_budget", "preempted", "killed", "lost"]},
           "exit_code": {"type": "integer", "format": "int32"}, "ended_at": {"$ref": "Time"}, "stop_reason": {"type": "string"},
           "gpu_util_mean": {"type": "number"}, "gpu_util_peak": {"type": "number"}, "gpu_util_p95": {"type": "number"},
           "gpu_mem_peak_bytes": {"type": "integer", "format": "int64"}, "idle_gpu_seconds": {"type": "number"},
           "idle_cost_usd": {"$ref": "Usd"}, "cpu_bound": {"type": "integer", "enum": [0, 1]},
           "saved_usd": {"$ref": "Usd"}, "work_lost_ms": {"type": "integer", "format": "int64"}}})",
       .body_example = R"({"status": "finished", "exit_code": 0, "gpu_util_mean": 71.5, "idle_cost_usd": "0.12"})",
       .answers = {{200, "the run ended (or, sent again with its Idempotency-Key, how it ended then)",
                    R"({"type": "object", "required": ["id", "status", "duration_ms", "cost_usd"],
                        "properties": {"id": {"type": "integer", "format": "int64"}, "status": {"$ref": "RunStatus"},
                                       "duration_ms": {"type": "integer", "format": "int64"}, "cost_usd": {"$ref": "NullableUsd"}}})"},
                   {404, not_found_run},
                   {409, "the run has already ended"}}},
      {.route = "POST /api/v1/runs/{id}/metrics",
       .operation_id = "logRunMetrics",
       .headers = {idempotency_key_header()},
       .path = {run_id_param()},
       .body = R"({
         "type": "object", "required": ["metrics"],
         "properties": {"metrics": {"type": "array", "maxItems": 1000, "items": {
           "type": "object", "required": ["key", "value"],
           "properties": {"key": {"type": "string"}, "value": {"$ref": "MetricValue"},
                          "step": {"type": "integer", "format": "int64"}, "time": {"$ref": "Time"}}}}}})",
       .body_example = R"({"metrics": [{"key": "loss", "value": 0.25, "step": 100}, {"key": "acc", "value": 0.91, "step": 100}]})",
       .answers = {{200, "stored, all or none",
                    R"({"type": "object", "required": ["count", "repeated"],
                        "properties": {"count": {"type": "integer", "description": "points stored; 0 when repeated"},
                                       "repeated": {"type": "boolean", "description": "this Idempotency-Key was seen: nothing stored again"}}})"},
                   {404, not_found_run},
                   {413, "over 1000 points in one batch (or the body over the server's limit)"}}},
      {.route = "GET /api/v1/runs/{id}/metrics",
       .operation_id = "getRunMetricHistory",
       .query = {{"key", "one metric's history; absent: every metric's", R"({"type": "string"})", R"("loss")"}},
       .path = {run_id_param()},
       .answers = {{200, "the points by key, step and time (at most 100,000)",
                    R"({"type": "object", "required": ["metrics", "truncated"],
                        "properties": {"metrics": {"type": "array", "items": {"$ref": "MetricPoint"}},
                                       "truncated": {"type": "boolean", "description": "more points than one answer holds: read /series"}}})"},
                   {404, not_found_run}}},
      {.route = "POST /api/v1/runs/{id}/samples",
       .operation_id = "logRunSamples",
       .headers = {idempotency_key_header()},
       .path = {run_id_param()},
       .body = R"({
         "type": "object", "required": ["samples"],
         "properties": {"samples": {"type": "array", "maxItems": 1000, "items": {
           "type": "object", "required": ["time"],
           "properties": {"time": {"$ref": "Time"}, "gpu_index": {"type": "integer"},
                          "gpu_util_pct": {"type": "number"}, "gpu_mem_bytes": {"type": "integer", "format": "int64"},
                          "power_w": {"type": "number"}, "cpu_pct": {"type": "number", "description": "% of one core"},
                          "rss_bytes": {"type": "integer", "format": "int64"}}}}}})",
       .body_example = R"({"samples": [{"time": "2026-11-26T10:00:00Z", "cpu_pct": 180, "rss_bytes": 2147483648},
                                       {"time": "2026-11-26T10:00:00Z", "gpu_index": 0, "gpu_util_pct": 97, "gpu_mem_bytes": 30000000000, "power_w": 280}]})",
       .answers = {{200, "stored, all or none; a sample timed after the run ended is counted, not stored",
                    R"({"type": "object", "required": ["count", "after_end", "repeated"],
                        "properties": {"count": {"type": "integer"}, "after_end": {"type": "integer"}, "repeated": {"type": "boolean"}}})"},
                   {404, not_found_run},
                   {413, "over 1000 samples in one batch (or the body over the server's limit)"}}},
  };
}

}  // namespace frugal::server
