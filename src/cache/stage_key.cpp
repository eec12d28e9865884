#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>
#include <fmt/format.h>
#include <memory>
#include <sys/stat.h>

#include "cache/cache.h"
#include "cache/sha256.h"

namespace frugal::cache {
namespace fs = std::filesystem;
namespace {

// Bump when the record's layout changes: old entries then simply miss.
constexpr int k_format_version = 1;

// One line of the record, length-prefixed so that no two different inputs read the same.
std::string line(std::string_view kind, std::string_view a, std::string_view b = {}) {
  return fmt::format("{} {}:{} {}:{}", kind, a.size(), a, b.size(), b);
}

Result<void> add_input(const std::string& given, std::vector<std::string>& record) {
  std::error_code ec;
  fs::path root(given);
  if (!fs::exists(root, ec)) return fail(ErrorCode::not_found, fmt::format("--in {}: no such file or folder", given));
  if (fs::is_regular_file(root, ec)) {
    struct stat st {};
    ::stat(root.c_str(), &st);
    record.push_back(line("in-file", given, fmt::format("{:o} {}", st.st_mode & 0777, FRUGAL_TRY(hash_file(given)))));
    return {};
  }
  // A folder: every file under it, by relative name, sorted, with its mode and content.
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) || it->is_symlink(ec)) files.push_back(it->path());
  if (ec) return fail(ErrorCode::io, fmt::format("--in {}: {}", given, ec.message()));
  std::sort(files.begin(), files.end());
  record.push_back(line("in-dir", given, std::to_string(files.size())));
  for (const auto& f : files) {
    std::string rel = fs::relative(f, root, ec).generic_string();
    if (fs::is_symlink(f, ec)) {
      record.push_back(line("in-link", rel, fs::read_symlink(f, ec).string()));
      continue;
    }
    struct stat st {};
    ::stat(f.c_str(), &st);
    record.push_back(line("in-entry", rel, fmt::format("{:o} {}", st.st_mode & 0777, FRUGAL_TRY(hash_file(f.string())))));
  }
  return {};
}

}  // namespace

std::string sha256_hex(std::string_view text) {
  Sha256 sha;
  sha.update(text.data(), text.size());
  return sha.hex();
}

Result<std::string> hash_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::io, fmt::format("{}: {}", path, std::strerror(errno)));
  Sha256 sha;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got == 0) break;
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int err = errno;
      ::close(fd);
      return fail(ErrorCode::io, fmt::format("{}: {}", path, std::strerror(err)));
    }
    sha.update(buffer.data(), static_cast<std::size_t>(got));
  }
  ::close(fd);
  return sha.hex();
}

namespace {

// True when `inner` is `outer` or lies under it (both absolute and normalised).
bool within(const fs::path& inner, const fs::path& outer) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end() || (std::next(o) == outer.end() && o->empty());  // a trailing '/' is ""
}

}  // namespace

Result<void> check_outputs(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs,
                           const std::string& cache_folder) {
  std::error_code ec;
  fs::path cwd = fs::weakly_canonical(fs::current_path(ec), ec);
  fs::path cache = fs::weakly_canonical(fs::absolute(cache_folder, ec), ec);
  for (const auto& given : outputs) {
    fs::path out = fs::weakly_canonical(fs::absolute(given, ec), ec);
    if (ec || given.empty()) return fail(ErrorCode::invalid, fmt::format("--out '{}': not a usable path", given));
    if (within(cwd, out))
      return fail(ErrorCode::invalid, fmt::format("--out {}: is the working folder or above it; a hit would delete it", given));
    // Both ways round on purpose: an output inside the cache, or the cache inside an output.
    if (within(cache, out) || within(out, cache))  // NOLINT(readability-suspicious-call-argument)
      return fail(ErrorCode::invalid, fmt::format("--out {}: overlaps the cache folder {}", given, cache.string()));
    for (const auto& in : inputs)
      if (within(fs::weakly_canonical(fs::absolute(in, ec), ec), out))
        return fail(ErrorCode::invalid, fmt::format("--out {}: holds the input {}; a hit would delete it", given, in));
  }
  return {};
}

Result<Key> stage_key(const StageInputs& in) {
  Key key;
  key.record.push_back(line("format", std::to_string(k_format_version)));
  for (const auto& arg : in.command) key.record.push_back(line("arg", arg));
  for (const auto& path : in.inputs) FRUGAL_CHECK(add_input(path, key.record));
  auto params = in.params;
  std::sort(params.begin(), params.end());
  for (const auto& [k, v] : params) key.record.push_back(line("param", k, v));
  auto env = in.env;
  std::sort(env.begin(), env.end());
  for (const auto& name : env) {
    const char* value = std::getenv(name.c_str());
    key.record.push_back(value ? line("env", name, value) : line("env-unset", name));
  }
  if (!in.user_key.empty()) key.record.push_back(line("key", in.user_key));
  Sha256 sha;
  for (const auto& l : key.record) {
    sha.update(l.data(), l.size());
    sha.update("\n", 1);
  }
  key.hex = sha.hex();
  return key;
}

}  // namespace frugal::cache
