// Issue 18 transport bench: the tiny app on Boost.Beast/Asio (Debian's Boost 1.74, header-only).
// One io_context run by N threads; async accept; per connection a beast::tcp_stream with
// expires_after deadlines and an http::request_parser<string_body> (header 16 KiB, body 16 MiB),
// header read first, then body; keep-alive.
//
//   beast_server PORT [THREADS=2]        (prints nothing; SIGTERM ends it)
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>; with GCC 12 in
// C++20 and later (coroutines on) the plain include is a hard error unless <utility> comes first.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// Idle keep-alive and the whole request head share one deadline: a client that trickles header
// lines is cut off when it runs out, however often it sends a byte.
constexpr auto kHeaderDeadline = std::chrono::seconds(15);
constexpr auto kBodyDeadline = std::chrono::seconds(30);
constexpr auto kWriteDeadline = std::chrono::seconds(15);
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr std::uint64_t kBodyLimit = 16 * 1024 * 1024;

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : stream_(std::move(socket)) {}

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

 private:
  void read_header() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(kHeaderDeadline);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec == http::error::header_limit) return refuse(http::status::request_header_fields_too_large);
    if (ec == http::error::body_limit) return refuse(http::status::payload_too_large);  // Content-Length
    if (ec) return close();
    if (parser_->is_done()) return handle();
    stream_.expires_after(kBodyDeadline);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_body(e); });
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::body_limit) return refuse(http::status::payload_too_large);  // chunked
    if (ec) return close();
    handle();
  }

  void handle() {
    const auto& req = parser_->get();
    const std::string_view target{req.target().data(), req.target().size()};  // boost::string_view in 1.74
    res_ = {};
    res_.version(req.version());
    res_.keep_alive(req.keep_alive());
    if (req.method() == http::verb::post && target == "/api/2.0/mlflow/runs/log-metric") {
      const std::string& body = req.body();
      if (!body.empty() && body.find("\"key\"") != std::string::npos) {
        res_.result(http::status::ok);
        res_.body() = "{}";
      } else {
        res_.result(http::status::bad_request);
        res_.body() = R"({"error":"no key"})";
      }
    } else if (req.method() == http::verb::get && target == "/healthz") {
      res_.result(http::status::ok);
      res_.body() = R"({"status":"ok"})";
    } else {
      res_.result(http::status::not_found);
      res_.body() = R"({"error":"not found"})";
    }
    res_.set(http::field::content_type, "application/json");
    res_.prepare_payload();
    write();
  }

  // An answer sent before the request was read through: the connection ends after it.
  void refuse(http::status status) {
    res_ = {};
    res_.version(11);
    res_.result(status);
    res_.keep_alive(false);
    res_.set(http::field::content_type, "application/json");
    res_.body() = R"({"error":"too large"})";
    res_.prepare_payload();
    write();
  }

  void write() {
    stream_.expires_after(kWriteDeadline);
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      if (!self->res_.keep_alive()) return self->close();
      self->read_header();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, tcp::endpoint endpoint) : ioc_(ioc), acceptor_(net::make_strand(ioc)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }

  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      if (!ec) {
        s.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(s))->start();
      }
      self->accept();
    });
  }

 private:
  net::io_context& ioc_;
  tcp::acceptor acceptor_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const auto port = static_cast<unsigned short>(std::atoi(argv[1]));
  const int threads = argc > 2 ? std::max(1, std::atoi(argv[2])) : 2;
  net::io_context ioc{threads};
  std::make_shared<Listener>(ioc, tcp::endpoint{net::ip::make_address("127.0.0.1"), port})->accept();
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
