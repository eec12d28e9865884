// The application side of frugal serve's HTTP: the route table matched segment by segment (it
// tells 404 from 405), authentication and a rate limit per token decided on the request's head
// (no token, no body read), and JSON errors in MLflow's shape. http_transport.cpp carries the bytes.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fmt/format.h>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/time.h"
#include "server/http_transport.h"
#include "server/routes.h"
#include "util/strings.h"

namespace frugal::server {
namespace {

// One store connection per server thread (a Store is single-threaded), opened on first use.
class StorePool {
 public:
  explicit StorePool(std::string path) : m_path(std::move(path)) {}
  Result<store::Store*> for_this_thread() {
    thread_local std::unordered_map<const StorePool*, std::unique_ptr<store::Store>> mine;
    auto& slot = mine[this];
    if (!slot) slot = FRUGAL_TRY(store::open_store(m_path, store::Access::read_write));
    return slot.get();
  }

 private:
  std::string m_path;
};

// A token bucket per token: `rate` requests a second, bursts of two seconds' worth.
class RateLimiter {
 public:
  explicit RateLimiter(int rate) : m_rate(rate) {}
  bool allow(std::int64_t token_id) {
    if (m_rate <= 0) return true;
    std::lock_guard lock(m_mutex);
    auto now = std::chrono::steady_clock::now();
    auto& b = m_buckets[token_id];
    if (b.last.time_since_epoch().count() == 0) b = {2.0 * m_rate, now};
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(2.0 * m_rate, b.tokens + elapsed * m_rate);
    b.last = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last{};
  };
  int m_rate;
  std::mutex m_mutex;
  std::unordered_map<std::int64_t, Bucket> m_buckets;
};

std::string_view mlflow_error_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid: return "INVALID_PARAMETER_VALUE";
    case ErrorCode::not_found: return "RESOURCE_DOES_NOT_EXIST";
    case ErrorCode::conflict: return "RESOURCE_ALREADY_EXISTS";
    case ErrorCode::unauthenticated: return "UNAUTHENTICATED";
    case ErrorCode::forbidden:
    case ErrorCode::quota_exceeded: return "PERMISSION_DENIED";
    case ErrorCode::too_large: return "REQUEST_LIMIT_EXCEEDED";
    case ErrorCode::io:
    case ErrorCode::unavailable: return "INTERNAL_ERROR";
  }
  return "INTERNAL_ERROR";
}

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid: return 400;
    case ErrorCode::not_found: return 404;
    case ErrorCode::conflict: return 409;
    case ErrorCode::unauthenticated: return 401;
    case ErrorCode::forbidden:
    case ErrorCode::quota_exceeded: return 403;
    case ErrorCode::too_large: return 413;
    case ErrorCode::io: return 500;
    case ErrorCode::unavailable: return 503;
  }
  return 500;
}

HttpAnswer error_answer(int status, std::string_view code, std::string_view message) {
  return {status, json{{"error_code", code}, {"message", message}}.dump(-1, ' ', false, json::error_handler_t::replace)};
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (auto s : util::split(path, '/'))
    if (!s.empty()) out.push_back(s);
  return out;
}

// A route's path split once: literal segments, and "{x}" for parameters.
struct CompiledRoute {
  const Route* route;
  std::vector<std::string> parts;
};

bool matches(const CompiledRoute& r, const std::vector<std::string_view>& path, std::vector<std::string>& params) {
  if (r.parts.size() != path.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (r.parts[i].starts_with("{")) params.emplace_back(path[i]);
    else if (r.parts[i] != path[i]) return false;
  }
  return true;
}

std::string bearer_token(const HttpHead& head, const std::string& header) {
  auto it = head.headers.find(header);
  std::string_view value = it == head.headers.end() ? std::string_view() : std::string_view(it->second);
  if (header == "authorization") {
    if (value.size() > 7 && util::iequals(value.substr(0, 7), "bearer ")) return std::string(util::trim(value.substr(7)));
    return "";
  }
  return std::string(util::trim(value));
}

// What admission found: the route, its parameters, the caller and the connection to use.
struct Admitted : Ticket {
  const Route* route = nullptr;
  std::vector<std::string> params;
  Principal who;
  TimePoint now;
};

class Dispatcher : public Application {
 public:
  Dispatcher(const ServeOptions& options, StorePool& pool, GroupCommit& writer, std::vector<Route> routes)
      : m_options(options), m_pool(pool), m_writer(writer), m_routes(std::move(routes)), m_limiter(options.requests_per_second) {
    for (const auto& r : m_routes) m_compiled.push_back({&r, [&] {
                                                            std::vector<std::string> parts;
                                                            for (auto s : segments(r.path)) parts.emplace_back(s);
                                                            return parts;
                                                          }()});
    m_openapi = openapi_document(m_routes).dump();
  }

