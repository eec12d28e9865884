// Issue 18 transport bench: the tiny app on GNU libmicrohttpd 0.9.75 (Debian's libmicrohttpd-dev).
// Internal polling threads with epoll, a pool of N, an inactivity timeout, a per-IP connection
// limit; the body accumulated in the access handler. Over the limit: a Content-Length is refused
// with 413 on the first call (the head only). A chunked body cannot be: 0.9.75's
// MHD_queue_response returns MHD_NO while the body is being read, and the handler's MHD_NO then
// closes the connection, so the client sees it cut off at the limit, with no 413.
//
//   mhd_server PORT [THREADS=2]        (prints nothing; SIGTERM ends it)
#include <microhttpd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <netinet/in.h>
#include <unistd.h>

namespace {

// 0.9.75 has one timeout: seconds of inactivity, restarted by every byte received. There is no
// deadline on the request head as a whole.
constexpr unsigned kInactivityTimeout = 15;
constexpr unsigned kPerIpLimit = 4000;  // everything here comes from 127.0.0.1; see run.sh
constexpr unsigned kConnectionLimit = 8000;
constexpr std::size_t kBodyLimit = 16 * 1024 * 1024;

struct Request {
  std::string body;
  bool too_large = false;
};

MHD_Result reply(MHD_Connection* c, unsigned status, std::string_view json) {
  MHD_Response* r = MHD_create_response_from_buffer(json.size(), const_cast<char*>(json.data()),
                                                    MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
  const MHD_Result ok = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ok;
}

MHD_Result handler(void*, MHD_Connection* c, const char* url, const char* method, const char*,
                   const char* upload_data, size_t* upload_size, void** state) {
  auto* req = static_cast<Request*>(*state);
  if (req == nullptr) {  // first call: the head only
    req = new Request;
    *state = req;
    if (const char* cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        cl != nullptr && std::strtoull(cl, nullptr, 10) > kBodyLimit) {
      req->too_large = true;
      return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, R"({"error":"too large"})");
    }
    return MHD_YES;
  }
  if (*upload_size != 0) {  // a piece of the body
    if (!req->too_large && req->body.size() + *upload_size > kBodyLimit) {
      req->too_large = true;
      req->body = std::string();
      *upload_size = 0;
      return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, R"({"error":"too large"})");  // MHD_NO: closed
    }
    if (!req->too_large) req->body.append(upload_data, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  if (req->too_large) return MHD_YES;  // already answered
  const std::string_view m{method}, u{url};
  if (m == "POST" && u == "/api/2.0/mlflow/runs/log-metric") {
    if (!req->body.empty() && req->body.find("\"key\"") != std::string::npos) return reply(c, MHD_HTTP_OK, "{}");
    return reply(c, MHD_HTTP_BAD_REQUEST, R"({"error":"no key"})");
  }
  if (m == "GET" && u == "/healthz") return reply(c, MHD_HTTP_OK, R"({"status":"ok"})");
  return reply(c, MHD_HTTP_NOT_FOUND, R"({"error":"not found"})");
}

void completed(void*, MHD_Connection*, void** state, MHD_RequestTerminationCode) {
  delete static_cast<Request*>(*state);
  *state = nullptr;
}

volatile std::sig_atomic_t stop = 0;

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const auto port = static_cast<uint16_t>(std::atoi(argv[1]));
  const unsigned threads = argc > 2 ? static_cast<unsigned>(std::max(1, std::atoi(argv[2]))) : 2;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  MHD_Daemon* d = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, port, nullptr, nullptr, &handler, nullptr,
      MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&addr),
      MHD_OPTION_THREAD_POOL_SIZE, threads,
      MHD_OPTION_CONNECTION_TIMEOUT, kInactivityTimeout,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, kPerIpLimit,
      MHD_OPTION_CONNECTION_LIMIT, kConnectionLimit,
      MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u,
      MHD_OPTION_NOTIFY_COMPLETED, &completed, nullptr,
      MHD_OPTION_END);
  if (d == nullptr) return 1;
  std::signal(SIGTERM, [](int) { stop = 1; });
  std::signal(SIGINT, [](int) { stop = 1; });
  while (stop == 0) pause();
  MHD_stop_daemon(d);
  return 0;
}
