// The OpenAPI document: the route table joined with each route's documentation (openapi.h).
#include "server/openapi.h"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <optional>
#include <set>

namespace frugal::server {
namespace {

std::string key_of(const Route& r) { return r.method + " " + r.path; }

std::string access_name(Access a) {
  switch (a) {
    case Access::open: return "open";
    case Access::any: return "any";
    case Access::agent: return "agent";
    case Access::member: return "member";
    case Access::admin: return "admin";
  }
  return "admin";
}

// JSON text as a value; none when it does not parse (openapi_gaps() names it).
std::optional<json> parse_text(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

// {"$ref": "Run"} → {"$ref": "#/components/schemas/Run"}, at any depth; the names met go to `names`.
void expand_refs(json& schema, std::set<std::string>* names = nullptr) {
  if (schema.is_object()) {
    for (auto& [key, value] : schema.items()) {
      if (key == "$ref" && value.is_string() && !value.get_ref<const std::string&>().starts_with("#")) {
        if (names) names->insert(value.get<std::string>());
        value = "#/components/schemas/" + value.get<std::string>();
      } else {
        expand_refs(value, names);
      }
    }
  } else if (schema.is_array()) {
    for (auto& v : schema) expand_refs(v, names);
  }
}

json schema_of(const std::string& text) {
  json schema = parse_text(text).value_or(json::object());
  expand_refs(schema);
  return schema;
}

std::vector<std::string> path_names(const std::string& path) {
  std::vector<std::string> out;
  for (std::size_t at = path.find('{'); at != std::string::npos; at = path.find('{', at + 1))
    out.push_back(path.substr(at + 1, path.find('}', at) - at - 1));
  return out;
}

// The group a generated client puts the call in.
std::string tag_of(const std::string& path) {
  if (path.starts_with("/api/2.0/mlflow/")) return "mlflow";
  if (path.starts_with("/arcee/")) return "arcee";
  if (path.starts_with("/api/v1/")) return "frugal";
  return "service";
}

json parameter(const ParamDoc& p, const char* in) {
  json out = {{"name", p.name}, {"in", in}, {"schema", schema_of(p.schema)}};
  if (!p.description.empty()) out["description"] = p.description;
  if (p.presence == Field::required || std::string_view(in) == "path") out["required"] = true;
  if (!p.example.empty())
    if (auto e = parse_text(p.example)) out["example"] = *e;
  return out;
}

json answer(const AnswerDoc& a) {
  json out = {{"description", a.description}};
  std::string schema = a.schema.empty() && a.status >= 400 ? std::string(R"({"$ref": "Error"})") : a.schema;
  if (!schema.empty()) out["content"] = {{a.content_type, {{"schema", schema_of(schema)}}}};
  return out;
}

// What a route of this kind answers before its handler runs: the same for every such route, so
// written once under components/responses.
json admission_answers(const Route& r, bool has_body) {
  json out = json::object();
  auto ref = [](const char* name) { return json{{"$ref", fmt::format("#/components/responses/{}", name)}}; };
  if (has_body || r.path.find('{') != std::string::npos) out["400"] = ref("BadRequest");
  if (r.access != Access::open) {
    out["401"] = ref("Unauthenticated");
    if (r.access != Access::any) out["403"] = ref("Forbidden");
    out["429"] = ref("TooManyRequests");
    out["503"] = ref("Unavailable");
  }
  if (has_body) out["413"] = ref("TooLarge");
  return out;
}

json shared_responses() {
  auto error = [](const char* description) {
    return json{{"description", description},
                {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
  };
  json too_many = error("over this token's rate (`frugal serve --rate`, bursts of two seconds' worth): retry after Retry-After");
  too_many["headers"] = {{"Retry-After", {{"description", "seconds to wait"}, {"schema", {{"type", "integer"}}}}}};
  json unauthenticated = error("no token, or one that is wrong, expired or revoked (the answer does not say which)");
  unauthenticated["headers"] = {{"WWW-Authenticate", {{"schema", {{"type", "string"}}}}}};
  return {{"BadRequest", error("a value that does not parse or is out of range: the message names the field "
                               "(`metrics[3].value`), or where the JSON broke")},
          {"Unauthenticated", unauthenticated},
          {"Forbidden", error("the token's role may not call this route, or its team may not touch what it names")},
          {"TooLarge", error("the request body is over `frugal serve --max-body-mb`")},
          {"TooManyRequests", too_many},
          {"Unavailable", error("the store did not answer; retry")}};
}

json operation(const Route& r, const OperationDoc* doc) {
  json op = {{"summary", r.summary}, {"tags", json::array({tag_of(r.path)})}, {"x-frugal-access", access_name(r.access)}};
  if (r.access != Access::open)
    op["security"] = json::array({json{{r.auth_header == "authorization" ? "bearer" : "apiKey", json::array()}}});
  json parameters = json::array();
  for (const auto& name : path_names(r.path)) {
    ParamDoc p{name, ""};
    if (doc)
      for (const auto& documented : doc->path)
        if (documented.name == name) p = documented;
    parameters.push_back(parameter(p, "path"));
  }
  bool has_body = doc && !doc->body.empty();
  if (doc) {
    op["operationId"] = doc->operation_id;
    for (const auto& q : doc->query) parameters.push_back(parameter(q, "query"));
    for (const auto& h : doc->headers) parameters.push_back(parameter(h, "header"));
    if (has_body) {
      json media = {{"schema", schema_of(doc->body)}};
      if (!doc->body_example.empty())
        if (auto e = parse_text(doc->body_example)) media["example"] = *e;
      op["requestBody"] = {{"required", true}, {"content", {{"application/json", media}}}};
    }
  } else {
    op["x-frugal-undocumented"] = true;
  }
  if (!parameters.empty()) op["parameters"] = parameters;
  json responses = admission_answers(r, has_body);
  if (doc)
    for (const auto& a : doc->answers) responses[std::to_string(a.status)] = answer(a);
  if (!doc) responses["200"] = {{"description", "success (not yet documented)"}};
  op["responses"] = responses;
  return op;
}

}  // namespace

std::vector<OperationDoc> all_route_docs() {
  std::vector<OperationDoc> all;
  for (auto part : {service_route_docs, run_route_docs, token_route_docs, sql_route_docs, cost_route_docs, mlflow_route_docs,
                    metrics_route_docs, arcee_route_docs, advise_route_docs, dashboard_route_docs, value_route_docs})
    for (auto& d : part()) all.push_back(std::move(d));
  return all;
}

json openapi_spec(const std::vector<Route>& routes) {
  std::map<std::string, const OperationDoc*> docs;
  const std::vector<OperationDoc> all = all_route_docs();
  for (const auto& d : all) docs.emplace(d.route, &d);
  json paths = json::object();
  for (const auto& r : routes) {
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto it = docs.find(key_of(r));
    paths[r.path][method] = operation(r, it == docs.end() ? nullptr : it->second);
  }
  json schemas = json::object();
  for (const auto& [name, text] : openapi_schemas()) schemas[name] = schema_of(text);
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "Frugal"},
            {"version", "0.1.0"},
            {"description",
             "What every ML job costs: runs, metrics, leaderboards, and MLflow-compatible ingest. Errors are "
             "{error_code, message}. Generated from the server's route table (docs/cli.md, Server)."}}},
          {"tags",
           json::array({{{"name", "frugal"}, {"description", "Frugal's own API: runs, costs, quotas, tokens, SQL"}},
                        {{"name", "mlflow"}, {"description", "MLflow's tracking REST API (MLFLOW_TRACKING_URI)"}},
                        {{"name", "arcee"}, {"description", "OptScale arcee's v2 API, token in x-api-key"}},
                        {{"name", "service"}, {"description", "liveness, this document, Prometheus, the dashboard"}}})},
          {"paths", paths},
          {"components",
           {{"schemas", schemas},
            {"responses", shared_responses()},
            {"securitySchemes",
             {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
              {"apiKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "x-api-key"}}}}}}}};
}

std::vector<std::string> openapi_gaps(const std::vector<Route>& routes, const std::vector<OperationDoc>& docs) {
  std::vector<std::string> gaps;
  std::set<std::string> component_names;
  for (const auto& [name, text] : openapi_schemas()) component_names.insert(name);
  std::set<std::string> refs;
  auto check = [&](const std::string& where, const std::string& text) {
    auto parsed = parse_text(text);
    if (!parsed) gaps.push_back(fmt::format("{}: not JSON: {}", where, text));
    else expand_refs(*parsed, &refs);
    for (const auto& name : refs)
      if (!component_names.contains(name)) gaps.push_back(fmt::format("{}: no schema '{}' in openapi_schemas()", where, name));
    refs.clear();
  };
  for (const auto& [name, text] : openapi_schemas()) check("schema " + name, text);

  std::map<std::string, const Route*> by_key;
  for (const auto& r : routes) by_key.emplace(key_of(r), &r);
  std::set<std::string> documented, ids;
  for (const auto& d : docs) {
    if (!documented.insert(d.route).second) gaps.push_back(fmt::format("{}: documented twice", d.route));
    if (!ids.insert(d.operation_id).second) gaps.push_back(fmt::format("{}: operationId '{}' is another's too", d.route, d.operation_id));
    if (d.operation_id.empty()) gaps.push_back(fmt::format("{}: no operationId", d.route));
    if (d.answers.empty() || d.answers.front().status >= 400) gaps.push_back(fmt::format("{}: no success documented", d.route));
    auto route = by_key.find(d.route);
    if (route == by_key.end()) {
      gaps.push_back(fmt::format("{}: documented, but the route table has no such route", d.route));
      continue;
    }
    auto names = path_names(route->second->path);
    for (const auto& p : d.path)
      if (std::find(names.begin(), names.end(), p.name) == names.end())
        gaps.push_back(fmt::format("{}: path parameter '{}' is not in the path", d.route, p.name));
    if (!d.body.empty()) check(d.route + " request body", d.body);
    if (!d.body_example.empty()) check(d.route + " body example", d.body_example);
    for (const auto& group : {&d.query, &d.headers, &d.path})
      for (const auto& p : *group) {
        check(fmt::format("{} parameter '{}'", d.route, p.name), p.schema);
        if (!p.example.empty()) check(fmt::format("{} parameter '{}' example", d.route, p.name), p.example);
      }
    for (const auto& a : d.answers)
      if (!a.schema.empty()) check(fmt::format("{} answer {}", d.route, a.status), a.schema);
  }
  for (const auto& r : routes)
    if (!documented.contains(key_of(r)))
      gaps.push_back(fmt::format("{}: no documentation (an OperationDoc in the *_routes_doc.cpp beside its route file)", key_of(r)));
  return gaps;
}

}  // namespace frugal::server