  HttpAnswer error(int status, std::string_view code, std::string_view message) override {
    return with_security_headers(error_answer(status, code, message));
  }

  std::optional<HttpAnswer> admit(const HttpHead& head, std::unique_ptr<Ticket>& ticket) override {
    if (head.method == "GET" && head.path == "/api/openapi.json") {
      ticket = std::make_unique<Admitted>();  // no route: handle() serves the document
      return std::nullopt;
    }
    auto path = segments(head.path);
    auto admitted = std::make_unique<Admitted>();
    bool other_method = false;
    for (const auto& c : m_compiled) {
      if (!matches(c, path, admitted->params)) continue;
      if (c.route->method == head.method) {
        admitted->route = c.route;
        break;
      }
      other_method = true;
    }
    const Route* found = admitted->route;
    if (!found)
      return error(other_method ? 405 : 404, other_method ? "METHOD_NOT_ALLOWED" : "ENDPOINT_NOT_FOUND",
                   fmt::format("{} {}: {}", head.method, head.path, other_method ? "method not allowed" : "no such endpoint"));
    for (auto& p : admitted->params) {
      auto decoded = util::percent_decode(p);
      if (!decoded) return error(400, "INVALID_PARAMETER_VALUE", fmt::format("path segment '{}': a malformed percent-escape", p));
      p = std::move(*decoded);
    }
    admitted->now = m_clock.now();
    if (found->access != Access::open) {
      auto store = m_pool.for_this_thread();
      if (!store) return error(503, "INTERNAL_ERROR", "the store cannot be opened");
      std::string token = bearer_token(head, found->auth_header);
      // Who a token is, remembered a second (ttl_cache.h): a revoked or expired token stops
      // working within it.
      std::string hash = token.empty() ? std::string() : token_hash(token);
      Result<Principal> principal = fail(ErrorCode::unauthenticated, "a valid token is required");
      if (auto known = token.empty() ? std::nullopt : m_principals.get(hash)) {
        principal = *known;
      } else if (!token.empty()) {
        principal = authenticate(**store, token, admitted->now);
        if (principal) m_principals.put(hash, *principal);
      }
      if (!principal) {
        if (principal.error().code != ErrorCode::unauthenticated) {
          fmt::print(stderr, "frugal: serve: {} {}: {}\n", head.method, head.path, principal.error().message);
          return error(503, "INTERNAL_ERROR", "the store did not answer; retry");
        }
        auto refusal = error(401, "UNAUTHENTICATED", "a valid token is required");
        refusal.headers.emplace_back("WWW-Authenticate", "Bearer");
        return refusal;
      }
      const Principal& who = admitted->who = *principal;
      bool allowed = who.role == Role::admin || found->access == Access::any ||
                     (found->access == Access::agent && who.role == Role::agent) ||
                     (found->access == Access::member && who.role == Role::member);
      if (!allowed)
        return error(403, "PERMISSION_DENIED", fmt::format("{} token may not call {} {}", util::with_article(role_name(who.role)), found->method, found->path));
      if (!m_limiter.allow(who.token_id)) {
        auto refusal = error(429, "REQUEST_LIMIT_EXCEEDED", "too many requests for this token; retry after 1 s");
        refusal.headers.emplace_back("Retry-After", "1");
        return refusal;
      }
    }
    ticket = std::move(admitted);
    return std::nullopt;
  }

  bool quick(const Ticket* ticket, std::size_t body_bytes) const override {
    // A big body is parsed on a worker: 16 MiB of JSON would hold every connection of an I/O thread.
    constexpr std::size_t k_quick_body = 64 << 10;
    const auto* admitted = static_cast<const Admitted*>(ticket);
    return admitted->route && admitted->route->quick && body_bytes <= k_quick_body;
  }

