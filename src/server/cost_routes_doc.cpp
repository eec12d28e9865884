// What the routes of cost_routes.cpp take and answer (openapi.h).
#include "server/openapi.h"

namespace frugal::server {
namespace {

// The money fields of a bill cost are in the bill's currency, not always dollars.
const char* const k_amount = R"({"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "description": "exact, in the line's currency"})";

std::string cost_lines_answer() {
  return std::string(R"({"type": "object", "required": ["by", "since", "until", "bills_cover", "lines", "idle_instances"],
    "properties": {"by": {"type": "string"},
      "since": {"$ref": "Time"}, "until": {"$ref": "Time"},
      "bills_cover": {"$ref": "BillsCover"},
      "lines": {"type": "array", "items": {"type": "object", "required": ["key", "currency", "rows", "cost", "share"],
        "properties": {"key": {"type": "string", "description": "\"\": unallocated"}, "currency": {"type": "string"},
                       "rows": {"type": "integer", "format": "int64"}, "cost": )") + k_amount + R"(,
                       "share": {"type": "number", "description": "of the currency's total"}}}},
      "idle_instances": {"type": "array", "description": "what reconciled instances cost while no run used them",
        "items": {"type": "object", "required": ["resource_id", "currency", "idle_cost"],
          "properties": {"resource_id": {"type": "string"}, "currency": {"type": "string"}, "idle_cost": )" + k_amount + R"(}}}}})";
}

ParamDoc pricing_param() {
  return {"pricing", "", R"({"type": "string", "enum": ["on_demand", "spot"], "default": "on_demand"})"};
}

}  // namespace

ParamDoc cost_by_param() {
  return {"by", "service, region, provider, account, team, project, user, model, dataset or tag:KEY",
          R"({"type": "string", "default": "service"})", R"("service")"};
}

ParamDoc cost_metric_param() {
  return {"metric", "which of the bill's costs", R"({"type": "string", "enum": ["billed", "effective", "list"], "default": "billed"})"};
}

ParamDoc since_param() {
  return {"since", "the window's start: a duration back from now (30d) or an instant (2026-11-01)",
          R"({"type": "string", "default": "30d"})", R"("30d")"};
}

ParamDoc until_param() {
  return {"until", "the window's end, exclusive: a duration back from now or an instant; absent: now", R"({"type": "string"})"};
}

