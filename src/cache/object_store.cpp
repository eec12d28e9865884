#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "cache/cache.h"
#include "cache/manifest.h"
#include "cache/object_check.h"
#include "cache/sha256.h"

namespace frugal::cache {
namespace fs = std::filesystem;
namespace {

Result<void> fsync_path(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::io, fmt::format("{}: {}", p.string(), std::strerror(errno)));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return fail(ErrorCode::io, fmt::format("{}: fsync: {}", p.string(), std::strerror(errno)));
  return {};
}

}  // namespace

Result<void> write_atomically(const std::string& target_path, const std::string& data) {
  fs::path target(target_path);
  fs::path tmp = target.parent_path() / ("." + target.filename().string() + fmt::format(".{}.tmp", ::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << data;
    if (!out.flush()) return fail(ErrorCode::io, fmt::format("{}: cannot write", tmp.string()));
  }
  FRUGAL_CHECK(fsync_path(tmp));
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) return fail(ErrorCode::io, fmt::format("{}: {}", target.string(), ec.message()));
  return fsync_path(target.parent_path());
}

namespace {

// Keys name files under entries/: only a SHA-256 in hex may, so no input escapes the folder.
Result<void> check_key(const std::string& key) {
  bool hex = key.size() == 64 && key.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!hex) return fail(ErrorCode::invalid, fmt::format("cache key '{}': expected 64 lowercase hex digits", key));
  return {};
}

// What a stage left at one path, as the manifest records it; symbolic links are never followed.
Result<void> record_path(const std::string& flag_value, const fs::path& p, Entry& entry, std::vector<fs::path>& files) {
  std::string name = p.string();
  if (name.find_first_of("\t\n") != std::string::npos)
    return fail(ErrorCode::invalid, fmt::format("--out {}: '{}' has a tab or newline in its name, which the cache cannot record",
                                                flag_value, name));
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return fail(ErrorCode::io, fmt::format("--out {}: {}: {}", flag_value, name, std::strerror(errno)));
  if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    auto target = fs::read_symlink(p, ec);
    if (ec) return fail(ErrorCode::io, fmt::format("--out {}: {}: {}", flag_value, name, ec.message()));
    if (target.string().find_first_of("\t\n") != std::string::npos)
      return fail(ErrorCode::invalid, fmt::format("--out {}: the link {} points to a name with a tab or newline", flag_value, name));
    entry.links.push_back({name, target.string()});
  } else if (S_ISDIR(st.st_mode)) {
    entry.folders.push_back({name, st.st_mode & 0777});
  } else if (S_ISREG(st.st_mode)) {
    files.push_back(p);
  } else {
    return fail(ErrorCode::invalid, fmt::format("--out {}: {} is not a file, folder or symbolic link (a pipe, socket or device)",
                                                flag_value, name));
  }
  return {};
}

// A file copied into a temporary under objects/, hashed from the bytes as they were written: an
// object holds what its name says even if the stage's file changes while it is stored.
struct Incoming {
  std::string tmp, sha256;
  std::uint64_t bytes = 0;
  unsigned mode = 0644;
};

Result<Incoming> copy_in(const fs::path& from, const std::string& objects_dir) {
  static unsigned counter = 0;
  Incoming in;
  in.tmp = fmt::format("{}/.incoming.{}.{}.tmp", objects_dir, ::getpid(), counter++);
  int src = ::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (src < 0) return fail(ErrorCode::io, fmt::format("{}: {}", from.string(), std::strerror(errno)));
  struct stat st {};
  ::fstat(src, &st);
  in.mode = st.st_mode & 0777;
  int dst = ::open(in.tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (dst < 0) {
    ::close(src);
    return fail(ErrorCode::io, fmt::format("{}: {}", in.tmp, std::strerror(errno)));
  }
  Sha256 sha;
  std::vector<char> buffer(1 << 20);
  std::string error;
  ::posix_fadvise(src, 0, 0, POSIX_FADV_SEQUENTIAL);
  for (;;) {
    ssize_t got = ::read(src, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) error = fmt::format("{}: {}", from.string(), std::strerror(errno));
    if (got <= 0) break;
    sha.update(buffer.data(), static_cast<std::size_t>(got));
    for (ssize_t done = 0; done < got && error.empty();) {
      ssize_t put = ::write(dst, buffer.data() + done, static_cast<std::size_t>(got - done));
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) error = fmt::format("{}: {}", in.tmp, std::strerror(errno));
      else done += put;
    }
    if (!error.empty()) break;
    in.bytes += static_cast<std::uint64_t>(got);
  }
  ::close(src);
  if (::close(dst) != 0 && error.empty()) error = fmt::format("{}: {}", in.tmp, std::strerror(errno));
  if (!error.empty()) {
    ::unlink(in.tmp.c_str());
    return fail(ErrorCode::io, error);
  }
  in.sha256 = sha.hex();
  return in;
}

}  // namespace

std::string ObjectStore::object_path(const std::string& sha) const {
  return (fs::path(m_folder) / "objects" / sha.substr(0, 2) / sha.substr(2)).string();
}

