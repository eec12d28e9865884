#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include "cache/cache.h"
#include "cache/object_check.h"

namespace frugal::cache {
namespace fs = std::filesystem;
namespace {

// Unreferenced objects younger than this may belong to a put whose manifest is not written yet.
constexpr std::int64_t k_orphan_grace_s = 3600;

Result<int> open_lock(const std::string& folder, const std::string& key) {
  std::error_code ec;
  fs::create_directories(folder + "/locks", ec);
  std::string path = folder + "/locks/" + key;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail(ErrorCode::io, fmt::format("{}: {}", path, std::strerror(errno)));
  return fd;
}

struct ObjectFile {
  std::uint64_t bytes = 0;
  std::int64_t mtime = 0;
};

// Every object on disk, by hash.
std::map<std::string, ObjectFile> objects_on_disk(const std::string& folder) {
  std::map<std::string, ObjectFile> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder + "/objects", ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string name = it->path().filename().string();
    std::string prefix = it->path().parent_path().filename().string();
    if (name.find('.') != std::string::npos || prefix.size() != 2) continue;  // temporaries
    struct stat st {}, stamp {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    // A store that finds its content already there refreshes the stamp, not the object (whose
    // times the stamp vouches for): the later of the two is the object's last use.
    std::int64_t used = st.st_mtime;
    if (::stat(stamp_path(it->path().string()).c_str(), &stamp) == 0) used = std::max<std::int64_t>(used, stamp.st_mtime);
    out[prefix + name] = {static_cast<std::uint64_t>(st.st_size), used};
  }
  return out;
}

// What crashed stores leave under objects/: temporaries older than the grace period, and stamps
// whose object is gone.
void sweep_leftovers(const std::string& folder, std::int64_t now) {
  std::error_code ec;
  std::vector<fs::path> doomed;
  for (auto it = fs::recursive_directory_iterator(folder + "/objects", ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (name.ends_with(".tmp") && now - st.st_mtime >= k_orphan_grace_s) doomed.push_back(it->path());
    std::string stamped = it->path().string();
    if (name.ends_with(".stamp") && !fs::exists(stamped.substr(0, stamped.size() - 6), ec)) doomed.push_back(it->path());
  }
  for (const auto& p : doomed) fs::remove(p, ec);
}

}  // namespace

// Whether `fd` is still the file at locks/KEY: remove_stale may unlink a lock file between our
// open and our flock, and a lock on an unlinked file excludes nobody.
bool still_linked(int fd, const std::string& folder, const std::string& key) {
  struct stat held {}, now {};
  std::string path = folder + "/locks/" + key;
  return ::fstat(fd, &held) == 0 && ::stat(path.c_str(), &now) == 0 && held.st_ino == now.st_ino && held.st_dev == now.st_dev;
}

Result<KeyLock> KeyLock::acquire(const std::string& folder, const std::string& key) {
  for (;;) {
    int fd = FRUGAL_TRY(open_lock(folder, key));
    while (::flock(fd, LOCK_EX) != 0)
      if (errno != EINTR) {
        int err = errno;
        ::close(fd);
        return fail(ErrorCode::io, fmt::format("{}/locks/{}: lock: {}", folder, key, std::strerror(err)));
      }
    if (still_linked(fd, folder, key)) return KeyLock(fd);
    ::close(fd);
  }
}

Result<std::optional<KeyLock>> KeyLock::try_acquire(const std::string& folder, const std::string& key) {
  for (;;) {
    int fd = FRUGAL_TRY(open_lock(folder, key));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return std::optional<KeyLock>{};
    }
    if (still_linked(fd, folder, key)) return std::optional<KeyLock>{KeyLock(fd)};
    ::close(fd);
  }
}

std::size_t KeyLock::remove_stale(const std::string& folder) {
  std::size_t removed = 0;
  std::error_code ec;
  std::vector<std::string> keys;
  for (const auto& e : fs::directory_iterator(folder + "/locks", ec)) keys.push_back(e.path().filename().string());
  for (const auto& key : keys) {
    auto lock = try_acquire(folder, key);
    if (!lock || !*lock) continue;  // held: in use now
    std::string path = folder;
    path += "/locks/";
    path += key;
    if (::unlink(path.c_str()) == 0) ++removed;  // while held: see still_linked
  }
  return removed;
}

KeyLock::KeyLock(KeyLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

KeyLock::~KeyLock() {
  if (m_fd >= 0) ::close(m_fd);
}

Result<std::uint64_t> parse_size(const std::string& text, std::string_view flag) {
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (unit.ends_with("B")) unit.remove_suffix(1);
  static const std::pair<std::string_view, std::uint64_t> units[] = {
      {"", 1},         {"K", 1000},       {"M", 1000'000},       {"G", 1000'000'000},       {"T", 1000'000'000'000},
      {"Ki", 1ULL << 10}, {"Mi", 1ULL << 20}, {"Gi", 1ULL << 30}, {"Ti", 1ULL << 40}};
  if (ec == std::errc() && end != text.data())
    for (const auto& [name, factor] : units)
      if (unit == name && number <= UINT64_MAX / factor) return number * factor;
  return fail(ErrorCode::invalid, fmt::format("{} '{}': expected a size such as 50G, 512Mi or 1000000", flag, text));
}

Result<GcResult> ObjectStore::gc(std::uint64_t max_bytes) {
  GcResult result;
  auto entries = FRUGAL_TRY(list());
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.last_used < b.last_used; });
  auto objects = objects_on_disk(m_folder);
  std::map<std::string, int> references;
  for (const auto& e : entries)
    for (const auto& f : e.files) ++references[f.sha256];
  std::uint64_t used = 0;
  for (const auto& [sha, o] : objects) used += o.bytes;

  std::error_code ec;
  auto delete_object = [&](const std::string& sha) {
    auto it = objects.find(sha);
    if (it == objects.end()) return;
    if (fs::remove(object_path(sha), ec)) {
      used -= it->second.bytes;
      result.bytes_freed += it->second.bytes;
    }
    fs::remove(stamp_path(object_path(sha)), ec);
    objects.erase(it);
  };
  for (const auto& e : entries) {
    if (used <= max_bytes) {
      ++result.entries_kept;
      continue;
    }
    auto lock = FRUGAL_TRY(KeyLock::try_acquire(m_folder, e.key));
    if (!lock) {
      ++result.entries_in_use;
      ++result.entries_kept;
      continue;
    }
    FRUGAL_CHECK(remove(e.key));  // the manifest first: an entry never outlives an object
    ++result.entries_evicted;
    for (const auto& f : e.files)
      if (--references[f.sha256] == 0) delete_object(f.sha256);
  }
  // Objects no entry refers to: left by `rm`, or by a store that crashed before its manifest.
  std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
  std::vector<std::string> orphans;
  for (const auto& [sha, o] : objects)
    if (references[sha] == 0 && now - o.mtime >= k_orphan_grace_s) orphans.push_back(sha);
  for (const auto& sha : orphans) delete_object(sha);
  sweep_leftovers(m_folder, now);
  result.bytes_used = used;
  KeyLock::remove_stale(m_folder);
  return result;
}

Result<Stats> ObjectStore::stats() const {
  Stats s;
  for (const auto& e : FRUGAL_TRY(list())) {
    ++s.entries;
    s.bytes_referenced += static_cast<std::uint64_t>(e.bytes);
    s.compute_ms += e.compute_ms;
  }
  for (const auto& [sha, o] : objects_on_disk(m_folder)) {
    ++s.objects;
    s.bytes_on_disk += o.bytes;
  }
  return s;
}

}  // namespace frugal::cache
