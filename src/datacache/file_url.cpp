#include "datacache/file_url.h"
#include "util/strings.h"

#include <sys/stat.h>
#include <sys/vfs.h>

#include <array>
#include <fmt/format.h>

namespace frugal::datacache {
namespace {

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
  auto path = util::percent_decode(encoded);
  if (!path)
    return fail(ErrorCode::invalid, fmt::format("'{}': '{}' at byte {} is not a percent-escape of a byte (RFC 8089)", url,
                                                encoded.substr(path.error(), 3), scheme.size() + host.size() + path.error()));
  return *path;
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
