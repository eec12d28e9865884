#pragma once
// Private to src/server: the OpenAPI 3.0 document of the route table, complete enough for a code
// generator. A route says its method, path, access and summary (routes.h); what it takes and
// answers is documented beside its file (run_routes_doc.cpp for run_routes.cpp, ...): an
// operationId, query and header parameters, the request body, and each status the handler answers
// with its schema. openapi_spec() joins the two by "METHOD /path" and adds what every route of
// its kind answers before its handler runs (400 for a body or a path segment that does not parse,
// 401, 403, 413, 429, 503), so the document states what the server does; openapi_gaps() names a
// route without documentation, or documentation without a route (frugal_server_tests fails on any).
//
// Schemas are JSON text, as they appear in the document; {"$ref": "Run"} names a component of
// openapi_schemas() (written out as #/components/schemas/Run).
#include <string>
#include <vector>

#include "server/routes.h"

namespace frugal::server {

// A query, header or path parameter of an operation.
struct ParamDoc {
  std::string name;
  std::string description;
  std::string schema = R"({"type": "string"})";
  std::string example{};  // JSON text; "": none
  Field presence = Field::optional;  // path parameters are always required
};

// One answer of an operation: its status and body.
struct AnswerDoc {
  int status = 200;
  std::string description;
  std::string schema{};  // JSON text; "": {"$ref": "Error"} for an error status, no body otherwise
  std::string content_type = "application/json";
};

// What one route takes and answers.
struct OperationDoc {
  std::string route;         // "POST /api/v1/runs": the method and path of its Route
  std::string operation_id;  // unique, lowerCamelCase: the name a generated client gives the call
  std::vector<ParamDoc> query{};
  std::vector<ParamDoc> headers{};
  std::vector<ParamDoc> path{};  // descriptions and examples of the path's {names}; each is a string otherwise
  std::string body{};            // the request body's schema; "": the route reads none
  std::string body_example{};    // JSON text of a body the route accepts
  std::vector<AnswerDoc> answers{};  // the handler's own: its successes and the errors it returns
};

// The documentation of each route file's routes (one *_routes_doc.cpp each).
std::vector<OperationDoc> service_route_docs();
std::vector<OperationDoc> run_route_docs();
std::vector<OperationDoc> token_route_docs();
std::vector<OperationDoc> sql_route_docs();
std::vector<OperationDoc> cost_route_docs();
std::vector<OperationDoc> mlflow_route_docs();
std::vector<OperationDoc> metrics_route_docs();
std::vector<OperationDoc> arcee_route_docs();
std::vector<OperationDoc> advise_route_docs();
std::vector<OperationDoc> dashboard_route_docs();
std::vector<OperationDoc> value_route_docs();

// Parameters several route files take.
ParamDoc run_id_param();            // {id} of /api/v1/runs/{id}...
ParamDoc idempotency_key_header();  // Idempotency-Key of the run writes
ParamDoc since_param();             // ?since= of a window: 30d by default
ParamDoc until_param();             // ?until=: now by default
ParamDoc cost_by_param();           // ?by= of the bill costs
ParamDoc cost_metric_param();       // ?metric= of the bill costs

// Every route file's documentation, in one list.
std::vector<OperationDoc> all_route_docs();

// The shared schemas (components/schemas): name → JSON text.
std::vector<std::pair<std::string, std::string>> openapi_schemas();

// The OpenAPI 3.0.3 document of `routes`. A route without documentation is still listed, with
// what the table says of it and `x-frugal-undocumented: true`.
json openapi_spec(const std::vector<Route>& routes);

// What keeps the document from being whole, one line each naming the route or schema: a route
// without documentation, documentation of no route, a repeated operationId, a schema that is not
// JSON or names an unknown component, a documented path parameter the path lacks. Empty: whole.
std::vector<std::string> openapi_gaps(const std::vector<Route>& routes, const std::vector<OperationDoc>& docs = all_route_docs());

}  // namespace frugal::server
