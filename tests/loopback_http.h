#pragma once
// LoopbackHttp: a real HTTP server on 127.0.0.1 for tests that must see the bytes a client sends or
// make a server misbehave (cut a body short, ignore Range). Each connection carries one request; the
// handler gets the request's head and returns the exact bytes to answer, then the connection closes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace frugal::testing {

class LoopbackHttp {
 public:
  using Handler = std::function<std::string(const std::string& request_head)>;

  explicit LoopbackHttp(Handler handler) : m_handler(std::move(handler)) {
    m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (m_listener < 0 || ::bind(m_listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(m_listener, 16) != 0 || ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("loopback server: cannot listen");
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~LoopbackHttp() {
    m_stopping = true;
    ::shutdown(m_listener, SHUT_RDWR);
    ::close(m_listener);
    m_thread.join();
  }
  LoopbackHttp(const LoopbackHttp&) = delete;
  LoopbackHttp& operator=(const LoopbackHttp&) = delete;

  std::string url(const std::string& path = "/") const { return "http://127.0.0.1:" + std::to_string(m_port) + path; }
  int port() const { return m_port; }
  // The heads of the requests served so far, in order.
  std::vector<std::string> requests() const {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }

 private:
  void serve() {
    while (!m_stopping) {
      int client = ::accept(m_listener, nullptr, nullptr);
      if (client < 0) continue;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(client, buf, sizeof buf);
        if (n <= 0) break;
        head.append(buf, static_cast<std::size_t>(n));
      }
      {
        std::lock_guard lock(m_mutex);
        m_requests.push_back(head);
      }
      std::string answer = m_handler(head);
      for (std::size_t sent = 0; sent < answer.size();) {
        ssize_t n = ::write(client, answer.data() + sent, answer.size() - sent);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
      }
      ::close(client);
    }
  }

  Handler m_handler;
  int m_listener = -1;
  int m_port = 0;
  std::atomic<bool> m_stopping{false};
  mutable std::mutex m_mutex;
  std::vector<std::string> m_requests;
  std::thread m_thread;
};

// The value of header `name` (case-insensitive) in a request head, or "".
inline std::string header_value(const std::string& head, const std::string& name) {
  std::string lower_head, lower_name;
  for (char c : head) lower_head.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (char c : name) lower_name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  auto at = lower_head.find("\r\n" + lower_name + ":");
  if (at == std::string::npos) return "";
  auto start = at + 3 + name.size();
  auto end = head.find("\r\n", start);
  std::string value = head.substr(start, end - start);
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  return value;
}

}  // namespace frugal::testing
