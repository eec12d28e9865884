// Every route of `frugal serve` (the JSON API, MLflow's, arcee's, costs, the dashboard's, SQL) on
// a request as HTTP writes it:
//   POST /api/2.0/mlflow/runs/search?x=1 HTTP/1.1      (the version is optional)
//   idempotency-key: k1                                 (headers, as the handlers see them)
//   x-fuzz-role: member                                 (the caller: admin, the default, member or agent)
//
//   {"filter": "metrics.loss < 0.5"}                    (the body)
// The route is found as the server finds it (segment by segment) and its handler is called with a
// store that holds a run, its metrics and a token, as the server would call it after
// authentication. A handler that throws is a bug (the server answers 500): the harness stops.
#include <cctype>
#include <cmath>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "server/mlflow_batch.h"
#include "server/routes.h"
#include "tracking/tracking.h"
#include "util/strings.h"

namespace {

using namespace frugal;
using namespace frugal::server;

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (auto s : util::split(path, '/'))
    if (!s.empty()) out.push_back(s);
  return out;
}

struct Request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;
  std::string body;
};

std::optional<Request> parse_request(std::string_view in) {
  auto take_line = [&in]() {
    auto end = in.find('\n');
    std::string_view line = in.substr(0, end);
    in.remove_prefix(end == std::string_view::npos ? in.size() : end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    return line;
  };
  std::string_view first = take_line();
  auto space = first.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  Request r;
  r.method = first.substr(0, space);
  std::string_view target = first.substr(space + 1);
  if (auto version = target.find(' '); version != std::string_view::npos) target = target.substr(0, version);
  auto question = target.find('?');
  // Decoded as the transport decodes (util::percent_decode); a malformed escape is the
  // transport's 400, which never reaches a handler.
  auto path = util::percent_decode(target.substr(0, question));
  if (!path) return std::nullopt;
  r.path = std::move(*path);
  if (question != std::string_view::npos) {
    for (auto pair : util::split(target.substr(question + 1), '&')) {
      if (pair.empty()) continue;
      auto eq = pair.find('=');
      auto key = util::percent_decode(pair.substr(0, eq), true);
      auto value = util::percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
      if (!key || !value) return std::nullopt;
      r.query[*key] = std::move(*value);
    }
  }
  while (!in.empty()) {
    std::string_view line = take_line();
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(util::trim(line.substr(0, colon)));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = util::trim(line.substr(colon + 1));
  }
  r.body = in;
  return r;
}

// The two readers of a log-batch body (server/mlflow_batch.h) agree: a body the plain reader reads,
// the tree reader reads too, into the same points, params and tags.
void check_batch_readers(const std::string& body) {
  auto plain = read_batch_plain(body, fuzz::fixed_now());
  if (!plain) return;
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) fuzz::broken("log-batch: the plain reader read a body that is not JSON");
  auto tree = read_batch_tree(parsed, fuzz::fixed_now());
  if (!tree) fuzz::broken("log-batch: the plain reader read a body the tree reader refuses: " + tree.error().message);
  bool same = plain->run_id == tree->run_id && plain->params == tree->params && plain->tags == tree->tags &&
              plain->metrics.size() == tree->metrics.size();
  for (std::size_t i = 0; same && i < plain->metrics.size(); ++i) {
    const auto &a = plain->metrics[i], &b = tree->metrics[i];
    same = a.key == b.key && a.step == b.step && a.time == b.time &&
           (a.value == b.value || (std::isnan(a.value) && std::isnan(b.value)));
  }
  if (!same) fuzz::broken("log-batch: the plain and tree readers read the same body differently");
}

// The server's state: a store holding one run of team "vision" with metrics, params and tags, a
// token, the writer's connection and a reader's. Made again from a copy every few thousand inputs,
// so what inputs write does not pile up.
class World {
 public:
  World() {
    m_template = fuzz::scratch_dir() + "/routes-template.db";
    m_options.database = fuzz::scratch_dir() + "/routes.db";
    m_options.max_sql_rows = 100;
    m_options.sql_timeout_ms = 50;
    make_template();
    add_service_routes(m_routes);
    add_run_routes(m_routes);
    add_token_routes(m_routes);
    add_sql_routes(m_routes);
    add_cost_routes(m_routes);
    add_mlflow_routes(m_routes);
    add_metrics_routes(m_routes);
    add_arcee_routes(m_routes);
    add_advise_routes(m_routes);
    add_dashboard_routes(m_routes);
    for (const auto& r : m_routes) {
      std::vector<std::string> parts;
      for (auto s : segments(r.path)) parts.emplace_back(s);
      m_parts.push_back(std::move(parts));
    }
    reset();
  }

