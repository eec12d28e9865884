#pragma once
// Private to src/server: the route table every part of the API registers into. The OpenAPI
// document is generated from the same table, so the documentation cannot drift from the server.
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "server/group_commit.h"
#include "server/server.h"
#include "server/ttl_cache.h"
#include "tracking/tracking.h"

namespace frugal::server {

using nlohmann::json;

// Who may call a route. Agent routes take agent and admin tokens; member routes member and admin;
// `any` every valid token.
enum class Access { open, any, agent, member, admin };

struct Reply;

// One request as a handler sees it.
struct Call {
  const std::string& method;
  const std::string& body;
  std::vector<std::string> path_params;        // the route pattern's groups, in order
  std::map<std::string, std::string> query;    // ?a=b (last value wins)
  std::map<std::string, std::string> headers;  // lower-case names
  Principal who;                               // empty for open routes
  store::Store& store;                         // this thread's connection: for reads
  TimePoint now;
  const ServeOptions& options;
  GroupCommit& writer;
  TtlCache<std::int64_t, std::string>* run_teams = nullptr;  // frugal serve's memory of runs' teams; none: read each time

  // Every write goes here: run on the writer's connection, answered once committed.
  Result<void> write(const GroupCommit::Job& job) { return writer.run(job); }
  // The same as a handler's last step, without holding this thread while the group commits: the
  // reply is `answer()` (none: 200 and `{}`) once `job` is committed (on the writer's thread: keep
  // it small), the error if not. `job` outlives this call: it captures what it needs by value.
  // The hot write routes (MLflow's log-metric, log-batch) answer this way.
  Reply write_then(GroupCommit::Job job, std::function<Result<Reply>()> answer = {});
};

struct AfterWrite;

struct Reply {
  int status = 200;
  json body = json::object();
  std::string text{};        // sent instead of body when not empty
  std::string content_type{};  // for text; JSON otherwise
  std::shared_ptr<AfterWrite> after_write{};  // write_then(): the reply waits for this write
};

struct AfterWrite {
  GroupCommit::Job job;
  std::function<Result<Reply>()> answer;
};

inline Reply Call::write_then(GroupCommit::Job job, std::function<Result<Reply>()> answer) {
  Reply pending;
  pending.after_write = std::make_shared<AfterWrite>(AfterWrite{std::move(job), std::move(answer)});
  return pending;
}

// A handler's reply made final where no one may wait asynchronously (tests, the fuzz harness):
// a write_then() reply's write is run and waited for here.
inline Result<Reply> settle(Call& call, Result<Reply> reply) {
  if (!reply || !reply->after_write) return reply;
  auto after = std::move(reply->after_write);
  FRUGAL_CHECK(call.write(after->job));
  return after->answer ? after->answer() : Result<Reply>(Reply{});
}

using Handler = std::function<Result<Reply>(Call&)>;

struct Route {
  std::string method;        // GET, POST, PATCH, PUT, DELETE
  std::string path;          // OpenAPI form: /api/v1/runs/{id}
  Access access;
  std::string summary;
  Handler handler;
  std::string auth_header = "authorization";  // arcee clients send x-api-key
  // Run on the I/O thread, no worker woken (Application::quick): only a handler that never blocks,
  // parsing its body, reading what is memoized (the caller's scope) and answering by write_then().
  bool quick = false;
};

// What each part of the API adds to the table.
void add_service_routes(std::vector<Route>& routes);  // healthz, the OpenAPI document
void add_run_routes(std::vector<Route>& routes);
void add_token_routes(std::vector<Route>& routes);
void add_sql_routes(std::vector<Route>& routes);
void add_mlflow_routes(std::vector<Route>& routes);
void add_metrics_routes(std::vector<Route>& routes);
void add_arcee_routes(std::vector<Route>& routes);
void add_cost_routes(std::vector<Route>& routes);
void add_value_routes(std::vector<Route>& routes);
void add_advise_routes(std::vector<Route>& routes);
void add_dashboard_routes(std::vector<Route>& routes);

// The OpenAPI 3 document of `routes`.
json openapi_document(const std::vector<Route>& routes);

// ---- helpers for handlers --------------------------------------------------------------------

// The body as JSON; invalid → an error naming the position.
Result<json> parse_body(const Call& call);
// Whether a request must carry a field.
enum class Field { required, optional };

// Errors: invalid, naming `field`, for text holding a NUL character (U+0000): PostgreSQL's text
// cannot hold one, so no backend takes it.
Result<void> check_text(std::string_view text, std::string_view field);

// A field of `object` (named `path` in errors, "metrics[2].value"): a string, a number, an integer.
// Absent or null: an error naming it when required, else "" or none.
Result<std::string> string_field(const json& object, const std::string& name, const std::string& path, Field presence);
Result<std::optional<double>> number_field(const json& object, const std::string& name, const std::string& path, Field presence);
Result<std::optional<std::int64_t>> integer_field(const json& object, const std::string& name, const std::string& path, Field presence);

// Whether `who` may see or write data of `team` (admin: any; agent/member: their own).
bool may_touch_team(const Principal& who, const std::string& team);
Result<std::int64_t> parse_id(const std::string& text, std::string_view what);

// The run `id` names, when `who` may touch it. Out of scope, and (for a non-admin) absent, are the
// same 403, so a token learns nothing of other teams' runs; an admin gets 404 for an absent run.
// An id that does not parse is a 404 too.
Result<std::int64_t> run_in_scope(const Call& call, const std::string& id_text);

// A query parameter, or `fallback` when absent.
std::string query_or(const Call& call, const char* name, const char* fallback);

// The days the imported bills cover, {first_day, last_day} (inclusive, YYYY-MM-DD): the first
// billing period's start and the last one's end, of the imports with live rows; null when none.
Result<json> bills_cover_json(store::Store& store);

// A store value as JSON (null, integer, real or text).
json value_json(const store::Value& v);

// A metric value as MLflow writes it: a number, or the strings "NaN", "Infinity", "-Infinity".
json metric_value_json(double value);

// What a token may write: an admin any team's runs, others their own team's.
tracking::Writer writer_of(const Principal& who);
// What a token may read of experiments: an admin every team's, others their own team's and the shared.
tracking::Reader reader_of(const Principal& who);

}  // namespace frugal::server
