// The OpenAPI document: every route of the table documented, nothing documented that is not a
// route, and the statuses each kind of route answers before its handler runs.
#include <gtest/gtest.h>

#include <set>

#include "server/openapi.h"

namespace frugal::server {
namespace {

// The table `frugal serve` builds (http_server.cpp, serve()).
std::vector<Route> served_routes() {
  std::vector<Route> routes;
  for (auto add : {add_service_routes, add_run_routes, add_token_routes, add_sql_routes, add_cost_routes, add_value_routes, add_mlflow_routes,
                   add_metrics_routes, add_arcee_routes, add_advise_routes, add_dashboard_routes})
    add(routes);
  return routes;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

const json& operation(const json& doc, const std::string& method, const std::string& path) {
  return doc.at("paths").at(path).at(method);
}

std::set<std::string> statuses(const json& op) {
  std::set<std::string> out;
  for (const auto& [status, answer] : op.at("responses").items()) out.insert(status);
  return out;
}

Result<Reply> unused(Call&) { return Reply{}; }

TEST(OpenApi, EveryRouteIsDocumentedAndEveryDocumentationNamesARoute) {
  auto gaps = openapi_gaps(served_routes());
  EXPECT_TRUE(gaps.empty()) << "the OpenAPI documentation and the route table part:" << joined(gaps);
}

TEST(OpenApi, ARouteAddedWithoutDocumentationIsNamed) {
  auto routes = served_routes();
  routes.push_back({"GET", "/api/v1/unheard-of", Access::member, "new", unused});
  auto gaps = openapi_gaps(routes);
  ASSERT_EQ(gaps.size(), 1u) << joined(gaps);
  EXPECT_NE(gaps[0].find("GET /api/v1/unheard-of: no documentation"), std::string::npos) << gaps[0];
  // Still served, marked so, with an operation a client can call.
  json doc = openapi_spec(routes);
  const json& op = operation(doc, "get", "/api/v1/unheard-of");
  EXPECT_TRUE(op.at("x-frugal-undocumented").get<bool>());
}

TEST(OpenApi, DocumentationOfNoRouteIsNamed) {
  auto docs = all_route_docs();
  docs.push_back({.route = "DELETE /api/v1/runs/{id}", .operation_id = "deleteRun", .answers = {{200, "gone"}}});
  auto gaps = openapi_gaps(served_routes(), docs);
  ASSERT_EQ(gaps.size(), 1u) << joined(gaps);
  EXPECT_NE(gaps[0].find("DELETE /api/v1/runs/{id}: documented, but the route table has no such route"), std::string::npos) << gaps[0];
}

TEST(OpenApi, SchemasThatAreNotJsonOrNameNoComponentAndRepeatedIdsAreNamed) {
  auto docs = all_route_docs();
  docs[0].answers[0].schema = R"({"$ref": "NoSuchThing"})";
  docs[1].body = R"({"type": "object",)";
  docs[2].operation_id = docs[3].operation_id;
  auto gaps = openapi_gaps(served_routes(), docs);
  std::string all = joined(gaps);
  EXPECT_NE(all.find("no schema 'NoSuchThing'"), std::string::npos) << all;
  EXPECT_NE(all.find("request body: not JSON"), std::string::npos) << all;
  EXPECT_NE(all.find("operationId '" + docs[3].operation_id + "' is another's too"), std::string::npos) << all;
}

TEST(OpenApi, EveryOperationHasAUniqueOperationIdAndAnAnswerWithABody) {
  json doc = openapi_spec(served_routes());
  std::set<std::string> ids;
  for (const auto& [path, methods] : doc.at("paths").items())
    for (const auto& [method, op] : methods.items()) {
      ASSERT_TRUE(op.contains("operationId")) << method << " " << path;
      EXPECT_TRUE(ids.insert(op.at("operationId").get<std::string>()).second) << op.at("operationId");
      EXPECT_FALSE(op.contains("x-frugal-undocumented")) << method << " " << path;
    }
}

TEST(OpenApi, PublicRoutesAnswerNeither401Nor403) {
  json doc = openapi_spec(served_routes());
  for (const auto& [path, methods] : doc.at("paths").items())
    for (const auto& [method, op] : methods.items()) {
      if (op.at("x-frugal-access") != "open") continue;
      auto s = statuses(op);
      EXPECT_FALSE(s.contains("401") || s.contains("403") || s.contains("429")) << method << " " << path;
      EXPECT_FALSE(op.contains("security")) << method << " " << path;
    }
  EXPECT_EQ(statuses(operation(doc, "get", "/healthz")), (std::set<std::string>{"200"}));
}

TEST(OpenApi, StatusesAreWhatTheRouteReallyAnswers) {
  json doc = openapi_spec(served_routes());
  // Creating: 201; a body: 400 and 413; a token: 401 and 429; a role: 403; a lookup: 404; a conflict: 409.
  auto create = statuses(operation(doc, "post", "/api/v1/runs"));
  for (const char* s : {"200", "201", "400", "401", "403", "413", "429", "503"}) EXPECT_TRUE(create.contains(s)) << s;
  EXPECT_TRUE(statuses(operation(doc, "post", "/api/v1/tokens")).contains("201"));
  EXPECT_TRUE(statuses(operation(doc, "patch", "/api/v1/runs/{id}")).contains("409"));
  EXPECT_TRUE(statuses(operation(doc, "get", "/api/v1/runs/{id}")).contains("404"));
  EXPECT_TRUE(statuses(operation(doc, "post", "/arcee/v2/run/{id}/proc")).contains("409"));
  EXPECT_TRUE(statuses(operation(doc, "post", "/api/2.0/mlflow/experiments/create")).contains("409"));
  // Any token may ask who it is: no role refuses it. A GET reads no body: no 413.
  auto me = statuses(operation(doc, "get", "/api/v1/me"));
  EXPECT_FALSE(me.contains("403"));
  EXPECT_FALSE(me.contains("413"));
  EXPECT_TRUE(me.contains("401"));
  EXPECT_TRUE(me.contains("429"));
}

TEST(OpenApi, RefsPointIntoTheDocumentAndArceeRoutesTakeTheApiKey) {
  json doc = openapi_spec(served_routes());
  const json& created = operation(doc, "post", "/api/v1/runs").at("responses").at("201");
  EXPECT_EQ(created.at("content").at("application/json").at("schema").at("properties").at("id").at("type"), "integer");
  const json& get = operation(doc, "get", "/api/v1/runs/{id}").at("responses").at("200");
  EXPECT_EQ(get.at("content").at("application/json").at("schema").at("$ref"), "#/components/schemas/RunDetail");
  EXPECT_TRUE(doc.at("components").at("schemas").contains("RunDetail"));
  const json& collect = operation(doc, "post", "/arcee/v2/collect");
  EXPECT_TRUE(collect.at("security").at(0).contains("apiKey"));
  EXPECT_TRUE(collect.at("requestBody").at("content").at("application/json").contains("example"));
  EXPECT_EQ(doc.at("openapi"), "3.0.3");
}

}  // namespace
}  // namespace frugal::server
