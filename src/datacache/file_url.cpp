#include "datacache/file_url.h"

#include <sys/stat.h>
#include <sys/vfs.h>

#include <array>
#include <fmt/format.h>

namespace frugal::datacache {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// File systems whose files are made up as they are read (statfs magic numbers, linux/magic.h).
constexpr std::array<long, 7> k_pseudo_file_systems = {
    0x9fa0,      // proc
    0x62656572,  // sysfs
    0x64626720,  // debugfs
    0x74726163,  // tracefs
    0x27e0eb,    // cgroup
    0x63677270,  // cgroup2
    0x42494e4d,  // binfmt_misc
};

}  // namespace

Result<std::string> file_url_path(std::string_view url) {
  constexpr std::string_view scheme = "file://";
  if (!url.starts_with(scheme)) return fail(ErrorCode::invalid, fmt::format("'{}': not a file:// URL", url));
  std::string_view rest = url.substr(scheme.size());
  std::string_view host = rest.substr(0, rest.find('/'));
  if (!host.empty() && host != "localhost")
    return fail(ErrorCode::invalid, fmt::format("'{}': a file URL of host '{}'; only this machine's files are read "
                                                "(file:///path or file://localhost/path)", url, host));
  std::string_view encoded = rest.substr(host.size());
  if (encoded.empty()) return fail(ErrorCode::invalid, fmt::format("'{}': no path", url));
  std::string path;
  path.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      path += encoded[i];
      continue;
    }
    int high = i + 2 < encoded.size() ? hex_value(encoded[i + 1]) : -1;
    int low = i + 2 < encoded.size() ? hex_value(encoded[i + 2]) : -1;
    if (high < 0 || low < 0 || (high == 0 && low == 0))
      return fail(ErrorCode::invalid, fmt::format("'{}': '{}' at byte {} is not a percent-escape of a byte (RFC 8089)", url,
                                                  encoded.substr(i, 3), scheme.size() + host.size() + i));
    path += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return path;
}

Result<void> check_cacheable_file(const std::string& path, std::string_view url) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(ErrorCode::not_found, fmt::format("{}: no such file", url));
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::invalid, fmt::format("{}: not a regular file", url));
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) == 0)
    for (long magic : k_pseudo_file_systems)
      if (static_cast<long>(fs.f_type) == magic)
        return fail(ErrorCode::invalid, fmt::format("{}: a file the kernel makes up as it is read (/proc, /sys): "
                                                    "not cached", url));
  return {};
}

}  // namespace frugal::datacache