Result<void> ObjectStore::store_object(const std::string& file, OutputFile& out) {
  std::string objects_dir = m_folder + "/objects";
  std::error_code ec;
  fs::create_directories(objects_dir, ec);
  Incoming in = FRUGAL_TRY(copy_in(file, objects_dir));
  out = {file, in.sha256, in.bytes, in.mode};
  std::string object = object_path(in.sha256);
  if (FRUGAL_TRY(check_object(object, in.sha256, false)) == ObjectState::sound) {
    ::unlink(in.tmp.c_str());  // one copy per distinct content
    // Made young again (through its stamp, so the stamp stays true), so gc's orphan sweep spares
    // it until this entry's manifest refers to it.
    if (::utimensat(AT_FDCWD, stamp_path(object).c_str(), nullptr, 0) != 0) stamp_written_object(object);
    return {};
  }
  fs::create_directories(fs::path(object).parent_path(), ec);
  // Objects are read-only: a restored hard link must not let a stage edit the cache.
  if (::chmod(in.tmp.c_str(), 0444) != 0 || !fsync_path(in.tmp) || ::rename(in.tmp.c_str(), object.c_str()) != 0) {
    int err = errno;
    ::unlink(in.tmp.c_str());
    return fail(ErrorCode::io, fmt::format("{}: {}", object, std::strerror(err)));
  }
  stamp_written_object(object);
  return fsync_path(fs::path(object).parent_path());
}

Result<Entry> ObjectStore::put(const std::string& key, const std::vector<std::string>& outputs, std::int64_t compute_ms) {
  FRUGAL_CHECK(check_key(key));
  Entry entry{key, outputs, {}, compute_ms, 0};
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& out : outputs) {
    if (!fs::exists(fs::symlink_status(out, ec))) return fail(ErrorCode::not_found, fmt::format("--out {}: the command did not make it", out));
    FRUGAL_CHECK(record_path(out, out, entry, files));
    if (!fs::is_directory(fs::symlink_status(out, ec))) continue;
    for (auto it = fs::recursive_directory_iterator(out, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      FRUGAL_CHECK(record_path(out, it->path(), entry, files));
    if (ec) return fail(ErrorCode::io, fmt::format("--out {}: {}", out, ec.message()));
  }
  auto by_path = [](const auto& a, const auto& b) { return a.path < b.path; };
  std::sort(entry.folders.begin(), entry.folders.end(), by_path);  // a parent sorts before its children
  std::sort(entry.links.begin(), entry.links.end(), by_path);
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    FRUGAL_CHECK(store_object(f.string(), entry.files.emplace_back()));
    entry.bytes += static_cast<std::int64_t>(entry.files.back().bytes);
  }
  // The manifest last: an entry exists only once all its objects do.
  fs::create_directories(fs::path(m_folder) / "entries", ec);
  FRUGAL_CHECK(write_atomically((fs::path(m_folder) / "entries" / key).string(), format_manifest(entry)));
  return entry;
}

Result<std::optional<Entry>> ObjectStore::get(const std::string& key) const {
  FRUGAL_CHECK(check_key(key));
  fs::path path = fs::path(m_folder) / "entries" / key;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::optional<Entry>{};
  std::stringstream text;
  text << in.rdbuf();
  auto e = parse_manifest(key, text.str());
  if (!e) return std::optional<Entry>{};  // another format, or damaged: a miss, stored again
  struct stat manifest_stat {};
  if (::stat(path.c_str(), &manifest_stat) == 0) e->last_used = manifest_stat.st_mtime;
  std::error_code ec;
  for (const auto& f : e->files)
    if (!fs::exists(object_path(f.sha256), ec)) return std::optional<Entry>{};  // evicted under us: a miss
  return e;
}

Result<Damage> ObjectStore::check(const Entry& entry, Verify how) const {
  Damage damage;
  std::set<std::string> seen;
  for (const auto& f : entry.files) {
    if (!seen.insert(f.sha256).second) continue;
    auto state = FRUGAL_TRY(check_object(object_path(f.sha256), f.sha256, how == Verify::always));
    if (state == ObjectState::sound) continue;
    damage.objects.push_back(f.sha256);
    for (const auto& g : entry.files)
      if (g.sha256 == f.sha256) damage.paths.push_back(g.path);
  }
  return damage;
}

Result<void> ObjectStore::discard(const Entry& entry, const Damage& damage) {
  FRUGAL_CHECK(check_key(entry.key));
  std::error_code ec;
  fs::remove(fs::path(m_folder) / "entries" / entry.key, ec);  // the manifest first, as gc does
  if (ec) return fail(ErrorCode::io, fmt::format("{}/entries/{}: {}", m_folder, entry.key, ec.message()));
  for (const auto& sha : damage.objects) {
    std::string object = object_path(sha);
    fs::remove(object, ec);
    if (ec) return fail(ErrorCode::io, fmt::format("{}: {}", object, ec.message()));
    fs::remove(stamp_path(object), ec);
  }
  return {};
}

Result<void> ObjectStore::touch(const std::string& key) {
  FRUGAL_CHECK(check_key(key));
  std::string path = m_folder + "/entries/" + key;
  if (::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) != 0)
    return fail(ErrorCode::io, fmt::format("{}: {}", path, std::strerror(errno)));
  return {};
}

Result<void> ObjectStore::remove(const std::string& key) {
  FRUGAL_CHECK(check_key(key));
  std::error_code ec;
  if (!fs::remove(fs::path(m_folder) / "entries" / key, ec))
    return fail(ErrorCode::not_found, fmt::format("no cache entry {}", key));
  return {};
}

Result<std::vector<Entry>> ObjectStore::list() const {
  std::vector<Entry> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(fs::path(m_folder) / "entries", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!check_key(name)) continue;  // temporaries and strangers
    if (auto e = FRUGAL_TRY(get(name))) out.push_back(std::move(*e));
  }
  return out;
}

Result<RestoreMode> parse_restore_mode(std::string_view text, std::string_view setting) {
  if (text.empty() || text == "link") return RestoreMode::link;
  if (text == "copy") return RestoreMode::copy;
  return fail(ErrorCode::invalid, fmt::format("{} '{}': expected link or copy", setting, text));
}

}  // namespace frugal::cache
