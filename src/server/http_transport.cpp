// Boost.Beast carries frugal serve's HTTP (see http_transport.h for the limits and why). Each
// connection is a Session on a strand of the I/O context: wait for a request, read its head,
// admit it (or refuse it unread), read its body, hand it to a worker, write the answer.
#include <sys/resource.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "server/http_transport.h"
#include "util/strings.h"

namespace frugal::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr std::size_t k_max_header_fields = 100;
// After refusing a request whose body was not read, what the client still sends is read and
// dropped for a while before the socket closes: closing with unread data makes the kernel send a
// reset, which can destroy the answer before the client reads it (Apache's "lingering close").
constexpr auto k_linger = std::chrono::seconds(2);
constexpr std::size_t k_linger_bytes = 64 << 20;

// Connections by client address, and in all.
class ConnectionCount {
 public:
  enum class Verdict { admitted, server_full, client_full };
  ConnectionCount(std::size_t total, std::size_t per_client) : m_max_total(total), m_max_per_client(per_client) {}
  Verdict enter(const std::string& client) {
    std::lock_guard lock(m_mutex);
    if (m_total >= m_max_total) return Verdict::server_full;
    auto& mine = m_by_client[client];
    if (mine >= m_max_per_client) return Verdict::client_full;
    ++mine;
    ++m_total;
    return Verdict::admitted;
  }
  void leave(const std::string& client) {
    std::lock_guard lock(m_mutex);
    --m_total;
    if (auto it = m_by_client.find(client); it != m_by_client.end() && --it->second == 0) m_by_client.erase(it);
  }

 private:
  std::mutex m_mutex;
  std::size_t m_max_total, m_max_per_client, m_total = 0;
  std::unordered_map<std::string, std::size_t> m_by_client;
};

class Session;

// Beast 1.74 speaks boost::string_view.
std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

struct Shared {
  const TransportOptions& options;
  Application& app;
  net::thread_pool& workers;
  ConnectionCount& connections;
  std::atomic<bool> stopping{false};
  std::atomic<int> handling{0};  // requests handed to the application and not answered yet
  std::mutex sessions_mutex{};
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions{};
};

