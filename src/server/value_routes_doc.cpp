// What the route of value_routes.cpp takes and answers (openapi.h).
#include "server/openapi.h"

namespace frugal::server {

std::vector<OperationDoc> value_route_docs() {
  const char* run = R"({"type": "object",
      "required": ["run_id", "name", "user", "team", "project", "model", "status", "started_at", "cost_usd", "value", "step",
                   "cost_to_within_usd", "on_frontier", "dominated_by", "direction_from"],
      "properties": {"run_id": {"type": "integer", "format": "int64"}, "name": {"type": "string"}, "user": {"type": "string"},
        "team": {"type": "string"}, "project": {"type": "string"}, "model": {"type": "string"}, "status": {"type": "string"},
        "started_at": {"$ref": "Time"},
        "cost_usd": {"$ref": "NullableUsd"},
        "value": {"type": "number", "nullable": true, "description": "its best (or last) value; null: it never reported the metric"},
        "step": {"type": "integer", "format": "int64"},
        "cost_to_within_usd": {"$ref": "NullableUsd"},
        "on_frontier": {"type": "boolean", "nullable": true, "description": "no other run is cheaper and at least as good; null when not placed"},
        "dominated_by": {"type": "integer", "format": "int64", "nullable": true, "description": "the cheapest run that dominates it"},
        "direction_from": {"type": "string", "description": "its stopping rule, or the query's metric"}}})";
  std::string answer = std::string(R"({"type": "object",
      "required": ["experiment", "metric", "direction", "within_pct", "summary", "runs", "apart"],
      "properties": {"experiment": {"type": "string"}, "metric": {"type": "string"},
        "direction": {"type": "string", "enum": ["max", "min"]}, "within_pct": {"type": "number"},
        "summary": {"type": "object",
          "required": ["runs", "placed", "best_run", "cheapest_within_run", "total_cost_usd", "dominated_cost_usd", "early_stop_saving_usd"],
          "properties": {"runs": {"type": "integer", "format": "int64"}, "placed": {"type": "integer", "format": "int64"},
            "best_run": {"type": "integer", "format": "int64", "nullable": true},
            "cheapest_within_run": {"type": "integer", "format": "int64", "nullable": true},
            "total_cost_usd": {"$ref": "Usd"}, "dominated_cost_usd": {"$ref": "Usd"}, "early_stop_saving_usd": {"$ref": "Usd"}}},
        "runs": {"type": "array", "description": "with the metric and a cost, cheapest first", "items": )") +
                       run + R"(},
        "apart": {"type": "array", "description": "without the metric or without a price", "items": )" + run + R"(}}})";
  return {{.route = "GET /api/v1/value",
           .operation_id = "getExperimentValue",
           .query = {{"experiment", "the experiment (runs.experiment)", R"({"type": "string"})", R"("sweep")"},
                     {"metric", "the target metric, and which way is better unless the runs' --stop-when rules say it",
                      R"({"type": "string"})", R"("val_acc:max")"},
                     {"at", "a run's value: its best or its last", R"({"type": "string", "enum": ["best", "last"], "default": "best"})"},
                     {"within", "percent of a run's own best at which it could have stopped", R"({"type": "number", "default": 1})"},
                     {"since", "runs started from: a duration back from now (30d) or an instant; absent: whenever they started",
                      R"({"type": "string"})", R"("30d")"},
                     until_param()},
           .answers = {{200, "the experiment's runs against their cost, the frontier marked, and a summary", answer},
                       {400, "no experiment or metric, a bad value, or the metric's direction unknown"}}}};
}

}  // namespace frugal::server
