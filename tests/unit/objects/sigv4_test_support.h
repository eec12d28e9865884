#pragma once
// What the SigV4 tests share: the fixtures folder, a server that answers anything with an empty 200
// (or a 206 to a Range) and keeps the request heads, and percent-decoding.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "loopback_http.h"

namespace frugal::objects::sigv4_test {

inline std::filesystem::path fixtures() { return std::filesystem::path(FRUGAL_SOURCE_DIR) / "tests/fixtures/sigv4"; }

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// 200 with no body; to "Range: bytes=N-", the object's last byte (N), of the version If-Range names.
inline std::string answer_anything(const std::string& head) {
  std::string range = testing::header_value(head, "Range"), if_range = testing::header_value(head, "If-Range");
  if (range.starts_with("bytes=") && !if_range.empty()) {
    std::string from = range.substr(6, range.size() - 7);
    return "HTTP/1.1 206 Partial Content\r\nETag: " + if_range + "\r\nContent-Range: bytes " + from + "-" + from + "/" +
           std::to_string(std::stoull(from) + 1) + "\r\nContent-Length: 1\r\n\r\nx";
  }
  return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
}

// Sets (or, given "", removes) environment variables and puts them back as they were when it goes.
class ScopedEnv {
 public:
  ScopedEnv() = default;
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    for (auto it = m_saved.rbegin(); it != m_saved.rend(); ++it) {
      if (it->second) ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else ::unsetenv(it->first.c_str());
    }
  }
  void set(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    m_saved.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    if (value.empty()) ::unsetenv(name.c_str());
    else ::setenv(name.c_str(), value.c_str(), 1);
  }
  // No proxy from this machine's environment: the requests go where the test says.
  void without_proxies() {
    for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"})
      set(name, "");
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> m_saved;
};

// "%E1%88%B4" → the three bytes; anything else as it is.
inline std::string percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace frugal::objects::sigv4_test
