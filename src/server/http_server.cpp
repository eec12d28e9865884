// The HTTP side of frugal serve: httplib's threaded server, one catch-all handler per method that
// matches our route table segment by segment (faster than httplib's list of std::regex, and it
// tells 404 from 405), authentication, a rate limit per token, and JSON errors in MLflow's shape.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fmt/format.h>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/time.h"
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

void send_error(httplib::Response& res, int status, std::string_view code, std::string_view message) {
  res.status = status;
  res.set_content(json{{"error_code", code}, {"message", message}}.dump(-1, ' ', false, json::error_handler_t::replace),
                  "application/json");
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

std::string bearer_token(const httplib::Request& req, const std::string& header) {
  std::string value = req.get_header_value(header.c_str());
  if (header == "authorization") {
    if (value.size() > 7 && util::iequals(value.substr(0, 7), "bearer ")) return std::string(util::trim(value.substr(7)));
    return "";
  }
  return std::string(util::trim(value));
}

class Dispatcher {
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

  void handle(const httplib::Request& req, httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    // The dashboard loads only its own script; styles may be set inline by its charts.
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    if (req.method == "GET" && req.path == "/api/openapi.json") return res.set_content(m_openapi, "application/json");
    auto path = segments(req.path);
    std::vector<std::string> params;
    const Route* found = nullptr;
    bool other_method = false;
    for (const auto& c : m_compiled) {
      if (!matches(c, path, params)) continue;
      if (c.route->method == req.method) {
        found = c.route;
        break;
      }
      other_method = true;
    }
    if (!found) {
      return send_error(res, other_method ? 405 : 404, other_method ? "METHOD_NOT_ALLOWED" : "ENDPOINT_NOT_FOUND",
                        fmt::format("{} {}: {}", req.method, req.path, other_method ? "method not allowed" : "no such endpoint"));
    }
    auto store = m_pool.for_this_thread();
    if (!store) return send_error(res, 503, "INTERNAL_ERROR", "the store cannot be opened");
    TimePoint now = m_clock.now();
    Principal who;
    if (found->access != Access::open) {
      std::string token = bearer_token(req, found->auth_header);
      auto principal = token.empty() ? fail(ErrorCode::unauthenticated, "a valid token is required")
                                     : authenticate(**store, token, now);
      if (!principal) {
        if (principal.error().code != ErrorCode::unauthenticated) {
          fmt::print(stderr, "frugal: serve: {} {}: {}\n", req.method, req.path, principal.error().message);
          return send_error(res, 503, "INTERNAL_ERROR", "the store did not answer; retry");
        }
        res.set_header("WWW-Authenticate", "Bearer");
        return send_error(res, 401, "UNAUTHENTICATED", "a valid token is required");
      }
      who = *principal;
      bool allowed = who.role == Role::admin || found->access == Access::any ||
                     (found->access == Access::agent && who.role == Role::agent) ||
                     (found->access == Access::member && who.role == Role::member);
      if (!allowed)
        return send_error(res, 403, "PERMISSION_DENIED",
                          fmt::format("a {} token may not call {} {}", role_name(who.role), found->method, found->path));
      if (!m_limiter.allow(who.token_id)) {
        res.set_header("Retry-After", "1");
        return send_error(res, 429, "REQUEST_LIMIT_EXCEEDED", "too many requests for this token; retry after 1 s");
      }
    }
    Call call{req.method, req.body, std::move(params), {}, {}, who, **store, now, m_options, m_writer};
    for (const auto& [k, v] : req.params) call.query[k] = v;
    for (const auto& [k, v] : req.headers) {
      std::string lower(k);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      call.headers[lower] = v;
    }
    Result<Reply> reply = fail(ErrorCode::io, "no reply");
    try {
      reply = found->handler(call);
    } catch (const std::exception& e) {  // a bug: answer, and keep serving
      return send_error(res, 500, "INTERNAL_ERROR", fmt::format("internal error: {}", e.what()));
    }
    if (!reply) return send_error(res, http_status(reply.error().code), mlflow_error_code(reply.error().code), reply.error().message);
    res.status = reply->status;
    if (!reply->text.empty() || !reply->content_type.empty()) res.set_content(reply->text, reply->content_type);
    // Text from a request (a label in a URL path) may not be UTF-8: replaced, not a 500.
    else res.set_content(reply->body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
  }

 private:
  const ServeOptions& m_options;
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
  add_mlflow_routes(routes);
  add_metrics_routes(routes);
  add_arcee_routes(routes);
  add_advise_routes(routes);
  add_dashboard_routes(routes);
  StorePool pool(options.database);
  Dispatcher dispatcher(options, pool, writer, std::move(routes));


  httplib::Server http;
  http.new_task_queue = [threads = options.threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  http.set_payload_max_length(options.max_body_bytes);
  // httplib keeps a connection on one worker while it lives: short timeouts, so idle or trickling
  // clients cannot hold the workers for long (a reverse proxy in front is the full answer).
  http.set_read_timeout(5, 0);
  http.set_write_timeout(10, 0);
  http.set_keep_alive_max_count(100000);
  http.set_keep_alive_timeout(5);
  http.set_tcp_nodelay(true);  // small JSON answers go out at once, not after the peer's delayed ACK (40 ms)
  auto handler = [&](const httplib::Request& req, httplib::Response& res) { dispatcher.handle(req, res); };
  for (const char* pattern : {".*"}) {
    http.Get(pattern, handler);
    http.Post(pattern, handler);
    http.Patch(pattern, handler);
    http.Put(pattern, handler);
    http.Delete(pattern, handler);
  }
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    // Only for errors httplib made itself (a body over the limit): ours already carry a body.
    if (res.status == 413 && res.body.empty()) send_error(res, 413, "REQUEST_LIMIT_EXCEEDED", "request body too large");
  });

  int port = options.port;
  if (port == 0) port = http.bind_to_any_port(options.host);
  else if (!http.bind_to_port(options.host, port)) port = -1;
  if (port < 0) {
    return fail(ErrorCode::unavailable, fmt::format("--listen {}:{}: cannot bind", options.host, options.port));
  }
  std::atomic<bool> stopping{false};
  std::thread signal_waiter([&] {
    int signal = 0;
    while (!stopping) {
      timespec tick{0, 200'000'000};
      siginfo_t info;
      signal = sigtimedwait(&stop_signals, &info, &tick);
      if (signal > 0) break;
    }
    http.stop();  // stops accepting; the pool finishes requests in flight before listen returns
  });
  if (options.on_listening) options.on_listening(port);
  bool ok = http.listen_after_bind();
  stopping = true;
  signal_waiter.join();
  if (!ok) return fail(ErrorCode::unavailable, "the server stopped with an error");
  return {};
}

}  // namespace frugal::server