std::vector<OperationDoc> cost_route_docs() {
  const std::string bad_window = "a bad since or until (or another query value)";
  return {
      {.route = "GET /api/v1/top",
       .operation_id = "getLeaderboard",
       .query = {{"by", "", R"({"type": "string", "enum": ["team", "user", "project", "model", "dataset", "experiment"], "default": "team"})"},
                 {"metric", "what ranks the rows",
                  R"({"type": "string", "enum": ["cost", "gpu_hours", "runs", "failures", "duration", "idle_cost"], "default": "cost"})"},
                 since_param(),
                 until_param()},
       .answers = {{200, "the leaderboard of the window",
                    R"({"type": "object", "required": ["by", "since", "until", "rows", "total"],
                        "properties": {"by": {"type": "string"}, "since": {"$ref": "Time"}, "until": {"$ref": "Time"},
                                       "rows": {"type": "array", "items": {"$ref": "LeaderboardRow"}},
                                       "total": {"$ref": "LeaderboardRow"}}})"},
                   {400, bad_window}}},
      {.route = "GET /api/v1/report",
       .operation_id = "getReport",
       .query = {since_param(), until_param()},
       .answers = {{200, "the report of `frugal report`",
                    R"({"type": "object",
                        "required": ["since", "until", "runs", "failed_runs", "cost_usd", "failed_cost_usd", "cache", "costliest_jobs", "longest_jobs", "failures"],
                        "properties": {
                          "since": {"$ref": "Time"}, "until": {"$ref": "Time"},
                          "runs": {"type": "integer", "format": "int64"}, "failed_runs": {"type": "integer", "format": "int64"},
                          "cost_usd": {"$ref": "Usd"}, "failed_cost_usd": {"$ref": "Usd"},
                          "cache": {"type": "object", "required": ["hits", "saved_hours", "saved_usd", "data_hits", "egress_avoided_usd"],
                                    "properties": {"hits": {"type": "integer", "format": "int64"}, "saved_hours": {"type": "number"},
                                                   "saved_usd": {"$ref": "Usd"}, "data_hits": {"type": "integer", "format": "int64"},
                                                   "egress_avoided_usd": {"$ref": "Usd"}}},
                          "costliest_jobs": {"type": "array", "items": {"$ref": "JobLine"}},
                          "longest_jobs": {"type": "array", "items": {"$ref": "JobLine"}},
                          "failures": {"type": "array", "items": {"type": "object",
                            "required": ["team", "project", "runs", "failures", "failure_rate", "failed_cost_usd", "total_cost_usd"],
                            "properties": {"team": {"type": "string"}, "project": {"type": "string"},
                                           "runs": {"type": "integer", "format": "int64"}, "failures": {"type": "integer", "format": "int64"},
                                           "failure_rate": {"type": "number"}, "failed_cost_usd": {"$ref": "Usd"},
                                           "total_cost_usd": {"$ref": "Usd"}}}}}})"},
                   {400, bad_window}}},
      {.route = "GET /api/v1/costs",
       .operation_id = "getBillCosts",
       .query = {cost_by_param(), cost_metric_param(), since_param(), until_param()},
       .answers = {{200, "bill costs by key, largest first, one line per key and currency", cost_lines_answer()},
                   {400, bad_window}}},
      {.route = "GET /api/v1/quotas",
       .operation_id = "listQuotas",
       .answers = {{200, "quotas and their use this period (a member: its team's)",
                    R"({"type": "object", "required": ["quotas"], "properties": {"quotas": {"type": "array", "items": {"$ref": "Quota"}}}})"}}},
      {.route = "PUT /api/v1/quotas",
       .operation_id = "setQuota",
       .body = R"({"type": "object", "required": ["scope", "name"], "description": "limit_usd, limit_gpu_hours or both",
                   "properties": {"scope": {"$ref": "QuotaScope"}, "name": {"type": "string"},
                                  "period": {"allOf": [{"$ref": "QuotaPeriod"}], "default": "monthly"},
                                  "limit_usd": {"type": "string", "description": "a positive decimal string", "example": "5000"},
                                  "limit_gpu_hours": {"type": "number", "exclusiveMinimum": true, "minimum": 0}}})",
       .body_example = R"({"scope": "team", "name": "vision", "period": "monthly", "limit_usd": "5000", "limit_gpu_hours": 800})",
       .answers = {{200, "the quota as stored: a limit not given keeps its earlier value",
                    R"({"type": "object", "required": ["scope", "name", "period", "limit_usd", "limit_gpu_hours"],
                        "properties": {"scope": {"$ref": "QuotaScope"}, "name": {"type": "string"}, "period": {"$ref": "QuotaPeriod"},
                                       "limit_usd": {"$ref": "NullableUsd"}, "limit_gpu_hours": {"type": "number", "nullable": true}}})"}}},
      {.route = "DELETE /api/v1/quotas",
       .operation_id = "removeQuota",
       .body = R"({"type": "object", "required": ["scope", "name", "period"],
                   "properties": {"scope": {"$ref": "QuotaScope"}, "name": {"type": "string"}, "period": {"$ref": "QuotaPeriod"}}})",
       .body_example = R"({"scope": "team", "name": "vision", "period": "monthly"})",
       .answers = {{200, "removed", R"({"type": "object", "required": ["removed"], "properties": {"removed": {"type": "boolean", "enum": [true]}}})"},
                   {404, "no such quota"}}},
      {.route = "GET /api/v1/catalog/cheapest",
       .operation_id = "getCheapestOffers",
       .query = {{"gpu", "the GPU model", R"({"type": "string"})", R"("A100")", Field::required},
                 {"count", "GPUs at least", R"({"type": "number", "exclusiveMinimum": true, "minimum": 0, "default": 1})", "8"},
                 pricing_param()},
       .answers = {{200, "the cheapest offer of each provider, cheapest first (at most 20)",
                    R"({"type": "object", "required": ["offers"], "properties": {"offers": {"type": "array", "items": {"$ref": "Offer"}}}})"},
                   {400, "gpu missing, or a count that is not a positive number"}}},
      {.route = "GET /api/v1/catalog/price",
       .operation_id = "getInstancePrice",
       .query = {{"instance_type", "as the cloud spells it", R"({"type": "string"})", R"("p3.2xlarge")", Field::required},
                 {"region", "absent: the cheapest region"},
                 {"provider", ""},
                 pricing_param()},
       .answers = {{200, "the price that meters a run of it",
                    R"({"type": "object", "required": ["instance_type", "usd_per_hour", "gpus", "provider", "region", "source"],
                        "properties": {"instance_type": {"type": "string"}, "usd_per_hour": {"$ref": "Usd"}, "gpus": {"type": "integer"},
                                       "provider": {"type": "string"}, "region": {"type": "string"},
                                       "source": {"type": "string", "description": "catalog <file> or builtin"}}})"},
                   {400, "instance_type missing"},
                   {404, "the catalog does not price it there (the message names close matches)"}}},
      {.route = "GET /api/v1/cache/stats",
       .operation_id = "getCacheStats",
       .query = {since_param(), until_param()},
       .answers = {{200, "what the computation and data caches saved in the window (a member: its team's)",
                    R"({"type": "object", "required": ["since", "until", "computation", "data"],
                        "properties": {"since": {"$ref": "Time"}, "until": {"$ref": "Time"},
                          "computation": {"type": "object", "required": ["hits", "stores", "saved_hours", "saved_usd"],
                            "properties": {"hits": {"type": "integer", "format": "int64"}, "stores": {"type": "integer", "format": "int64"},
                                           "saved_hours": {"type": "number"}, "saved_usd": {"$ref": "Usd"}}},
                          "data": {"type": "object", "required": ["hits", "hit_bytes", "downloads", "egress_avoided_usd"],
                            "properties": {"hits": {"type": "integer", "format": "int64"}, "hit_bytes": {"type": "integer", "format": "int64"},
                                           "downloads": {"type": "integer", "format": "int64"}, "egress_avoided_usd": {"$ref": "Usd"}}}}})"},
                   {400, bad_window}}},
  };
}

}  // namespace frugal::server