// The answer's bytes; for a HEAD request its head alone (with the length the body would have).
std::string wire_answer(const HttpAnswer& a, bool close, bool head_only = false) {
  http::response<http::string_body> res{static_cast<http::status>(a.status), 11};
  res.set(http::field::content_type, a.content_type);
  for (const auto& [name, value] : a.headers) res.set(name, value);
  res.body() = a.body;
  res.keep_alive(!close);
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  std::string wire = std::move(out).str();
  if (head_only) wire.resize(wire.find("\r\n\r\n") + 4);
  return wire;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared& shared, std::string client)
      : m_stream(std::move(socket)), m_deadline(m_stream.get_executor()), m_shared(shared), m_client(std::move(client)) {}
  ~Session() { m_shared.connections.leave(m_client); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() { net::dispatch(m_stream.get_executor(), [self = shared_from_this()] { self->wait_for_request(); }); }

  // Server stopping: a connection waiting for, or reading, a request closes now; one whose request
  // is being handled or answered closes after its answer.
  void stop() {
    net::post(m_stream.get_executor(), [self = shared_from_this()] {
      if (self->m_reading) self->m_stream.cancel();
    });
  }

 private:
  const TransportOptions& opt() const { return m_shared.options; }

  void wait_for_request() {
    if (m_shared.stopping) return close();
    if (m_buffer.size() > 0) return read_head();  // pipelined: the next request is here already
    // An idle connection keeps little: what the last request grew is given back, and the wait
    // reads into 1 KiB (most requests fit; the head reader takes more as it needs).
    m_buffer.shrink_to_fit();
    m_reading = true;
    m_stream.expires_after(opt().idle_timeout);
    m_stream.async_read_some(m_buffer.prepare(1024), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) return self->close();
      self->m_buffer.commit(n);
      self->read_head();
    });
  }

  // The stream's own timer closes the socket when it fires, leaving no way to say 408: reading a
  // request is bounded by this timer instead, which only cancels the read.
  void arm(std::chrono::milliseconds limit) {
    m_stream.expires_never();
    m_timed_out = false;
    m_deadline.expires_after(limit);
    m_deadline.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->m_timed_out = true;
      beast::error_code ignored;
      (void)self->m_stream.socket().cancel(ignored);
    });
  }

  bool timed_out(beast::error_code ec) {
    m_deadline.cancel();
    return ec == net::error::operation_aborted && m_timed_out;
  }

  void read_head() {
    m_reading = true;
    m_parser.emplace();
    m_parser->header_limit(static_cast<std::uint32_t>(opt().header_bytes));
    m_parser->body_limit(opt().body_bytes);
    arm(opt().header_timeout);
    http::async_read_header(m_stream, m_buffer, *m_parser,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_head(ec); });
  }

  void on_head(beast::error_code ec) {
    m_reading = false;
    if (timed_out(ec))
      return refuse(408, "REQUEST_TIMEOUT",
                    fmt::format("the request's head did not arrive within {} s", opt().header_timeout.count() / 1000));
    if (ec == http::error::header_limit)
      return refuse(431, "REQUEST_HEADER_FIELDS_TOO_LARGE", fmt::format("the request's head is over {} bytes", opt().header_bytes));
    if (ec == http::error::body_limit)  // Beast weighs Content-Length against the limit with the head
      return refuse(413, "REQUEST_LIMIT_EXCEEDED", fmt::format("request body over the {} byte limit", opt().body_bytes));
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset)
      return close();
    if (ec) return refuse(400, "BAD_REQUEST", fmt::format("malformed request: {}", ec.message()));
    const auto& req = m_parser->get();
    std::size_t fields = std::distance(req.begin(), req.end());
    if (fields > k_max_header_fields)
      return refuse(431, "REQUEST_HEADER_FIELDS_TOO_LARGE", fmt::format("{} header fields, over {}", fields, k_max_header_fields));
    if (auto bad = fill_head(req)) return refuse(400, "BAD_REQUEST", *bad);
    m_keep_alive = req.keep_alive();
    if (auto length = m_parser->content_length(); length && *length > opt().body_bytes)
      return refuse(413, "REQUEST_LIMIT_EXCEEDED",
                    fmt::format("request body of {} bytes, over the {} byte limit", *length, opt().body_bytes));
    m_ticket.reset();
    if (auto refusal = m_shared.app.admit(m_head, m_ticket)) return answer(*refusal, m_head.has_body);
    if (!m_head.has_body) return handle();
    if (util::iequals(sv(req[http::field::expect]), "100-continue")) {
      auto go_on = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      m_stream.expires_after(opt().write_timeout);
      return net::async_write(m_stream, net::buffer(*go_on), [self = shared_from_this(), go_on](beast::error_code e, std::size_t) {
        if (e) return self->close();
        self->read_body();
      });
    }
    read_body();
  }

  // The head as the application sees it; an error names what is malformed.
  std::optional<std::string> fill_head(const http::request<http::string_body>& req) {
    m_head = {};
    m_head.method = std::string(sv(req.method_string()));
    if (m_head.method == "HEAD") {
      m_head.method = "GET";
      m_head.head_only = true;
    }
    std::string_view target = sv(req.target());
    auto question = target.find('?');
    m_head.path = std::string(target.substr(0, question));  // segments are decoded by the router
    if (question != std::string_view::npos) {
      for (auto pair : util::split(target.substr(question + 1), '&')) {
        if (pair.empty()) continue;
        auto equals = pair.find('=');
        auto key = util::percent_decode(pair.substr(0, equals), true);
        auto value = util::percent_decode(equals == std::string_view::npos ? "" : pair.substr(equals + 1), true);
        if (!key || !value) return fmt::format("query parameter '{}': a malformed percent-escape", pair.substr(0, equals));
        m_head.query[*key] = *value;
      }
    }
    for (const auto& field : req) m_head.headers[util::to_lower(sv(field.name_string()))] = std::string(sv(field.value()));
    m_head.peer = m_client;
    m_head.has_body = m_parser->chunked() || m_parser->content_length().value_or(0) > 0;
    return std::nullopt;
  }

  void read_body() {
    m_reading = true;
    arm(opt().body_timeout);
    http::async_read(m_stream, m_buffer, *m_parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->m_reading = false;
      if (ec == http::error::body_limit)
        return self->refuse(413, "REQUEST_LIMIT_EXCEEDED",
                            fmt::format("request body over the {} byte limit", self->opt().body_bytes));
      if (self->timed_out(ec))
        return self->refuse(408, "REQUEST_TIMEOUT",
                            fmt::format("the request's body did not arrive within {} s", self->opt().body_timeout.count() / 1000));
      if (ec == net::error::operation_aborted || ec == http::error::end_of_stream || ec == net::error::eof) return self->close();
      if (ec) return self->refuse(400, "BAD_REQUEST", fmt::format("malformed request body: {}", ec.message()));
      self->handle();
    });
  }

  // The handler runs on a worker (a quick one here); the session does nothing else until the answer
  // comes back.
  void handle() {
    m_stream.expires_never();
    ++m_shared.handling;
    auto run = [self = shared_from_this()] {
      auto once = std::make_shared<AnswerOnce>(self);
      auto reply = [once](HttpAnswer a) {
        if (once->answered.exchange(true)) return;
        net::post(once->session->m_stream.get_executor(), [s = once->session, a = std::move(a)] { s->answer(a, false); });
      };
      try {
        self->m_shared.app.handle(self->m_head, self->m_parser->get().body(), self->m_ticket.get(), reply);
      } catch (const std::exception& e) {  // a bug: answer (unless it did), and keep serving
        reply(self->m_shared.app.error(500, "INTERNAL_ERROR", fmt::format("internal error: {}", e.what())));
      }
    };
    if (m_shared.app.quick(m_ticket.get(), m_parser->get().body().size())) run();
    else net::post(m_shared.workers, std::move(run));
  }

  // The application's hold on a session until it answers (perhaps from the writer's thread, after
  // this worker moved on): counted in `handling` until the last copy of the answer callback goes,
  // so run_http never returns while one could still touch the session.
  struct AnswerOnce {
    explicit AnswerOnce(std::shared_ptr<Session> s) : session(std::move(s)) {}
    AnswerOnce(const AnswerOnce&) = delete;
    AnswerOnce& operator=(const AnswerOnce&) = delete;
    ~AnswerOnce() {
      std::atomic<int>& handling = session->m_shared.handling;
      session.reset();
      --handling;
    }
    std::shared_ptr<Session> session;
    std::atomic<bool> answered{false};
  };

  // An answer the transport makes itself; the connection closes after it.
  void refuse(int status, std::string_view code, const std::string& message) {
    HttpAnswer a = m_shared.app.error(status, code, message);
    if (status == 408 || status == 413 || status == 431) a.headers.emplace_back("Connection", "close");
    answer(a, true);
  }

  void answer(const HttpAnswer& a, bool unread_body) {
    bool close_after = unread_body || !m_keep_alive || m_shared.stopping;
    auto wire = std::make_shared<std::string>(wire_answer(a, close_after, m_head.head_only));
    m_stream.expires_after(opt().write_timeout);
    net::async_write(m_stream, net::buffer(*wire),
                     [self = shared_from_this(), wire, close_after, unread_body](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       if (unread_body) return self->linger();
                       if (close_after) return self->close();
                       self->m_head = {};
                       self->m_parser.reset();
                       self->wait_for_request();
                     });
  }

  void linger() {
    beast::error_code ec;
    (void)m_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    m_stream.expires_after(k_linger);
    m_lingered = 0;
    drain(std::make_shared<std::array<char, 16384>>());
  }

  void drain(const std::shared_ptr<std::array<char, 16384>>& scratch) {
    m_stream.async_read_some(net::buffer(*scratch), [self = shared_from_this(), scratch](beast::error_code ec, std::size_t n) {
      self->m_lingered += n;
      if (ec || self->m_lingered >= k_linger_bytes) return self->close();
      self->drain(scratch);
    });
  }

  void close() {
    m_reading = false;
    m_deadline.cancel();
    beast::error_code ec;
    (void)m_stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    m_stream.close();
  }

  beast::tcp_stream m_stream;
  net::steady_timer m_deadline;
  bool m_timed_out = false;
  Shared& m_shared;
  std::string m_client;
  beast::flat_buffer m_buffer{1 << 16};
  std::optional<http::request_parser<http::string_body>> m_parser;
  HttpHead m_head;
  std::unique_ptr<Ticket> m_ticket;
  bool m_keep_alive = true;
  bool m_reading = false;
  std::size_t m_lingered = 0;
};

