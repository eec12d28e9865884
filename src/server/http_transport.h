#pragma once
// The HTTP/1.1 transport of frugal serve, event-driven (Boost.Beast on Asio; docs/benchmarks.md
// says why this library): a few I/O threads carry every connection, so a slow or idle client
// costs a socket and a few KB, never a thread; handlers run on a worker pool of their own.
// Limits hold while reading, before anything is buffered:
//   - the head: at most `header_bytes` (431), complete within `header_timeout` of its first byte
//     (408); a keep-alive connection may wait `idle_timeout` for its next request;
//   - the body: refused before it is read when the application refuses the head (no token, no
//     body read: the answer says Connection: close), over `body_bytes` by Content-Length or while
//     a chunked body streams in (413), complete within `body_timeout` (408);
//   - connections: at most `max_connections` in all (503) and `max_per_client` from one address
//     (429), both with Retry-After.
// Private to src/server; Beast stays inside http_transport.cpp.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace frugal::server {

struct HttpHead {
  std::string method;                          // GET, POST, ... (HEAD is passed on as GET)
  bool head_only = false;                      // a HEAD request: the answer's body is not sent
  std::string path;                            // percent-decoded, without the query
  std::map<std::string, std::string> query;    // ?a=b, decoded (the last value wins)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string peer;                            // the client's address
  bool has_body = false;                       // a Content-Length over 0, or chunked
};

struct HttpAnswer {
  int status = 200;
  std::string body{};
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers{};
};

// What admission learned about a request, handed to `handle` with it (the route, the caller).
struct Ticket {
  virtual ~Ticket() = default;
};

class Application {
 public:
  virtual ~Application() = default;
  // Called on an I/O thread with the whole head and before any of the body is read: an answer
  // refuses the request; otherwise `ticket` goes with it to `handle`. Keep it quick.
  virtual std::optional<HttpAnswer> admit(const HttpHead& head, std::unique_ptr<Ticket>& ticket) = 0;
  // Called on a worker thread (or the I/O thread: quick()) with the whole body; `answer` is called once, on this thread or later
  // on another (a write answered once its group commits, while this worker serves others). `head`,
  // `body` and `ticket` live until then.
  virtual void handle(const HttpHead& head, const std::string& body, Ticket* ticket,
                      std::function<void(HttpAnswer)> answer) = 0;
  // Whether `handle` may run on the I/O thread for this request: it never blocks (it parses, reads
  // what is memoized, and answers a write from the writer's thread), so no worker is woken.
  virtual bool quick(const Ticket* /*ticket*/, std::size_t /*body_bytes*/) const { return false; }
  // An answer the transport makes itself (a limit, a malformed request), in the application's shape.
  virtual HttpAnswer error(int status, std::string_view code, std::string_view message) = 0;
};

struct TransportOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: any free port
  std::size_t header_bytes = 16 << 10;
  std::size_t body_bytes = 16 << 20;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{60'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t max_connections = 16384;
  std::size_t max_per_client = 2048;
  int io_threads = 2;
  int workers = 16;
};

// Serves until `stop_requested` returns true (polled a few times a second): then stops accepting,
// lets requests in flight finish and closes idle connections. Errors: the address cannot be bound.
Result<void> run_http(const TransportOptions& options, Application& app, const std::function<void(int port)>& on_listening,
                      const std::function<bool()>& stop_requested);

}  // namespace frugal::server
