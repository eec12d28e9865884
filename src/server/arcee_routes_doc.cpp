// What the routes of arcee_routes.cpp take and answer (openapi.h). Bodies are read as Python's
// json.dumps writes them: a bare NaN, Infinity or -Infinity is taken where a number goes.
#include "server/openapi.h"

namespace frugal::server {
namespace {

const std::string k_platform = R"({"type": "object", "description": "where the run runs: prices it from the catalog, and joins it to bills",
  "properties": {"platform_type": {"type": "string", "description": "aws, gcp, azure, alibaba; unknown off-cloud"},
                 "instance_id": {"type": "string", "description": "off-cloud: the host name"},
                 "instance_type": {"type": "string"}, "instance_region": {"type": "string"},
                 "instance_lc": {"type": "string", "description": "OnDemand, Spot, Preemptible, ..."},
                 "flavor": {"type": "string", "description": "older clients' instance_type"},
                 "region": {"type": "string", "description": "older clients' instance_region"}}})";

const char* const k_missing = "no such run that the token may write (another team's is the same 404)";

ParamDoc arcee_run_param() {
  return {"id", "the run's id (as start answered it)", R"({"type": "string", "pattern": "^[0-9]+$"})", R"("42")"};
}

OperationDoc start(const std::string& route, const std::string& id) {
  return {.route = route,
          .operation_id = id,
          .path = {{"task_key", "the task: the run's experiment", R"({"type": "string"})", R"("resnet-sweep")"}},
          .body = R"({"type": "object",
                      "properties": {"name": {"type": "string", "description": "absent: arcee-run"}, "command": {"type": "string"},
                                     "git": {"type": "object", "additionalProperties": {}, "description": "kept as tags arcee.git.KEY"}}})",
          .body_example = R"({"name": "lr-0.01", "command": "python train.py", "git": {"branch": "main", "commit_id": "3f2a9c0"}})",
          .answers = {{200, "the run, started", R"({"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "example": "42"}}})"}}};
}

OperationDoc numbered(const std::string& route, const std::string& id, const std::string& field) {
  return {.route = route,
          .operation_id = id,
          .path = {arcee_run_param()},
          .body = R"({"type": "object", "required": [")" + field + R"("], "properties": {")" + field + R"(": {"type": "string"}}})",
          .body_example = R"({")" + field + R"(": "epoch 3 done"})",
          .answers = {{200, "kept as the run's next tag arcee." + field + ".N", R"({"$ref": "Empty"})"}, {404, k_missing}}};
}

OperationDoc model_version(const std::string& route, const std::string& id) {
  return {.route = route,
          .operation_id = id,
          .path = {arcee_run_param(), {"model", "the model's key: the run's model label", R"({"type": "string"})", R"("resnet50")"}},
          .answers = {{200, "the run's model label set (a body, if sent, is not read)", R"({"$ref": "Empty"})"}, {404, k_missing}}};
}

const char* const k_key_answer =
    R"({"type": "object", "required": ["_id", "key"], "properties": {"_id": {"type": "string"}, "key": {"type": "string"}}})";

}  // namespace