class Listener {
 public:
  Listener(net::io_context& io, Shared& shared, const tcp::endpoint& at) : m_io(io), m_shared(shared), m_acceptor(io) {
    m_acceptor.open(at.protocol());
    m_acceptor.set_option(net::socket_base::reuse_address(true));
    m_acceptor.bind(at);
    m_acceptor.listen(net::socket_base::max_listen_connections);
  }
  int port() const { return m_acceptor.local_endpoint().port(); }
  void accept() {
    m_acceptor.async_accept(net::make_strand(m_io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !m_acceptor.is_open()) return;
      if (!ec) welcome(std::move(socket));
      accept();
    });
  }
  void close() {
    net::post(m_acceptor.get_executor(), [this] {
      beast::error_code ec;
      (void)m_acceptor.close(ec);
    });
  }

 private:
  void welcome(tcp::socket socket) {
    beast::error_code ec;
    (void)socket.set_option(tcp::no_delay(true), ec);  // small JSON answers go out at once, not after a delayed ACK
    auto remote = socket.remote_endpoint(ec);
    std::string client = ec ? std::string("?") : remote.address().to_string();
    auto verdict = m_shared.connections.enter(client);
    if (verdict != ConnectionCount::Verdict::admitted) return turn_away(std::move(socket), verdict);
    auto session = std::make_shared<Session>(std::move(socket), m_shared, client);
    {
      std::lock_guard lock(m_shared.sessions_mutex);
      for (auto it = m_shared.sessions.begin(); it != m_shared.sessions.end();)  // forget the finished
        it = it->expired() ? m_shared.sessions.erase(it) : std::next(it);
      m_shared.sessions.insert(session);
    }
    session->start();
  }

  void turn_away(tcp::socket socket, ConnectionCount::Verdict verdict) {
    bool whole_server = verdict == ConnectionCount::Verdict::server_full;
    HttpAnswer a = m_shared.app.error(whole_server ? 503 : 429, whole_server ? "TEMPORARILY_UNAVAILABLE" : "REQUEST_LIMIT_EXCEEDED",
                                      whole_server ? "the server has as many connections as it takes; retry later"
                                                   : "this address has as many connections as one client may; retry later");
    a.headers.emplace_back("Retry-After", "1");
    auto wire = std::make_shared<std::string>(wire_answer(a, true));
    auto s = std::make_shared<tcp::socket>(std::move(socket));
    net::async_write(*s, net::buffer(*wire), [s, wire](beast::error_code, std::size_t) {
      beast::error_code ignored;
      (void)s->shutdown(tcp::socket::shutdown_both, ignored);
      (void)s->close(ignored);
    });
  }

  net::io_context& m_io;
  Shared& m_shared;
  tcp::acceptor m_acceptor;
};