  void handle(const Request& request) {
    if (++m_inputs % 5000 == 0) reset();
    auto path = segments(request.path);
    const Route* found = nullptr;
    std::vector<std::string> params;
    for (std::size_t i = 0; i < m_routes.size() && !found; ++i) {
      if (m_routes[i].method != request.method || m_parts[i].size() != path.size()) continue;
      params.clear();
      bool match = true;
      for (std::size_t j = 0; j < path.size() && match; ++j) {
        if (m_parts[i][j].starts_with("{")) params.emplace_back(path[j]);
        else match = m_parts[i][j] == path[j];
      }
      if (match) found = &m_routes[i];
    }
    if (!found) return;
    if (found->path.ends_with("/runs/log-batch")) check_batch_readers(request.body);
    Principal who{1, Role::admin, ""};
    if (auto role = request.headers.find("x-fuzz-role"); role != request.headers.end()) {
      auto parsed = parse_role(role->second);
      if (parsed && *parsed != Role::admin) who = Principal{2, *parsed, "vision"};
    }
    Call call{request.method, request.body, params, request.query, request.headers, who, *m_reader,
              fuzz::fixed_now(), m_options, *m_writer};
    Result<Reply> reply = fail(ErrorCode::io, "no reply");
    try {
      reply = settle(call, found->handler(call));
      // As the server sends it: text from a request may not be UTF-8, replaced rather than a 500.
      if (reply) (void)reply->body.dump(-1, ' ', false, json::error_handler_t::replace);
    } catch (const std::exception& e) {
      fuzz::broken(request.method + " " + found->path + " threw (the server answers 500): " + e.what());
    }
    if (m_reader->in_transaction()) fuzz::broken(request.method + " " + found->path + " left a transaction open");
  }

 private:
  void make_template() {
    auto opened = store::open_store(m_template);
    if (!opened) fuzz::broken("cannot make the template store: " + opened.error().message);
    store::Store& s = **opened;
    tracking::RunStart run;
    run.labels = {"ada", "vision", "detector", "resnet", "imagenet", "lr-sweep"};
    run.name = "train";
    run.command = {"python", "train.py"};
    run.instance_type = "p3.2xlarge";
    run.instance_id = "i-0abc";
    run.provider = "aws";
    run.region = "us-east-1";
    run.gpu_count = 1;
    run.instance_gpu_count = 1;
    run.hourly_price = Money::from_units(3);
    run.started = fuzz::fixed_now() - std::chrono::hours(2);
    run.params = {{"lr", "0.1"}};
    run.tags = {{"stage", "sweep"}};
    auto id = tracking::start_run(s, run);
    if (!id) fuzz::broken("cannot start the template's run: " + id.error().message);
    std::vector<tracking::MetricPoint> points = {{"loss", 1, run.started, 0.9}, {"loss", 2, run.started, 0.5}};
    if (!tracking::log_metrics(s, *id, points)) fuzz::broken("cannot log the template's metrics");
    if (!create_token(s, {"fuzz-admin", "", Role::admin, std::nullopt}, fuzz::fixed_now()) ||
        !create_token(s, {"fuzz-member", "vision", Role::member, std::nullopt}, fuzz::fixed_now()))
      fuzz::broken("cannot make the template's tokens");
  }

  void reset() {
    m_writer.reset();
    m_reader.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(m_options.database + suffix);
    std::filesystem::copy_file(m_template, m_options.database);
    auto writer = store::open_store(m_options.database);
    auto reader = store::open_store(m_options.database);
    if (!writer || !reader) fuzz::broken("cannot open the routes' store");
    m_writer = std::make_unique<GroupCommit>(std::move(*writer));
    m_reader = std::move(*reader);
  }

  std::string m_template;
  ServeOptions m_options;
  std::vector<Route> m_routes;
  std::vector<std::vector<std::string>> m_parts;
  std::unique_ptr<GroupCommit> m_writer;
  std::unique_ptr<store::Store> m_reader;
  std::uint64_t m_inputs = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World();  // for the whole process: reachable, not a leak
  auto request = parse_request({reinterpret_cast<const char*>(data), size});
  if (request) world->handle(*request);
  return 0;
}