std::vector<OperationDoc> arcee_route_docs() {
  return {
      start("POST /arcee/v2/tasks/{task_key}/run", "arceeStartTaskRun"),
      start("POST /arcee/v2/applications/{task_key}/run", "arceeStartApplicationRun"),
      {.route = "POST /arcee/v2/collect",
       .operation_id = "arceeCollect",
       .body = R"({"type": "object", "required": ["run", "data"],
                   "properties": {"run": {"oneOf": [{"type": "string"}, {"type": "integer"}], "description": "the run's id"},
                                  "project": {"type": "string"},
                                  "data": {"type": "object", "additionalProperties": {}, "description": "metric name → value; a value that is not a number is skipped, and named in the answer"},
                                  "platform": )" + k_platform + R"(}})",
       .body_example = R"({"run": "42", "data": {"loss": 0.25, "acc": 0.91},
                          "platform": {"platform_type": "aws", "instance_type": "p3.2xlarge", "instance_region": "us-east-1", "instance_lc": "OnDemand"}})",
       .answers = {{200, "the metrics kept, each at its next step; what was skipped and why",
                    R"({"type": "object", "required": ["received", "skipped"],
                        "properties": {"received": {"type": "integer"},
                                       "skipped": {"type": "array", "items": {"type": "object", "required": ["key", "message"],
                                                   "properties": {"key": {"type": "string"}, "message": {"type": "string"}}}},
                                       "unpriced": {"type": "string", "description": "why the platform's instance type has no price"}}})"},
                   {404, k_missing}}},
      {.route = "POST /arcee/v2/run/{id}/proc",
       .operation_id = "arceeLogProcStats",
       .path = {arcee_run_param()},
       .body = R"({"type": "object", "required": ["proc_stats"],
                   "properties": {"proc_stats": {"type": "object", "properties": {
                                    "ps_stats": {"type": "object", "properties": {"cpu_count": {"type": "integer", "minimum": 1, "maximum": 65536}}},
                                    "proc": {"type": "object", "properties": {
                                      "cpu": {"type": "number", "description": "% of the machine: the client divides by cpu_count"},
                                      "mem": {"type": "object", "properties": {"rss": {"type": "object", "properties": {"t": {"type": "number", "description": "bytes"}}}}}}},
                                    "gpu_stats": {"type": "object", "properties": {"avg_gpu_load": {"type": "number"},
                                                                                   "avg_gpu_memory_used": {"type": "number", "description": "MiB"}}}}},
                                  "platform": )" + k_platform + R"(}})",
       .body_example = R"({"proc_stats": {"ps_stats": {"cpu_count": 8}, "proc": {"cpu": 12.5, "mem": {"rss": {"t": 2147483648}}},
                                          "gpu_stats": {"avg_gpu_load": 97, "avg_gpu_memory_used": 30000}}})",
       .answers = {{200, "the sample, stored", R"({"$ref": "Empty"})"}, {404, k_missing}, {409, "the run has ended: a sample after its end is refused"}}},
      {.route = "PATCH /arcee/v2/run/{id}",
       .operation_id = "arceeUpdateRun",
       .path = {arcee_run_param()},
       .body = R"({"type": "object",
                   "properties": {"tags": {"type": "object", "additionalProperties": {}}, "hyperparameters": {"type": "object", "additionalProperties": {}},
                                  "state": {"type": "integer", "enum": [1, 2, 3, 4], "description": "1 running, 2 finished, 3 error, 4 aborted"},
                                  "finish": {"type": "boolean"}, "reason": {"type": "string"}}})",
       .body_example = R"({"hyperparameters": {"lr": 0.01}, "tags": {"stage": "sweep"}, "state": 2, "finish": true})",
       .answers = {{200, "updated (a finished run is ended)", R"({"$ref": "Empty"})"}, {404, k_missing}}},
      numbered("POST /arcee/v2/run/{id}/milestones", "arceeAddMilestone", "milestone"),
      numbered("POST /arcee/v2/run/{id}/stages", "arceeAddStage", "stage"),
      {.route = "POST /arcee/v2/run/{id}/dataset_register",
       .operation_id = "arceeRegisterDataset",
       .path = {arcee_run_param()},
       .body = R"({"type": "object", "description": "name, or path when there is none",
                   "properties": {"name": {"type": "string"}, "path": {"type": "string"}}})",
       .body_example = R"({"name": "imagenet-1k", "path": "s3://data/imagenet"})",
       .answers = {{200, "the run's dataset label set", R"({"$ref": "Empty"})"}, {404, k_missing}}},
      {.route = "POST /arcee/v2/run/{id}/consoles",
       .operation_id = "arceeSendConsole",
       .path = {arcee_run_param()},
       .body = R"({"type": "object", "additionalProperties": {}, "description": "console output: accepted, not kept"})",
       .body_example = R"({"output": "epoch 3: loss 0.25\n", "error": ""})",
       .answers = {{200, "accepted", R"({"$ref": "Empty"})"}}},
      {.route = "POST /arcee/v2/models",
       .operation_id = "arceeCreateModel",
       .body = R"({"type": "object", "properties": {"key": {"type": "string"}}, "additionalProperties": {}})",
       .body_example = R"({"key": "resnet50"})",
       .answers = {{200, "accepted", k_key_answer}}},
      model_version("POST /arcee/v2/runs/{id}/models/{model}/version", "arceeSetModelVersion"),
      model_version("PATCH /arcee/v2/runs/{id}/models/{model}/version", "arceeUpdateModelVersion"),
      {.route = "POST /arcee/v2/artifacts",
       .operation_id = "arceeCreateArtifact",
       .body = R"({"type": "object", "properties": {"key": {"type": "string"}}, "additionalProperties": {}})",
       .body_example = R"({"key": "checkpoint-3", "path": "s3://ckpt/3"})",
       .answers = {{200, "accepted, not kept", k_key_answer}}},
      {.route = "PATCH /arcee/v2/artifacts/{artifact}",
       .operation_id = "arceeUpdateArtifact",
       .path = {{"artifact", "the artifact's id", R"({"type": "string"})", R"("checkpoint-3")"}},
       .body = R"({"type": "object", "properties": {"key": {"type": "string"}}, "additionalProperties": {}})",
       .body_example = R"({"tags": {"stage": "final"}})",
       .answers = {{200, "accepted, not kept", k_key_answer}}},
  };
}

}  // namespace frugal::server