// Many idle connections need many descriptors: the soft limit (often 1024) goes up to the hard one.
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

Result<void> run_http(const TransportOptions& options, Application& app, const std::function<void(int port)>& on_listening,
                      const std::function<bool()>& stop_requested) {
  raise_descriptor_limit();
  net::thread_pool workers(static_cast<std::size_t>(std::max(1, options.workers)));
  ConnectionCount connections(options.max_connections, options.max_per_client);
  Shared shared{options, app, workers, connections};
  // Declared after what sessions use: an answer still queued when the deadline stopped it is
  // destroyed with its session here, first.
  net::io_context io(options.io_threads);
  beast::error_code ec;
  auto address = net::ip::make_address(options.host == "localhost" ? "127.0.0.1" : options.host, ec);
  if (ec) return fail(ErrorCode::invalid, fmt::format("--listen {}: not an IP address", options.host));
  std::optional<Listener> listener;
  try {
    listener.emplace(io, shared, tcp::endpoint(address, static_cast<unsigned short>(options.port)));
  } catch (const boost::system::system_error& e) {
    return fail(ErrorCode::unavailable, fmt::format("--listen {}:{}: cannot bind: {}", options.host, options.port, e.code().message()));
  }
  listener->accept();
  // Polls for the stop request; then stops accepting, closes what waits and gives what is in
  // flight up to ten seconds to finish.
  net::steady_timer poll(io);
  net::steady_timer deadline(io);
  std::function<void()> watch = [&] {
    poll.expires_after(std::chrono::milliseconds(200));
    poll.async_wait([&](beast::error_code e) {
      if (e) return;
      if (!stop_requested()) return watch();
      deadline.expires_after(std::chrono::seconds(10));
      deadline.async_wait([&](beast::error_code d) {
        if (!d) io.stop();
      });
      shared.stopping = true;  // after the deadline is armed: the canceller below may cancel it from now on
      listener->close();
      std::lock_guard lock(shared.sessions_mutex);
      for (const auto& weak : shared.sessions)
        if (auto s = weak.lock()) s->stop();
    });
  };
  watch();
  if (on_listening) on_listening(listener->port());
  std::vector<std::thread> threads;
  for (int i = 1; i < std::max(1, options.io_threads); ++i) threads.emplace_back([&] { io.run(); });
  // The deadline timer keeps io.run() going after the last session: it returns once that fires or
  // every session closed and the deadline was cancelled below.
  std::thread canceller([&] {
    while (!shared.stopping) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (;;) {
      {
        std::lock_guard lock(shared.sessions_mutex);
        bool any = false;
        for (const auto& weak : shared.sessions) any = any || !weak.expired();
        if (!any) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    net::post(io, [&] { deadline.cancel(); });
  });
  io.run();
  for (auto& t : threads) t.join();
  canceller.join();
  workers.join();
  // A write answered later (Application::handle) holds its session until the writer has answered
  // it: wait for those, so none outlives this frame.
  while (shared.handling > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return {};
}

}  // namespace frugal::server
