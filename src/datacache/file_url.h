#pragma once
// Private to datacache/: file:// URLs as RFC 8089 writes them, and which local files may be a source.
#include <string>
#include <string_view>

#include "core/error.h"

namespace frugal::datacache {

// The local path of a file URL: file:///path or file://localhost/path, percent-escapes decoded
// (file:///data/my%20set/a.bin is "/data/my set/a.bin"). Errors: invalid, naming the URL, for
// another host, a relative path, a bad escape or an escaped NUL.
Result<std::string> file_url_path(std::string_view url);

// Errors: invalid when `path` is not a regular file on a real file system (a /proc or /sys file says
// its size is 0 and reads as something else: nothing trustworthy to cache); not_found when absent.
Result<void> check_cacheable_file(const std::string& path, std::string_view url);

}  // namespace frugal::datacache
