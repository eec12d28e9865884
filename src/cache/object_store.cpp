#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/cache.h"

namespace frugal::cache {
namespace fs = std::filesystem;
namespace {

// A copy-on-write clone (FICLONE: Btrfs, XFS, bcachefs) of `from` at `to` with `mode`: no data
// copied, and its own mode and inode. False where the file system cannot (ext4), or on any error:
// the caller copies instead.
bool reflink(const std::string& from, const std::string& to, unsigned mode) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return false;
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
  bool cloned = out >= 0 && ::ioctl(out, FICLONE, in) == 0 && ::fchmod(out, mode & 07777) == 0;
  if (out >= 0) ::close(out);
  ::close(in);
  if (!cloned && out >= 0) ::unlink(to.c_str());
  return cloned;
}

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

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0644;
}

}  // namespace

std::string ObjectStore::object_path(const std::string& sha) const {
  return (fs::path(m_folder) / "objects" / sha.substr(0, 2) / sha.substr(2)).string();
}

Result<Entry> ObjectStore::put(const std::string& key, const std::vector<std::string>& outputs, std::int64_t compute_ms) {
  FRUGAL_CHECK(check_key(key));
  Entry entry{key, outputs, {}, compute_ms, 0};
  std::error_code ec;
  for (const auto& out : outputs) {
    if (out.find_first_of("\t\n") != std::string::npos)
      return fail(ErrorCode::invalid, fmt::format("--out '{}': tabs and newlines are not allowed in names", out));
    if (!fs::exists(out, ec)) return fail(ErrorCode::not_found, fmt::format("--out {}: the command did not make it", out));
    std::vector<fs::path> files;
    if (fs::is_directory(out, ec)) {
      for (auto it = fs::recursive_directory_iterator(out, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec)) files.push_back(it->path());
    } else {
      files.push_back(out);
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string sha = FRUGAL_TRY(hash_file(f.string()));
      fs::path object = object_path(sha);
      // An object already there is made young again, so gc's orphan sweep spares it until this
      // entry's manifest refers to it.
      if (::utimensat(AT_FDCWD, object.c_str(), nullptr, 0) != 0) {  // one copy per distinct content
        fs::create_directories(object.parent_path(), ec);
        fs::path tmp = object.string() + fmt::format(".{}.tmp", ::getpid());
        fs::copy_file(f, tmp, fs::copy_options::overwrite_existing, ec);
        if (ec) return fail(ErrorCode::io, fmt::format("{}: {}", f.string(), ec.message()));
        FRUGAL_CHECK(fsync_path(tmp));
        // Objects are read-only: restored hard links must not let a stage edit the cache.
        fs::permissions(tmp, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read, ec);
        fs::rename(tmp, object, ec);
        if (ec) return fail(ErrorCode::io, fmt::format("{}: {}", object.string(), ec.message()));
      }
      auto bytes = fs::file_size(f, ec);
      entry.files.push_back({f.string(), sha, bytes, mode_of(f)});
      entry.bytes += static_cast<std::int64_t>(bytes);
    }
  }
  // The manifest last: an entry exists only once all its objects do.
  std::string manifest = fmt::format("frugal-cache 1\nkey\t{}\ncompute_ms\t{}\n", key, compute_ms);
  for (const auto& o : outputs) manifest += fmt::format("out\t{}\n", o);
  for (const auto& f : entry.files) manifest += fmt::format("file\t{}\t{}\t{:o}\t{}\n", f.sha256, f.bytes, f.mode, f.path);
  fs::create_directories(fs::path(m_folder) / "entries", ec);
  FRUGAL_CHECK(write_atomically((fs::path(m_folder) / "entries" / key).string(), manifest));
  return entry;
}

Result<std::optional<Entry>> ObjectStore::get(const std::string& key) const {
  FRUGAL_CHECK(check_key(key));
  std::ifstream in(fs::path(m_folder) / "entries" / key);
  if (!in) return std::optional<Entry>{};
  Entry e;
  e.key = key;
  struct stat manifest_stat {};
  if (::stat((fs::path(m_folder) / "entries" / key).c_str(), &manifest_stat) == 0) e.last_used = manifest_stat.st_mtime;
  std::string line;
  std::getline(in, line);
  if (line != "frugal-cache 1") return std::optional<Entry>{};  // another format: a miss
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string kind;
    std::getline(words, kind, '\t');
    if (kind == "compute_ms") words >> e.compute_ms;
    else if (kind == "out") std::getline(words, e.outputs.emplace_back());
    else if (kind == "file") {
      OutputFile f;
      std::string mode;
      std::getline(words, f.sha256, '\t');
      words >> f.bytes;
      words.ignore(1);
      std::getline(words, mode, '\t');
      f.mode = static_cast<unsigned>(std::stoul(mode, nullptr, 8));
      std::getline(words, f.path);
      e.bytes += static_cast<std::int64_t>(f.bytes);
      e.files.push_back(std::move(f));
    }
  }
  std::error_code ec;
  for (const auto& f : e.files)
    if (!fs::exists(object_path(f.sha256), ec)) return std::optional<Entry>{};  // evicted under us: a miss
  return std::optional<Entry>{std::move(e)};
}

Result<Restore> ObjectStore::restore(const Entry& entry) const {
  Restore how = Restore::hard_link;
  std::error_code ec;
  for (const auto& out : entry.outputs) fs::remove_all(out, ec);  // stale outputs go first
  for (const auto& f : entry.files) {
    fs::path target(f.path);
    if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
    fs::remove(target, ec);
    std::string object = object_path(f.sha256);
    // A hard link costs nothing whatever the size, and carries the object's read-only mode (as
    // DVC's and ccache's link modes do, so a stage cannot edit the cache through it). An executable
    // output, or another file system, gets a copy with its own mode, checked against its hash.
    bool linked = (f.mode & 0111) == 0 && ::link(object.c_str(), target.c_str()) == 0;
    if (!linked && reflink(object, target.string(), f.mode)) {
      how = std::max(how, Restore::reflink);  // shares the object's blocks: its content, not re-hashed
      continue;
    }
    if (!linked) {
      fs::copy_file(object, target, fs::copy_options::overwrite_existing, ec);
      if (ec) return fail(ErrorCode::io, fmt::format("{}: {}", target.string(), ec.message()));
      fs::permissions(target, static_cast<fs::perms>(f.mode), ec);
      if (FRUGAL_TRY(hash_file(target.string())) != f.sha256)
        return fail(ErrorCode::io, fmt::format("{}: restored copy does not match its hash (cache object corrupt)", f.path));
      how = Restore::copy;
    }
  }
  return how;
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

}  // namespace frugal::cache