  void handle(const HttpHead& head, const std::string& body, Ticket* ticket, std::function<void(HttpAnswer)> answer) override {
    auto* admitted = static_cast<Admitted*>(ticket);
    if (!admitted->route) return answer(with_security_headers({200, m_openapi}));
    auto store = m_pool.for_this_thread();
    if (!store) return answer(error(503, "INTERNAL_ERROR", "the store cannot be opened"));
    Call call{head.method, body, std::move(admitted->params), head.query, head.headers, admitted->who, **store, admitted->now,
              m_options, m_writer, &m_run_teams};
    Result<Reply> reply = fail(ErrorCode::io, "no reply");
    try {
      reply = admitted->route->handler(call);
    } catch (const std::exception& e) {  // a bug: answer, and keep serving
      return answer(error(500, "INTERNAL_ERROR", fmt::format("internal error: {}", e.what())));
    }
    if (reply && reply->after_write) {
      // Answered from the writer's thread once the group commits; this worker goes on to the next
      // request (GroupCommit::submit).
      auto after = std::move(reply->after_write);
      m_writer.submit(std::move(after->job), [this, after, answer = std::move(answer)](Result<void> written) {
        Result<Reply> outcome = written ? Result<Reply>(Reply{}) : Result<Reply>(std::unexpected(written.error()));
        if (written && after->answer) {
          try {
            outcome = after->answer();
          } catch (const std::exception& e) {
            outcome = fail(ErrorCode::io, fmt::format("internal error: {}", e.what()));
          }
        }
        answer(to_answer(std::move(outcome)));
      });
      return;
    }
    answer(to_answer(std::move(reply)));
  }

 private:
  HttpAnswer to_answer(Result<Reply> reply) {
    if (!reply) return error(http_status(reply.error().code), mlflow_error_code(reply.error().code), reply.error().message);
    HttpAnswer answer{reply->status};
    if (!reply->text.empty() || !reply->content_type.empty()) {
      answer.body = std::move(reply->text);
      answer.content_type = reply->content_type;
    } else {
      // Text from a request (a label in a URL path) may not be UTF-8: replaced, not a 500.
      answer.body = reply->body.dump(-1, ' ', false, json::error_handler_t::replace);
    }
    return with_security_headers(std::move(answer));
  }

  static HttpAnswer with_security_headers(HttpAnswer a) {
    a.headers.emplace_back("X-Content-Type-Options", "nosniff");
    // The dashboard loads only its own script; styles may be set inline by its charts.
    a.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    return a;
  }

  const ServeOptions& m_options;
  TtlCache<std::string, Principal> m_principals{std::chrono::seconds(1), 10'000};     // by token hash
  TtlCache<std::int64_t, std::string> m_run_teams{std::chrono::seconds(1), 100'000};  // run id → its team
  StorePool& m_pool;
  GroupCommit& m_writer;
  std::vector<Route> m_routes;
  std::vector<CompiledRoute> m_compiled;
  RateLimiter m_limiter;
  SystemClock m_clock;
  std::string m_openapi;
};

}  // namespace

void add_service_routes(std::vector<Route>& routes) {
  routes.push_back({"GET", "/healthz", Access::open, "liveness: 200 while the server answers",
                    [](Call&) -> Result<Reply> { return Reply{200, {{"status", "ok"}}}; }});
  routes.push_back({"GET", "/api/openapi.json", Access::open, "this document", [](Call&) -> Result<Reply> {
                      return fail(ErrorCode::io, "served by the dispatcher");
                    }});
}

Result<void> serve(const ServeOptions& options) {
  // SIGTERM and SIGINT go to one thread that stops the server; every other thread (the writer and
  // the workers inherit this mask, so it comes first) blocks them.
  sigset_t stop_signals, previous;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
  struct RestoreMask {
    sigset_t* previous;
    ~RestoreMask() { pthread_sigmask(SIG_SETMASK, previous, nullptr); }
  } restore{&previous};
  // Open (and migrate) the store before listening: a bad --db fails now, not per request.
  GroupCommit writer(FRUGAL_TRY(store::open_store(options.database, store::Access::read_write)));
  std::vector<Route> routes;
  add_service_routes(routes);
  add_run_routes(routes);
  add_token_routes(routes);
  add_sql_routes(routes);
  add_cost_routes(routes);
  add_value_routes(routes);
  add_mlflow_routes(routes);
  add_metrics_routes(routes);
  add_arcee_routes(routes);
  add_advise_routes(routes);
  add_dashboard_routes(routes);
  StorePool pool(options.database);
  Dispatcher dispatcher(options, pool, writer, std::move(routes));


  TransportOptions transport;
  transport.host = options.host;
  transport.port = options.port;
  transport.body_bytes = options.max_body_bytes;
  transport.workers = options.threads;
  transport.max_connections = options.max_connections;
  transport.max_per_client = options.max_connections_per_client;
  std::atomic<bool> stop{false};
  std::thread signal_waiter([&] {
    while (!stop) {
      timespec tick{0, 200'000'000};
      siginfo_t info;
      if (sigtimedwait(&stop_signals, &info, &tick) > 0) stop = true;
    }
  });
  auto served = run_http(transport, dispatcher, options.on_listening, [&] { return stop.load(); });
  stop = true;
  signal_waiter.join();
  if (!served) return std::unexpected(served.error());
  return {};
}

}  // namespace frugal::server
